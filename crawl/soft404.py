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


def error_page_title(head: bytes) -> str | None:
    """The page's title when it reads like an error page, else None."""
    match = _TITLE.search(head)
    if match is None or not _ERROR.search(match.group(1)):
        return None
    return " ".join(match.group(1).decode("latin-1").split())[:100]
