"""The wiring of the stages: ingest (or crawl) -> normalize -> mirror.

Packaging, verification and replay are in :mod:`sunset.archive_stage`.

Each stage reads the previous stage's files on disk (the WARC, ``records.jsonl``), so any
stage can be re-run alone and any WARC can be an input.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from archive.dates import DateSpread
from archive.durable import atomic_writer
from archive.encoding import decode_css, decode_page
from archive.errors import ConfigError, SunsetError
from archive.growth import GrowingFile, WarcGrowth
from archive.reader import follow_warc_captures, iter_warc_fetches
from archive.side_outputs import master_outputs
from archive.sniff import is_css
from archive.stamps import RecordStamps
from archive.urls import BadURL, Scope, absolute
from archive.warc_writer import WarcArchive
from archive.workers import Aside, default_workers
from crawl.crawler import Crawler, CrawlSummary, LinkExtractor, summarize
from crawl.docroot import DocrootError, DocrootFiles, iter_docroot, list_docroot
from crawl.frontier import Frontier, Status
from crawl.rules import RuleError
from normalize.css import iter_css_urls
from normalize.links import extract_page_references
from normalize.linktable import PAGE_REQUISITE_KINDS
from normalize.options import NormalizeOptions
from normalize.stage import NormalizeSummary, normalize_captures, normalize_warc
from site_out.mirror import MirrorSummary, MissingLink, write_mirror
from sunset import __version__, content_pass
from sunset.config import SiteConfig, copy_config
from sunset.file_dates import copy_dates_warning
from sunset.layout import OutputLayout, require_input
from sunset.progress import crawl_progress, progress
from sunset.served_notes import ServedNotes, served_notes
from sunset.served_stage import served_pages

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


@dataclass(frozen=True, slots=True)
class IngestSummary:
    files: int
    skipped: tuple[str, ...]
    warc: Path
    dates_warning: str | None = None
    """The files' dates look like a copy's (:func:`sunset.file_dates.copy_dates_warning`)."""
    served: ServedNotes | None = None
    """What the old server did that the mirror cannot show (case clashes, files never published...)."""


def _record_run(config: SiteConfig, layout: OutputLayout) -> None:
    """Keep the config beside the output so stage commands can be given the folder alone."""
    layout.root.mkdir(parents=True, exist_ok=True)
    if config.path.resolve() != layout.config_copy.resolve():
        copy_config(config, layout.config_copy)
        info = {
            "config": str(config.path.resolve()),
            "sunset": __version__,
            "started": datetime.now(timezone.utc).isoformat(),
        }
        with atomic_writer(layout.run_info, "w", encoding="utf-8") as handle:
            json.dump(info, handle, indent=2)


def capture_method(config: SiteConfig) -> str:
    return "ingested from its document root" if config.source.docroot else "crawled over HTTP"


def warcinfo_fields(config: SiteConfig, how: str | None = None) -> dict[str, str]:
    """The warcinfo record's fields: what the WARC holds, how it was made, who keeps it."""
    how = how or capture_method(config)
    notice = config.notice
    return {
        "isPartOf": config.name,
        "description": config.archive.description
        or f"{config.base_url} {how}; retired {notice.date.isoformat()}: {notice.text}",
        "operator": config.archive.operator or "",
        "contact": config.archive.contact or config.archive.contact_email or "",
        "sunset-base-url": config.base_url,
    }


def ingest(config: SiteConfig, *, quiet: bool = False, files: DocrootFiles | None = None) -> IngestSummary:
    """Archive every file of the docroot into the master WARC: of ``files``, when the checks before
    the run walked it (:func:`sunset.preflight.check_command`), else of one walk here."""
    layout = layout_for(config)
    if config.source.docroot is None:
        raise ConfigError(
            f"{config.path}: [source] docroot is not set: use `sunset crawl` to fetch the site over "
            "HTTP, or point docroot at a copy of the site's files."
        )
    _record_run(config, layout)
    skipped: list[str] = []

    def on_skip(path: Path, reason: str) -> None:
        skipped.append(f"{path}: {reason}")
        log.warning("skipped %s: %s", path, reason)

    info = warcinfo_fields(config)
    dates = DateSpread()
    try:
        stamps = stamps_for(config)
        listing = list_docroot(config.source) if files is None else files
        with WarcArchive(layout.warc, software=software_name(stamps.fixed), info=info, stamps=stamps,
                         plugins=master_outputs()) as archive, \
                progress("ingest", quiet=quiet, total=len(listing)) as tick:
            for capture in iter_docroot(config.source, on_skip, listing):
                archive.write_capture(capture)
                dates.add(capture.date)
                tick(capture.url)
            archived = archive.records
    except DocrootError as error:
        raise SunsetError(f"{config.path}: {error}") from error
    log.info("ingest: %d files archived into %s", archived, layout.warc)
    warning = copy_dates_warning(config, dates, stamps.clock or datetime.now(timezone.utc))
    if warning:
        log.warning("ingest: %s", warning)
    return IngestSummary(archived, tuple(skipped), layout.warc, warning, served_notes(config.source, layout.root))


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
    """``records.jsonl``, when it was made while the crawl fetched (``records_along``)."""


def _forget_crawl(layout: OutputLayout) -> None:
    for path in (layout.crawl_db, layout.crawl_db.with_name(layout.crawl_db.name + "-wal"),
                 layout.crawl_db.with_name(layout.crawl_db.name + "-shm"),
                 layout.warc.with_name(layout.warc.name + ".open"), layout.crawl_aliases):
        path.unlink(missing_ok=True)


def _normalize_growing(warc: Path, growth: WarcGrowth, options: NormalizeOptions, records: Path) -> NormalizeSummary:
    with GrowingFile(warc.with_name(warc.name + ".open"), growth) as growing:
        return normalize_captures(follow_warc_captures(warc, growing), options, records)


class _RecordsAlong(contextlib.AbstractContextManager["_RecordsAlong"]):
    """``records.jsonl`` made from the master as the crawl writes it, in a forked process.

    Made before the crawl starts its threads and its progress display (a fork beside a running
    thread could copy a lock it holds).
    """

    def __init__(self, layout: OutputLayout, options: NormalizeOptions) -> None:
        self.growth = WarcGrowth()
        self._warc = layout.warc
        self._aside = Aside(_normalize_growing, layout.warc, self.growth, options, layout.records)

    def finish(self) -> NormalizeSummary:
        """The WARC is complete: the records of what is left, then their summary."""
        self.growth.finish(self._warc.stat().st_size)
        return self._aside.result()

    def abandon(self) -> None:
        """The crawl failed: the reader stops and removes its half-made file."""
        self.growth.abandon()
        with contextlib.suppress(BaseException):
            self._aside.result()

    def __exit__(self, *exc: object) -> None:
        self._aside.__exit__(*exc)


def crawl(config: SiteConfig, *, quiet: bool = False, fresh: bool = False, records_along: bool = False) -> CrawlRun:
    """Fetch the site over HTTP into the master WARC; resumes an interrupted crawl of the same folder.

    ``records_along``: also make ``records.jsonl`` meanwhile, in a process that reads the WARC as it
    grows (the CPU a crawl leaves idle), byte for byte what ``sunset normalize`` makes of it after.
    """
    layout = layout_for(config)
    _record_run(config, layout)
    open_warc = layout.warc.with_name(layout.warc.name + ".open")
    scope = Scope(config.base_url, config.source.case_insensitive)
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
    info = warcinfo_fields(config)
    info.update({"http-header-user-agent": config.source.crawl.user_agent, "robots": config.source.crawl.robots})
    with contextlib.ExitStack() as stack:
        # (Without fork the reader would run first, and wait for a crawl that had not begun.)
        along = (stack.enter_context(_RecordsAlong(layout, config.normalize))
                 if records_along and hasattr(os, "fork") else None)
        try:
            summary = _crawl_into(config, layout, scope, info, resume, along.growth if along else None,
                                  quiet=quiet)
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
    return CrawlRun(summary, layout.warc, records=records)


def _crawl_into(config: SiteConfig, layout: OutputLayout, scope: Scope, info: dict[str, str], resume: bool,
                growth: WarcGrowth | None, *, quiet: bool) -> CrawlSummary:
    open_warc = layout.warc.with_name(layout.warc.name + ".open")
    try:
        with WarcArchive(layout.warc, software=software_name(), info=info, resume=resume,
                         plugins=master_outputs(growth)) as archive, \
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


def workers_for(config: SiteConfig) -> int:
    """Processes for the stages that parse and rewrite: the config's, else one per core."""
    return config.workers or default_workers()


def normalize(config: SiteConfig, *, quiet: bool = False) -> NormalizeSummary:
    layout = layout_for(config)
    require_input(layout.warc, "normalize", "ingest")
    with progress("normalize", quiet=quiet) as tick:
        summary = normalize_warc(layout.warc, config.normalize, layout.records, on_record=tick,
                                 workers=workers_for(config), served=served_pages(config))
    log.info("normalize: %d records (%d pages) written to %s", summary.records, summary.pages, layout.records)
    return summary


def mirror(config: SiteConfig, *, quiet: bool = False) -> MirrorSummary:
    layout = layout_for(config)
    require_input(layout.warc, "mirror", "ingest")
    records = layout.records if layout.records.exists() else None
    with progress("mirror", quiet=quiet) as tick:
        summary = write_mirror(layout.warc, records, config.mirror, layout.root, progress=tick,
                               workers=workers_for(config), served=served_pages(config))
    log.info("mirror: %d pages and %d files written to %s", summary.pages, summary.files, layout.mirror)
    _log_mirror_details(summary)
    return summary


def normalize_and_mirror(config: SiteConfig, *, quiet: bool = False) -> tuple[NormalizeSummary, MirrorSummary]:
    """normalize and mirror from one read of the WARC (``sunset run``); same outputs as the two stages."""
    layout = layout_for(config)
    require_input(layout.warc, "normalize", "ingest")
    with progress("normalize + mirror", quiet=quiet) as tick:
        normalized, mirrored = content_pass.normalize_and_mirror(
            layout.warc, config.normalize, layout.records, config.mirror, layout.root,
            on_capture=tick, workers=workers_for(config), served=served_pages(config))
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
