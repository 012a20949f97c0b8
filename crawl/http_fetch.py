"""One HTTP fetch, kept as it went over the wire: the request as sent, the answer as received.

The crawl speaks HTTP itself (:mod:`crawl.http_client`, issue 26): it builds the request's bytes,
sends them and keeps them; it reads the answer into spools as it arrives and judges its head by
http.client's rules (:mod:`crawl.http_head`). What goes in the WARC is therefore never rebuilt
from what a parser made of it (a parser unfolds header lines, re-encodes bytes it cannot read,
rewrites ``HTTP/1.2`` as ``HTTP/1.1`` and removes chunked framing), and no library has to be
taped to give the bytes back.

requests is no longer on the wire. It stays for what it does well and the crawl would otherwise
repeat: the cookie jar and its rules, the logins of :mod:`crawl.credentials`, the URL quoting
requests always applied, and the environment's proxies (``http_proxy``, ``no_proxy``) and
certificate bundle (``REQUESTS_CA_BUNDLE``), looked up once per host.

The body is hashed for the payload digest over the entity as WARC 1.1 says and spooled so a large
file never sits in memory. A chunked body's framing is kept as received (``wire_body``), so the
record holds ``Transfer-Encoding: chunked`` over a chunked body and every reader undoes it once.

An answer http.client would refuse (HTTP/0.9, ``ICY 200 OK``, status 099 or 2000, more than 100
headers, a line over 64 KiB, conflicting Content-Lengths...) is still an answer: what arrived is
read to its end (within the body and time limits) and kept as ``unparsed``, which the WARC writer
stores as a ``resource`` record with a note saying why.
"""
from __future__ import annotations

import base64
import email.message
import os
import ssl
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import SplitResult, unquote, urlsplit

from requests import PreparedRequest
from requests.cookies import MockRequest, MockResponse, RequestsCookieJar, get_cookie_header
from requests.structures import CaseInsensitiveDict
from requests.utils import DEFAULT_CA_BUNDLE_PATH, get_environ_proxies, prepend_scheme_if_needed, requote_uri, \
    select_proxy
from warcio.bufferedreaders import ChunkedDataReader

from archive.capture import Fetched, SpooledBody, sha1_digest, warc_digest
from crawl.http_client import Answer, Connection, Limits, NoAnswer, Proxy, Route, connect, exchange

CHUNK = 65536
CREDENTIAL_HEADERS = frozenset({"proxy-authorization", "authorization"})
"""Request headers that carry a credential of the archivist's (the proxy's password from
``http_proxy=http://user:password@host/``, a site login): left out of what is recorded, so no
output holds them. ``Proxy-Authorization`` is for the proxy, not part of the request to the site.
A session can name more (:attr:`CrawlSession.secret_headers`)."""
HEAD_ALLOWANCE = 8 * 1024 * 1024
"""Bytes of response head recorded beyond ``max_body_bytes`` (100 headers of 64 KiB fit)."""
DEFAULT_PORTS = {"http": 80, "https": 443}
_COOKIE_HEADERS = frozenset({"set-cookie", "set-cookie2"})


class FetchFailed(Exception):
    """A fetch that gave no usable response; ``partial`` holds what arrived before a cut."""

    def __init__(self, message: str, *, retryable: bool, partial: Fetched | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.partial = partial


class CrawlSession:
    """What one fetch thread sends (its headers, cookies, a login) and the connection it keeps alive.

    One per fetch thread, never shared: a connection carries one request at a time. ``headers``,
    ``cookies`` and ``auth`` are requests' own types, so a login set up for requests works here.
    """

    def __init__(self) -> None:
        self.headers: CaseInsensitiveDict[str] = CaseInsensitiveDict(
            {"User-Agent": "sunset", "Accept-Encoding": "gzip, deflate", "Accept": "*/*", "Connection": "keep-alive"})
        self.cookies = RequestsCookieJar()
        self.auth = None
        """A requests ``AuthBase`` that adds its header to each request (basic, or a digest answer)."""
        self.secret_headers: frozenset[str] = CREDENTIAL_HEADERS
        """Lower-case names of the request headers left out of the records (:func:`without_credentials`)."""
        self._routes: dict[tuple[object, ...], Route] = {}
        self._connection: Connection | None = None
        self._tls: ssl.SSLContext | None = None

    def route(self, parts: SplitResult, proxies: dict[str, str] | None) -> Route:
        """Where a URL's request goes, the environment's proxy settings read once per scheme and host
        (requests went through every environment variable for each request)."""
        key = (parts.scheme, parts.netloc, tuple(sorted((proxies or {}).items())))
        route = self._routes.get(key)
        if route is None:
            route = self._routes[key] = _route(parts, proxies)
        return route

    def tls(self) -> ssl.SSLContext:
        """The certificates requests would trust: ``REQUESTS_CA_BUNDLE`` or ``CURL_CA_BUNDLE``, else certifi's."""
        if self._tls is None:
            bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or DEFAULT_CA_BUNDLE_PATH
            self._tls = (ssl.create_default_context(capath=bundle) if os.path.isdir(bundle)
                         else ssl.create_default_context(cafile=bundle))
        return self._tls

    def connection(self, route: Route, timeout: float) -> Connection:
        """The connection kept alive for ``route`` if the server has not closed it, else a new one."""
        kept, self._connection = self._connection, None
        if kept is not None:
            if kept.route == route and kept.still_open():
                return kept
            kept.close()
        return connect(route, timeout, self.tls)

    def done_with(self, connection: Connection) -> None:
        """Keep ``connection`` for the next request when the answer left it usable, else close it."""
        if connection.keep:
            self._connection = connection
        else:
            connection.close()

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _route(parts: SplitResult, proxies: dict[str, str] | None) -> Route:
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise FetchFailed(f"request failed: cannot fetch {scheme or 'a URL without a scheme'}: URLs", retryable=False)
    host = parts.hostname or ""
    if not host:
        raise FetchFailed("request failed: the URL has no host", retryable=False)
    host = host.encode("idna").decode("ascii") if not host.isascii() else host
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError as error:
        raise FetchFailed(f"request failed: {error}", retryable=False) from None
    url = parts.geturl()
    settings = dict(proxies or {})
    for name, value in get_environ_proxies(url, no_proxy=settings.get("no_proxy")).items():
        settings.setdefault(name, value)
    proxy = select_proxy(url, settings)
    return Route(scheme, host, port, _proxy(proxy) if proxy else None)


def _proxy(address: str) -> Proxy:
    parts = urlsplit(prepend_scheme_if_needed(address, "http"))
    if parts.scheme.lower() != "http":
        raise FetchFailed(f"request failed: only http:// proxies are supported, not {parts.scheme}:// "
                          f"({parts.hostname}:{parts.port})", retryable=False)
    authorization = None
    if parts.username:
        pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode("latin-1")
        authorization = "Basic " + base64.b64encode(pair).decode("ascii")
    try:
        port = parts.port or 80
    except ValueError as error:
        raise FetchFailed(f"request failed: the proxy's port: {error}", retryable=False) from None
    return Proxy(parts.hostname or "", port, authorization)


def fetch(session: CrawlSession, url: str, fetched_url: str, *, timeout: float, max_body_bytes: int,
          proxies: dict[str, str] | None = None, max_fetch_time: float = float("inf")) -> Fetched:
    """GET ``fetched_url`` once, record it as ``url``; raises :class:`FetchFailed`.

    ``timeout`` bounds each wait for the server; ``max_fetch_time`` the head and the whole body.
    """
    started = time.monotonic()
    date = datetime.now(timezone.utc)
    parts = urlsplit(fetched_url)
    route = session.route(parts, proxies)
    request = _request(session, route, parts, fetched_url)
    answer, peer = _exchange(session, route, request.wire, Limits(timeout, started + max_fetch_time, max_body_bytes,
                                                                  HEAD_ALLOWANCE))
    if answer.head is None:
        kept = Fetched(url, fetched_url, date, request.line, request.headers, "", 0, "", (), answer.body,
                       warc_digest(answer.digest), peer, answer.truncated, time.monotonic() - started,
                       request_bytes=request.recorded, unparsed=answer.unparsed, redacted=request.redacted)
        raise FetchFailed(f"not an HTTP/1.x response ({answer.unparsed}); kept the {answer.body.size} bytes "
                          "received as a resource record", retryable=answer.retryable, partial=kept)
    head = answer.head
    if any(name.lower() in _COOKIE_HEADERS for name, _ in head.headers):
        _keep_cookies(session, fetched_url, head.headers)
    status_line = answer.head_bytes.split(b"\n", 1)[0].rstrip(b"\r").decode("latin-1").split(" ", 2)
    protocol, reason = status_line[0], status_line[2] if len(status_line) > 2 else ""
    digest = warc_digest(answer.digest) if answer.wire_body is None else dechunked_digest(answer.wire_body)
    problems = (f"malformed response headers (kept as sent in the WARC): {list(head.malformed)!r}"[:500],) \
        if head.malformed else ()
    fetched = Fetched(url, fetched_url, date, request.line, request.headers, protocol, head.status, reason,
                      head.headers, answer.body, digest, peer, answer.truncated, time.monotonic() - started, problems,
                      request_bytes=request.recorded, response_head=answer.head_bytes, wire_body=answer.wire_body,
                      redacted=request.redacted)
    if answer.out_of_time:
        raise FetchFailed(f"took longer than {max_fetch_time:g} s (max_fetch_time); kept the {answer.body.size} "
                          "bytes received", retryable=False, partial=fetched)
    if answer.broken is not None:
        raise FetchFailed(f"connection broken after {answer.body.size} bytes: {answer.broken}", retryable=True,
                          partial=fetched)
    return fetched


@dataclass(frozen=True, slots=True)
class _Request:
    wire: bytes
    """The bytes sent."""
    recorded: bytes
    """The bytes recorded: the same less the headers that carry a credential."""
    line: str
    headers: tuple[tuple[str, str], ...]
    """The recorded headers, for the crawl log."""
    redacted: tuple[str, ...]


def _request(session: CrawlSession, route: Route, parts: SplitResult, url: str) -> _Request:
    """The request as it goes on the wire: the request line, ``Host`` first (as http.client put
    it), the session's headers, its cookies and login, and the proxy's ``Proxy-Authorization``."""
    target = requote_uri(parts.path or "/")  # as requests quoted every URL it sent
    if parts.query:
        target += "?" + requote_uri(parts.query)
    host = f"[{route.host}]" if ":" in route.host else route.host
    authority = host if route.port == DEFAULT_PORTS[route.scheme] else f"{host}:{route.port}"
    through_proxy = route.proxy is not None and route.scheme == "http"  # https goes through a tunnel
    if through_proxy:
        target = f"http://{authority}{target}"
    headers = session.headers
    if session.auth is not None or len(session.cookies):
        prepared = PreparedRequest()
        prepared.method, prepared.url, prepared.headers = "GET", url, CaseInsensitiveDict(headers)
        cookie = get_cookie_header(session.cookies, prepared)
        if cookie:
            prepared.headers["Cookie"] = cookie
        if session.auth is not None:
            session.auth(prepared)
        headers = prepared.headers
    fields = [("Host", authority)]
    secret = False
    for name, value in headers.items():
        if value is None or name.lower() == "host":
            continue
        value = value if isinstance(value, str) else value.decode("latin-1")
        if "\r" in value or "\n" in value:
            raise FetchFailed(f"request failed: the value of {name} holds a line break", retryable=False)
        fields.append((name, value))
        secret = secret or name.lower() in session.secret_headers
    if through_proxy and route.proxy.authorization:  # type: ignore[union-attr]
        fields.append(("Proxy-Authorization", route.proxy.authorization))  # type: ignore[union-attr]
        secret = secret or "proxy-authorization" in session.secret_headers
    line = f"GET {target} HTTP/1.1"
    try:
        wire = "".join([line, "\r\n", *(f"{name}: {value}\r\n" for name, value in fields), "\r\n"]).encode("latin-1")
    except UnicodeEncodeError as error:
        raise FetchFailed(f"request failed: a header holds {error.object[error.start:error.end]!r}, which is not "
                          "Latin-1", retryable=False) from None
    if not secret:
        return _Request(wire, wire, line, tuple(fields), ())
    recorded, redacted = without_credentials(wire, session.secret_headers)
    return _Request(wire, recorded, line, _header_fields(recorded), redacted)


def _exchange(session: CrawlSession, route: Route, request: bytes, limits: Limits) -> tuple[Answer, str | None]:
    """The answer and the address it came from; a connection the server closed while it was idle is
    replaced once, and the request sent again on the new one."""
    for again in (True, False):
        try:
            connection = session.connection(route, limits.timeout)
        except NoAnswer as failure:
            raise FetchFailed(str(failure), retryable=failure.retryable) from None
        try:
            answer = exchange(connection, request, limits)
        except NoAnswer as failure:
            connection.close()
            if failure.unanswered and again:
                continue
            raise FetchFailed(str(failure), retryable=failure.retryable) from None
        except BaseException:
            connection.close()
            raise
        session.done_with(connection)
        return answer, connection.peer
    raise AssertionError("unreachable")


def _keep_cookies(session: CrawlSession, url: str, headers: tuple[tuple[str, str], ...]) -> None:
    """The answer's ``Set-Cookie`` headers into the session's jar, by the jar's rules (domain, path)."""
    message = email.message.Message()
    for name, value in headers:
        if name.lower() in _COOKIE_HEADERS:
            message[name] = value
    prepared = PreparedRequest()
    prepared.method, prepared.url, prepared.headers = "GET", url, CaseInsensitiveDict(session.headers)
    session.cookies.extract_cookies(MockResponse(message), MockRequest(prepared))  # type: ignore[arg-type]


def dechunked_digest(wire_body: SpooledBody) -> str:
    """The payload digest of a chunked body: over the entity with the framing undone as warcio
    undoes it when it reads the record back. For whole framing that is the entity the crawl read;
    for broken framing (a cut record) readers must agree with the digest, not with the crawl."""
    hasher = sha1_digest()
    with wire_body.open() as stream:
        reader = ChunkedDataReader(stream)
        for block in iter(lambda: reader.read(CHUNK), b""):
            hasher.update(block)
    return warc_digest(hasher)


def without_credentials(sent: bytes, secret: frozenset[str] = CREDENTIAL_HEADERS) -> tuple[bytes, tuple[str, ...]]:
    """The request as sent, less the header lines named in ``secret`` (lower-case; by default
    :data:`CREDENTIAL_HEADERS`) and their folded continuations; and the names of the headers left
    out, as they were spelled."""
    head, separator, body = sent.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    kept, removed = [lines[0]], []
    dropping = False
    for line in lines[1:]:
        if line[:1] in (b" ", b"\t"):
            if not dropping:
                kept.append(line)
            continue
        name = line.split(b":", 1)[0].strip().decode("latin-1")
        dropping = name.lower() in secret
        if dropping:
            removed.append(name)
        else:
            kept.append(line)
    if not removed:
        return sent, ()
    return b"\r\n".join(kept) + separator + body, tuple(removed)


def _header_fields(sent: bytes) -> tuple[tuple[str, str], ...]:
    """The headers of a request's bytes (for the log; the WARC keeps the bytes)."""
    head = sent.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    return tuple((name.strip(), value.strip()) for name, sep, value in
                 (line.partition(":") for line in head[1:]) if sep)


def readable_head(fetched: Fetched, limit: int) -> bytes:
    """Up to ``limit`` bytes of the body with Content-Encoding undone, for finding links.

    The archive keeps the encoded bytes; only link discovery needs to see the page itself.
    """
    import zlib

    with fetched.body.open() as stream:
        data = stream.read(limit)
    encoding = (fetched.header("Content-Encoding") or "").strip().lower()
    if encoding in ("gzip", "x-gzip", "deflate"):
        wbits = 16 + zlib.MAX_WBITS if "gzip" in encoding else zlib.MAX_WBITS
        try:
            return zlib.decompressobj(wbits).decompress(data, limit)
        except zlib.error:
            try:
                return zlib.decompressobj(-zlib.MAX_WBITS).decompress(data, limit)
            except zlib.error:
                return b""
    return data
