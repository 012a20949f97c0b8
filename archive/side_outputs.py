"""What the master's writer does beside writing it: plug-ins of :class:`archive.warc_writer.WarcArchive`.

- :func:`cdxj_lines`: each capture's CDXJ line (:mod:`archive.index_lines`), so ``package`` only
  sorts them instead of indexing the master again;
- :func:`record_heads`: each capture's head (:mod:`archive.heads`), so the mirror's plan and the
  package's lookups read no WARC;
- :class:`GrowthSignal`: how far the file holds whole records (:mod:`archive.growth`), so a forked
  process can read the master as it grows.

The two line files are hidden files beside the WARC that end with the size and mtime of the WARC
they describe; they are written only for a file the writer wrote from its first byte (a resumed
crawl's lines would miss the records before the kill), and kept only when the WARC is complete.
A new side output is one more plug-in here and one more item in the list the caller passes.
"""
from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TextIO

from warcio.recordloader import ArcWarcRecord

from archive.durable import atomic_writer
from archive.growth import WarcGrowth
from archive.heads import head_line, head_loader
from archive.index_lines import CDXJ_LINES, HEAD_LINES, cdxj_line, lines_path, remove_lines, write_trailer
from archive.warc_writer import WriterPlugin

LineOf = Callable[[ArcWarcRecord, int, int, Path], "str | None"]
"""The line of one record just written (record, offset, length, the WARC's final name); None: no line."""


class _Abandoned(Exception):
    """Thrown into a line file's writer so that it removes its temporary file."""


class LinesFile(WriterPlugin):
    """One line per record (as ``line_of`` makes it) in the hidden file of ``kind`` beside the WARC."""

    def __init__(self, kind: str, line_of: LineOf) -> None:
        self._kind = kind
        self._line_of = line_of
        self._warc: Path | None = None
        self._file: AbstractContextManager[TextIO] | None = None
        self._lines: TextIO | None = None

    def on_open(self, warc: Path, appending: bool) -> None:
        remove_lines(warc, (self._kind,))  # lines of an earlier file under this name describe that file only
        if appending:
            return
        self._warc = warc
        self._file = atomic_writer(lines_path(warc, self._kind), "w", encoding="utf-8", durable=False)
        self._lines = self._file.__enter__()

    def on_record(self, record: ArcWarcRecord, offset: int, length: int) -> None:
        if self._lines is not None and self._warc is not None:
            line = self._line_of(record, offset, length, self._warc)
            if line is not None:
                self._lines.write(line)

    def on_close(self, warc: Path | None) -> None:
        file, lines = self._file, self._lines
        self._file = self._lines = None
        if file is None or lines is None:
            return
        if warc is None:
            file.__exit__(_Abandoned, _Abandoned(), None)
            return
        write_trailer(lines, warc)
        file.__exit__(None, None, None)


def cdxj_lines() -> LinesFile:
    """Each capture's unsorted CDXJ line, as cdxj-indexer writes it."""
    return LinesFile(CDXJ_LINES, lambda record, offset, length, warc: cdxj_line(record, offset, length, warc.name))


def record_heads() -> LinesFile:
    """Each capture's head (WARC and HTTP headers, offset), parsed back from the bytes written."""
    loader = head_loader()
    return LinesFile(HEAD_LINES, lambda record, offset, length, warc: head_line(record, offset, loader))


class GrowthSignal(WriterPlugin):
    """After each flush, tells ``growth`` how far the file holds whole records."""

    def __init__(self, growth: WarcGrowth) -> None:
        self._growth = growth

    def on_flush(self, size: int) -> None:
        self._growth.advance(size)


def master_outputs(growth: WarcGrowth | None = None) -> list[WriterPlugin]:
    """The plug-ins of the master's writer: its CDXJ lines and heads (and the growth signal when
    a process follows the WARC as it grows)."""
    plugins: list[WriterPlugin] = [cdxj_lines(), record_heads()]
    if growth is not None:
        plugins.append(GrowthSignal(growth))
    return plugins
