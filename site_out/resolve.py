"""Decide what a link in the mirror points at: an archived file, the missing page, or the web.

The rewriter asks here for every URL it finds, so all pages and style sheets follow the same
rules: any spelling of the old host counts as the site, directory links find their index file,
and a link to a page that was never archived leads to an explanation instead of a dead end.
"""
from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote, urlsplit, urlunsplit

from archive.urls import BadURL, Scope, absolute, lookup_key
from site_out.paths import href_between

MISSING_PAGE = "_sunset/missing.html"
FORM_CLOSED_PAGE = "_sunset/form-closed.html"
BLANK_IMAGE = "_sunset/blank.gif"
"""A transparent 1x1 GIF that stands in for dropped hit counters and CGI images."""
MISSING_LANGUAGES = ("en", "de", "fr", "es")
"""Languages the missing page is written in besides the notice's; other pages' links use the notice's."""


def missing_languages(default: str = "en") -> tuple[str, ...]:
    """The missing page's languages: the notice's (``missing.html``), then the others of
    :data:`MISSING_LANGUAGES` (``missing.de.html``...)."""
    return (default, *(lang for lang in MISSING_LANGUAGES if lang != default))


def missing_language(lang: str | None, default: str = "en") -> str:
    """The missing page's language for a page in ``lang`` (``de-CH`` -> ``de``; else the notice's)."""
    primary = (lang or "").strip().lower().replace("_", "-").split("-", 1)[0]
    return primary if primary in missing_languages(default) else default


def missing_page_for(lang: str | None, default: str = "en") -> str:
    """``_sunset/missing.html`` in the notice's language ``default``, ``_sunset/missing.de.html`` and so on."""
    code = missing_language(lang, default)
    return MISSING_PAGE if code == default else MISSING_PAGE.replace(".html", f".{code}.html")

Outcome = Literal["keep", "archived", "missing", "external", "leftover"]

_DRIVE = re.compile(r"^[A-Za-z][:|][\\/]")
"""``C:\\WINDOWS\\...``, ``C:/...``, ``C|/...``: a path on the author's own disk."""
UNREADABLE = "not an address a browser can read"
LOCAL_NOTE = "why=local"
"""The missing page's parameter that says the link pointed at its author's own disk or network."""


def leftover_reason(raw: str) -> str | None:
    """Why a reference can never open for a reader (it named a file on the author's own disk or
    network, or is no address at all), or None. Such a link never worked on the web either."""
    value = raw.strip()
    lower = value.lower()
    if lower.startswith("file:"):
        return "a file on its author's own computer (file:)"
    if _DRIVE.match(value):
        return "a file on its author's own disk (a drive letter)"
    if value.startswith(("\\\\", "\\/", "/\\")):
        return "a file on its author's own network (\\\\server\\share)"
    return None


def local_host(url: str) -> bool:
    """A host only its author's machine or office could reach: localhost, a loopback or private
    address (a name without a dot may be a real host of an old intranet's readers: kept)."""
    host = (urlsplit(url).hostname or "").rstrip(".")
    if not host:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host == "localhost" or host.endswith(".localhost")
    return address.is_loopback or address.is_private or address.is_unspecified or address.is_link_local


def scheme_of(value: str) -> str | None:
    """A link's scheme, lower case ("" for none); None when urllib cannot read the link at all
    (``http://[bad``: an IPv6 host left open made ``urlsplit`` raise, and the mirror stopped)."""
    if ":" not in value:
        return ""
    try:
        return urlsplit(value).scheme.lower()
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class Resolution:
    """What to do with one link.

    ``href`` is the new attribute value, or None when the value stays exactly as written.
    ``url`` is the absolute URL the link meant (None for ``#top``, ``mailto:`` and the like).
    """

    outcome: Outcome
    href: str | None
    url: str | None = None
    note: str | None = None
    """For ``leftover``: why no reader can open it."""


class Resolver:
    """Maps links to mirror hrefs, knowing which URLs were archived and where they live."""

    def __init__(
        self,
        paths: Mapping[str, str],
        scope: Scope,
        *,
        index_files: tuple[str, ...],
        language: str = "en",
    ) -> None:
        """``paths``: lookup key (:func:`archive.urls.lookup_key`) -> relative mirror path;
        ``language``: the notice's, which ``missing.html`` is written in."""
        self._paths = paths
        self.scope = scope
        self.index_files = index_files
        self.language = language

    @property
    def case_insensitive(self) -> bool:
        return self.scope.case_insensitive

    def _lookup(self, url: str) -> str | None:
        try:
            return self._paths.get(lookup_key(url, self.case_insensitive))
        except BadURL:
            return None

    def target_path(self, url: str) -> str | None:
        """The mirror file for an absolute URL (on an alias host too), trying index files for directory links."""
        for candidate in self.candidates(self.scope.local(url)):
            found = self._lookup(candidate)
            if found is not None:
                return found
        return None

    def candidates(self, url: str) -> Iterator[str]:
        """The URLs that may hold ``url``'s file, in the order they are tried: itself, its other
        scheme, and for each, its folder and the folder's index files."""
        yield url  # (most links find their file here: the rest is made only when asked for)
        parts = urlsplit(url)
        spellings = [url]
        if parts.scheme in ("http", "https"):
            other = "https" if parts.scheme == "http" else "http"
            spellings.append(urlunsplit(parts._replace(scheme=other)))
        for number, spelling in enumerate(spellings):
            if number:
                yield spelling
            split = urlsplit(spelling)
            if split.query:
                continue
            folder = split.path if split.path.endswith("/") else split.path + "/"
            if folder != split.path:
                yield urlunsplit(split._replace(path=folder))
            for index in self.index_files:
                yield urlunsplit(split._replace(path=folder + index))

    def missing_href(self, from_path: str, url: str, lang: str | None = None) -> str:
        """The missing page in the language of the linking page, with the wanted address."""
        return href_between(from_path, missing_page_for(lang, self.language)) + "?url=" + quote(url, safe="")

    @staticmethod
    def absolute_url(raw: str, base: str) -> str | None:
        """``raw`` made absolute, or None for ``#x``, ``mailto:`` and unreadable values."""
        value = raw.strip()
        if not value or value.startswith("#"):
            return None
        try:
            url = absolute(value, base)
        except (BadURL, ValueError):
            return None
        return url if urlsplit(url).scheme in ("http", "https") else None

    def resolve(self, raw: str, base: str, from_path: str, lang: str | None = None) -> Resolution:
        """Resolve ``raw`` (an attribute value, entities decoded) as the page at ``from_path``.

        ``lang`` is the page's language: a missing target's explanation is given in it.
        """
        value = raw.strip()
        if not value or value.startswith("#"):
            return Resolution("keep", None)
        reason = leftover_reason(value)
        if reason is not None:
            return self.leftover(from_path, value, reason, lang)
        scheme = scheme_of(value)
        if scheme is None:
            return self.leftover(from_path, value, UNREADABLE, lang)
        if scheme and scheme not in ("http", "https"):
            return Resolution("keep", None)
        try:
            url = absolute(value, base)
            fragment = urlsplit(value).fragment  # what urljoin(base, value) would keep of it
        except (BadURL, ValueError):
            return self.leftover(from_path, value, UNREADABLE, lang)
        suffix = f"#{fragment}" if fragment else ""
        if not self.scope.same_host(url):
            if local_host(url):
                return self.leftover(from_path, value, "a server only its author's own machine or office could "
                                                       "reach", lang)
            if scheme:
                return Resolution("external", None, url)
            # Scheme-relative or resolved against an external <BASE>: make it absolute,
            # since the mirror is opened from disk.
            return Resolution("external", url + suffix, url)
        target = self.target_path(url)
        if target is None:
            return Resolution("missing", self.missing_href(from_path, url, lang), url)
        return Resolution("archived", href_between(from_path, target) + suffix, url)

    def leftover(self, from_path: str, raw: str, reason: str, lang: str | None = None) -> Resolution:
        """An address that never opened for a reader: the missing page, saying why (see ``pages``)."""
        return Resolution("leftover", self.missing_href(from_path, raw, lang) + "&" + LOCAL_NOTE, None, reason)

    def is_own_host(self, raw: str, base: str) -> bool:
        """Whether a form action (or other link) goes to the retired server."""
        value = raw.strip()
        scheme = scheme_of(value)
        if scheme is None or (scheme and scheme not in ("http", "https")):
            return False
        try:
            return self.scope.same_host(absolute(value, base))
        except (BadURL, ValueError):
            return False

