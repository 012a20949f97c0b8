"""URL canonicalization and site scope: the one place that decides when two URLs are the same.

The crawler, the normalizer and the mirror all compare URLs through these functions, so a
link written ``HTTP://WWW.Colorado.EDU:80/conflict/peace/./Glossary.htm#x`` finds the same
capture everywhere.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import SplitResult, urljoin, urlsplit, urlunsplit

DEFAULT_PORTS = {"http": 80, "https": 443}
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# Characters that may stand unencoded in a path or query (RFC 3986 pchar plus "/" and "?").
_ALLOWED_PATH = _UNRESERVED | frozenset("!$&'()*+,;=:@/%")
_ALLOWED_QUERY = _ALLOWED_PATH | frozenset("?")
_PERCENT = re.compile(r"%([0-9A-Fa-f]{2})")


DEFAULT_INDEX_FILES = ("index.html", "index.htm", "default.htm")
"""What an old server answered a folder URL with, in the order it looked (Apache's DirectoryIndex,
IIS's default document): ingest, the mirror and the WARC's folder records read this one list."""


class BadURL(ValueError):
    """A URL that cannot be canonicalized (no host, a port that is not a number...)."""


def _normalise_percent(part: str, allowed: frozenset[str]) -> str:
    """Decode needless escapes, upper-case the rest, and escape what must be escaped."""

    def unescape_unreserved(match: re.Match[str]) -> str:
        char = chr(int(match.group(1), 16))
        return char if char in _UNRESERVED else "%" + match.group(1).upper()

    part = _PERCENT.sub(unescape_unreserved, part)
    out: list[str] = []
    for index, char in enumerate(part):
        if char == "%" and _PERCENT.match(part, index):
            out.append(char)
        elif char in allowed and char != "%":
            out.append(char)
        else:
            out.extend(f"%{byte:02X}" for byte in char.encode("utf-8"))
    return "".join(out)


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4; a ``..`` above the root is dropped, as browsers do."""
    output: list[str] = []
    segments = path.split("/")
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment in (".", "%2E"):
            if last:
                output.append("")
        elif segment in ("..", "%2E%2E", ".%2E", "%2E."):
            if len(output) > 1:
                output.pop()
            if last:
                output.append("")
        else:
            output.append(segment)
    result = "/".join(output)
    return result if result.startswith("/") else "/" + result


@lru_cache(maxsize=8192)
def canonicalize(url: str) -> str:
    """The canonical spelling of an http(s) URL; other schemes come back stripped only.

    Lower-case scheme and host, default port dropped, fragment dropped, backslashes read as
    slashes (as browsers do for http), percent-encoding normalised, dot segments resolved.
    """
    url = url.strip().replace("\t", "").replace("\n", "").replace("\r", "")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        return url
    if "\\" in url:
        parts = urlsplit(url.replace("\\", "/"))
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise BadURL(f"URL has no host: {url!r}")
    try:
        port = parts.port
    except ValueError as error:
        raise BadURL(f"URL has a bad port: {url!r}") from error
    netloc = host.encode("idna").decode("ascii") if not host.isascii() else host.lower()
    if port is not None and port != DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    path = _remove_dot_segments(_normalise_percent(parts.path or "/", _ALLOWED_PATH))
    query = _normalise_percent(parts.query, _ALLOWED_QUERY) if parts.query else ""
    return urlunsplit(SplitResult(scheme, netloc, path, query, ""))


SHARED_LINKS = 512
"""Entries of the caches that answer for a link wherever it is written: the links every page of a
site shares (menus, images, style sheets) are a few hundred at most, and a larger cache would only
keep each page's own links, growing with the site."""


def absolute(raw: str, base: str) -> str:
    """Resolve a link as a browser would, then canonicalize it.

    Cached, like :func:`canonicalize`: every page of a site links the same few images
    and menus, and URL parsing is a large part of the per-page cost. A link with a path of
    its own resolves the same against any page of a folder, so it is cached by the folder,
    not the page: the pages of one folder share their answers.

    Raises :class:`BadURL` for links that cannot name a resource (``http://:80/``).
    """
    value = raw.strip()
    if value[:1] not in ("", "?", "#") and _has_path_or_host(value):
        return _absolute(value, folder_of(base))
    return _absolute(value, base)


@lru_cache(maxsize=SHARED_LINKS)
def _has_path_or_host(value: str) -> bool:
    """Whether urljoin takes nothing of the base's last segment for ``value`` (``//`` and
    ``http:`` have neither, and keep the whole base path)."""
    parts = urlsplit(value)
    return bool(parts.path or parts.netloc)


@lru_cache(maxsize=8192)
def _absolute(value: str, base: str) -> str:
    return canonicalize(urljoin(base, value))


@lru_cache(maxsize=8192)
def folder_of(base: str) -> str:
    """``base`` up to the last ``/`` of its path, without query or fragment: what urljoin keeps of
    it for a link that has a path of its own (RFC 3986, 5.2.2-5.2.3)."""
    parts = urlsplit(base)
    folder = parts.path[: parts.path.rfind("/") + 1] or ("/" if parts.netloc else "")
    return urlunsplit((parts.scheme, parts.netloc, folder, "", ""))


@lru_cache(maxsize=SHARED_LINKS)
def _scheme_and_host(url: str) -> tuple[str, str]:
    """The scheme and host (with a port other than the default) of ``url`` made canonical: asked
    for every link of every page, of the same few hosts."""
    parts = urlsplit(canonicalize(url))
    return parts.scheme, parts.netloc


@lru_cache(maxsize=8192)
def lookup_key(url: str, case_insensitive: bool) -> str:
    """The key under which a capture is found; folds case of the path on IIS-like sites."""
    canonical = canonicalize(url)
    if not case_insensitive:
        return canonical
    parts = urlsplit(canonical)
    return urlunsplit(parts._replace(path=parts.path.lower()))


def strip_fragment(url: str) -> tuple[str, str]:
    """Split ``page.htm#anchor`` into the URL and ``#anchor`` (or "")."""
    head, sep, fragment = url.partition("#")
    return head, (sep + fragment if sep else "")


def host_of(name: str, scheme: str = "http") -> str:
    """A host name as a canonical URL spells it (``WWW.Example.ORG:80`` -> ``www.example.org``)."""
    return urlsplit(canonicalize(f"{scheme}://{name}/")).netloc


@dataclass(frozen=True, slots=True)
class Scope:
    """Which URLs belong to the site being retired."""

    base_url: str
    case_insensitive: bool = False
    aliases: tuple[str, ...] = ()
    """Other host names of the same site (``linuxgazette.net`` beside ``www.linuxgazette.net``,
    ``[site] aliases``): their URLs are the site's, read as on the base URL's host (:meth:`local`)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_url", canonicalize(self.base_url))
        scheme = urlsplit(self.base_url).scheme
        object.__setattr__(self, "aliases", tuple(host_of(alias, scheme) for alias in self.aliases))

    @property
    def origin(self) -> str:
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}"

    def same_host(self, url: str) -> bool:
        """True for any spelling of the site's own host (and port), or of one of its aliases."""
        try:
            scheme, netloc = _scheme_and_host(url)
        except BadURL:
            return False
        return scheme in DEFAULT_PORTS and (netloc == _scheme_and_host(self.base_url)[1] or netloc in self.aliases)

    def local(self, url: str) -> str:
        """``url`` (canonical) on the base URL's host when it names an alias host, else as given:
        the one place an alias becomes the site, for the crawl (which fetches each page once, under
        base_url's host) and the mirror (which finds the file) alike."""
        if not self.aliases:
            return url
        parts = urlsplit(url)
        if parts.netloc not in self.aliases:
            return url
        return urlunsplit(parts._replace(netloc=urlsplit(self.base_url).netloc))

    def contains(self, url: str) -> bool:
        """True for URLs under the base URL's prefix (on its host or an alias)."""
        try:
            key = lookup_key(self.local(canonicalize(url)), self.case_insensitive)
        except BadURL:
            return False
        return key.startswith(lookup_key(self.base_url, self.case_insensitive))
