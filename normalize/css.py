"""URLs inside CSS: ``url(...)`` and ``@import "..."``, found by position so they can be
rewritten in place in style sheets, ``<STYLE>`` blocks and ``STYLE=`` attributes."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator

_CSS_URL = re.compile(
    r"""url\(\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^)\s]*))\s*\)"""
    r"""|@import\s+(?:"(?P<idq>[^"]*)"|'(?P<isq>[^']*)')""",
    re.IGNORECASE,
)


def iter_css_urls(css: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, url) of every URL in a style sheet, in order."""
    for match in _CSS_URL.finditer(css):
        for group in ("dq", "sq", "bare", "idq", "isq"):
            value = match.group(group)
            if value is not None:
                if value.strip() and not value.startswith("data:"):
                    yield match.start(group), match.end(group), value
                break


def rewrite_css(css: str, replace: Callable[[str], str | None]) -> str:
    """``css`` with each URL for which ``replace`` returns a string replaced by it."""
    pieces: list[str] = []
    position = 0
    for start, end, url in iter_css_urls(css):
        new = replace(url)
        if new is None:
            continue
        pieces.append(css[position:start])
        pieces.append(new)
        position = end
    pieces.append(css[position:])
    return "".join(pieces)
