"""Content-type decisions: the one place that says what a resource is.

Old servers got types wrong (``text/plain`` for pages, ``text/html`` for GIFs); files on disk
have only a name. Both the ingest (to label resource records) and the normalizer (to pick
pages) ask here.
"""
from __future__ import annotations

import mimetypes
from urllib.parse import urlsplit

_EXTRA_TYPES = {
    ".htm": "text/html",
    ".html": "text/html",
    ".shtml": "text/html",
    ".stm": "text/html",
    ".asp": "text/html",
    ".css": "text/css",
    ".js": "application/javascript",
    ".gif": "image/gif",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".class": "application/java-vm",
    ".mid": "audio/midi",
    ".wav": "audio/x-wav",
    ".au": "audio/basic",
    ".txt": "text/plain",
}

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
    (b"\xca\xfe\xba\xbe", "application/java-vm"),
    (b"\x1f\x8b", "application/gzip"),
)

_HTML_OPENINGS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<title", b"<frameset",
                  b"<script", b"<table", b"<h1", b"<p", b"<br", b"<a ", b"<font", b"<center",
                  b"<!--")

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
GENERIC_TYPES = frozenset({None, "application/octet-stream", "www/unknown", "text/plain"})
"""Types that say nothing about the content: the file name decides."""
PAGE_SUFFIXES = tuple(suffix for suffix, kind in _EXTRA_TYPES.items() if kind == "text/html")
"""Names a server sent as pages (``.stm``, ``.asp`` included)."""
MIRROR_PAGE_SUFFIXES = (".htm", ".html", ".shtml")
"""Names a browser opens from disk as a page: mirror pages keep these, others get ``.html``."""


def media_type(content_type: str | None) -> str | None:
    """``text/html; charset=x`` -> ``text/html``."""
    if not content_type:
        return None
    return content_type.split(";", 1)[0].strip().lower() or None


def magic_type(head: bytes) -> str | None:
    """The type that a file's first bytes prove, if any (binary formats only)."""
    for signature, kind in _MAGIC:
        if head.startswith(signature):
            return kind
    return None


PAGE_PROOF_BYTES = 16
"""How much of a body :func:`proves_not_a_page` reads."""


def proves_not_a_page(head: bytes) -> bool:
    """A body whose first bytes prove a binary format (a page sent gzip-encoded twice, a GIF
    named ``.html``) is no page whatever its name or type: the mirror copies it as it is, and
    the mirror's check must not look for a notice in it."""
    return magic_type(head[:PAGE_PROOF_BYTES]) is not None


def looks_like_html(head: bytes) -> bool:
    """True when the first bytes read as markup (after a BOM and white space)."""
    text = head.lstrip(b"\xef\xbb\xbf").lstrip().lower()
    return text.startswith(_HTML_OPENINGS)


def guess_file_type(name: str, head: bytes) -> str:
    """The type a 1998 server would have sent for a file, corrected by its magic bytes."""
    proven = magic_type(head)
    if proven:
        return proven
    dot = name.rfind(".")
    extension = name[dot:].lower() if dot > name.rfind("/") else ""
    if extension in _EXTRA_TYPES:
        return _EXTRA_TYPES[extension]
    guessed, _ = mimetypes.guess_type("x" + extension) if extension else (None, None)
    if guessed:
        return guessed
    if looks_like_html(head):
        return "text/html"
    if head and b"\x00" not in head:
        return "text/plain"
    return "application/octet-stream"


def is_css(content_type: str | None, url: str) -> bool:
    """A style sheet: typed ``text/css``, or named ``.css`` with a generic type (the crawler and
    the mirror must agree, or the crawl misses what the mirror rewrites)."""
    kind = media_type(content_type)
    return kind == "text/css" or (kind in GENERIC_TYPES and urlsplit(url).path.lower().endswith(".css"))


def is_html(content_type: str | None, head: bytes = b"") -> bool:
    """Whether a capture should be treated as a page.

    A type that says HTML counts unless the bytes prove a binary format; a missing or
    generic type counts when the bytes look like markup.
    """
    kind = media_type(content_type)
    if kind in HTML_TYPES:
        return magic_type(head) is None
    if kind in (None, "application/octet-stream", "www/unknown"):
        return looks_like_html(head)
    return False
