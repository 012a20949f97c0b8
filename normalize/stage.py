"""The normalize stage: a WARC in, ``records.jsonl`` out, one record at a time."""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from archive.capture import Capture
from archive.durable import atomic_writer
from archive.records_file import other_order
from archive.served import iter_site_captures
from archive.workers import capture_task, map_ordered
from normalize.options import NormalizeOptions
from normalize.page import PageTokens, normalize_with_tokens
from normalize.record import PageRecord, record_to_json

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class NormalizeSummary:
    records: int
    pages: int
    """Pages of the site (answered 2xx, or read from disk)."""
    pages_with_problems: int
    output: Path
    error_pages: int = 0
    """HTML bodies of error and redirect answers (404 pages...): in records.jsonl, not pages."""
    other_orders: int = 0
    """Of ``pages``, folder listings in another order (:func:`archive.records_file.other_order`)."""


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
    return normalize_captures(iter_site_captures(warc_path), options, output, on_record=on_record, workers=workers)


def normalize_captures(captures: Iterable[Capture], options: NormalizeOptions, output: Path, *,
                       on_record: Callable[[str], None] | None = None, workers: int = 1) -> NormalizeSummary:
    """:func:`normalize_warc` of captures read by the caller (a WARC still being written, say)."""
    tasks = (capture_task(capture) for capture in captures)
    with atomic_writer(output, "w", encoding="utf-8") as handle:
        sink = RecordsSink(handle, on_record)
        for normalized in map_ordered(normalize_one, tasks, workers, context=options):
            sink.add(normalized)
    return sink.summary(output)


@dataclass(frozen=True, slots=True)
class Normalized:
    """One capture's line of ``records.jsonl`` (made in a worker process) and what is tallied of it."""

    url: str
    line: str
    is_page: bool
    """A page of the site (a page record of a 2xx answer or a file from disk)."""
    problems: tuple[str, ...]
    """The page's problems as the log names them (codes, with details)."""
    lang: str | None
    error_page: bool = False
    """A page record of an error's or a redirect's body: counted apart."""
    other_order: bool = False
    """A page that is a folder's listing in another order: said apart."""


def normalize_one(options: NormalizeOptions, task: tuple[Capture, object]) -> Normalized:
    """One capture's record as its JSON line; runs in a worker process."""
    return normalize_one_with_tokens(options, task)[0]


def normalize_one_with_tokens(options: NormalizeOptions,
                              task: tuple[Capture, object]) -> tuple[Normalized, PageTokens | None]:
    """:func:`normalize_one`, and for a page the text and tokens it was read from."""
    capture = task[0]
    record, tokens = normalize_with_tokens(capture, options)
    is_page = isinstance(record, PageRecord) and record.site_page
    made = record.reconstructed
    return Normalized(capture.url, record_to_json(record) + "\n", is_page,
                      described_problems(record.problems, tokens) if is_page else (),
                      record.lang if is_page else None,
                      error_page=isinstance(record, PageRecord) and not record.site_page,
                      other_order=is_page and made is not None and other_order(made.rule, capture.url)), tokens


def described_problems(problems: tuple[str, ...], page: PageTokens | None) -> tuple[str, ...]:
    """The record's problem codes as the log gives them: ``unclosed-markup`` names the elements."""
    if page is None or not page.unclosed:
        return problems
    named = "unclosed-markup (" + ", ".join(f"<{name.upper()}>" for name in page.unclosed) + ")"
    return tuple(named if code == "unclosed-markup" else code for code in problems)


class RecordsSink:
    """Writes the lines in the order they come and counts pages and problems."""

    def __init__(self, handle: TextIO, on_record: Callable[[str], None] | None = None) -> None:
        self.handle = handle
        self.on_record = on_record
        self.records = self.pages = self.with_problems = self.error_pages = self.other_orders = 0

    def add(self, normalized: Normalized) -> None:
        self.handle.write(normalized.line)
        self.records += 1
        self.error_pages += normalized.error_page
        self.other_orders += normalized.other_order
        if normalized.is_page:
            self.pages += 1
            if normalized.problems:
                self.with_problems += 1
                log.info("%s: %s", normalized.url, ", ".join(normalized.problems))
        if self.on_record:
            self.on_record(normalized.url)

    def summary(self, output: Path) -> NormalizeSummary:
        return NormalizeSummary(self.records, self.pages, self.with_problems, output, self.error_pages,
                                self.other_orders)
