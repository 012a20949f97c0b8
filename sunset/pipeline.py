"""The wiring of the stages: ingest -> normalize -> mirror, with verification at the end.

Each stage reads the previous stage's files on disk (the WARC, ``records.jsonl``), so any
stage can be re-run alone and any WARC can be an input.
"""
from __future__ import annotations

import json
import logging
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from archive.verify import verify_warc
from archive.warc_writer import WarcArchive
from crawl.atomic import atomic_writer
from crawl.docroot import DocrootError, iter_docroot
from normalize.stage import NormalizeSummary, normalize_warc
from site_out.check import iter_broken_links, iter_page_problems
from site_out.mirror import MirrorSummary, write_mirror
from sunset import __version__
from sunset.config import SiteConfig
from sunset.errors import StageInputError, SunsetError
from sunset.layout import OutputLayout
from sunset.progress import progress

log = logging.getLogger("sunset")


def software_name() -> str:
    import warcio

    return f"sunset/{__version__} (warcio/{getattr(warcio, '__version__', 'unknown')})"


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

    @property
    def ok(self) -> bool:
        return not self.problems


def _record_run(config: SiteConfig, layout: OutputLayout) -> None:
    """Keep the config beside the output so stage commands can be given the folder alone."""
    layout.root.mkdir(parents=True, exist_ok=True)
    if config.path.resolve() != layout.config_copy.resolve():
        shutil.copyfile(config.path, layout.config_copy)
        info = {
            "config": str(config.path.resolve()),
            "sunset": __version__,
            "started": datetime.now(timezone.utc).isoformat(),
        }
        with atomic_writer(layout.run_info, "w", encoding="utf-8") as handle:
            json.dump(info, handle, indent=2)


def ingest(config: SiteConfig, *, quiet: bool = False) -> IngestSummary:
    """Archive every file of the docroot into the master WARC."""
    layout = layout_for(config)
    if config.source.docroot is None:
        raise SunsetError(
            f"{config.path}: [source] docroot is not set. Crawling a live site over HTTP is not "
            "available in this version; point docroot at a copy of the site's files."
        )
    _record_run(config, layout)
    skipped: list[str] = []

    def on_skip(path: Path, reason: str) -> None:
        skipped.append(f"{path}: {reason}")
        log.warning("skipped %s: %s", path, reason)

    notice = config.notice
    info = {
        "isPartOf": config.name,
        "description": config.archive.description
        or f"{config.base_url} ingested from its document root; retired {notice.date.isoformat()}: {notice.text}",
        "operator": config.archive.operator or "",
        "contact": config.archive.contact or "",
        "sunset-base-url": config.base_url,
    }
    try:
        with WarcArchive(layout.warc, software=software_name(), info=info) as archive, \
                progress("ingest", quiet=quiet) as tick:
            for capture in iter_docroot(config.source, on_skip):
                archive.write_capture(capture)
                tick(capture.url)
            files = archive.records
    except DocrootError as error:
        raise SunsetError(f"{config.path}: {error}") from error
    log.info("ingest: %d files archived into %s", files, layout.warc)
    return IngestSummary(files, tuple(skipped), layout.warc)


def _require(path: Path, stage: str, producer: str) -> None:
    if not path.exists():
        raise StageInputError(f"{stage} needs {path}, which does not exist yet: run `sunset {producer}` first")


def normalize(config: SiteConfig, *, quiet: bool = False) -> NormalizeSummary:
    layout = layout_for(config)
    _require(layout.warc, "normalize", "ingest")
    with progress("normalize", quiet=quiet) as tick:
        summary = normalize_warc(layout.warc, config.normalize, layout.records, on_record=tick)
    log.info("normalize: %d records (%d pages) written to %s", summary.records, summary.pages, layout.records)
    return summary


def mirror(config: SiteConfig, *, quiet: bool = False) -> MirrorSummary:
    layout = layout_for(config)
    _require(layout.warc, "mirror", "ingest")
    records = layout.records if layout.records.exists() else None
    with progress("mirror", quiet=quiet) as tick:
        summary = write_mirror(layout.warc, records, config.mirror, layout.root, progress=tick)
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
        for broken in iter_broken_links(layout.mirror):
            problems.append(f"mirror: {broken.page}: link {broken.href!r} {broken.reason}")
        for page in iter_page_problems(layout.mirror):
            problems.append(f"mirror: {page.page}: {page.problem}")
    return VerifySummary(warc.records, tuple(problems))
