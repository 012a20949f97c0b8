"""``<name>.cdxj``: the sorted CDXJ index of the master (SURT keys), as pywb and the WACZ read it.

Only the master (and sunset's reconstruction of the server's other answers, marked as such) is
indexed: derived records must never be what a replay serves for a URL.

Where the reconstructed WARC holds an answer at the very URL and second of a master's capture
(the served view's page with its server-side includes done, in place of the file as it lay),
its line comes first: pywb takes the first of equally close captures (``cdx_sort_closest`` keeps
the index's order among them), and the answer is what the server sent. ReplayWeb.page, which
keeps the last line it reads for one URL and second, reads the WACZ's own index, where the
response's line sorts after the file's resource line (``"status"`` after ``"digest"``).
"""
from __future__ import annotations

import contextlib
import itertools
import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from cdxj_indexer.main import CDXJIndexer, SortingWriter

from archive.durable import atomic_writer
from archive.index_lines import INDEXED_TYPES, emitted_lines


SORT_BUFFER = 4 * 1024 * 1024
"""Characters of CDXJ lines sorted in memory before a sorted run goes to a temporary file (cdxj-indexer's
default is 32 MiB: every line of a 50,000-page site, 23 MB more in the replay's process). The runs are
merged as the index is written; the order, and the file, are the same whatever the buffer."""


@contextlib.contextmanager
def bounded_sort() -> Iterator[None]:
    """cdxj-indexer's sorts started inside (py-wacz's index of the WACZ, which makes its own
    ``SortingWriter``) keep :data:`SORT_BUFFER` characters in memory, not the library's default."""
    default = SortingWriter.MAX_SORT_BUFF_SIZE
    SortingWriter.MAX_SORT_BUFF_SIZE = SORT_BUFFER
    try:
        yield
    finally:
        SortingWriter.MAX_SORT_BUFF_SIZE = default


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
        with atomic_writer(output, "w", encoding="utf-8") as handle, _answers_first(handle, master.name) as out:
            sorter = SortingWriter(out, SORT_BUFFER)  # cdxj-indexer's own sort: the same order, bounded memory
            lines = 0
            for line in itertools.chain(emitted, _indexed_lines(others)):
                sorter.write(line)
                lines += 1
            sorter.flush()
        return lines
    with atomic_writer(output, "w", encoding="utf-8") as handle, _answers_first(handle, master.name) as out:
        # post_append: request records are indexed with their response (POST bodies), as pywb does.
        # The record types are named here because py-wacz adds "warcinfo" to the library's default
        # list when it is imported.
        CDXJIndexer(out, [str(master), *map(str, others)], sort=True, post_append=True,
                    records=",".join(INDEXED_TYPES), max_sort_buff_size=SORT_BUFFER).process_all()
    return sum(1 for _ in iter_cdxj(output))


class _AnswersFirst:
    """Passes sorted CDXJ lines on, putting first, among lines of one URL and one second, those of
    WARCs other than ``master`` (see the module's docstring); the rest keep the sorted order."""

    def __init__(self, out: TextIO, master: str) -> None:
        self.out = out
        self.master = master
        self.pending = ""
        self.group: list[str] = []
        self.key: tuple[str, str] | None = None

    def write(self, text: str) -> None:
        self.pending += text
        *lines, self.pending = self.pending.split("\n")
        for line in lines:
            self._line(line + "\n")

    def flush(self) -> None:
        """Lines of a group still to come stay here until the group ends (:meth:`close`)."""

    def _line(self, line: str) -> None:
        key = tuple(line.split(" ", 2)[:2])
        if key != self.key:
            self.close()
            self.key = key  # type: ignore[assignment]
        self.group.append(line)

    def close(self) -> None:
        if len(self.group) > 1:
            self.group.sort(key=lambda line: (_url_field(line), f'"filename": "{self.master}"' in line))
        self.out.write("".join(self.group))
        self.group = []


def _url_field(line: str) -> str:
    """The line's ``"url"`` value as written (quotes and escapes too): what orders it among the
    lines of its key and second, as the whole line's sort did."""
    start = line.find('{"url": "')
    if start < 0:
        return line
    start += len('{"url": ')
    try:
        _, end = json.decoder.scanstring(line, start + 1)
    except ValueError:
        return line
    return line[start:end]


@contextlib.contextmanager
def _answers_first(out: TextIO, master: str) -> Iterator[_AnswersFirst]:
    writer = _AnswersFirst(out, master)
    yield writer
    if writer.pending:
        writer.write("\n")
    writer.close()


def _indexed_lines(warcs: tuple[Path, ...]) -> Iterator[str]:
    """cdxj-indexer's unsorted lines for ``warcs`` (the caller sorts), through a temporary file: the
    reconstructed WARC of a 50,000-page site has 11,000 lines, held three times over in a string."""
    if not warcs:
        return
    with tempfile.TemporaryFile("w+", encoding="utf-8", newline="\n") as buffer:
        CDXJIndexer(buffer, [str(warc) for warc in warcs], sort=False, post_append=True,
                    records=",".join(INDEXED_TYPES)).process_all()
        buffer.seek(0)
        yield from buffer


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
