"""Build the WARC records of what sunset archives; writing them is :mod:`archive.warc_writer`'s job.

As warcio keeps its ``recordbuilder`` apart from its ``warcwriter``: how a capture, an HTTP
exchange or a record of sunset's own becomes a WARC record (which type, which headers, which
bytes in the block) is decided here, where the file the record goes into is unknown. Files read
from disk become ``resource`` records: they were never an HTTP response, and inventing one would
falsify the record.

A builder hands its records out inside a ``with`` block: their blocks are streams opened on the
capture's body, valid until the block ends, so the writer must write them within it.
"""
from __future__ import annotations

import io
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO

from warcio.recordbuilder import RecordBuilder as WarcioBuilder
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders, StatusAndHeadersParser

from archive.capture import SPOOL_MAX_IN_MEMORY, Capture, Fetched
from archive.dates import warc_date
from archive.labels import (
    CHARSET_SOURCE_HEADER,
    LABEL_SAMPLE_BYTES,
    charset_label,
    is_text,
)
from archive.stamps import RecordStamps

WARC_VERSION = "WARC/1.1"
CONFORMS_TO = "http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"

UNPARSED_HEADER = "Sunset-Unparsed-Response"
"""On a ``resource`` record of an answer no HTTP parser accepted: why (the note is sunset's)."""
REDACTED_HEADER = "WARC-Sunset-Redacted"
"""On a ``request`` record: the request headers sunset left out because they carried a credential
(a proxy's ``Proxy-Authorization``), so the block is the request as sent less those lines."""

_HTTP_HEAD_LIMIT = 64 * 1024
"""How far into a stored block the end of an HTTP head is looked for (an ARC record's)."""


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


def _http_head(block: BinaryIO) -> bytes | None:
    """The HTTP response head at the start of ``block`` as stored (through its blank line), the
    stream left just after it; None (the stream back at its start) when the block has none."""
    start = block.tell()
    peek = block.read(_HTTP_HEAD_LIMIT)
    ends = [end + len(mark) for mark in (b"\r\n\r\n", b"\n\n") if (end := peek.find(mark)) >= 0]
    if not peek.startswith(b"HTTP/") or not ends:
        block.seek(start)
        return None
    head = peek[:min(ends)]
    block.seek(start + len(head))
    return head


class RecordBuilder:
    """Makes sunset's WARC records (ids and dates from ``stamps``); writes none of them."""

    def __init__(self, stamps: RecordStamps | None = None) -> None:
        self.stamps = stamps or RecordStamps()
        self.warcio = WarcioBuilder(warc_version=WARC_VERSION)
        """warcio's own builder, for records made with its helpers (revisits, reconstructions)."""

    def warcinfo(self, filename: str, software: str, info: dict[str, str]) -> ArcWarcRecord:
        """The warcinfo record that opens a WARC: sunset's fields, then ``info``'s non-empty ones."""
        fields = {"software": software, "format": "WARC File Format 1.1", "conformsTo": CONFORMS_TO}
        # One line per field: a config value with CR/LF must not add fields (or forge one).
        fields.update({" ".join(key.splitlines()): " ".join(str(value).splitlines())
                       for key, value in info.items() if value})
        record = self.warcio.create_warcinfo_record(filename, fields)
        record.rec_headers.replace_header("WARC-Record-ID", self.stamps.record_id("warcinfo", filename))
        record.rec_headers.replace_header("WARC-Date", self.stamps.now())
        return record

    def made(self, record_type: str, url: str, payload: BinaryIO, *, length: int, content_type: str,
             headers: dict[str, str]) -> ArcWarcRecord:
        """A record sunset made itself (derived records: metadata, conversions)."""
        fields = {"WARC-Record-ID": self.stamps.record_id(record_type, url), "WARC-Date": self.stamps.now()}
        fields.update(headers)
        return self.warcio.create_warc_record(url, record_type, payload=payload, length=length,
                                              warc_content_type=content_type, warc_headers_dict=fields)

    @contextmanager
    def capture(self, capture: Capture) -> Iterator[ArcWarcRecord]:
        """The record of one capture, its bytes unchanged: a ``resource`` for a file read from
        disk (its Content-Type labelled, see :mod:`archive.labels`), else a ``response``."""
        headers = {"WARC-Date": warc_date(capture.date), **dict(capture.warc_headers)}
        with capture.body.open() as payload:
            if capture.status is None:
                headers["WARC-Record-ID"] = self.stamps.record_id("resource", capture.url)
                content_type, charset_source = _labelled_type(capture)
                if charset_source:
                    headers[CHARSET_SOURCE_HEADER] = charset_source
                yield self.warcio.create_warc_record(
                    capture.url, "resource", payload=payload, length=capture.body.size,
                    warc_content_type=content_type, warc_headers_dict=headers,
                )
            else:
                reason = capture.reason or capture.header("X-Status-Reason") or ""
                status_line = f"{capture.status} {reason}".strip()
                http_headers = StatusAndHeaders(status_line, list(capture.http_headers), protocol="HTTP/1.1")
                headers["WARC-Record-ID"] = self.stamps.record_id("response", capture.url)
                yield self.warcio.create_warc_record(
                    capture.url, "response", payload=payload, length=capture.body.size,
                    http_headers=http_headers, warc_headers_dict=headers,
                )

    @contextmanager
    def exchange(self, fetched: Fetched,
                 revisit_of: tuple[str, str] | None = None) -> Iterator[tuple[ArcWarcRecord, ArcWarcRecord]]:
        """A fetch as its request and its response (or revisit) record, to be written in that order.

        The blocks are the bytes that went over the wire when the fetch recorded them (status
        line, headers and chunked framing as received); an answer no parser accepted becomes a
        ``resource`` record of every byte received, with a note of sunset's saying why.
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
        payload: BinaryIO | None = None
        try:
            if revisit_of is not None:
                response = self.warcio.create_revisit_record(
                    fetched.url, fetched.payload_digest, revisit_of[0], revisit_of[1],
                    http_headers=http_headers, warc_headers_dict=response_headers)
            else:
                if fetched.truncated:
                    response_headers["WARC-Truncated"] = fetched.truncated
                body = fetched.wire_body if fetched.wire_body is not None else fetched.body
                payload = body.open()
                if fetched.unparsed:
                    response_headers[UNPARSED_HEADER] = _one_line(
                        f"not an HTTP/1.x response ({fetched.unparsed}); the block is every byte received")
                    response = self.warcio.create_warc_record(
                        fetched.url, "resource", payload=payload, length=body.size,
                        warc_content_type="application/octet-stream", warc_headers_dict=response_headers)
                else:
                    response = self.warcio.create_warc_record(
                        fetched.url, "response", payload=payload, length=body.size,
                        http_headers=http_headers, warc_headers_dict=response_headers)
            request_headers = {"WARC-Record-ID": request_id, "WARC-Date": date, "WARC-Concurrent-To": response_id}
            if fetched.ip:
                request_headers["WARC-IP-Address"] = fetched.ip
            if fetched.redacted:
                request_headers[REDACTED_HEADER] = ", ".join(dict.fromkeys(fetched.redacted))
            request_http: StatusAndHeaders = (
                _AsReceived(fetched.request_bytes) if fetched.request_bytes else
                StatusAndHeaders(fetched.request_line, list(fetched.request_headers), is_http_request=True))
            request = self.warcio.create_warc_record(fetched.url, "request", warc_headers_dict=request_headers,
                                                     http_headers=request_http)
            yield request, response
        finally:
            if payload is not None:
                payload.close()

    @contextmanager
    def from_arc(self, stored: ArcWarcRecord) -> Iterator[ArcWarcRecord]:
        """The WARC record of a record stored in an ARC file (loaded by :mod:`archive.record_loader`
        without parsing its block), its block unchanged.

        The ARC header line gave the URL, date and address (warcio's ``arc2warc``); the block is
        the server's answer as the ARC kept it. An HTTP answer becomes a ``response`` record whose
        head is written byte for byte; anything else a ``resource`` of the whole block, with a
        note of sunset's saying why.
        """
        headers = stored.rec_headers
        url = headers.get_header("WARC-Target-URI") or ""
        fields = {"WARC-Date": headers.get_header("WARC-Date") or ""}
        address = headers.get_header("WARC-IP-Address") or ""
        if address not in ("", "-", "0.0.0.0"):
            fields["WARC-IP-Address"] = address
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX_IN_MEMORY) as block:
            shutil.copyfileobj(stored.raw_stream, block)
            size = block.tell()
            block.seek(0)
            head = _http_head(block)  # type: ignore[arg-type]
            if head is None:
                fields["WARC-Record-ID"] = self.stamps.record_id("resource", url)
                fields[UNPARSED_HEADER] = "stored in an ARC file with no HTTP response head; the block is as stored"
                yield self.warcio.create_warc_record(url, "resource", payload=block, length=size,
                                                     warc_content_type="application/octet-stream",
                                                     warc_headers_dict=fields)
            else:
                fields["WARC-Record-ID"] = self.stamps.record_id("response", url)
                yield self.warcio.create_warc_record(url, "response", payload=block, length=size - len(head),
                                                     http_headers=_AsReceived(head), warc_headers_dict=fields)
