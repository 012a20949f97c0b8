"""One read of the master WARC for normalize and the mirror together (what ``sunset run`` does).

The stage commands (``sunset normalize``, ``sunset mirror``) each read the WARC alone; in a run
whose source did not make the records already, the normalize step does the mirror along
(:mod:`sunset.steps`): each capture goes to a worker process, which makes its record and writes
its mirror file through :class:`site_out.mirror.MirrorWriter`, the page's language taken from
the record just made and the page scanned once for both. Results come back in WARC order, so
``records.jsonl`` and the mirror are byte for byte what the two stages write one after the other.

A crawl does the same pass while it writes the master (:func:`records_and_mirror_along`, in the
process that reads the master as it grows): each page's file is written under the plan of what was
fetched so far, and put right once the master is complete (:mod:`site_out.along`).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from archive.capture import Capture
from archive.capture_index import CaptureIndex
from archive.durable import atomic_writer
from archive.served import iter_site_captures
from archive.workers import Task, capture_task, map_ordered
from normalize.options import NormalizeOptions
from normalize.stage import (
    Normalized,
    NormalizeSummary,
    RecordsSink,
    normalize_one_with_tokens,
)
from site_out.along import AlongMirror
from site_out.mirror import FileWritten, MirrorSummary, MirrorWriter
from site_out.options import MirrorOptions
from site_out.plan import PlannedFile


@dataclass(frozen=True, slots=True)
class _Context:
    """What every worker needs, handed over once by fork."""

    normalize: NormalizeOptions
    mirror: MirrorWriter  # the plan, the resolver, the rewriter


def _tasks(writer: MirrorWriter) -> Iterator[Task[tuple[Capture, object]]]:
    for ordinal, capture in enumerate(iter_site_captures(writer.warc_path)):
        yield capture_task(capture, writer.planned(ordinal, capture))


def _one(context: _Context, task: tuple[Capture, PlannedFile | None]) -> tuple[Normalized, FileWritten | None]:
    """A capture's record, then its mirror file (if the plan gives it one); in a worker process."""
    capture, planned = task
    normalized, page = normalize_one_with_tokens(context.normalize, task)
    written = context.mirror.write(capture, planned, normalized.lang, page) if planned is not None else None
    return normalized, written


def normalize_and_mirror(index: CaptureIndex, normalize_options: NormalizeOptions, records_path: Path,
                         mirror_options: MirrorOptions, out_dir: Path, *,
                         on_capture: Callable[[str], None] | None = None,
                         workers: int = 1) -> tuple[NormalizeSummary, MirrorSummary]:
    """``records.jsonl`` and ``mirror/`` from one read of the master, ``index.warc`` (``index``: its
    capture index, which the mirror's plan asks)."""
    writer = MirrorWriter.open(index, mirror_options, out_dir)
    if hasattr(on_capture, "set_total"):  # a bar that can show the total and the time left
        on_capture.set_total(writer.captures)  # type: ignore[union-attr]
    context = _Context(normalize_options, writer)
    with atomic_writer(records_path, "w", encoding="utf-8") as handle:
        sink = RecordsSink(handle, on_capture)
        for normalized, written in map_ordered(_one, _tasks(writer), workers, context=context):
            sink.add(normalized)
            if written is not None:
                writer.add(written)
    return sink.summary(records_path), writer.finish(records_path)


@dataclass(frozen=True, slots=True)
class _AlongContext:
    """What every worker of the content pass done along a crawl needs, handed over once by fork."""

    normalize: NormalizeOptions
    mirror: AlongMirror  # the growing plan (each worker reads it through its own connection), the writer


def _along_tasks(captures: Iterable[Capture], mirror: AlongMirror) -> Iterator[Task[tuple[Capture, object]]]:
    for ordinal, capture in enumerate(captures):
        yield capture_task(capture, (ordinal, *mirror.place(capture)))


def _along_one(context: _AlongContext, task: tuple[Capture, tuple[int, PlannedFile | None, bool]]) -> tuple[
        Normalized, tuple[int, PlannedFile | None, bool], FileWritten | None, dict[str, str | None]]:
    """A capture's record, then its mirror file when the plan so far lets it be written now; in a worker."""
    capture, placed = task
    normalized, page = normalize_one_with_tokens(context.normalize, task)
    _, planned, now = placed
    if planned is None or not now:
        return normalized, placed, None, {}
    written, answers = context.mirror.write(capture, planned, normalized.lang, page)
    return normalized, placed, written, answers


def records_and_mirror_along(captures: Iterable[Capture], normalize_options: NormalizeOptions, records_path: Path,
                             mirror: AlongMirror, *, workers: int = 1) -> NormalizeSummary:
    """``records.jsonl`` from ``captures`` (a master still being written), and each capture's mirror
    file as its record is made, the page scanned once for both; the plan so far decided here, in
    WARC order, the pages parsed and written on ``workers`` processes."""
    context = _AlongContext(normalize_options, mirror)
    with atomic_writer(records_path, "w", encoding="utf-8") as handle:
        sink = RecordsSink(handle)
        for normalized, (ordinal, planned, _), written, answers in map_ordered(
                _along_one, _along_tasks(captures, mirror), workers, context=context):
            sink.add(normalized)
            if planned is not None:
                mirror.note(ordinal, planned, normalized.lang, written, answers)
        mirror.close()
    return sink.summary(records_path)
