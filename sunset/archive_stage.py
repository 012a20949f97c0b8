"""The archive stage: the package around the master (derived WARC, CDXJ, WACZ, bag), the
verification of everything a run wrote, and pywb replay.

Kept apart from :mod:`sunset.pipeline`, which makes the master, the records and the mirror:
this stage only reads those, so it can be re-run, or run on another machine, alone.
"""
from __future__ import annotations

import logging
import zlib
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from warcio.recordloader import ArchiveLoadFailed

from archive.capture_index import CaptureIndex
from archive.durable import is_disk_error
from archive.errors import SunsetError
from archive.package.bag import BagError, BagItem, validate_bag, write_bag
from archive.package.cdxj import write_cdxj
from archive.package.derived import ConvertedPage, DerivedSummary
from archive.package.derived import write_derived as write_derived_records
from archive.package.package_check import check_cdxj, check_conversions
from archive.package.reconstruct import ReconstructSummary
from archive.package.replay import ReplayError, build_collection
from archive.package.verify import count_with_fastwarc, readable, verify_warc
from archive.package.wacz import WaczError, iter_pages, validate_wacz, write_wacz
from archive.served import SiteIndex
from archive.warc_writer import WarcArchive
from site_out.check import BrokenLink, iter_mirror_problems
from site_out.inventory import iter_unexplained
from site_out.plan import build_plan
from sunset import __version__
from sunset.config import SiteConfig
from sunset.layout import OutputLayout, require_input
from sunset.pipeline import (
    layout_for,
    software_name,
    stamps_for,
    warcinfo_fields,
    workers_for,
)
from sunset.progress import progress
from sunset.reconstruct_stage import reconstruct
from sunset.run_record import OutOfStep
from sunset.sources import source_of

log = logging.getLogger("sunset")
PACKAGE_PLAN_FILE = ".package-plan.sqlite"
"""The mirror's plan made again for the derived WARC's conversion records (removed after)."""


@dataclass(frozen=True, slots=True)
class VerifySummary:
    records: int
    problems: tuple[str, ...] = field(default=())
    checked: tuple[str, ...] = field(default=())
    """What was checked besides the master and the mirror (derived WARC, index, WACZ, bag)."""

    @property
    def ok(self) -> bool:
        return not self.problems



def mirror_problems(layout: OutputLayout, workers: int) -> list[str]:
    """Every mirror link that opens nothing, and every page without its one notice."""
    links: list[str] = []
    pages: list[str] = []
    with each_check(links, "mirror links and notices"):
        for problem in iter_mirror_problems(layout.mirror, workers=workers):
            if isinstance(problem, BrokenLink):
                links.append(f"mirror: {problem.page}: link {problem.href!r} {problem.reason}")
            else:
                pages.append(f"mirror: {problem.page}: {problem.problem}")
    return links + pages


def check_mirror(config: SiteConfig) -> list[str]:
    """:func:`mirror_problems`, if there is a mirror: a step of its own, which a run starts once the
    mirror is written, beside the package (which does not touch the mirror)."""
    layout = layout_for(config)
    return mirror_problems(layout, workers_for(config)) if layout.mirror.exists() else []


def verify(config: SiteConfig, captures: Callable[[], CaptureIndex], *, quiet: bool = True, trust_run: bool = False,
           deep: bool = False, mirror_check: Callable[[], list[str]] | None = None,
           out_of_step: Sequence[OutOfStep] = ()) -> VerifySummary:
    """Re-read the outputs: WARC digests and record counts, and every link of the mirror.

    ``trust_run``: the WARCs, index, WACZ and bag were written by this very run, whose writers
    computed every digest as they wrote, and its mirror stage has just removed files no capture
    explains; reading them back would only repeat that work, so only FastWARC's record count and
    the mirror (links, notices) are checked. ``sunset verify`` re-reads everything; ``deep`` also
    has FastWARC check every block digest, not only count the records. ``mirror_check``: the
    mirror's check (:func:`check_mirror`), already under way; called when its answer is needed.
    ``captures``: the master's capture index, asked for only when the mirror's files are checked
    against it (a master too damaged to index is then one problem among the others).
    ``out_of_step``: outputs made from another master or input than the folder holds
    (:func:`sunset.run_record.out_of_step`): each is a problem that names the command making it
    again, and is not compared with what it was made from (that would fail on every line that
    changed); its own integrity (digests, the WACZ's and the bag's validation) is still checked.
    """
    layout = layout_for(config)
    stale = {item.output for item in out_of_step}
    with progress("verify", quiet=quiet, total=5) as tick:
        if trust_run:
            records = count_with_fastwarc(layout.warc)
            problems = [] if records is not None else [f"{layout.warc.name}: FastWARC is not installed"]
        else:
            warc = verify_warc(layout.warc, deep=deep)
            problems, records = list(warc.problems), warc.records
        problems.extend(item.problem(layout.root) for item in out_of_step)
        tick(layout.warc.name)
        if layout.mirror.exists():
            problems.extend(mirror_check() if mirror_check is not None
                            else mirror_problems(layout, workers_for(config)))
            tick("mirror")
            if not trust_run and "mirror" not in stale:
                with each_check(problems, "mirror files"):
                    with SiteIndex(captures()) as site, \
                            build_plan(site, case_insensitive=config.source.case_insensitive) as plan:
                        for stray in iter_unexplained(layout.mirror, plan):
                            problems.append(f"mirror: {stray}: no capture in {layout.warc.name} explains this "
                                            "file (left by an earlier run, or added by hand): `sunset mirror` "
                                            "removes it")
        tick("mirror files")
        checked = () if trust_run else verify_package(layout, problems, tick, deep=deep, skip=stale)
    return VerifySummary(records or 0, tuple(problems), checked)


@contextmanager
def each_check(problems: list[str], name: str) -> Iterator[None]:
    """One check that cannot finish (a damaged file) is a problem; the other checks still run."""
    try:
        yield
    except (SunsetError, OSError, ValueError, ArchiveLoadFailed, zlib.error) as error:
        if is_disk_error(error):
            raise
        problems.append(f"{name}: not checked: {readable(error)}")


# --- the archival package: derived WARC, CDXJ, WACZ, bag (sunset package), and replay ------------

@dataclass(frozen=True, slots=True)
class PackageSummary:
    derived: DerivedSummary
    cdxj_lines: int
    wacz_pages: int
    bag_files: int | None
    problems: tuple[str, ...]
    bag_again: bool = False
    """The run did not ask for a bag, but one an earlier run made was there: made again, so that
    no bag of an earlier master or package is left beside this one."""


def _converted_pages(config: SiteConfig, layout: OutputLayout, site: SiteIndex) -> Iterator[ConvertedPage]:
    """The mirror's pages and their captures: the mirror's own plan, made again from the index of the
    site as served (the master's, with the old server's answers over it). Read from the plan's store
    as the derived WARC is written, not listed: a list held every page's URL and path (16 MB at
    50,000 pages, the derived step's peak)."""
    if not layout.mirror.exists():
        return
    prefix = layout.mirror.name
    with build_plan(site, case_insensitive=config.source.case_insensitive,
                    store=layout.root / PACKAGE_PLAN_FILE) as plan:
        for planned in plan.files.values():
            if planned.kind == "html":
                yield ConvertedPage(planned.url, f"{prefix}/{planned.path}")


def write_derived(config: SiteConfig, index: CaptureIndex) -> DerivedSummary:
    """``NAME-derived.warc.gz``: the records and the mirror's pages, each tied to its original
    (``index``: the master's capture index)."""
    layout = layout_for(config)
    stamps = stamps_for(config)
    info = warcinfo_fields(config, source_of(config).how)
    info["description"] = f"Derived from {layout.warc.name} by sunset: structured records and mirror pages."
    with SiteIndex(index) as site, WarcArchive(layout.derived_warc, software=software_name(stamps.fixed),
                                               info=info, stamps=stamps) as archive:
        return write_derived_records(layout.derived_warc, site, layout.records, layout.root,
                                     _converted_pages(config, layout, site), archive)


def _start_url(config: SiteConfig, index: CaptureIndex | SiteIndex) -> str | None:
    for candidate in dict.fromkeys((config.start, config.base_url,
                                    *(config.base_url + name for name in config.source.index_files))):
        if index.first(candidate, revisits=False) is not None:
            return candidate
    return None


def _bag_info(config: SiteConfig, index: CaptureIndex, description: str) -> dict[str, str]:
    archive = config.archive
    dates = index.dates() or ("", "")
    info = {
        "Source-Organization": archive.source_organization or archive.operator or "",
        "Contact-Email": archive.contact_email or archive.contact or "",
        "External-Description": description,
        "External-Identifier": config.name,
        "Bagging-Date": (archive.fixed_clock or datetime.now(timezone.utc)).date().isoformat(),
        "Source-URL": config.base_url,
        "Earliest-Capture-Date": dates[0] if dates else "",
        "Latest-Capture-Date": dates[-1] if dates else "",
        "Retirement-Date": config.notice.date.isoformat(),
    }
    return {key: value for key, value in info.items() if value}


def _bag_readme(config: SiteConfig, layout: OutputLayout) -> str:
    return "\n".join([
        f"{config.name}: the archived website {config.base_url}",
        f"retired {config.notice.date.isoformat()}: {config.notice.text}",
        "",
        f"Made by sunset {__version__}. Under data/:",
        f"  {layout.warc.name}  the archival master (WARC 1.1): the original bytes, nothing changed",
        f"  {layout.reconstructed_warc.name}  sunset's reconstruction of the old server's answers: for files",
        "      read from a docroot, what the server sent where it was not the file as it lay (server-side",
        "      includes done, listings, redirects), and its answers to other spellings of its URLs (revisits of",
        "      captures, folder redirects); each marked WARC-Sunset-Reconstruction",
        f"  {layout.derived_warc.name}  what sunset made: a metadata record per page (its structured",
        "      record, JSON) and a conversion record per mirror page, each tied to its original by WARC-Refers-To",
        f"  {layout.cdxj.name}  sorted CDXJ index of the master (what pywb reads)",
        f"  {layout.wacz.name}  WACZ 1.1.1: master + index + page list; open it in ReplayWeb.page",
        "  records.jsonl  one structured record per page and file",
        "  mirror/  the static mirror with the retirement notice: open mirror/index.html",
        "  *.log  what happened while the package was made",
        "",
    ])


def _bag_items(layout: OutputLayout) -> list[BagItem]:
    items = [layout.warc, layout.reconstructed_warc, layout.derived_warc, layout.cdxj, layout.wacz, layout.records,
             layout.mirror, layout.log]
    items += sorted(layout.root.glob("crawl*"))  # the crawler's log, when the site was crawled
    return [BagItem(path, path.name) for path in items if path.exists()]


@dataclass(frozen=True, slots=True)
class ReplayPackage:
    """What the package makes of the master and ``records.jsonl`` alone (no mirror needed)."""

    reconstructed: ReconstructSummary
    cdxj_lines: int
    wacz_pages: int


def replay_package(config: SiteConfig, index: CaptureIndex) -> ReplayPackage:
    """The reconstructed WARC, the CDXJ index and the WACZ: what a viewer replays, made from the
    master (``index``: its capture index) and ``records.jsonl`` alone (so a run may make it while
    the mirror is written)."""
    layout = layout_for(config)
    reconstructed = reconstruct(config, layout, stamps_for(config), index)
    cdxj_lines = write_cdxj(layout.warc, layout.cdxj, layout.reconstructed_warc)
    with SiteIndex(index) as site:  # the pages as served: their answers' dates and ids
        pages = iter_pages(layout.records, site) if layout.records.exists() else iter(())
        try:
            wacz_pages = write_wacz([layout.warc, layout.reconstructed_warc], pages, layout.wacz, title=config.name,
                                    description=_description(config), main_url=_start_url(config, site),
                                    address=config.base_url)
        except WaczError as error:
            raise SunsetError(str(error)) from error
    return ReplayPackage(reconstructed, cdxj_lines, wacz_pages)


def _description(config: SiteConfig) -> str:
    """What the archive holds, as its master's warcinfo says (the WACZ's and the bag's description)."""
    return warcinfo_fields(config, source_of(config).how)["description"]


def package(config: SiteConfig, replay: ReplayPackage, derived: DerivedSummary, index: CaptureIndex, *,
            bagit: bool | None = None, quiet: bool = False) -> PackageSummary:
    """The package once its parts are made (:func:`replay_package`, :func:`write_derived`): the bag
    (``bagit``, default ``[archive] bagit``; its capture dates from ``index``, the master's capture
    index), and what the package holds, in the log.

    A bag already in the folder is made again even when this run did not ask for one: it was
    made to be deposited, and left as it is it would hold an earlier master or package (a
    careful archivist wants the bag to be what it describes, and not to lose it without a
    word; remove ``bag/`` to stop making it)."""
    layout = layout_for(config)
    bag_files = None
    asked = config.archive.bagit if bagit is None else bagit
    again = not asked and layout.bag.exists()
    if again:
        log.info("package: bag/ made again to match this package: an earlier run made it (remove %s to stop "
                 "making it)", layout.bag)
    if asked or again:
        with progress("package", quiet=quiet) as tick:
            try:
                bag_files = write_bag(layout.bag, _bag_items(layout), _bag_info(config, index, _description(config)),
                                      _bag_readme(config, layout))
            except BagError as error:
                raise SunsetError(str(error)) from error
            tick(layout.bag.name)
    reconstructed = replay.reconstructed
    for problem in derived.problems:
        log.warning("package: %s", problem)
    log.info("package: %d reconstructed records (%d answers of the old server worked out from its files, "
             "%d revisits, %d redirects)", reconstructed.records, reconstructed.served, reconstructed.revisits,
             reconstructed.redirects)
    log.info("package: %d metadata and %d conversion records, %d index lines, %d pages in the WACZ%s",
             derived.metadata, derived.conversions, replay.cdxj_lines, replay.wacz_pages,
             f", bag of {bag_files} files" if bag_files is not None else "")
    return PackageSummary(derived, replay.cdxj_lines, replay.wacz_pages, bag_files, derived.problems, again)


def verify_package(layout: OutputLayout, problems: list[str],
                   tick: Callable[[str], None] = lambda item: None, *, deep: bool = False,
                   skip: Collection[str] = ()) -> tuple[str, ...]:
    """Check whatever parts of the package exist; append problems; return what was checked. Those
    named in ``skip`` (known out of step) are checked on their own only, not against what they
    were made from."""
    checked: list[str] = []
    others = [layout.reconstructed_warc] if layout.reconstructed_warc.exists() else []
    for warc in others:
        problems.extend(verify_warc(warc).problems)
        checked.append(warc.name)
    if layout.derived_warc.exists():
        problems.extend(verify_warc(layout.derived_warc, deep=deep).problems)
        if "derived_warc" not in skip:
            with each_check(problems, layout.derived_warc.name):
                problems.extend(check_conversions(layout.derived_warc, layout.root))
        checked.append(layout.derived_warc.name)
    if layout.cdxj.exists() and "cdxj" not in skip:
        with each_check(problems, layout.cdxj.name):
            problems.extend(check_cdxj(layout.warc, layout.cdxj, *others))
        checked.append(layout.cdxj.name)
    tick("index")
    if layout.wacz.exists():
        with each_check(problems, layout.wacz.name):
            problems.extend(validate_wacz(layout.wacz))
        checked.append(layout.wacz.name)
    if layout.bag.exists():
        with each_check(problems, "bag/"):
            problems.extend(validate_bag(layout.bag))
        checked.append("bag/")
    tick("package")
    return tuple(checked)


def prepare_replay(config: SiteConfig) -> tuple[Path, str]:
    """pywb's folder (``replay/``) with a collection over the master and its CDXJ index; the start URL."""
    layout = layout_for(config)
    require_input(layout.warc, "replay", source_of(config).step)
    require_input(layout.cdxj, "replay", "package")
    try:
        others = [layout.reconstructed_warc] if layout.reconstructed_warc.exists() else []
        build_collection(layout.replay, config.name, layout.warc, layout.cdxj, *others)
    except ReplayError as error:
        raise SunsetError(str(error)) from error
    with CaptureIndex(layout.warc) as index, SiteIndex(index) as site:
        return layout.replay, _start_url(config, site) or config.base_url
