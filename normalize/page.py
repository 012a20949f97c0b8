"""One capture in, one record out — never an exception for anything a server could send."""
from __future__ import annotations

import hashlib
import logging
from base64 import b32encode
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from crawl.capture import Capture
from crawl.sniff import is_html, magic_type, media_type
from crawl.urls import Scope
from normalize.encoding import decode_page
from normalize.links import extract_page_references
from normalize.options import NormalizeOptions
from normalize.record import FileRecord, PageRecord, Record
from normalize.text import extract_text

log = logging.getLogger(__name__)


def sha1_digest(data: bytes) -> str:
    """The ``sha1:BASE32`` form WARC uses, for captures that arrive without a digest."""
    return "sha1:" + b32encode(hashlib.sha1(data).digest()).decode("ascii")


def last_modified(capture: Capture) -> str | None:
    """The HTTP ``Last-Modified`` when the server sent one, else the capture's date."""
    header = capture.header("Last-Modified")
    if header:
        try:
            return parsedate_to_datetime(header).astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
        except (TypeError, ValueError, IndexError):
            pass
    return _iso(capture.date)


def _iso(date: datetime) -> str:
    return date.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _file_record(capture: Capture, size: int, digest: str | None, problems: tuple[str, ...]) -> FileRecord:
    return FileRecord(
        url=capture.url,
        status=capture.status,
        content_type=capture.content_type,
        size=size,
        last_modified=last_modified(capture),
        payload_digest=digest,
        warc_record_id=capture.record_id,
        problems=problems,
    )


def normalize_capture(capture: Capture, options: NormalizeOptions) -> Record:
    """The record for a capture: a full page record for HTML, a file record otherwise."""
    size = capture.body.size
    with capture.body.open() as stream:
        body = stream.read(options.max_page_bytes + 1)
    digest = capture.payload_digest or (sha1_digest(body) if size <= options.max_page_bytes else None)
    if not is_html(capture.content_type, body[:512]):
        problems: tuple[str, ...] = ()
        if media_type(capture.content_type) == "text/html" and magic_type(body[:16]):
            problems = ("binary-as-html",)
        return _file_record(capture, size, digest, problems)
    problems_list: list[str] = []
    if size == 0 or not body.strip():
        problems_list.append("empty")
    if len(body) > options.max_page_bytes:
        body = body[: options.max_page_bytes]
        problems_list.append("truncated")
    if b"\x00" in body[:4096] and not body.startswith((b"\xff\xfe", b"\xfe\xff")):
        problems_list.append("nul-bytes")
    decoded = decode_page(body, capture.content_type)
    problems_list.extend(decoded.problems)
    page = extract_text(decoded.text)
    if not page.parsed:
        problems_list.append("unparseable")
    scope = Scope(options.base_url, options.case_insensitive)
    references = extract_page_references(decoded.text, capture.url, scope)
    return PageRecord(
        url=capture.url,
        status=capture.status,
        content_type=capture.content_type,
        size=size,
        charset=decoded.charset,
        charset_source=decoded.source,
        title=page.title,
        headings=page.headings,
        text=page.text,
        noframes_text=page.noframes_text,
        lang=page.lang,
        meta=page.meta,
        links=references.links,
        images=references.images,
        forms=references.forms,
        last_modified=last_modified(capture),
        copyright=page.copyright,
        payload_digest=digest,
        warc_record_id=capture.record_id,
        problems=tuple(dict.fromkeys(problems_list)),
    )
