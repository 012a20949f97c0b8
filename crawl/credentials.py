"""What a crawl sends to be let in: HTTP authentication, cookies, extra headers, and nothing more.

A site behind a login is still the site. ``[source] auth``, ``cookies`` and ``headers`` name where
the secret is (``env:NAME``, an environment variable, or ``file:PATH``, a file), never the secret
itself: the config is copied into the output folder and into the bag, so a password written in it
would be deposited with the archive. The secret is read when a crawl's session is made and goes
into requests to the site's host alone; what it adds to a request (``Authorization``, ``Cookie``,
the extra headers) is left out of the request records (:func:`secret_header_names`), and no
message says more than where the secret was looked for.

Digest authentication is answered here rather than by requests: the crawl sends its own requests
and records them (:mod:`crawl.http_fetch`), so requests' hook that re-sends after a 401 never
runs. :func:`fetch_authenticated` takes the server's challenge and asks once more; the 401 that
asked is not archived (it is the handshake, not the site), the answer to the second request is.
"""
from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from http.cookiejar import Cookie
from pathlib import Path

import requests
from requests.auth import AuthBase, HTTPBasicAuth, HTTPDigestAuth
from requests.cookies import create_cookie
from requests.utils import parse_dict_header

from archive.capture import Fetched
from archive.errors import ConfigError
from crawl.http_fetch import CrawlSession
from crawl.options import CrawlOptions

SECRET_PREFIXES = ("env:", "file:")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_FORBIDDEN_HEADERS = frozenset({"host", "content-length", "transfer-encoding", "connection"})
"""Headers that are the transport's to set: a configured one would corrupt the exchange."""


def check_reference(value: str) -> str | None:
    """Why ``value`` is not ``env:NAME`` or ``file:PATH`` (None when it is). The value is never
    quoted back: written in the config by mistake, it is the secret itself."""
    kind, _, rest = value.partition(":")
    if kind == "env" and _ENV_NAME.fullmatch(rest):
        return None
    if kind == "file" and rest.strip():
        return None
    return ("expected env:NAME (an environment variable) or file:PATH (a file) that holds the secret, not the "
            "secret itself: the config is copied into the output folder (the value given is not shown)")


def resolve_file(reference: str, base: Path) -> str:
    """``file:secret.txt`` as ``file:/abs/secret.txt``, relative to the config's folder."""
    if not reference.startswith("file:"):
        return reference
    return "file:" + str((base / Path(reference[5:]).expanduser()).resolve())


def read_secret(reference: str, key: str) -> str:
    """The text ``reference`` points at; a :class:`ConfigError` naming the place, never the text."""
    kind, _, place = reference.partition(":")
    if kind == "env":
        value = os.environ.get(place)
        if value is None:
            raise ConfigError(f"[source] {key}: the environment variable {place} is not set (set it to the "
                              f"secret before running sunset, e.g. read -rs {place}; export {place})")
        return value
    try:
        return Path(place).read_text(encoding="utf-8").rstrip("\r\n")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise ConfigError(f"[source] {key}: cannot read the file {place}: {reason}") from None


@dataclass(frozen=True, slots=True)
class Credentials:
    """The secrets of one crawl, read: what a session sends, and the header names it adds."""

    auth: AuthBase | None = None
    headers: tuple[tuple[str, str], ...] = ()
    cookies: tuple[tuple[str, str], ...] = ()
    """``name=value`` cookies, sent to the host the crawl fetches from."""
    cookie_file: tuple[Cookie, ...] = ()
    """The cookies of a Netscape cookies.txt, with their own domains and paths."""

    def apply(self, session: CrawlSession, host: str) -> None:
        """Set up ``session`` (fetching from ``host``) to send these, and to leave them out of its records."""
        session.secret_headers = session.secret_headers | self.secret_header_names
        if self.auth is not None:
            session.auth = self.auth
        session.headers.update(dict(self.headers))
        for name, value in self.cookies:
            session.cookies.set(name, value, domain=host, path="/")
        for cookie in self.cookie_file:
            session.cookies.set_cookie(cookie)

    @property
    def secret_header_names(self) -> frozenset[str]:
        """The request headers these add (lower-case): none of them may reach an output."""
        names = {name.lower() for name, _ in self.headers}
        if self.auth is not None:
            names.add("authorization")
        if self.cookies or self.cookie_file:
            names.add("cookie")  # the site's own cookies travel in the same header
        return frozenset(names)


def load_credentials(options: CrawlOptions) -> Credentials:
    """Read ``[source] auth``, ``headers`` and ``cookies`` (a :class:`ConfigError` for each problem)."""
    auth = _auth(options) if options.auth else None
    headers = _headers(read_secret(options.headers, "headers")) if options.headers else ()
    cookies: tuple[tuple[str, str], ...] = ()
    cookie_file: tuple[Cookie, ...] = ()
    if options.cookies:
        text = read_secret(options.cookies, "cookies")
        if "\t" in text:
            cookie_file = _cookie_file(options.cookies, text)
        else:
            cookies = _cookie_pairs(text)
    return Credentials(auth, headers, cookies, cookie_file)


def _auth(options: CrawlOptions) -> AuthBase:
    assert options.auth is not None
    user, colon, password = read_secret(options.auth, "auth").partition(":")
    if not colon or not user:
        raise ConfigError(f"[source] auth: {options.auth} does not hold user:password (user name, a colon, the "
                          "password)")
    return CrawlDigestAuth(user, password) if options.auth_scheme == "digest" else HTTPBasicAuth(user, password)


def _headers(text: str) -> tuple[tuple[str, str], ...]:
    headers = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, colon, value = line.partition(":")
        name = name.strip()
        if not colon or not _HEADER_NAME.fullmatch(name):
            raise ConfigError(f"[source] headers: line {number} is not a header (Name: value)")
        if name.lower() in _FORBIDDEN_HEADERS:
            raise ConfigError(f"[source] headers: line {number}: {name} is set by the connection itself")
        headers.append((name, value.strip()))
    return tuple(headers)


def _cookie_pairs(text: str) -> tuple[tuple[str, str], ...]:
    pairs = []
    for part in text.replace("\n", ";").split(";"):
        if not part.strip():
            continue
        name, equals, value = part.partition("=")
        if not equals or not _HEADER_NAME.fullmatch(name.strip()):
            raise ConfigError("[source] cookies: expected name=value pairs separated by ';' (as a Cookie header "
                              "has them) or a Netscape cookies.txt")
        pairs.append((name.strip(), value.strip()))
    return tuple(pairs)


def _cookie_file(reference: str, text: str) -> tuple[Cookie, ...]:
    """The cookies of a Netscape cookies.txt (what browsers' export add-ons and ``wget
    --save-cookies`` write): per line, tab-separated, domain, subdomains too, path, secure,
    expiry, name, value; ``#`` lines are comments (``#HttpOnly_`` marks a domain, as curl writes)."""
    cookies = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("#HttpOnly_"):
            line = line[len("#HttpOnly_"):]
        elif not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 7:
            raise ConfigError(f"[source] cookies: line {number} of {reference} is not a line of a Netscape "
                              "cookies.txt (7 tab-separated fields: domain, subdomains, path, secure, expiry, "
                              "name, value)")
        domain, _, path, secure, _, name, value = fields
        cookies.append(create_cookie(name, value, domain=domain, path=path or "/", secure=secure.upper() == "TRUE"))
    return tuple(cookies)


class CrawlDigestAuth(HTTPDigestAuth):
    """requests' digest answer, without its response hooks (the crawl's fetch never runs them):
    once :meth:`take_challenge` has the server's nonce, every request carries its answer."""

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        self.init_per_thread_state()
        if self._thread_local.chal:
            header = self.build_digest_header(r.method or "GET", r.url or "")
            if header:
                r.headers["Authorization"] = header
        return r

    def take_challenge(self, fetched: Fetched) -> bool:
        """Read a 401's ``WWW-Authenticate: Digest`` challenge; whether it is worth asking again
        (a first challenge, or a nonce gone stale: not a password refused)."""
        self.init_per_thread_state()
        offered = fetched.header("WWW-Authenticate") or ""
        if fetched.status != 401 or not offered.lower().startswith("digest"):
            return False
        challenge = parse_dict_header(offered[len("digest"):].strip())
        again = not self._thread_local.chal or str(challenge.get("stale", "")).lower() == "true"
        self._thread_local.chal = challenge
        self._thread_local.last_nonce = ""
        return again


Fetch = Callable[[], Fetched]


def fetch_authenticated(session: CrawlSession, fetch: Fetch) -> Fetched:
    """``fetch()``, and once more when the server's 401 is a digest challenge sunset can answer."""
    fetched = fetch()
    auth = session.auth
    if isinstance(auth, CrawlDigestAuth) and auth.take_challenge(fetched):
        fetched.body.close()
        fetched = fetch()
    return fetched
