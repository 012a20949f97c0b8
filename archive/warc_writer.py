"""Write WARC records into a WARC 1.1 file: the file's life, nothing else.

The file is written as ``<name>.warc.gz.open`` and renamed when complete, so an archive under
its final name is always whole; a crawl that was killed resumes the ``.open`` file after
cutting off what the kill left half-written. What goes into each record is
:mod:`archive.record_builder`'s business. Whatever else should happen as records are written
(index lines, record heads, telling a reader how far the file has grown) is a
:class:`WriterPlugin` handed to the writer, as pywb hands its writer an indexer.
"""
from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, BinaryIO

from warcio.recordloader import ArcWarcRecord
from warcio.warcwriter import WARCWriter

from archive.capture import Capture, Fetched
from archive.reader import WarcReadError, iter_record_spans
from archive.record_builder import WARC_VERSION, RecordBuilder, WrittenRecord

if TYPE_CHECKING:
    from archive.stamps import RecordStamps


class WriterPlugin:
    """Something the writer tells about the file as it writes it; each method does nothing
    unless overridden. Called on the writer's thread, in the order the plugins were given."""

    def on_open(self, warc: Path, appending: bool) -> None:
        """The writer starts ``warc`` (its final name); ``appending``: after records an earlier
        writer left (a resumed crawl), which this plugin never saw."""

    def on_record(self, record: ArcWarcRecord, offset: int, length: int) -> None:
        """``record`` was just written, ``length`` bytes from ``offset`` (not yet flushed)."""

    def on_flush(self, size: int) -> None:
        """The file holds whole records up to ``size`` bytes, flushed."""

    def on_close(self, warc: Path | None) -> None:
        """The writer is done: ``warc`` is the complete file under its final name, or None when
        writing failed (the file stays ``.open``)."""


def write_member(out: BinaryIO, record: ArcWarcRecord) -> None:
    """``record`` onto ``out`` as one gzip member, as every WARC of sunset's holds it."""
    WARCWriter(out, gzip=True, warc_version=WARC_VERSION).write_record(record)


def open_name(path: Path) -> Path:
    """Where the WARC ``path`` is written until it is complete (then renamed to ``path``)."""
    return path.with_name(path.name + ".open")


class WarcArchive(AbstractContextManager["WarcArchive"]):
    """A WARC being written; use as a context manager so it is finished or left ``.open``."""

    def __init__(self, path: Path, *, software: str, info: dict[str, str],
                 stamps: "RecordStamps | None" = None, resume: bool = False,
                 plugins: Sequence[WriterPlugin] = ()) -> None:
        """``resume``: append to an existing ``.open`` file (a crawl continuing after a kill).
        ``plugins``: told of each record, flush and the end (see :class:`WriterPlugin`)."""
        self.path = path
        self.open_path = open_name(path)
        self._software = software
        self._info = info
        self.builder = RecordBuilder(stamps)
        self._resume = resume
        self._plugins = tuple(plugins)
        self.records = 0
        self.resumed_at: int | None = None

    @property
    def stamps(self) -> "RecordStamps":
        return self.builder.stamps

    def __enter__(self) -> "WarcArchive":
        try:
            self._start()
            self.flush()
        except BaseException:
            if hasattr(self, "_handle"):
                self._handle.close()
            for plugin in self._plugins:
                plugin.on_close(None)
            raise
        return self

    def _start(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self._resume and self.open_path.exists():
            self.resumed_at = cut_partial_record(self.open_path)
            self._handle = self.open_path.open("ab")
        else:
            self._handle = self.open_path.open("wb")
        self._writer = WARCWriter(self._handle, gzip=True, warc_version=WARC_VERSION)
        for plugin in self._plugins:
            plugin.on_open(self.path, bool(self.resumed_at))
        if not self.resumed_at:
            self._append(self.builder.warcinfo(self.path.name, self._software, self._info))

    def _append(self, record: ArcWarcRecord) -> None:
        offset = self._handle.tell()
        self._writer.write_record(record)
        if self._plugins:
            length = self._handle.tell() - offset
            for plugin in self._plugins:
                plugin.on_record(record, offset, length)

    def write(self, record: ArcWarcRecord) -> None:
        """Append one record (built by :attr:`builder`)."""
        self._append(record)
        self.records += 1

    def copy(self, stored: BinaryIO) -> None:
        """Append a record copied byte for byte from another WARC gzipped per record (its gzip member,
        :meth:`archive.record_loader.RecordLoader.raw`): its id, dates and digests stay what they
        were. For a writer without plug-ins (they are told of records they can read)."""
        assert not self._plugins, "a copied record is not shown to plug-ins"
        shutil.copyfileobj(stored, self._handle, 1024 * 1024)
        self.records += 1

    def flush(self) -> None:
        """Make what is written so far readable by another process (and tell the plugins)."""
        self._handle.flush()
        if self._plugins:
            size = self._handle.tell()
            for plugin in self._plugins:
                plugin.on_flush(size)

    def write_capture(self, capture: Capture) -> WrittenRecord:
        """Append one capture; its bytes go in unchanged."""
        with self.builder.capture(capture) as record:
            self.write(record)
        return WrittenRecord(capture.url, record.rec_headers.get_header("WARC-Record-ID"),
                             record.rec_headers.get_header("WARC-Payload-Digest"))

    def write_exchange(self, fetched: Fetched, revisit_of: tuple[str, str] | None = None) -> str:
        """Append a fetch as a request and a response (or revisit) record, and flush them.
        Returns the WARC-Date, for revisit records that will refer to this one."""
        with self.builder.exchange(fetched, revisit_of) as (request, response):
            # Request first, response last: a kill between the two leaves a dangling request,
            # which cut_partial_record removes, never a response without its request.
            self.write(request)
            self.write(response)
        self.flush()
        return response.rec_headers.get_header("WARC-Date")

    def write_record(self, record_type: str, url: str, payload: BinaryIO, *, length: int,
                     content_type: str, headers: dict[str, str]) -> str:
        """Append a record sunset made itself (derived records); returns its record id."""
        record = self.builder.made(record_type, url, payload, length=length, content_type=content_type,
                                   headers=headers)
        self.write(record)
        return record.rec_headers.get_header("WARC-Record-ID")

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()
        if kind is None:
            os.replace(self.open_path, self.path)
        for plugin in self._plugins:
            plugin.on_close(self.path if kind is None else None)


def cut_partial_record(path: Path) -> int:
    """Cut ``path`` after its last whole record, and a request whose response never came.

    A process killed while writing leaves half a gzip member at the end; appending after it
    would make the rest of the file unreadable. The whole records are the reader's
    (:func:`archive.reader.iter_record_spans`). Returns the new length.
    """
    end = 0
    last_complete_type = None
    safe_end = 0
    try:
        for span in iter_record_spans(path):
            end = span.offset + span.length
            last_complete_type = span.rec_type
            if span.rec_type != "request":
                safe_end = end
    except (WarcReadError, EOFError, ValueError):
        pass
    if last_complete_type != "request":
        safe_end = end
    if safe_end != path.stat().st_size:
        with path.open("r+b") as handle:
            handle.truncate(safe_end)
    return safe_end
