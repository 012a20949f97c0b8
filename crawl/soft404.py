"""Error pages served with ``200 OK`` ("soft 404s"): archived as sent, but named in the log.

The archive keeps what the server said; a person reviewing the crawl needs to know that a
URL which "worked" was in fact the server's Not Found page, or a link on the old site that
was already broken.
"""
from __future__ import annotations

import re

_TITLE = re.compile(rb"<title[^>]*>(.{0,200}?)</title", re.IGNORECASE | re.DOTALL)
_ERROR = re.compile(rb"\b(404|not found|page not found|file not found|no such (page|file)|"
                    rb"error 40[0-9]|cannot be found|does not exist)\b", re.IGNORECASE)


def page_title(head: bytes) -> str | None:
    """The ``<TITLE>`` in the first bytes of a page, white space folded, at most 100 characters
    (read as Latin-1: a label for a log line, not the record's decoded title)."""
    match = _TITLE.search(head)
    return None if match is None else " ".join(match.group(1).decode("latin-1").split())[:100]


def error_page_title(head: bytes) -> str | None:
    """The page's title when it reads like an error page, else None."""
    title = page_title(head)
    return title if title is not None and _ERROR.search(title.encode("latin-1")) else None
