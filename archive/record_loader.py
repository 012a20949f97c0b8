"""The record at an offset of a WARC (or ARC) file, as pywb's ``BlockArcWarcRecordLoader`` loads it.

Every read of one record by its place goes through here: a capture chosen by its head, a
revisit's payload, a record copied into another WARC. A loader holds one open file and loads
any number of records from it; nothing else seeks in a WARC and starts an iterator there.
"""
from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from warcio.bufferedreaders import DecompressingBufferedReader
from warcio.limitreader import LimitReader
from warcio.recordloader import ArcWarcRecord, ArcWarcRecordLoader

ARC = "arc"
"""``format`` of a loaded record that is stored as ARC (warcio says ``warc`` once it has converted it)."""


def record_parser() -> ArcWarcRecordLoader:
    """warcio's record parser set as sunset reads every WARC: ARC records come as WARC ones
    (``WARC-Target-URI``, ``WARC-Date``), and HTTP status lines are not checked (what
    warcio's ArchiveIterator does by default: a 1998 server's odd status line is still a capture)."""
    return ArcWarcRecordLoader(verify_http=False, arc2warc=True)


class RecordLoader:
    """Loads records of one file by offset. Give it a path (it opens and closes the file) or an
    open handle (left open: the growing WARC's reader keeps its own)."""

    def __init__(self, source: Path | BinaryIO) -> None:
        self._owned = isinstance(source, Path)
        self.path: Path | None = source if isinstance(source, Path) else None
        self._handle: BinaryIO = source.open("rb") if isinstance(source, Path) else source
        self._parser = record_parser()

    def load(self, offset: int, length: int | None = None, *, parse_http: bool = True) -> ArcWarcRecord:
        """The record whose bytes start at ``offset`` (``length`` of them, when known). Its
        stream reads from this loader's file: read it before the next load. An ARC record comes
        as WARC, its ``format`` set to :data:`ARC`; ``parse_http=False`` leaves its HTTP head in
        the block. Raises warcio's ``ArchiveLoadFailed`` (or ``EOFError`` at the end of the file)."""
        self._handle.seek(offset)
        stream = self._handle if length is None else LimitReader(self._handle, length)
        reader = DecompressingBufferedReader(stream)
        first = reader.readline()
        while first in (b"\r\n", b"\n"):  # between the records of an uncompressed file
            first = reader.readline()
        record = self._parser.parse_record_stream(reader, first, no_record_parse=not parse_http)
        if not first.startswith(b"WARC/"):
            record.format = ARC
        return record

    def raw(self, offset: int, length: int) -> BinaryIO:
        """The record's bytes as stored (a gzip member, in a compressed file), to copy them
        unchanged; read them before the next load."""
        self._handle.seek(offset)
        return LimitReader(self._handle, length)  # type: ignore[return-value]

    def close(self) -> None:
        if self._owned:
            self._handle.close()

    def __enter__(self) -> "RecordLoader":
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()
