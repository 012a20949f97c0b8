"""One read of the master WARC for normalize and the mirror together (what ``sunset run`` does).

The stage commands (``sunset normalize``, ``sunset mirror``) each read the WARC alone; after a
capture, ``run`` reads it once: each capture goes to a worker process, which makes its record
and writes its mirror file, the page's language taken from the record just made and the page
scanned once for both. Results come
back in WARC order, so ``records.jsonl`` and the mirror are byte for byte what the two stages
write one after the other.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from archive.capture import Capture
from archive.durable import atomic_writer
from archive.reader import iter_warc_captures
from archive.workers import Task, capture_task, map_ordered
from normalize.options import NormalizeOptions
from normalize.stage import (
    Normalized,
    NormalizeSummary,
    RecordsSink,
    normalize_one_with_tokens,
)
from site_out.mirror import (
    MirrorSummary,
    finish_mirror,
    planned_for,
    prepare_mirror,
    write_one,
)
from site_out.options import MirrorOptions
from site_out.plan import PlannedFile
from sunset.served_stage import CaptureTransform

if TYPE_CHECKING:
    from site_out.mirror import _MirrorWriter


@dataclass(frozen=True, slots=True)
class _Context:
    """What every worker needs, handed over once by fork."""

    normalize: NormalizeOptions
    mirror: "_MirrorWriter"  # the plan, the resolver, the rewriter


def _tasks(warc_path: Path, writer: "_MirrorWriter",
           served: CaptureTransform | None) -> Iterator[Task[tuple[Capture, object]]]:
    for ordinal, capture in enumerate(iter_warc_captures(warc_path)):
        planned = planned_for(writer.plan, ordinal, capture, warc_path)
        yield capture_task(served(capture) if served else capture, planned)


def _one(context: _Context, task: tuple[Capture, PlannedFile | None]) -> tuple[Normalized, object | None]:
    """A capture's record, then its mirror file (if the plan gives it one); in a worker process."""
    capture, planned = task
    normalized, page = normalize_one_with_tokens(context.normalize, task)
    outcome = write_one(context.mirror, (capture, planned), normalized.lang, page) if planned is not None else None
    return normalized, outcome


def normalize_and_mirror(warc_path: Path, normalize_options: NormalizeOptions, records_path: Path,
                         mirror_options: MirrorOptions, out_dir: Path, *,
                         on_capture: Callable[[str], None] | None = None,
                         workers: int = 1,
                         served: CaptureTransform | None = None) -> tuple[NormalizeSummary, MirrorSummary]:
    """``records.jsonl`` and ``mirror/`` from one read of ``warc_path`` (each capture as the old
    server sent it, when ``served`` says so)."""
    writer = prepare_mirror(warc_path, mirror_options, out_dir)
    if hasattr(on_capture, "set_total"):  # a bar that can show the total and the time left
        on_capture.set_total(writer.plan.captures)  # type: ignore[union-attr]
    context = _Context(normalize_options, writer)
    with atomic_writer(records_path, "w", encoding="utf-8") as handle:
        sink = RecordsSink(handle, on_capture)
        for normalized, outcome in map_ordered(_one, _tasks(warc_path, writer, served), workers, context=context):
            sink.add(normalized)
            if outcome is not None:
                writer.apply(outcome)
    return sink.summary(records_path), finish_mirror(writer, warc_path, records_path, out_dir)
