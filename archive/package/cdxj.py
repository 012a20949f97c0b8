"""``<name>.cdxj``: the sorted CDXJ index of the master (SURT keys), as pywb and the WACZ read it.

Only the master (and sunset's reconstruction of the server's other answers, marked as such) is
indexed: derived records must never be what a replay serves for a URL.
"""
from __future__ import annotations

import io
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cdxj_indexer.main import CDXJIndexer, SortingWriter

from archive.durable import atomic_writer
from archive.index_lines import INDEXED_TYPES, emitted_lines


@dataclass(frozen=True, slots=True)
class CdxjLine:
    urlkey: str
    timestamp: str
    fields: dict

    @property
    def url(self) -> str:
        return self.fields.get("url", "")

    @property
    def offset(self) -> int:
        return int(self.fields.get("offset", -1))


def write_cdxj(master: Path, output: Path, *others: Path) -> int:
    """Index ``master`` (and ``others``: the reconstructed WARC) into ``output`` (atomically);
    returns the number of lines.

    The lines the master's writer left (:mod:`archive.index_lines`) are used when they describe
    this very file, so the master is not read again; cdxj-indexer reads the others (small) and,
    when the writer's lines are missing or stale, the master too. Either way one sort, cdxj-indexer's
    own, orders them all.
    """
    emitted = emitted_lines(master)
    if emitted is not None:
        with atomic_writer(output, "w", encoding="utf-8") as handle:
            sorter = SortingWriter(handle)  # cdxj-indexer's own sort: the same order, bounded memory
            lines = 0
            for line in itertools.chain(emitted, _indexed_lines(others)):
                sorter.write(line)
                lines += 1
            sorter.flush()
        return lines
    with atomic_writer(output, "w", encoding="utf-8") as handle:
        # post_append: request records are indexed with their response (POST bodies), as pywb does.
        # The record types are named here because py-wacz adds "warcinfo" to the library's default
        # list when it is imported.
        CDXJIndexer(handle, [str(master), *map(str, others)], sort=True, post_append=True,
                    records=",".join(INDEXED_TYPES)).process_all()
    return sum(1 for _ in iter_cdxj(output))


def _indexed_lines(warcs: tuple[Path, ...]) -> Iterator[str]:
    """cdxj-indexer's unsorted lines for ``warcs`` (the caller sorts)."""
    if not warcs:
        return
    buffer = io.StringIO()
    CDXJIndexer(buffer, [str(warc) for warc in warcs], sort=False, post_append=True,
                records=",".join(INDEXED_TYPES)).process_all()
    yield from buffer.getvalue().splitlines(keepends=True)


def iter_cdxj(path: Path) -> Iterator[CdxjLine]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            line = line.rstrip("\n")
            if not line or line.startswith("!"):
                continue
            try:
                urlkey, timestamp, fields = line.split(" ", 2)
                yield CdxjLine(urlkey, timestamp, json.loads(fields))
            except ValueError as error:
                raise ValueError(f"{path.name}:{number}: not a CDXJ line ({error})") from error
