"""Which discovered URLs a crawl fetches: the site's scope plus the crawl's own limits.

Scope itself (host, prefix, case folding) is :class:`archive.urls.Scope`; this adds what only a
crawl needs: include/exclude patterns, URL length, depth, and a cap per path pattern that
stops infinite URL spaces such as a calendar CGI linking to the next day forever. The
include/exclude patterns (:class:`UrlPatterns`) are also what leaves a docroot's files out of a
files run (:mod:`crawl.docroot`): one key, one meaning, whichever way the site is read.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from archive.errors import SunsetError
from archive.urls import Scope, canonicalize
from crawl.options import CrawlOptions

_DIGITS = re.compile(r"\d+")
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,}")
"""A run this long with no dot or slash is a generated id (ASP.NET's cookieless session is 24
letters, PHP's 26 or 32), not a word a site author chose."""


def url_pattern(url: str) -> str:
    """``/cal.pl?date=1998-01-02`` and ``/cal.pl?date=1998-01-03`` share a pattern, and so do
    ``/(S(qwertyuiopasdfghjklzxcvb))/page.htm`` and any other session spelled in letters."""
    parts = urlsplit(url)
    path = _DIGITS.sub("N", _TOKEN.sub("S", parts.path))
    keys = sorted({key for key, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return path + ("?" + "&".join(keys) if parts.query else "")


class RuleError(SunsetError, ValueError):
    """An include or exclude pattern that is not a valid regular expression."""


@dataclass(frozen=True, slots=True)
class UrlPatterns:
    """``[source] include`` or ``exclude``: regular expressions searched in an absolute URL.

    On a ``case_insensitive`` site they match whatever the case: ``/Private/`` and ``/private/``
    were one folder on the old server, and an exclude that missed one spelling would let what it
    was meant to keep out into the archive.
    """

    patterns: tuple[re.Pattern[str], ...] = ()

    @classmethod
    def compile(cls, patterns: tuple[str, ...], key: str, *, case_insensitive: bool) -> UrlPatterns:
        flags = re.IGNORECASE if case_insensitive else 0
        compiled = []
        for pattern in patterns:
            try:
                compiled.append(re.compile(pattern, flags))
            except re.error as error:
                raise RuleError(f"[source] {key}: {pattern!r} is not a regular expression: {error}") from error
        return cls(tuple(compiled))

    def __bool__(self) -> bool:
        return bool(self.patterns)

    def first_match(self, url: str) -> str | None:
        """The first pattern found in ``url`` (as written in the config), or None."""
        return next((pattern.pattern for pattern in self.patterns if pattern.search(url)), None)


@dataclass(frozen=True, slots=True)
class CrawlRules:
    scope: Scope
    options: CrawlOptions
    _include: UrlPatterns = field(default=UrlPatterns(), init=False)
    _exclude: UrlPatterns = field(default=UrlPatterns(), init=False)

    def __post_init__(self) -> None:
        folded = self.scope.case_insensitive
        object.__setattr__(self, "_include", UrlPatterns.compile(self.options.include, "include",
                                                                 case_insensitive=folded))
        object.__setattr__(self, "_exclude", UrlPatterns.compile(self.options.exclude, "exclude",
                                                                 case_insensitive=folded))

    def refuse(self, url: str, *, requisite: bool) -> str | None:
        """Why ``url`` is not fetched, or None when it is in scope and allowed."""
        if len(url) > self.options.max_url_length:
            return f"URL longer than max_url_length ({self.options.max_url_length})"
        if not self.scope.same_host(url):
            return "another host"
        if not requisite and not self.scope.contains(url):
            return "outside base_url"
        if self._include and not requisite and self._include.first_match(url) is None:
            return "matches no include pattern"
        excluded = self._exclude.first_match(url)
        if excluded is not None:
            return f"matches exclude pattern {excluded!r}"
        return None

    def too_deep(self, depth: int) -> bool:
        return self.options.max_depth is not None and depth > self.options.max_depth


@dataclass(frozen=True, slots=True)
class FetchMap:
    """``fetch_from``: fetch from a restored copy while recording every URL under ``base_url``."""

    base_url: str
    fetch_from: str | None

    def to_fetch(self, url: str) -> str:
        if not self.fetch_from:
            return url
        base, source = canonicalize(self.base_url), canonicalize(self.fetch_from)
        if url.startswith(base):
            return source + url[len(base):]
        return _swap_origin(url, source)

    def to_recorded(self, url: str) -> str:
        """A URL the staging copy sent (a redirect's Location) as the old site's URL."""
        if not self.fetch_from:
            return url
        base, source = canonicalize(self.base_url), canonicalize(self.fetch_from)
        if url.startswith(source):
            return base + url[len(source):]
        if urlsplit(url).netloc == urlsplit(source).netloc:
            return _swap_origin(url, base)
        return url


def _swap_origin(url: str, origin_of: str) -> str:
    parts, target = urlsplit(url), urlsplit(origin_of)
    return urlunsplit(parts._replace(scheme=target.scheme, netloc=target.netloc))
