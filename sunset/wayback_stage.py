"""The web archive as the source of a run (``[source] wayback``): :mod:`crawl.wayback` into the master.

Like the docroot ingest it yields captures that go into the master WARC one by one; like the
crawl it resumes: a run killed while listing or fetching continues where it stopped, asking the
archive for nothing the WARC already holds.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from archive.reader import iter_warc_fetches
from archive.side_outputs import master_outputs
from archive.urls import Scope
from archive.warc_writer import WarcArchive
from crawl.wayback.source import WaybackProgress, WaybackSource, WaybackSummary
from crawl.wayback.state import State, WaybackState
from sunset.config import SiteConfig
from sunset.layout import OutputLayout
from sunset.pipeline import _record_run, crawl_link_extractor, layout_for, software_name, warcinfo_fields
from sunset.progress import progress

log = logging.getLogger("sunset")


@dataclass(frozen=True, slots=True)
class WaybackRun:
    summary: WaybackSummary
    warc: Path
    already_complete: bool = False


def _open_warc(layout: OutputLayout) -> Path:
    return layout.warc.with_name(layout.warc.name + ".open")


def _forget(layout: OutputLayout) -> None:
    for path in (layout.wayback_db, layout.wayback_db.with_name(layout.wayback_db.name + "-wal"),
                 layout.wayback_db.with_name(layout.wayback_db.name + "-shm"), _open_warc(layout)):
        path.unlink(missing_ok=True)


def _finished(config: SiteConfig, layout: OutputLayout) -> WaybackSummary | None:
    """The summary of a finished run with nothing left to do (a higher max_pages reopens it)."""
    state = WaybackState(layout.wayback_db)
    try:
        if state.get_meta("complete") != "1":
            return None
        limit = config.source.crawl.max_pages
        more = state.count(State.TODO) > 0 and (limit is None or limit > state.count(State.DONE, State.ERROR))
        if not more:
            return WaybackSummary(state.count(State.DONE), state.count(State.MISSING), state.count(State.ERROR),
                                  state.count(State.SKIPPED), ())
    finally:
        state.close()
    layout.warc.rename(_open_warc(layout))
    return None


def from_web_archive(config: SiteConfig, *, quiet: bool = False, fresh: bool = False) -> WaybackRun:
    """Rebuild the site from the web archive into the master WARC; resumes an interrupted run."""
    layout = layout_for(config)
    _record_run(config, layout)
    if fresh:
        _forget(layout)
    if layout.wayback_db.exists() and layout.warc.exists() and not _open_warc(layout).exists():
        done = _finished(config, layout)
        if done is not None:
            log.info("wayback: already complete in %s (use --fresh to start again)", layout.root)
            return WaybackRun(done, layout.warc, already_complete=True)
    resume = layout.wayback_db.exists() and _open_warc(layout).exists()
    if not resume:
        _forget(layout)
    scope = Scope(config.base_url, config.source.case_insensitive)
    with progress("wayback", quiet=quiet) as tick:
        def show(step: WaybackProgress) -> None:
            tick.set_total(step.total)  # type: ignore[attr-defined]
            tick(step.last)

        source = WaybackSource(config.source, state=layout.wayback_db, extract=crawl_link_extractor(scope),
                               on_progress=show)
        try:
            info = warcinfo_fields(config, source.describe())
            info.update(source.warcinfo())
            with WarcArchive(layout.warc, software=software_name(), info=info, resume=resume,
                             plugins=master_outputs()) as archive:
                if resume:
                    source.recover(iter_warc_fetches(_open_warc(layout), wanted=source.needs_recovery))
                for capture in source.captures():
                    archive.write_capture(capture)
                    archive.flush()  # before the source marks the URL done
            summary = source.summary()
        finally:
            source.close()
    log.info("wayback: %d captures archived, %d not in the archive, %d unusable, %d left out, into %s",
             summary.archived, summary.missing, summary.errors, summary.skipped, layout.warc)
    for failure in summary.failures:
        log.info("wayback: %s", failure)
    return WaybackRun(summary, layout.warc)
