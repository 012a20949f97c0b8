"""One capture in, one record out — never an exception for anything a server could send."""
from __future__ import annotations

import hashlib
import logging
from base64 import b32encode
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from archive.capture import Capture, answered_ok
from archive.encoding import DecodedPage, decode_page
from archive.sniff import HTML_TYPES, is_html, magic_type, media_type
from archive.urls import Scope
from normalize.links import extract_page_references
from normalize.markup import Token, iter_tokens, unclosed_elements
from normalize.options import NormalizeOptions
from normalize.record import FileRecord, PageRecord, Reconstructed, Record
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


def reconstructed(capture: Capture) -> Reconstructed | None:
    """What made the capture, when it is an answer sunset worked out (:attr:`Capture.reconstruction`)."""
    if capture.reconstruction is None:
        return None
    return Reconstructed(capture.reconstruction, capture.made_from)


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
        reconstructed=reconstructed(capture),
    )


# Bytes that never occur in text (NUL and the C0 controls other than white space and the
# ESC of ISO-2022-JP): a "page" made mostly of them is a binary file served as text/html.
_CONTROL_BYTES = bytes(set(range(0x20)) - {0x09, 0x0A, 0x0C, 0x0D, 0x1B})
BINARY_SHARE = 0.05


def looks_binary(head: bytes, content_type: str | None) -> bool:
    """Whether a page's first bytes are binary rather than text in some 1998 encoding."""
    if not head or head.startswith((b"\xff\xfe", b"\xfe\xff")) or "utf-16" in (content_type or "").lower():
        return False
    if magic_type(head[:16]):
        return True
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return controls > BINARY_SHARE * len(head)


@dataclass(frozen=True, slots=True)
class PageTokens:
    """A page's decoded text and its tokens, as normalize read them: the mirror, rewriting the
    same text in the same worker, uses them instead of scanning the page a second time."""

    text: str
    tokens: list[Token]
    unclosed: tuple[str, ...] = ()
    """The elements left open (``unclosed-markup``), named in the log."""


def normalize_capture(capture: Capture, options: NormalizeOptions) -> Record:
    """The record for a capture: a full page record for HTML, a file record otherwise.

    Whatever goes wrong inside is logged and turns into a record with ``normalizer-error``:
    one page that cannot be read must not stop the other 10,000.
    """
    return normalize_with_tokens(capture, options)[0]


def normalize_with_tokens(capture: Capture, options: NormalizeOptions) -> tuple[Record, PageTokens | None]:
    """:func:`normalize_capture`, and for a page its text and tokens."""
    try:
        return _normalize(capture, options)
    except Exception:  # noqa: BLE001 - the batch goes on; the log has the traceback
        log.exception("%s: cannot normalize this capture; recorded with problem normalizer-error", capture.url)
        return _failed_record(capture), None


def _failed_record(capture: Capture) -> FileRecord:
    """A file record built only from what cannot fail (no body read, no date parsing)."""
    try:
        size = capture.body.size
    except Exception:  # noqa: BLE001 - a body that vanished
        size = 0
    return FileRecord(url=capture.url, status=capture.status, content_type=capture.content_type, size=size,
                      last_modified=None, payload_digest=capture.payload_digest,
                      warc_record_id=capture.record_id, problems=("normalizer-error",))


def _normalize(capture: Capture, options: NormalizeOptions) -> tuple[Record, PageTokens | None]:
    size = capture.body.size
    with capture.body.open() as stream:
        body = stream.read(options.max_page_bytes + 1)
    digest = capture.payload_digest or (sha1_digest(body) if size <= options.max_page_bytes else None)
    truncated = ("truncated",) if capture.truncated else ()
    head = body[:1024]
    if not is_html(capture.content_type, head[:512]) or looks_binary(head, capture.content_type):
        problems: tuple[str, ...] = truncated
        if media_type(capture.content_type) in HTML_TYPES and looks_binary(head, capture.content_type):
            problems = ("binary-as-html", *problems)
        return _file_record(capture, size, digest, problems), None
    problems_list: list[str] = list(truncated)
    if size == 0 or not body.strip():
        problems_list.append("empty")
    if len(body) > options.max_page_bytes:
        body = body[: options.max_page_bytes]
        problems_list.append("truncated")
    if b"\x00" in body[:4096] and not body.startswith((b"\xff\xfe", b"\xfe\xff")):
        problems_list.append("nul-bytes")
    decoded = _decode_capture(body, capture)
    problems_list.extend(decoded.problems)
    page = extract_text(decoded.text)
    if not page.parsed and "empty" not in problems_list:
        problems_list.append("unparseable")
    if page.flattened:
        problems_list.append("deep-nesting")
    tokens = list(iter_tokens(decoded.text))
    unclosed = unclosed_elements(tokens)
    if unclosed:
        problems_list.append("unclosed-markup")
    scope = Scope(options.base_url, options.case_insensitive, options.aliases)
    references = extract_page_references(decoded.text, capture.url, scope, tokens)
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
        lang=page.lang or _header_language(capture),
        meta=page.meta,
        links=references.links,
        images=references.images,
        forms=references.forms,
        last_modified=last_modified(capture),
        copyright=page.copyright,
        payload_digest=digest,
        warc_record_id=capture.record_id,
        problems=tuple(dict.fromkeys(problems_list)),
        site_page=answered_ok(capture.status),
        reconstructed=reconstructed(capture),
    ), PageTokens(decoded.text, tokens, tuple(unclosed))


def _header_language(capture: Capture) -> str | None:
    """The HTTP ``Content-Language``, for pages that do not say their language themselves."""
    value = (capture.header("Content-Language") or "").strip()
    return value or None


def _decode_capture(body: bytes, capture: Capture) -> DecodedPage:
    """A file read from disk (no HTTP status) was never served with a header: the charset in its
    record's Content-Type is the page's own ``<meta>`` (sunset labels resource records so):
    when the two agree, ``charset_source`` says ``meta``, not ``http``."""
    labelled = decode_page(body, capture.content_type)
    if capture.status is None and labelled.source == "http":
        own = decode_page(body, (capture.content_type or "").split(";", 1)[0])
        if own.source == "meta" and own.charset == labelled.charset:
            return own
    return labelled
