"""The head of every capture record (its WARC and HTTP headers and its offset), kept by the writer.

Planning the mirror, pointing derived records at their originals and reconstructing other
spellings all need the captures' headers but none of their bodies. Read from the WARC, each of
those is a pass that inflates every gzip member and parses every header block again; the
writer already holds both as it writes, so it leaves them in a hidden file beside the master
(:mod:`archive.index_lines` decides when that file still describes the WARC), and
:func:`archive.reader.iter_record_heads` reads that file instead of the WARC.

A head is what warcio's own reader would parse from the bytes written, not what the writer was
given: :func:`head_line` parses the head bytes exactly as they went into the file.
"""
from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from warcio.recordloader import ArcWarcRecordLoader
from warcio.statusandheaders import StatusAndHeaders

from archive.capture import CAPTURE_RECORD_TYPES
from archive.record_loader import record_parser


@dataclass(frozen=True, slots=True)
class RecordHead:
    """A capture record without its body: what a headers-only read of the WARC gives."""

    rec_type: str
    offset: int
    """Where the record's gzip member starts in the WARC."""
    rec_headers: StatusAndHeaders
    http_headers: StatusAndHeaders | None


def _as_list(headers: StatusAndHeaders) -> list[object]:
    return [headers.protocol, headers.statusline, [list(pair) for pair in headers.headers]]


def _from_list(value: list) -> StatusAndHeaders:
    protocol, statusline, headers = value
    return StatusAndHeaders(statusline, [tuple(pair) for pair in headers], protocol=protocol)


def head_loader() -> ArcWarcRecordLoader:
    """warcio's loader set as :func:`archive.reader.iter_warc_captures` reads (its ArchiveIterator
    does not check HTTP status lines, and reads ARC files as WARC)."""
    return record_parser()


def head_line(record: object, offset: int, loader: ArcWarcRecordLoader) -> str | None:
    """The JSON line of a capture record just written at ``offset`` (None: not a capture).

    Parsed back from the bytes warcio wrote (its WARC head, then the HTTP head), by warcio's
    own loader, so the head is the one any later read of the file would find.
    """
    if record.rec_type not in CAPTURE_RECORD_TYPES:  # type: ignore[attr-defined]
        return None
    http = record.http_headers  # type: ignore[attr-defined]
    written = record.rec_headers.to_bytes(encoding="utf-8")  # type: ignore[attr-defined]
    if http is not None:
        written += http.headers_buff
    parsed = loader.parse_record_stream(io.BytesIO(written), known_format="warc")
    return head_json(RecordHead(parsed.rec_type, offset, parsed.rec_headers, parsed.http_headers)) + "\n"


def head_json(head: RecordHead) -> str:
    """A head as one line of the heads file (without its newline)."""
    return json.dumps({"type": head.rec_type, "offset": head.offset, "warc": _as_list(head.rec_headers),
                       "http": _as_list(head.http_headers) if head.http_headers is not None else None},
                      ensure_ascii=False)


def heads_from_lines(lines: Iterable[str]) -> Iterator[RecordHead]:
    for line in lines:
        value = json.loads(line)
        http = value["http"]
        yield RecordHead(value["type"], value["offset"], _from_list(value["warc"]),
                         _from_list(http) if http is not None else None)
