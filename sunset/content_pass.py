"""One read of the master WARC for normalize and the mirror together (what ``sunset run`` does).

The stage commands (``sunset normalize``, ``sunset mirror``) each read the WARC alone; in a run
whose source did not make the records already, the normalize step does the mirror along
(:mod:`sunset.steps`): each capture goes to a worker process, which makes its record and writes
its mirror file through :class:`site_out.mirror.MirrorWriter`, the page's language taken from
the record just made and the page scanned once for both. Results come back in WARC order, so
``records.jsonl`` and the mirror are byte for byte what the two stages write one after the other.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
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
