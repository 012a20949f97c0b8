"""URLs inside CSS: ``url(...)`` and ``@import "..."``, found by position so they can be
rewritten in place in style sheets, ``<STYLE>`` blocks and ``STYLE=`` attributes."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator

_CSS_URL_START = re.compile(r"url\(|@import\s+(?=[\"'])", re.IGNORECASE)
_SPACE = re.compile(r"\s*")
_BARE_END = re.compile(r"[)\s]")


class _NextFinder:
    """The next position of a pattern at or after a position, remembered between calls.

    The scan asks for the closing quote (or ``)``) after every ``url(``; a sheet of 500,000
    unclosed ``url("`` would rescan the rest of the sheet each time. Positions only move
    forward, so the answer found once stays right until the scan passes it: linear overall.
    """

    def __init__(self, text: str, find: "re.Pattern[str] | str") -> None:
        self.text, self.find = text, find
        self.found = -2  # nothing looked up yet

    def __call__(self, position: int) -> int:
        if self.found == -1 or self.found >= position:
            return self.found
        if isinstance(self.find, str):
            self.found = self.text.find(self.find, position)
        else:
            match = self.find.search(self.text, position)
            self.found = match.start() if match else -1
        return self.found


def iter_css_urls(css: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, url) of every URL in a style sheet, in order.

    The same matches as ``url\\(\\s*("[^"]*"|'[^']*'|[^)\\s]*)\\s*\\)`` and ``@import\\s+"..."``,
    found in linear time: a regular expression backtracked over the rest of the sheet at each
    unclosed ``url(``.
    """
    quotes = {'"': _NextFinder(css, '"'), "'": _NextFinder(css, "'")}
    bare_end = _NextFinder(css, _BARE_END)
    position = 0
    while True:
        match = _CSS_URL_START.search(css, position)
        if match is None:
            return
        position = match.end()
        found = _url_at(css, match, quotes, bare_end)
        if found is None:
            continue
        start, end, resume = found
        value = css[start:end]
        if value.strip() and not value.startswith("data:"):
            yield start, end, value
        position = resume


def _url_at(css: str, match: "re.Match[str]", quotes: dict[str, _NextFinder],
            bare_end: _NextFinder) -> tuple[int, int, int] | None:
    """(value start, value end, where to go on) of the URL the match starts, or None."""
    is_url = match.group(0)[0] in "uU"
    position = _SPACE.match(css, match.end()).end() if is_url else match.end()
    quote = css[position : position + 1]
    if quote in quotes:
        close = quotes[quote](position + 1)
        if close >= 0:
            if not is_url:
                return position + 1, close, close + 1
            after = _SPACE.match(css, close + 1).end()
            if css[after : after + 1] == ")":
                return position + 1, close, after + 1
        if not is_url:
            return None
    end = bare_end(position)
    if end < 0:
        return None
    after = _SPACE.match(css, end).end()
    if css[after : after + 1] != ")":
        return None
    return position, end, after + 1


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
