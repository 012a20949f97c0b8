"""Where a site's captures come from: the one step in which a crawl, a docroot and any later
source differ.

A new source is a module of :mod:`crawl` that yields :class:`archive.capture.Capture` objects
(:data:`sunset.pipeline.Captures`), and one line in :data:`SOURCES`. Every step after it (the
records, the mirror, the package, the checks) is the same for every source, and nothing after it
asks which source it was: what differs is declared here.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from archive.errors import ConfigError
from crawl.docroot import DocrootFiles, iter_docroot, list_docroot
from crawl.options import SourceOptions
from crawl.served.view import ServedView
from crawl.wayback.source import WaybackSource
from sunset import pipeline
from sunset.config import SiteConfig
from sunset.console import shown
from sunset.folder_site import check_output_folder
from sunset.pipeline import SourceCall, SourceRun, archive_captures, archive_resumable
from sunset.plan import SourcePlan, plan_crawl, plan_docroot, plan_wayback
from sunset.preflight import check_crawl_source, check_docroot_source, check_wayback_source

SourceCheck = Callable[[SiteConfig, str], DocrootFiles | None]
"""A source's own checks before ``sunset COMMAND`` writes anything (:attr:`Source.check`)."""


@dataclass(frozen=True, slots=True)
class Source:
    step: str
    """Its step's name, and the stage command that runs it alone (``sunset ingest``). Two sources
    may share one (``sunset crawl`` fetches from the live server or from a web archive): the
    config's source is the one that runs."""
    how: str
    """How the master was made, in the words of its warcinfo (and the package's description)."""
    chosen: Callable[[SiteConfig], bool]
    """Whether a config asks for this source; the first of :data:`SOURCES` that it asks for is used."""
    write: Callable[[SourceCall], SourceRun]
    """Makes the master WARC. A source that yields captures: :func:`sunset.pipeline.archive_captures`
    with them (``partial(archive_captures, captures=...)``); one that remembers its work so that a
    killed run resumes: :func:`sunset.pipeline.archive_resumable` with its class and the layout's
    name of its database."""
    key: str | None = None
    """The ``[source]`` key that asks for it (``docroot``); a config that sets two such keys is
    refused (:func:`source_of`). None: a source used when no other is asked for (the crawl)."""
    check: SourceCheck | None = None
    """What would make it refuse, checked before ``sunset COMMAND`` writes a byte (given the
    command: a check that walks or reads something does so only for ``sunset run`` and its step).
    Returns what it found that the step would otherwise find again: the docroot's files, the run's
    one walk of them (:func:`sunset.pipeline.ingest`). None: nothing to check ahead (the source's
    own step says what is wrong as it starts)."""
    along: tuple[str, ...] = ()
    """Later steps it can do while it writes. A source that leaves the CPU idle (the crawl waits for
    a server) makes the records and the mirror meanwhile (:mod:`site_out.along`); a fast one leaves
    them to the content pass."""
    start_page_checked: bool = False
    """Its check finds the start page among its files before it writes (a docroot); for any
    other source a run looks for it in the master as soon as the source is done."""
    folders: bool = False
    """Its captures are the files of the server's folders, so a folder URL was answered by its index
    file (the reconstructed WARC's ``index-file`` and ``folder-redirect`` spellings)."""
    answers: Callable[[SourceOptions], ServedView] | None = None
    """Its captures are a server's files, not its answers: the server that answered for them (its
    served view), whose answers the ``served`` step keeps where they were not a file as it lay
    (server-side includes, listings, ``.htaccess`` redirects, index pages). None: the captures are
    the server's answers already (a crawl)."""
    reusable: bool = False
    """A master it wrote is complete (written under another name, renamed when done), so a batch run
    again keeps it. Not the crawl's: a crawl run again with a higher ``max_pages`` continues it (and
    a crawl resumes, or finds itself complete, by itself)."""
    plan: SourcePlan | None = None
    """Its part of ``sunset plan``, the dry run (:mod:`sunset.plan`): what it would read or fetch,
    and what would make a run refuse, said without writing anything. None: the dry run says only
    what every run checks (the output folder)."""


SOURCES: tuple[Source, ...] = (
    Source("ingest", "ingested from its document root", lambda config: config.source.docroot is not None,
           partial(archive_captures, captures=iter_docroot, listing=list_docroot), key="docroot",
           check=check_docroot_source, start_page_checked=True, folders=True, answers=ServedView, reusable=True,
           plan=plan_docroot),
    Source("crawl", "rebuilt from a web archive", lambda config: config.source.wayback.enabled,
           partial(archive_resumable, source=WaybackSource, state="wayback_db"), key="wayback",
           check=check_wayback_source, plan=plan_wayback),
    Source("crawl", "crawled over HTTP", lambda config: True, pipeline.crawl, check=check_crawl_source,
           along=("normalize", "mirror"), plan=plan_crawl),
)


def source_of(config: SiteConfig) -> Source:
    """The source ``config`` asks for; a config that asks for two (a docroot and a web archive) is
    refused, since either would leave the other's site unarchived."""
    asked = [source for source in SOURCES if source.key is not None and source.chosen(config)]
    if len(asked) > 1:
        keys = " and ".join(source.key for source in asked if source.key)
        ways = " or ".join(source.how for source in asked)
        raise ConfigError(f"{config.path}: [source] {keys} are both set: the site is {ways}; remove one of them")
    return next(source for source in SOURCES if source.chosen(config))


def check_command(config: SiteConfig, command: str, *, force: bool | None = None) -> DocrootFiles | None:
    """Everything that can be known wrong before a command writes a byte (a refused run leaves
    nothing behind: no log, no site.toml, no half WARC): the output folder, then the config's source
    (a stage command that is not its step is refused, naming the one to run), then the source's own
    checks (:attr:`Source.check`), whose findings it returns (a docroot's files, for the ingest).
    An output folder that holds another site's output is refused, unless ``force`` (None: the
    command takes no ``--force``; :mod:`sunset.folder_site`)."""
    out = config.output_dir
    if out.exists() and not out.is_dir():
        raise ConfigError(f"the output folder {shown(out)} is a file: give --out a folder (it is created if missing)")
    check_output_folder(config, force=force)
    source = source_of(config)
    if command != source.step and any(other.step == command for other in SOURCES):
        raise ConfigError(f"{config.path}: {_asked_by(source)}, so the site is {source.how}: use "
                          f"`sunset {source.step}` (or `sunset run`), not `sunset {command}`")
    return source.check(config, command) if source.check is not None else None


def _asked_by(source: Source) -> str:
    """Why a config has ``source``, in its keys: the one it set, or those of the sources before it
    in :data:`SOURCES` that it did not (the crawl is what is left)."""
    if source.key is not None:
        return f"[source] {source.key} is set"
    keys = [other.key for other in SOURCES[:SOURCES.index(source)] if other.key is not None]
    if not keys:
        return "the config asks for it"
    return f"[source] {keys[0]} is not set" if len(keys) == 1 else "neither [source] " + " nor ".join(keys) + " is set"
