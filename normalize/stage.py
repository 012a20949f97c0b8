"""The normalize stage: a WARC in, ``records.jsonl`` out, one record at a time."""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from archive.reader import iter_warc_captures
from archive.durable import atomic_writer
from archive.capture import Capture
from archive.workers import capture_task, map_ordered
from normalize.options import NormalizeOptions
from normalize.page import normalize_capture
from normalize.record import PageRecord, record_to_json

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class NormalizeSummary:
    records: int
    pages: int
    pages_with_problems: int
    output: Path


def normalize_warc(
    warc_path: Path,
    options: NormalizeOptions,
    output: Path,
    *,
    on_record: Callable[[str], None] | None = None,
    workers: int = 1,
) -> NormalizeSummary:
    """Write one JSON line per capture of ``warc_path`` to ``output`` (atomically).

    ``workers`` > 1 parses pages in that many processes; the lines keep the WARC's order.
    """
    records = pages = with_problems = 0
    tasks = (capture_task(capture, options) for capture in iter_warc_captures(warc_path))
    with atomic_writer(output, "w", encoding="utf-8") as sink:
        for url, line, is_page, problems in map_ordered(_normalize_one, tasks, workers):
            sink.write(line)
            records += 1
            if is_page:
                pages += 1
                if problems:
                    with_problems += 1
                    log.info("%s: %s", url, ", ".join(problems))
            if on_record:
                on_record(url)
    return NormalizeSummary(records, pages, with_problems, output)


def _normalize_one(task: tuple[Capture, NormalizeOptions]) -> tuple[str, str, bool, tuple[str, ...]]:
    """(URL, JSON line, is a page, problems) for one capture; runs in a worker process."""
    capture, options = task
    record = normalize_capture(capture, options)
    is_page = isinstance(record, PageRecord)
    return capture.url, record_to_json(record) + "\n", is_page, record.problems if is_page else ()
