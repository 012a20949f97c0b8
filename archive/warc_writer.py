"""Write captures into a WARC 1.1 file exactly as they were delivered.

The file is written as ``<name>.warc.gz.open`` and renamed when complete, so an archive
under its final name is always whole. Files read from disk become ``resource`` records:
they were never an HTTP response, and inventing one would falsify the record.
"""
from __future__ import annotations

import io
import os
import zlib
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, BinaryIO, TextIO

from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArchiveLoadFailed, ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders, StatusAndHeadersParser
from warcio.warcwriter import WARCWriter

from archive.capture import Capture, Fetched
from archive.dates import warc_date
from archive.durable import atomic_writer
from archive.growth import WarcGrowth
from archive.heads import head_line, head_loader
from archive.index_lines import (
    HEAD_LINES,
    cdxj_line,
    lines_path,
    remove_lines,
    write_trailer,
)
from archive.labels import (
    CHARSET_SOURCE_HEADER,
    LABEL_SAMPLE_BYTES,
    charset_label,
    is_text,
)

if TYPE_CHECKING:
    from archive.stamps import RecordStamps

WARC_VERSION = "WARC/1.1"
CONFORMS_TO = "http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"


@dataclass(frozen=True, slots=True)
class WrittenRecord:
    url: str
    record_id: str
    payload_digest: str | None


def _labelled_type(capture: Capture) -> tuple[str, str | None]:
    """The resource record's Content-Type, with the charset sunset decided for a text file (see
    :mod:`archive.labels`), and how that charset was decided (None when the label is not sunset's)."""
    content_type = capture.content_type or "application/octet-stream"
    if "charset" in content_type.lower():
        return content_type, None
    with capture.body.open() as stream:
        head = stream.read(1024)
        if not is_text(content_type, head):
            return content_type, None
        sample = head + stream.read(LABEL_SAMPLE_BYTES - len(head))
    return charset_label(content_type, sample)


UNPARSED_HEADER = "Sunset-Unparsed-Response"
"""On a ``resource`` record of an answer no HTTP parser accepted: why (the note is sunset's)."""


class _AsReceived(StatusAndHeaders):
    """An HTTP head that warcio writes byte for byte.

    warcio re-serialises the headers it is given: it would unfold folded lines, percent-encode
    bytes that are not ASCII, and write the status line from parsed parts (``HTTP/1.2`` becomes
    whatever protocol was passed). The record must hold what the server sent.
    """

    def __init__(self, raw: bytes) -> None:
        first = raw.split(b"\n", 1)[0].rstrip(b"\r").decode("latin-1")
        protocol, _, statusline = first.partition(" ")
        super().__init__(statusline or first or "-", _parsed_headers(raw), protocol=protocol)
        self.raw = raw
        self.headers_buff = raw

    def compute_headers_buffer(self, header_filter=None) -> None:  # type: ignore[no-untyped-def]
        self.headers_buff = self.raw


def _parsed_headers(raw: bytes) -> list[tuple[str, str]]:
    """The headers as warcio's own parser reads them back, for lookups only (the CDXJ line's
    ``mime``, made as the record is written, must be what cdxj-indexer later reads)."""
    try:
        return StatusAndHeadersParser([], verify=False).parse(io.BytesIO(raw)).headers
    except Exception:  # noqa: BLE001 - an odd head a reader cannot parse has no headers to look up
        return []


def _one_line(text: str) -> str:
    return " ".join(text.split())


class WarcArchive(AbstractContextManager["WarcArchive"]):
    """A WARC being written; use as a context manager so it is finished or left ``.open``."""

    def __init__(self, path: Path, *, software: str, info: dict[str, str],
                 stamps: "RecordStamps | None" = None, resume: bool = False, index: bool = False,
                 growth: WarcGrowth | None = None) -> None:
        """``resume``: append to an existing ``.open`` file (a crawl continuing after a kill).
        ``index``: also leave each capture's CDXJ line (:mod:`archive.index_lines`) for ``package``.
        ``growth``: told how far the file holds whole records after each flush, so another process
        can read the WARC as it grows (:mod:`archive.growth`)."""
        from archive.stamps import RecordStamps

        self.path = path
        self.open_path = path.with_name(path.name + ".open")
        self._software = software
        self._info = info
        self.stamps = stamps or RecordStamps()
        self._resume = resume
        self.records = 0
        self._index_file = None if resume or not index else atomic_writer(lines_path(path), "w", encoding="utf-8",
                                                                           durable=False)
        self._heads_file = None if resume or not index else atomic_writer(lines_path(path, HEAD_LINES), "w",
                                                                           encoding="utf-8", durable=False)
        self._index: TextIO | None = None
        self._heads: TextIO | None = None
        self._loader = head_loader()
        self._growth = growth

    def __enter__(self) -> "WarcArchive":
        self._start()
        self._flushed()
        return self

    def _flushed(self) -> None:
        self._handle.flush()
        if self._growth is not None:
            self._growth.advance(self._handle.tell())

    def _start(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        remove_lines(self.path)  # lines of an earlier file under this name describe that file only
        if self._index_file is not None and self._heads_file is not None:
            self._index = self._index_file.__enter__()
            self._heads = self._heads_file.__enter__()
        if self._resume and self.open_path.exists():
            cut = cut_partial_record(self.open_path)
            self._handle = self.open_path.open("ab")
            self._writer = WARCWriter(self._handle, gzip=True, warc_version=WARC_VERSION)
            self.resumed_at: int | None = cut
            if cut:
                return
        else:
            self.resumed_at = None
            self._handle = self.open_path.open("wb")
            self._writer = WARCWriter(self._handle, gzip=True, warc_version=WARC_VERSION)
        fields = {"software": self._software, "format": "WARC File Format 1.1", "conformsTo": CONFORMS_TO}
        # One line per field: a config value with CR/LF must not add fields (or forge one).
        fields.update({" ".join(key.splitlines()): " ".join(str(value).splitlines())
                       for key, value in self._info.items() if value})
        record = self._writer.create_warcinfo_record(self.path.name, fields)
        record.rec_headers.replace_header("WARC-Record-ID", self.stamps.record_id("warcinfo", self.path.name))
        record.rec_headers.replace_header("WARC-Date", self.stamps.now())
        self._writer.write_record(record)

    def _write_indexed(self, record: ArcWarcRecord) -> None:
        """Write a record of the master; with ``index``, its CDXJ line and its head too (offset and
        length as written)."""
        if self._index is None or self._heads is None:
            self._writer.write_record(record)
            return
        offset = self._handle.tell()
        self._writer.write_record(record)
        line = cdxj_line(record, offset, self._handle.tell() - offset, self.path.name)
        if line is not None:
            self._index.write(line)
        head = head_line(record, offset, self._loader)
        if head is not None:
            self._heads.write(head)

    def write_record(self, record_type: str, url: str, payload: BinaryIO, *, length: int,
                     content_type: str, headers: dict[str, str]) -> str:
        """Append a record sunset made itself (derived records); returns its record id."""
        fields = {"WARC-Record-ID": self.stamps.record_id(record_type, url), "WARC-Date": self.stamps.now()}
        fields.update(headers)
        record = self._writer.create_warc_record(url, record_type, payload=payload, length=length,
                                                 warc_content_type=content_type, warc_headers_dict=fields)
        self._writer.write_record(record)
        self.records += 1
        return fields["WARC-Record-ID"]

    @property
    def warcio_writer(self) -> WARCWriter:
        """warcio's writer, for records built with its own builders (revisits, reconstructions);
        pass them to :meth:`write_built`."""
        return self._writer

    def write_built(self, record: ArcWarcRecord) -> None:
        self._writer.write_record(record)
        self.records += 1

    def write_capture(self, capture: Capture) -> WrittenRecord:
        """Append one capture; its bytes go in unchanged."""
        headers = {"WARC-Date": warc_date(capture.date)}
        with capture.body.open() as payload:
            if capture.status is None:
                headers["WARC-Record-ID"] = self.stamps.record_id("resource", capture.url)
                content_type, charset_source = _labelled_type(capture)
                if charset_source:
                    headers[CHARSET_SOURCE_HEADER] = charset_source
                record = self._writer.create_warc_record(
                    capture.url, "resource", payload=payload, length=capture.body.size,
                    warc_content_type=content_type, warc_headers_dict=headers,
                )
            else:
                status_line = f"{capture.status} {capture.header('X-Status-Reason') or ''}".strip()
                http_headers = StatusAndHeaders(status_line, list(capture.http_headers), protocol="HTTP/1.1")
                headers["WARC-Record-ID"] = self.stamps.record_id("response", capture.url)
                record = self._writer.create_warc_record(
                    capture.url, "response", payload=payload, length=capture.body.size,
                    http_headers=http_headers, warc_headers_dict=headers,
                )
            self._write_indexed(record)
        self.records += 1
        return WrittenRecord(capture.url, record.rec_headers.get_header("WARC-Record-ID"),
                             record.rec_headers.get_header("WARC-Payload-Digest"))

    def write_exchange(self, fetched: Fetched, revisit_of: tuple[str, str] | None = None) -> str:
        """Append a fetch as a request and a response (or revisit) record, and flush them.

        The blocks are the bytes that went over the wire when the fetch recorded them (status
        line, headers and chunked framing as received); an answer no parser accepted becomes a
        ``resource`` record of every byte received, with a note of sunset's saying why.
        Returns the WARC-Date, for revisit records that will refer to this one.
        """
        date = warc_date(fetched.date)
        request_id = self.stamps.record_id("request", fetched.url)
        kind = "resource" if fetched.unparsed else "revisit" if revisit_of else "response"
        if fetched.unparsed:
            revisit_of = None
        response_id = self.stamps.record_id(kind, fetched.url)
        response_headers = {"WARC-Record-ID": response_id, "WARC-Date": date, "WARC-Concurrent-To": request_id}
        if fetched.ip:
            response_headers["WARC-IP-Address"] = fetched.ip
        http_headers: StatusAndHeaders | None
        if fetched.response_head:
            http_headers = _AsReceived(fetched.response_head)
            if revisit_of is None:  # a revisit record states it itself; warcio would hash the wire body
                response_headers["WARC-Payload-Digest"] = fetched.payload_digest
        elif fetched.unparsed:
            http_headers = None
        else:
            status_line = f"{fetched.status} {fetched.reason}".rstrip()
            http_headers = StatusAndHeaders(status_line, list(fetched.headers), protocol=fetched.protocol)
        if revisit_of is not None:
            response = self._writer.create_revisit_record(
                fetched.url, fetched.payload_digest, revisit_of[0], revisit_of[1],
                http_headers=http_headers, warc_headers_dict=response_headers)
            payload = None
        else:
            if fetched.truncated:
                response_headers["WARC-Truncated"] = fetched.truncated
            body = fetched.wire_body if fetched.wire_body is not None else fetched.body
            payload = body.open()
            if fetched.unparsed:
                response_headers[UNPARSED_HEADER] = _one_line(
                    f"not an HTTP/1.x response ({fetched.unparsed}); the block is every byte received")
                response = self._writer.create_warc_record(
                    fetched.url, "resource", payload=payload, length=body.size,
                    warc_content_type="application/octet-stream", warc_headers_dict=response_headers)
            else:
                response = self._writer.create_warc_record(
                    fetched.url, "response", payload=payload, length=body.size,
                    http_headers=http_headers, warc_headers_dict=response_headers)
        request_headers = {"WARC-Record-ID": request_id, "WARC-Date": date, "WARC-Concurrent-To": response_id}
        if fetched.ip:
            request_headers["WARC-IP-Address"] = fetched.ip
        request_http: StatusAndHeaders = (
            _AsReceived(fetched.request_bytes) if fetched.request_bytes else
            StatusAndHeaders(fetched.request_line, list(fetched.request_headers), is_http_request=True))
        request = self._writer.create_warc_record(fetched.url, "request", warc_headers_dict=request_headers,
                                                  http_headers=request_http)
        # Request first, response last: a kill between the two leaves a dangling request,
        # which cut_partial_record removes, never a response without its request.
        self._write_indexed(request)
        self._write_indexed(response)
        if payload is not None:
            payload.close()
        self._flushed()
        self.records += 2
        return date

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()
        if kind is None:
            os.replace(self.open_path, self.path)
        for file, lines in ((self._index_file, self._index), (self._heads_file, self._heads)):
            if file is not None and lines is not None:
                if kind is None:
                    write_trailer(lines, self.path)
                file.__exit__(kind, error, trace)


def cut_partial_record(path: Path) -> int:
    """Cut ``path`` after its last complete record, and a request whose response never came.

    A process killed while writing leaves half a gzip member at the end; appending after it
    would make the rest of the file unreadable. Returns the new length.
    """
    safe_end = before_last = 0  # the end of the last record that is not a request, before and after the last
    last: tuple[int, int] | None = None
    with path.open("rb") as handle:
        iterator = ArchiveIterator(handle, no_record_parse=False)
        try:
            for record in iterator:
                iterator.read_to_end(record)
                offset = iterator.get_record_offset()
                last = (offset, offset + iterator.get_record_length())
                before_last = safe_end
                if record.rec_type != "request":
                    safe_end = last[1]
        except (ArchiveLoadFailed, OSError, EOFError, ValueError, zlib.error, AttributeError):
            pass  # (warcio raises AttributeError on a WARC head cut before its Target-URI)
        if last is not None and not _member_complete(handle, *last):
            safe_end = before_last  # warcio reads a gzip member cut short without complaint
    if safe_end != path.stat().st_size:
        with path.open("r+b") as handle:
            handle.truncate(safe_end)
    return safe_end


def _member_complete(handle: BinaryIO, start: int, end: int, chunk: int = 1 << 20) -> bool:
    """Whether the gzip member at ``start`` ends whole at ``end`` (an uncompressed record is taken as read)."""
    handle.seek(start)
    if handle.read(2) != b"\x1f\x8b":
        return True
    handle.seek(start)
    inflater = zlib.decompressobj(wbits=31)
    left = end - start
    try:
        while left > 0 and not inflater.eof:
            data = handle.read(min(chunk, left))
            if not data:
                break
            left -= len(data)
            inflater.decompress(data, chunk)
            while inflater.unconsumed_tail and not inflater.eof:
                inflater.decompress(inflater.unconsumed_tail, chunk)
    except zlib.error:
        return False
    return inflater.eof
