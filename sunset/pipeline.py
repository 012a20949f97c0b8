"""The wiring of the stages that make the master, the records and the mirror: the sources'
writers (captures from a source of :mod:`crawl`, or the crawl), normalize, the mirror, and the
two together in one read.

The order of the steps is declared in :mod:`sunset.steps` (sources in :mod:`sunset.sources`)
and run by :mod:`sunset.run_driver`; packaging, verification and replay are in
:mod:`sunset.archive_stage`. Each stage reads the previous stage's files on disk (the WARC,
``records.jsonl``), so any stage can be re-run alone and any WARC can be an input.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol

from archive.capture import Capture, Fetched
from archive.capture_index import CaptureIndex
from archive.dates import DateSpread
from archive.durable import atomic_writer
from archive.encoding import decode_css, decode_page
from archive.errors import ConfigError, SourceError
from archive.growth import GrowingFile, WarcGrowth, read_aside
from archive.reader import follow_warc_captures, iter_warc_fetches
from archive.side_outputs import master_outputs
from archive.sqlite_store import SqliteStore
from archive.sniff import is_css
from archive.stamps import RecordStamps
from archive.urls import BadURL, Scope, absolute
from archive.warc_writer import WarcArchive
from archive.workers import Aside, default_workers
from crawl.crawler import Crawler, CrawlSummary, LinkExtractor, summarize
from crawl.docroot import Excluded, SkipReporter
from crawl.frontier import Frontier, Status
from crawl.options import SourceOptions
from crawl.rules import RuleError
from normalize.css import iter_css_urls
from normalize.links import extract_page_references
from normalize.linktable import PAGE_REQUISITE_KINDS
from normalize.options import NormalizeOptions
from normalize.stage import NormalizeSummary, normalize_captures, normalize_warc
from site_out.along import AlongMirror, along_store, finish_along
from site_out.mirror import MirrorSummary, MissingLink, write_mirror
from site_out.options import MirrorOptions, PastRun
from sunset import __version__, content_pass, run_record
from sunset.config import SiteConfig, copy_config
from sunset.console import shown
from sunset.file_dates import copy_dates_warning
from sunset.layout import OutputLayout
from sunset.preflight import check_start_page
from sunset.progress import crawl_progress, progress

log = logging.getLogger("sunset")


def software_name(fixed: bool = False) -> str:
    """The warcinfo ``software``; without library versions in fixed mode, so upgrades keep golden files."""
    import warcio

    if fixed:
        return f"sunset/{__version__}"
    return f"sunset/{__version__} (warcio/{getattr(warcio, '__version__', 'unknown')})"


def stamps_for(config: SiteConfig) -> RecordStamps:
    return RecordStamps(config.archive.fixed_clock, config.archive.record_id_seed)


def layout_for(config: SiteConfig) -> OutputLayout:
    return OutputLayout(config.output_dir, config.name)


def _record_run(config: SiteConfig, layout: OutputLayout) -> None:
    """Keep the config beside the output so stage commands can be given the folder alone, and
    where it came from (a relative docroot is found from there)."""
    layout.root.mkdir(parents=True, exist_ok=True)
    if config.path.resolve() != layout.config_copy.resolve():
        copy_config(config, layout.config_copy)
        run_record.update(layout, config=str(config.path.resolve()))


def warcinfo_fields(config: SiteConfig, how: str) -> dict[str, str]:
    """The warcinfo record's fields: what the WARC holds, how it was made (``how``: its source's
    words, :attr:`sunset.sources.Source.how`), who keeps it."""
    notice = config.notice
    return {
        "isPartOf": config.name,
        "description": config.archive.description
        or f"{config.base_url} {how}; retired {notice.date.isoformat()}: {notice.text}",
        "operator": config.archive.operator or "",
        "contact": config.archive.contact or config.archive.contact_email or "",
        "sunset-base-url": config.base_url,
    }


@dataclass(frozen=True, slots=True)
class SourceCall:
    """What a source step is asked to do; the same for every source (:mod:`sunset.sources`)."""

    config: SiteConfig
    step: str
    """The source's step and stage command (``ingest``): its log lines and progress say so."""
    how: str
    """How the master is made, for its warcinfo."""
    quiet: bool = False
    fresh: bool = False
    """Forget what an earlier, interrupted run of this source left, and start again."""
    along: frozenset[str] = frozenset()
    """Later steps of the run the source may do while it writes (``normalize``: the records)."""
    listed: Listing | None = None
    """What the checks before the run found of the source's items (a docroot's one walk,
    :class:`crawl.docroot.DocrootFiles`), so that it is not looked at again."""


class Listing(Protocol):
    """What a source lists of its items before it writes them (a docroot's one walk,
    :class:`crawl.docroot.DocrootFiles`)."""

    def __len__(self) -> int:
        """How many it will write: the progress bar's total."""

    @property
    def excluded(self) -> Sequence[Excluded]:
        """What ``[source] exclude`` kept out of it: each named in the log, counted in the summary."""


class SourceRun(Protocol):
    """What every source step hands back (:class:`ArchivedCaptures`, :class:`CrawlRun`)."""

    @property
    def warc(self) -> Path: ...

    @property
    def along(self) -> Mapping[str, object]:
        """The result of each later step it did while it wrote (:attr:`SourceCall.along`)."""

    @property
    def reused(self) -> bool:
        """It found its master complete from an earlier run and did nothing."""

    @property
    def problems(self) -> int:
        """What it could not archive, counted among the run's problems (files skipped)."""

    @property
    def failures(self) -> tuple[str, ...]:
        """Lines to show as soon as it ends (fetches that failed)."""

    def summary_line(self, layout: OutputLayout) -> str:
        """Its line in the summary of ``sunset run``."""

    def done_line(self, layout: OutputLayout) -> str:
        """The last line of its own stage command."""


@dataclass(frozen=True, slots=True)
class ArchivedCaptures:
    """What a source of captures (a docroot, or any source that yields captures) archived."""

    files: int
    skipped: tuple[str, ...]
    warc: Path
    along: Mapping[str, object] = field(default_factory=dict)
    """Nothing is made along: the captures come fast, and the content pass reads them after."""
    reused: bool = False
    failures: tuple[str, ...] = ()
    dates_warning: str | None = None
    """The files' dates look like a copy's (:func:`sunset.file_dates.copy_dates_warning`)."""
    excluded: tuple[Excluded, ...] = ()
    """What ``[source] exclude`` kept out (not problems: the config asked for it)."""

    @property
    def problems(self) -> int:
        return len(self.skipped)

    def summary_line(self, layout: OutputLayout) -> str:
        """The run summary's line for the source."""
        notes = [f"{len(self.skipped)} skipped"] if self.skipped else []
        if self.excluded:
            notes.append(f"{excluded_count(self.excluded)} kept out by [source] exclude")
        line = f"  files archived   {self.files}" + (f" ({'; '.join(notes)})" if notes else "")
        if self.dates_warning:
            line += ("\n  file dates       WARNING: they look like a copy's, not the site's: set [source] "
                     "file_date (details above, in the log and the report)")
        return line

    def done_line(self, layout: OutputLayout) -> str:
        """The stage command's last line."""
        kept_out = f" ({excluded_count(self.excluded)} kept out by [source] exclude)" if self.excluded else ""
        return f"{self.files} files archived into {shown(self.warc)}{kept_out}"


def excluded_count(excluded: Sequence[Excluded]) -> str:
    """``2 files and 1 folder``: what ``[source] exclude`` kept out, counted as it was met (a
    folder's files were not read, so not counted)."""
    folders = sum(item.folder for item in excluded)
    counts = [(len(excluded) - folders, "file"), (folders, "folder")]
    return " and ".join(f"{count} {noun}{'' if count == 1 else 's'}" for count, noun in counts if count)


def _log_excluded(step: str, listed: Listing | None) -> tuple[Excluded, ...]:
    """What ``[source] exclude`` kept out of the master, each named in the log, then counted."""
    excluded = tuple(listed.excluded) if listed is not None else ()
    for item in excluded:
        log.info("%s: excluded %s", step, item)
    if excluded:
        log.info("%s: %s excluded by [source] exclude", step, excluded_count(excluded))
    return excluded


Captures = Callable[[SourceOptions, SkipReporter, Any], Iterable[Capture]]
"""A source of captures: a module of :mod:`crawl` yields them, one at a time, from the ``[source]``
options (and its listing of them, when it has one: else None); each item it cannot read goes to the
reporter, with the reason."""


def archive_captures(call: SourceCall, captures: Captures,
                     listing: Callable[[SourceOptions], Listing] | None = None) -> ArchivedCaptures:
    """Archive every capture of a source into the master WARC. ``listing``: a source that can list
    its items first (a docroot's walk) gives the progress bar its total and time left; the listing
    the checks before the run made (:attr:`SourceCall.listed`) is used when there is one."""
    config = call.config
    layout = layout_for(config)
    _record_run(config, layout)
    skipped: list[str] = []

    def on_skip(path: Path, reason: str) -> None:
        skipped.append(f"{path}: {reason}")
        log.warning("skipped %s: %s", path, reason)

    info = warcinfo_fields(config, call.how)
    dates = DateSpread()
    try:
        listed = call.listed if call.listed is not None or listing is None else listing(config.source)
        excluded = _log_excluded(call.step, listed)
        with _master(config, layout, info) as archive, \
                progress(call.step, quiet=call.quiet, total=len(listed) if listed is not None else None) as tick:
            for capture in captures(config.source, on_skip, listed):
                archive.write_capture(capture)
                dates.add(capture.date)
                tick(capture.url)
            files = archive.records
    except SourceError as error:
        raise SourceError(f"{config.path}: {error}") from error
    log.info("%s: %d files archived into %s", call.step, files, layout.warc)
    warning = copy_dates_warning(config, dates, archive.stamps.clock or datetime.now(timezone.utc))
    if warning:
        log.warning("%s: %s", call.step, warning)
    return ArchivedCaptures(files, tuple(skipped), layout.warc, dates_warning=warning, excluded=excluded)


def _master(config: SiteConfig, layout: OutputLayout, info: dict[str, str], *, resume: bool = False) -> WarcArchive:
    """The master's writer for a source of captures (its records dated and named by the config's stamps)."""
    stamps = stamps_for(config)
    return WarcArchive(layout.warc, software=software_name(stamps.fixed), info=info, stamps=stamps, resume=resume,
                       plugins=master_outputs())


class SourceReport(Protocol):
    """What a resumable source says it did (:class:`crawl.wayback.source.WaybackSummary`)."""

    @property
    def failures(self) -> tuple[str, ...]:
        """One line per item it could not archive."""

    def line(self) -> str:
        """What it archived, in words (``12 captures from ARCHIVE (1 not in the archive...)``)."""


class Progressed(Protocol):
    """A resumable source's progress: its items known so far (done and to do), the last one done."""

    @property
    def total(self) -> int: ...

    @property
    def last(self) -> str: ...


class ResumableSource(Protocol):
    """A source of captures that keeps its work in a database of its own (:class:`crawl.state_db.StateDb`),
    so that a run killed at any moment continues where it stopped (the web archive,
    :class:`crawl.wayback.source.WaybackSource`). Made by :func:`archive_resumable` from the ``[source]``
    options, that database's path, the crawl's link extractor (what a listing missed is found by
    the links of the pages) and a progress callback."""

    def warcinfo(self) -> dict[str, str]:
        """Its fields of the master's warcinfo (where the captures came from)."""

    def finished(self) -> bool:
        """An earlier run archived everything and left nothing to do."""

    def needs_recovery(self, url: str) -> bool:
        """Whether a record of ``url`` in the open WARC may be one whose completion was lost."""

    def recover(self, records: Iterable[Fetched]) -> int:
        """Believe the records a killed run left in the open WARC."""

    def captures(self) -> Iterator[Capture]:
        """Every capture still to archive; each is written and flushed before the next is asked for
        (the source then marks it done)."""

    def summary(self) -> SourceReport: ...

    def close(self) -> None: ...


OpenSource = Callable[..., ResumableSource]
"""``(options, *, scope=Scope, state=PATH, extract=LinkExtractor, on_progress=Callable[[Progressed], None])``."""


@dataclass(frozen=True, slots=True)
class ResumedCaptures:
    """What a resumable source archived (:func:`archive_resumable`)."""

    step: str
    report: SourceReport
    warc: Path
    reused: bool = False
    """Found finished from an earlier run: nothing was asked for."""
    along: Mapping[str, object] = field(default_factory=dict)
    problems: int = 0
    """What it could not archive is listed apart (:attr:`failures`), as a crawl's failed fetches are."""

    @property
    def failures(self) -> tuple[str, ...]:
        return self.report.failures

    def summary_line(self, layout: OutputLayout) -> str:
        return f"  files archived   {self.report.line()}"

    def done_line(self, layout: OutputLayout) -> str:
        return f"{self.step} {'already complete' if self.reused else 'done'}: {self.report.line()} into {self.warc}"


def _forget_source(database: Path, *others: Path) -> None:
    """What a resumable source left (its SQLite database, the open WARC...): the next run starts over."""
    for path in (database, database.with_name(database.name + "-wal"), database.with_name(database.name + "-shm"),
                 *others):
        path.unlink(missing_ok=True)


def archive_resumable(call: SourceCall, source: OpenSource, state: str) -> ResumedCaptures:
    """Archive the captures of a source that remembers its work into the master. ``state``: the
    property of :class:`sunset.layout.OutputLayout` naming its database.

    A run killed at any moment resumes: the open WARC is kept, its records are believed (the
    source's ``recover``), and nothing it holds is asked for again. A finished run is found
    finished (a higher ``max_pages`` continues it); ``--fresh`` starts over.
    """
    config = call.config
    layout = layout_for(config)
    _record_run(config, layout)
    database, open_warc = getattr(layout, state), layout.warc.with_name(layout.warc.name + ".open")
    if call.fresh or not (database.exists() and (open_warc.exists() or layout.warc.exists())):
        _forget_source(database, open_warc)
    earlier = database.exists()
    with progress(call.step, quiet=call.quiet) as tick:
        def show(step: Progressed) -> None:
            tick.set_total(step.total)  # type: ignore[attr-defined]
            tick(step.last)

        opened = source(config.source, scope=config.scope, state=database, extract=crawl_link_extractor(config.scope),
                        on_progress=show)
        try:
            if earlier and layout.warc.exists() and not open_warc.exists():
                if opened.finished():
                    log.info("%s: already complete in %s (use --fresh to start again)", call.step, layout.root)
                    return ResumedCaptures(call.step, opened.summary(), layout.warc, reused=True)
                layout.warc.rename(open_warc)  # run again with a higher max_pages: continue it
            resume = earlier and open_warc.exists()
            with _master(config, layout, {**warcinfo_fields(config, call.how), **opened.warcinfo()},
                         resume=resume) as archive:
                if resume:
                    opened.recover(iter_warc_fetches(open_warc, wanted=opened.needs_recovery))
                for capture in opened.captures():
                    archive.write_capture(capture)
                    archive.flush()  # before the source marks it done
            report = opened.summary()
        finally:
            opened.close()
    log.info("%s: %s into %s", call.step, report.line(), layout.warc)
    for failure in report.failures:
        log.info("%s: %s", call.step, failure)
    return ResumedCaptures(call.step, report, layout.warc)


def crawl_link_extractor(scope: Scope) -> LinkExtractor:
    """The crawler's link discovery: the mirror's own link table, so it fetches what the mirror needs.

    Yields (URL, is a page requisite) for pages and style sheets; requisites on the site's
    host are fetched even outside base_url and do not count towards max_depth.
    """

    def extract(body: bytes, content_type: str | None, url: str) -> Iterator[tuple[str, bool]]:
        if is_css(content_type, url):
            for _, _, raw in iter_css_urls(decode_css(body, content_type)):
                try:
                    found = absolute(raw, url)
                except (BadURL, ValueError):
                    continue
                if scope.same_host(found):
                    yield found, True
            return
        for link in extract_page_references(decode_page(body, content_type).text, url, scope).links:
            if link.url and link.in_scope:
                yield link.url, link.kind in PAGE_REQUISITE_KINDS

    return extract


@dataclass(frozen=True, slots=True)
class CrawlRun:
    summary: CrawlSummary
    warc: Path
    already_complete: bool = False
    records: NormalizeSummary | None = None
    """``records.jsonl``, when it was made while the crawl fetched (``normalize`` along)."""
    mirrored: MirrorSummary | None = None
    """``mirror/``, when it was written while the crawl fetched (``mirror`` along, with the records)."""

    @property
    def along(self) -> Mapping[str, object]:
        """The later steps done while crawling: ``normalize``, when the records were made, and
        ``mirror``, when the mirror was written with them."""
        done: dict[str, object] = {"normalize": self.records} if self.records is not None else {}
        if self.mirrored is not None:
            done["mirror"] = self.mirrored
        return done

    @property
    def reused(self) -> bool:
        """A crawl found complete fetched nothing."""
        return self.already_complete

    @property
    def problems(self) -> int:
        """Failed fetches are listed apart (:attr:`failures`), not counted as the run's problems."""
        return 0

    @property
    def failures(self) -> tuple[str, ...]:
        return self.summary.failures

    def summary_line(self, layout: OutputLayout) -> str:
        summary = self.summary
        return (f"  URLs fetched     {summary.fetched} ({summary.errors} failed, {summary.skipped} left out; "
                f"see {shown(layout.crawl_log)})")

    def done_line(self, layout: OutputLayout) -> str:
        summary = self.summary
        state = "already complete" if self.already_complete else "done"
        return (f"crawl {state}: {summary.fetched} URLs fetched ({summary.errors} failed, {summary.skipped} "
                f"left out, {summary.revisits} duplicates as revisits) into {shown(self.warc)}; "
                f"log: {shown(layout.crawl_log)}")


def _forget_crawl(layout: OutputLayout) -> None:
    _forget_source(layout.crawl_db, layout.warc.with_name(layout.warc.name + ".open"), layout.crawl_aliases)


def _content_growing(growing: GrowingFile, warc: Path, options: NormalizeOptions, records: Path,
                     mirror: tuple[SqliteStore, MirrorOptions, Path, Path, int] | None) -> NormalizeSummary:
    """The records of the master as it grows, and with ``mirror`` (its store, options, output folder,
    open name and worker processes) each capture's mirror file along (:mod:`site_out.along`)."""
    with growing:
        captures = follow_warc_captures(warc, growing)
        if mirror is None:
            return normalize_captures(captures, options, records)
        store, mirror_options_, out_dir, open_warc, workers = mirror
        return content_pass.records_and_mirror_along(captures, options, records,
                                                     AlongMirror(store, mirror_options_, out_dir, open_warc, warc),
                                                     workers=workers)


class _RecordsAlong(contextlib.AbstractContextManager["_RecordsAlong"]):
    """``records.jsonl`` made from the master as the crawl writes it, in a forked process, and with
    ``mirror`` the mirror's files too (put right by :meth:`finish_mirror` once the master is whole).

    Started (:meth:`start`) once the writer has opened the WARC, which the reader opens then,
    before the fork (:func:`archive.growth.read_aside`), and before the crawl starts its threads.
    """

    def __init__(self, layout: OutputLayout, options: NormalizeOptions, mirror: MirrorOptions | None = None,
                 workers: int = 1) -> None:
        self.growth = WarcGrowth()
        self._layout = layout
        self._options = options
        self._mirror = mirror
        self._workers = workers
        self._store: SqliteStore | None = None
        self._aside: Aside[NormalizeSummary] | None = None

    def start(self, open_warc: Path) -> None:
        mirror = None
        if self._mirror is not None:
            # Made here, before the fork: it outlives the reader, and this process removes it.
            self._store = along_store(self._layout.root)
            mirror = (self._store, self._mirror, self._layout.root, open_warc, self._workers)
        self._aside = read_aside(open_warc, self.growth, _content_growing, self._layout.warc, self._options,
                                 self._layout.records, mirror)

    def finish(self) -> NormalizeSummary:
        """The WARC is complete: the records of what is left, then their summary."""
        assert self._aside is not None
        self.growth.finish(self._layout.warc.stat().st_size)
        return self._aside.result()

    def finish_mirror(self, config: SiteConfig) -> MirrorSummary | None:
        """The mirror written along put right for the complete master (None: none was written)."""
        if self._store is None:
            return None
        layout, store = self._layout, self._store
        self._store = None
        records = layout.records if layout.records.exists() else None
        with CaptureIndex(layout.warc) as index:
            try:  # a run stops before a mirror that would open on "Page not archived" (the start step's check)
                check_start_page(config, index)
            except BaseException:
                store.close()
                raise
            fixed = finish_along(store, index, mirror_options(config, layout), layout.root, records,
                                 workers=workers_for(config))
        log.info("mirror: %d files written while crawling, %d written again once the master was complete",
                 fixed.along, fixed.again)
        log.info("mirror: %d pages and %d files written to %s", fixed.summary.pages, fixed.summary.files,
                 layout.mirror)
        _log_mirror_details(fixed.summary)
        return fixed.summary

    def abandon(self) -> None:
        """The crawl failed: the reader stops and removes its half-made file."""
        self.growth.abandon()
        if self._aside is not None:
            with contextlib.suppress(BaseException):
                self._aside.result()
        if self._store is not None:
            self._store.close()
            self._store = None

    def __exit__(self, *exc: object) -> None:
        if self._aside is not None:
            self._aside.__exit__(*exc)
        if self._store is not None:
            self._store.close()


def crawl(call: SourceCall) -> CrawlRun:
    """Fetch the site over HTTP into the master WARC; resumes an interrupted crawl of the same folder.

    When the run asks for ``normalize`` along, ``records.jsonl`` is made meanwhile, in a process that
    reads the WARC as it grows (the CPU a crawl leaves idle), byte for byte what ``sunset normalize``
    makes of it after; with ``mirror`` along too, the same process writes the mirror's files, and once
    the WARC is complete the files the whole plan names or links otherwise are written again
    (:mod:`site_out.along`): byte for byte what ``sunset mirror`` writes after.
    """
    config, quiet, fresh = call.config, call.quiet, call.fresh
    records_along = "normalize" in call.along
    mirror_along = records_along and "mirror" in call.along
    layout = layout_for(config)
    _record_run(config, layout)
    open_warc = layout.warc.with_name(layout.warc.name + ".open")
    scope = config.scope
    if fresh:
        _forget_crawl(layout)
    if layout.crawl_db.exists() and layout.warc.exists() and not open_warc.exists():
        frontier = Frontier(layout.crawl_db)
        try:
            complete = frontier.get_meta("complete") == "1"
            more = frontier.count(Status.TODO) > 0 and (
                config.source.crawl.max_pages is None
                or config.source.crawl.max_pages > frontier.count(Status.DONE) + frontier.count(Status.ERROR))
            if complete and not more:
                log.info("crawl: already complete in %s (use --fresh to crawl again)", layout.root)
                return CrawlRun(summarize(frontier, complete=True), layout.warc, already_complete=True)
        finally:
            frontier.close()
        if complete:
            # A crawl stopped by max_pages, run again with a higher limit: continue it.
            layout.warc.rename(open_warc)
    resume = layout.crawl_db.exists() and open_warc.exists()
    if not resume:
        _forget_crawl(layout)
    info = warcinfo_fields(config, call.how)
    info.update({"http-header-user-agent": config.source.crawl.user_agent, "robots": config.source.crawl.robots})
    with contextlib.ExitStack() as stack:
        # (Without fork the reader would run first, and wait for a crawl that had not begun.)
        along = (stack.enter_context(_RecordsAlong(layout, config.normalize, config.mirror if mirror_along else None,
                                                      workers_for(config)))
                 if records_along and hasattr(os, "fork") else None)
        try:
            summary = _crawl_into(config, layout, scope, info, resume, along, quiet=quiet)
        except BaseException:
            if along is not None:
                along.abandon()
            raise
        records = along.finish() if along is not None else None
        if records is not None:
            log.info("normalize: %d records (%d pages) written to %s while crawling", records.records, records.pages,
                     layout.records)
        if summary.aliases:
            with atomic_writer(layout.crawl_aliases, "w", encoding="utf-8") as handle:
                json.dump(summary.aliases, handle, indent=2, sort_keys=True)
        log.info("crawl: %d fetched, %d errors, %d skipped into %s", summary.fetched, summary.errors,
                 summary.skipped, layout.warc)
        for failure in summary.failures:
            log.info("crawl: %s", failure)
        # The crawl is done and said so: a mirror written along is put right (or the start page is missing).
        mirrored = along.finish_mirror(config) if along is not None else None
    return CrawlRun(summary, layout.warc, records=records, mirrored=mirrored)


def _crawl_into(config: SiteConfig, layout: OutputLayout, scope: Scope, info: dict[str, str], resume: bool,
                along: _RecordsAlong | None, *, quiet: bool) -> CrawlSummary:
    open_warc = layout.warc.with_name(layout.warc.name + ".open")
    try:
        with WarcArchive(layout.warc, software=software_name(), info=info, resume=resume,
                         plugins=master_outputs(along.growth if along else None)) as archive, \
                _reading(along, archive), \
                crawl_progress(quiet=quiet) as show:
            crawler = Crawler(config.source.crawl, scope, frontier=layout.crawl_db, log_path=layout.crawl_log,
                              sink=archive, extract=crawl_link_extractor(scope), on_progress=show,
                              workers=workers_for(config))
            try:
                if resume:
                    # Checked as the WARC is read: replaying a lost completion adds the links it found.
                    crawler.recover(iter_warc_fetches(open_warc, wanted=crawler.needs_recovery))
                crawler.seed()
                crawler.load_robots()
                return crawler.run()
            finally:
                crawler.close()
    except RuleError as error:
        raise ConfigError(f"{config.path}: {error}") from error


@contextlib.contextmanager
def _reading(along: _RecordsAlong | None, archive: WarcArchive) -> Iterator[None]:
    """The records' reader, started once the writer has opened its file (see :class:`_RecordsAlong`)."""
    if along is not None:
        along.start(archive.open_path)
    yield


def workers_for(config: SiteConfig) -> int:
    """Processes for the stages that parse and rewrite: the config's, else one per core."""
    return config.workers or default_workers()


def normalize(config: SiteConfig, *, quiet: bool = False) -> NormalizeSummary:
    layout = layout_for(config)
    with progress("normalize", quiet=quiet) as tick:
        summary = normalize_warc(layout.warc, config.normalize, layout.records, on_record=tick,
                                 workers=workers_for(config))
    log.info("normalize: %d records (%d pages) written to %s", summary.records, summary.pages, layout.records)
    return summary


def mirror_options(config: SiteConfig, layout: OutputLayout) -> MirrorOptions:
    """The config's ``[mirror]`` options, with what the about page tells of the folder: the master's
    digest (computed once for the folder's record and the page alike) and the runs that made it."""
    runs = tuple(PastRun(run.id, run.started, f"sunset {run.version}", run.command)
                 for run in run_record.history(layout))
    return replace(config.mirror, warc_sha256=run_record.digest(layout, layout.warc), history=runs)


def mirror(config: SiteConfig, index: CaptureIndex, *, quiet: bool = False) -> MirrorSummary:
    """``mirror/`` from the master (``index``: its capture index, which the mirror's plan asks)."""
    layout = layout_for(config)
    records = layout.records if layout.records.exists() else None
    with progress("mirror", quiet=quiet) as tick:
        summary = write_mirror(layout.warc, records, mirror_options(config, layout), layout.root, progress=tick,
                               workers=workers_for(config), index=index)
    log.info("mirror: %d pages and %d files written to %s", summary.pages, summary.files, layout.mirror)
    _log_mirror_details(summary)
    return summary


def normalize_and_mirror(config: SiteConfig, index: CaptureIndex, *,
                         quiet: bool = False) -> tuple[NormalizeSummary, MirrorSummary]:
    """normalize and mirror from one read of the WARC (``sunset run``); same outputs as the two
    stages (``index``: the master's capture index)."""
    layout = layout_for(config)
    with progress("normalize + mirror", quiet=quiet) as tick:
        normalized, mirrored = content_pass.normalize_and_mirror(
            index, config.normalize, layout.records, mirror_options(config, layout), layout.root,
            on_capture=tick, workers=workers_for(config))
    log.info("normalize: %d records (%d pages) written to %s", normalized.records, normalized.pages, layout.records)
    log.info("mirror: %d pages and %d files written to %s", mirrored.pages, mirrored.files, layout.mirror)
    _log_mirror_details(mirrored)
    return normalized, mirrored


def missing_targets(missing: tuple[MissingLink, ...], shown: int = 3) -> Iterator[tuple[str, int, str]]:
    """(target, pages linking to it, its first referrers) for each page linked but not archived, once each."""
    counts: dict[str, int] = {}
    referrers: dict[str, list[str]] = {}
    for link in missing:
        target = link.url or link.raw
        counts[target] = counts.get(target, 0) + 1
        pages = referrers.setdefault(target, [])
        if link.page not in pages:
            pages.append(link.page)
    for target in sorted(counts, key=lambda url: (-counts[url], url)):
        pages = referrers[target]
        more = f" and {len(pages) - shown} more" if len(pages) > shown else ""
        yield target, counts[target], ", ".join(pages[:shown]) + more


def _log_mirror_details(summary: MirrorSummary) -> None:
    """Everything the mirror could not keep as it was, for sunset.log."""
    for problem in (*summary.problems, *summary.left_out):
        log.info("mirror: %s", problem)
    for target, count, pages in missing_targets(summary.missing):
        log.info("mirror: not archived: %s (linked from %d page%s: %s)", target, count, "" if count == 1 else "s",
                 pages)
    for leftover in summary.leftovers:
        log.info("mirror: made inert (%s): %s on <%s> in %s", leftover.why, leftover.raw, leftover.tag, leftover.page)
    log.info("mirror: %d forwarding pages for redirects; %d script navigations left as written",
             summary.redirects, summary.scripts_left)
    for path in summary.redirect_maps:
        log.info("mirror: redirect map %s", path)
