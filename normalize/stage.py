"""The normalize stage: a WARC in, ``records.jsonl`` out, one record at a time."""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from crawl.warc_source import iter_warc_captures
from crawl.atomic import atomic_writer
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
) -> NormalizeSummary:
    """Write one JSON line per capture of ``warc_path`` to ``output`` (atomically)."""
    records = pages = with_problems = 0
    with atomic_writer(output, "w", encoding="utf-8") as sink:
        for capture in iter_warc_captures(warc_path):
            record = normalize_capture(capture, options)
            sink.write(record_to_json(record) + "\n")
            records += 1
            if isinstance(record, PageRecord):
                pages += 1
                if record.problems:
                    with_problems += 1
                    log.info("%s: %s", record.url, ", ".join(record.problems))
            if on_record:
                on_record(capture.url)
    return NormalizeSummary(records, pages, with_problems, output)
