"""The wiring of the stages: ingest -> normalize -> mirror, with verification at the end.

Each stage reads the previous stage's files on disk (the WARC, ``records.jsonl``), so any
stage can be re-run alone and any WARC can be an input.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

from archive.bag import BagError, BagItem, validate_bag, write_bag
from archive.cdxj import write_cdxj
from archive.derived import ConvertedPage, DerivedSummary, OriginalIndex, write_derived
from archive.package_check import check_cdxj, check_conversions
from archive.replay import ReplayError, build_collection
from archive.stamps import RecordStamps
from archive.verify import verify_warc
from archive.wacz import WaczError, iter_pages, validate_wacz, write_wacz
from archive.warc_writer import WarcArchive
from crawl.atomic import atomic_copy, atomic_writer
from crawl.crawler import Crawler, CrawlSummary, LinkExtractor, summarize
from crawl.warc_source import iter_warc_captures
from crawl.docroot import DocrootError, iter_docroot
from crawl.frontier import Frontier, Status
from crawl.parallel import default_workers
from crawl.rules import RuleError
from crawl.sniff import media_type
from crawl.urls import BadURL, Scope, absolute, lookup_key
from crawl.warc_source import iter_warc_fetches
from normalize.css import iter_css_urls
from normalize.encoding import decode_page
from normalize.linktable import PAGE_REQUISITE_KINDS
from normalize.links import extract_page_references
from normalize.stage import NormalizeSummary, normalize_warc
from site_out.check import iter_broken_links, iter_page_problems
from site_out.mirror import MirrorSummary, write_mirror
from site_out.plan import build_plan
from sunset import __version__
from sunset.config import SiteConfig
from sunset.errors import ConfigError, StageInputError, SunsetError
from sunset.layout import OutputLayout
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


@dataclass(frozen=True, slots=True)
class IngestSummary:
    files: int
    skipped: tuple[str, ...]
    warc: Path


@dataclass(frozen=True, slots=True)
class VerifySummary:
    records: int
    problems: tuple[str, ...] = field(default=())
    checked: tuple[str, ...] = field(default=())
    """What was checked besides the master and the mirror (derived WARC, index, WACZ, bag)."""

    @property
    def ok(self) -> bool:
        return not self.problems


def _record_run(config: SiteConfig, layout: OutputLayout) -> None:
    """Keep the config beside the output so stage commands can be given the folder alone."""
    layout.root.mkdir(parents=True, exist_ok=True)
    if config.path.resolve() != layout.config_copy.resolve():
        atomic_copy(config.path, layout.config_copy)
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


def ingest(config: SiteConfig, *, quiet: bool = False) -> IngestSummary:
    """Archive every file of the docroot into the master WARC."""
    layout = layout_for(config)
    if config.source.docroot is None:
        raise SunsetError(
            f"{config.path}: [source] docroot is not set: use `sunset crawl` to fetch the site over "
            "HTTP, or point docroot at a copy of the site's files."
        )
    _record_run(config, layout)
    skipped: list[str] = []

    def on_skip(path: Path, reason: str) -> None:
        skipped.append(f"{path}: {reason}")
        log.warning("skipped %s: %s", path, reason)

    info = warcinfo_fields(config)
    try:
        stamps = stamps_for(config)
        with WarcArchive(layout.warc, software=software_name(stamps.fixed), info=info, stamps=stamps) as archive, \
                progress("ingest", quiet=quiet) as tick:
            for capture in iter_docroot(config.source, on_skip):
                archive.write_capture(capture)
                tick(capture.url)
            files = archive.records
    except DocrootError as error:
        raise SunsetError(f"{config.path}: {error}") from error
    log.info("ingest: %d files archived into %s", files, layout.warc)
    return IngestSummary(files, tuple(skipped), layout.warc)


def crawl_link_extractor(scope: Scope) -> LinkExtractor:
    """The crawler's link discovery: the mirror's own link table, so it fetches what the mirror needs.

    Yields (URL, is a page requisite) for pages and style sheets; requisites on the site's
    host are fetched even outside base_url and do not count towards max_depth.
    """

    def extract(body: bytes, content_type: str | None, url: str) -> Iterator[tuple[str, bool]]:
        text = decode_page(body, content_type).text
        if media_type(content_type) == "text/css" or urlsplit(url).path.lower().endswith(".css"):
            for _, _, raw in iter_css_urls(text):
                try:
                    found = absolute(raw, url)
                except (BadURL, ValueError):
                    continue
                if scope.same_host(found):
                    yield found, True
            return
        for link in extract_page_references(text, url, scope).links:
            if link.url and link.in_scope:
                yield link.url, link.kind in PAGE_REQUISITE_KINDS

    return extract


@dataclass(frozen=True, slots=True)
class CrawlRun:
    summary: CrawlSummary
    warc: Path
    already_complete: bool = False


def _forget_crawl(layout: OutputLayout) -> None:
    for path in (layout.crawl_db, layout.crawl_db.with_name(layout.crawl_db.name + "-wal"),
                 layout.crawl_db.with_name(layout.crawl_db.name + "-shm"),
                 layout.warc.with_name(layout.warc.name + ".open"), layout.crawl_aliases):
        path.unlink(missing_ok=True)


def crawl(config: SiteConfig, *, quiet: bool = False, fresh: bool = False) -> CrawlRun:
    """Fetch the site over HTTP into the master WARC; resumes an interrupted crawl of the same folder."""
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
    try:
        with WarcArchive(layout.warc, software=software_name(), info=info, resume=resume) as archive, \
                crawl_progress(quiet=quiet) as show:
            crawler = Crawler(config.source.crawl, scope, frontier=layout.crawl_db, log_path=layout.crawl_log,
                              sink=archive, extract=crawl_link_extractor(scope), on_progress=show)
            try:
                if resume:
                    pending = crawler.pending_keys()
                    crawler.recover(iter_warc_fetches(
                        open_warc, wanted=lambda url: lookup_key(url, scope.case_insensitive) in pending))
                crawler.seed()
                crawler.load_robots()
                summary = crawler.run()
                aliases = summary.aliases
            finally:
                crawler.close()
    except RuleError as error:
        raise ConfigError(f"{config.path}: {error}") from error
    if aliases:
        with atomic_writer(layout.crawl_aliases, "w", encoding="utf-8") as handle:
            json.dump(aliases, handle, indent=2, sort_keys=True)
    log.info("crawl: %d fetched, %d errors, %d skipped into %s", summary.fetched, summary.errors,
             summary.skipped, layout.warc)
    for failure in summary.failures:
        log.info("crawl: %s", failure)
    return CrawlRun(summary, layout.warc)


def workers_for(config: SiteConfig) -> int:
    """Processes for the stages that parse and rewrite: the config's, else one per core."""
    return config.workers or default_workers()


def _require(path: Path, stage: str, producer: str) -> None:
    if not path.exists():
        raise StageInputError(f"{stage} needs {path}, which does not exist yet: run `sunset {producer}` first")


def normalize(config: SiteConfig, *, quiet: bool = False) -> NormalizeSummary:
    layout = layout_for(config)
    _require(layout.warc, "normalize", "ingest")
    with progress("normalize", quiet=quiet) as tick:
        summary = normalize_warc(layout.warc, config.normalize, layout.records, on_record=tick,
                                 workers=workers_for(config))
    log.info("normalize: %d records (%d pages) written to %s", summary.records, summary.pages, layout.records)
    return summary


def mirror(config: SiteConfig, *, quiet: bool = False) -> MirrorSummary:
    layout = layout_for(config)
    _require(layout.warc, "mirror", "ingest")
    records = layout.records if layout.records.exists() else None
    with progress("mirror", quiet=quiet) as tick:
        summary = write_mirror(layout.warc, records, config.mirror, layout.root, progress=tick,
                               workers=workers_for(config))
    log.info("mirror: %d pages and %d files written to %s", summary.pages, summary.files, layout.mirror)
    _log_mirror_details(summary)
    return summary


def _log_mirror_details(summary: MirrorSummary) -> None:
    """Everything the mirror could not keep as it was, for sunset.log."""
    for problem in summary.problems:
        log.info("mirror: %s", problem)
    for link in summary.missing:
        log.info("mirror: %s links to %s, which was not archived", link.page, link.url or link.raw)
    log.info("mirror: %d forwarding pages for redirects; %d script navigations left as written",
             summary.redirects, summary.scripts_left)
    for path in summary.redirect_maps:
        log.info("mirror: redirect map %s", path)


def verify(config: SiteConfig) -> VerifySummary:
    """Re-read the outputs: WARC digests and record counts, and every link of the mirror."""
    layout = layout_for(config)
    _require(layout.warc, "verify", "ingest")
    warc = verify_warc(layout.warc)
    problems = list(warc.problems)
    if layout.mirror.exists():
        for broken in iter_broken_links(layout.mirror, workers=workers_for(config)):
            problems.append(f"mirror: {broken.page}: link {broken.href!r} {broken.reason}")
        for page in iter_page_problems(layout.mirror):
            problems.append(f"mirror: {page.page}: {page.problem}")
    checked = verify_package(layout, problems)
    return VerifySummary(warc.records, tuple(problems), checked)


# --- the archival package: derived WARC, CDXJ, WACZ, bag (sunset package), and replay ------------

@dataclass(frozen=True, slots=True)
class PackageSummary:
    derived: DerivedSummary
    cdxj_lines: int
    wacz_pages: int
    bag_files: int | None
    problems: tuple[str, ...]


def _converted_pages(config: SiteConfig, layout: OutputLayout) -> list[ConvertedPage]:
    """The mirror's pages and their captures: the mirror's own plan, recomputed from the WARC."""
    if not layout.mirror.exists():
        return []
    plan = build_plan(iter_warc_captures(layout.warc, read_bodies=False),
                      case_insensitive=config.source.case_insensitive)
    prefix = layout.mirror.name
    return [ConvertedPage(planned.url, f"{prefix}/{planned.path}")
            for _, planned in sorted(plan.files.items()) if planned.kind == "html"]


def _start_url(config: SiteConfig, index: OriginalIndex) -> str | None:
    for candidate in (config.base_url, *(config.base_url + name for name in config.source.index_files)):
        if candidate in index.by_url:
            return candidate
    return None


def _bag_info(config: SiteConfig, index: OriginalIndex, description: str) -> dict[str, str]:
    archive = config.archive
    dates = sorted(original.date for original in index.by_id.values())
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
    items = [layout.warc, layout.derived_warc, layout.cdxj, layout.wacz, layout.records, layout.mirror, layout.log]
    items += sorted(layout.root.glob("crawl*"))  # the crawler's log, when the site was crawled
    return [BagItem(path, path.name) for path in items if path.exists()]


def package(config: SiteConfig, *, bagit: bool | None = None, quiet: bool = False) -> PackageSummary:
    """The derived WARC, the CDXJ index, the WACZ and (optionally) the bag, from existing outputs."""
    layout = layout_for(config)
    _require(layout.warc, "package", "ingest")
    stamps = stamps_for(config)
    index = OriginalIndex(layout.warc)
    with progress("package", quiet=quiet) as tick:
        cdxj_lines = write_cdxj(layout.warc, layout.cdxj)
        tick(layout.cdxj.name)
        info = warcinfo_fields(config)
        info["description"] = f"Derived from {layout.warc.name} by sunset: structured records and mirror pages."
        with WarcArchive(layout.derived_warc, software=software_name(stamps.fixed), info=info,
                         stamps=stamps) as archive:
            derived = write_derived(layout.derived_warc, index, layout.records, layout.root,
                                    _converted_pages(config, layout), archive)
        tick(layout.derived_warc.name)
        pages = iter_pages(layout.records, index) if layout.records.exists() else iter(())
        description = warcinfo_fields(config)["description"]
        try:
            wacz_pages = write_wacz(layout.warc, pages, layout.wacz, title=config.name, description=description,
                                    main_url=_start_url(config, index))
        except WaczError as error:
            raise SunsetError(str(error)) from error
        tick(layout.wacz.name)
        bag_files = None
        if config.archive.bagit if bagit is None else bagit:
            try:
                bag_files = write_bag(layout.bag, _bag_items(layout), _bag_info(config, index, description),
                                      _bag_readme(config, layout))
            except BagError as error:
                raise SunsetError(str(error)) from error
            tick(layout.bag.name)
    for problem in derived.problems:
        log.warning("package: %s", problem)
    log.info("package: %d metadata and %d conversion records, %d index lines, %d pages in the WACZ%s",
             derived.metadata, derived.conversions, cdxj_lines, wacz_pages,
             f", bag of {bag_files} files" if bag_files is not None else "")
    return PackageSummary(derived, cdxj_lines, wacz_pages, bag_files, derived.problems)


def verify_package(layout: OutputLayout, problems: list[str]) -> tuple[str, ...]:
    """Check whatever parts of the package exist; append problems; return what was checked."""
    checked: list[str] = []
    if layout.derived_warc.exists():
        problems.extend(verify_warc(layout.derived_warc).problems)
        problems.extend(check_conversions(layout.derived_warc, layout.root))
        checked.append(layout.derived_warc.name)
    if layout.cdxj.exists():
        problems.extend(check_cdxj(layout.warc, layout.cdxj))
        checked.append(layout.cdxj.name)
    if layout.wacz.exists():
        problems.extend(validate_wacz(layout.wacz))
        checked.append(layout.wacz.name)
    if layout.bag.exists():
        problems.extend(validate_bag(layout.bag))
        checked.append("bag/")
    return tuple(checked)


def prepare_replay(config: SiteConfig) -> tuple[Path, str]:
    """pywb's folder (``replay/``) with a collection over the master and its CDXJ index; the start URL."""
    layout = layout_for(config)
    _require(layout.warc, "replay", "ingest")
    _require(layout.cdxj, "replay", "package")
    try:
        build_collection(layout.replay, config.name, layout.warc, layout.cdxj)
    except ReplayError as error:
        raise SunsetError(str(error)) from error
    return layout.replay, _start_url(config, OriginalIndex(layout.warc)) or config.base_url
