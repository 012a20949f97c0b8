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

from crawl.docroot import iter_docroot, list_docroot
from crawl.options import SourceOptions
from crawl.served.view import ServedView
from crawl.wayback.source import WaybackSource
from sunset import pipeline
from sunset.config import SiteConfig
from sunset.pipeline import SourceCall, SourceRun, archive_captures, archive_resumable
from sunset.plan import SourcePlan, plan_crawl, plan_docroot, plan_wayback


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
    along: tuple[str, ...] = ()
    """Later steps it can do while it writes. A source that leaves the CPU idle (the crawl waits for
    a server) makes the records and the mirror meanwhile (:mod:`site_out.along`); a fast one leaves
    them to the content pass."""
    start_page_checked: bool = False
    """The preflight finds the start page among its files before it writes (a docroot); for any
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
           partial(archive_captures, captures=iter_docroot, listing=list_docroot),
           start_page_checked=True, folders=True, answers=ServedView, reusable=True, plan=plan_docroot),
    Source("crawl", "rebuilt from a web archive", lambda config: config.source.wayback.enabled,
           partial(archive_resumable, source=WaybackSource, state="wayback_db"), plan=plan_wayback),
    Source("crawl", "crawled over HTTP", lambda config: True, pipeline.crawl, along=("normalize", "mirror"),
           plan=plan_crawl),
)


def source_of(config: SiteConfig) -> Source:
    """The source ``config`` asks for."""
    return next(source for source in SOURCES if source.chosen(config))
