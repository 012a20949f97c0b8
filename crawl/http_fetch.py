"""One HTTP fetch, kept as it went over the wire: the request as sent, the answer as received.

requests stays the client (sessions, proxies, TLS, cookies), but what goes in the WARC is not
rebuilt from what it parsed: a parser unfolds header lines, re-encodes bytes it cannot read,
rewrites ``HTTP/1.2`` as ``HTTP/1.1`` and removes chunked framing. :class:`WireAdapter` is a
transport adapter whose urllib3 connections record, on a per-fetch tape, every byte they send
and every byte their socket delivers (after TLS), as wget and Heritrix record theirs. It
replaces nothing global (warcio's ``capture_http`` patches ``http.client`` for the whole
process); only sessions that mount the adapter record, and only while :func:`fetch` holds a
tape for the calling thread.

The body is still read through urllib3 with ``decode_content=False`` (Content-Encoding stays
as sent; chunked framing is undone), hashed for the payload digest over the entity as WARC 1.1
says, and spooled so a large file never sits in memory. A chunked body's framing is kept from
the tape, so the record holds ``Transfer-Encoding: chunked`` over a chunked body and every
reader undoes it exactly once.

An answer http.client or urllib3 refuse (HTTP/0.9, ``ICY 200 OK``, status 099 or 2000, more
than 100 headers, a line over 64 KiB, conflicting Content-Lengths...) is still an answer: what
arrived is read to its end (within the body and time limits) and kept as ``unparsed``, which
the WARC writer stores as a ``resource`` record with a note saying why.
"""
from __future__ import annotations

import http.client
import io
import logging
import socket
import tempfile
import threading
import time
from datetime import datetime, timezone
from typing import BinaryIO
from urllib.parse import urlsplit

import requests
import urllib3
import urllib3.connection
import urllib3.connectionpool
from warcio.bufferedreaders import ChunkedDataReader

from archive.capture import (
    SPOOL_MAX_IN_MEMORY,
    Fetched,
    SpooledBody,
    sha1_digest,
    warc_digest,
)

CHUNK = 65536
CREDENTIAL_HEADERS = frozenset({"proxy-authorization", "authorization"})
"""Request headers that carry a credential of the archivist's (the proxy's password from
``http_proxy=http://user:password@host/``, a site login): left out of what is recorded, so no
output holds them. ``Proxy-Authorization`` is for the proxy, not part of the request to the site.
A session can name more (:attr:`CrawlSession.secret_headers`: the site's cookies and headers
given in ``[source]``, :mod:`crawl.credentials`)."""
HEAD_ALLOWANCE = 8 * 1024 * 1024
"""Bytes of response head recorded beyond ``max_body_bytes`` (100 headers of 64 KiB fit)."""
# urllib3 logs a traceback for every malformed header; sunset notes it in the crawl log instead.
logging.getLogger("urllib3.connection").setLevel(logging.ERROR)


class _HeadTooSlow(TimeoutError):
    """The response head did not end within max_fetch_time (a server trickling header bytes)."""


class _Tape:
    """What one fetch sent and received at the socket; spooled, so a large answer stays on disk."""

    def __init__(self, *, limit: int, deadline: float) -> None:
        self.sent = bytearray()
        self.received = tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX_IN_MEMORY)
        self.size = 0
        self.limit = limit
        self.deadline = deadline
        """Bounds reading the head; lifted once the head is parsed (the body has its own)."""
        self.recording = True
        self.peer: str | None = None
        self.unparsed: str | None = None
        self.cut: str | None = None
        self.retryable = False

    def on_send(self, data: object, sock: socket.socket | None) -> None:
        if isinstance(data, (bytes, bytearray, memoryview)):
            self.sent += data
        if self.peer is None and sock is not None:
            try:
                self.peer = str(sock.getpeername()[0])
            except (OSError, AttributeError, IndexError):
                pass

    def on_receive(self, data: bytes | memoryview) -> None:
        if self.recording and self.size < self.limit:
            kept = bytes(data[: self.limit - self.size])
            self.received.write(kept)
            self.size += len(kept)

    def head_span(self) -> tuple[int, int]:
        """Where the final response head lies in what was received, found as http.client finds it
        (lines up to an empty one; interim ``100 Continue`` heads skipped)."""
        self.received.seek(0)
        position = 0
        while True:
            start = position
            first = self.received.readline(CHUNK + 1)
            position += len(first)
            while True:
                line = self.received.readline()
                position += len(line)
                if line in (b"\r\n", b"\n", b""):
                    break
            parts = first.split(None, 2)
            if len(parts) > 1 and parts[1] == b"100" and position < self.size:
                continue
            self.received.seek(0, io.SEEK_END)
            return start, position

    def read(self, start: int, end: int) -> bytes:
        self.received.seek(start)
        data = self.received.read(end - start)
        self.received.seek(0, io.SEEK_END)
        return data

    def stream_from(self, start: int) -> BinaryIO:
        self.received.seek(start)
        return self.received  # type: ignore[return-value]

    def close(self) -> None:
        self.received.close()


_WIRE = threading.local()


def _tape() -> _Tape | None:
    return getattr(_WIRE, "tape", None)


class _TeeRaw(io.RawIOBase):
    """A socket's raw reader that puts every byte it delivers on the current tape."""

    def __init__(self, inner: io.RawIOBase) -> None:
        super().__init__()
        self._inner = inner

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int | None:  # type: ignore[override]
        tape = _tape()
        if tape is not None and time.monotonic() > tape.deadline:
            raise _HeadTooSlow("the response head did not end within max_fetch_time")
        count = self._inner.readinto(buffer)
        if count and tape is not None:
            tape.on_receive(memoryview(buffer)[:count])
        return count

    def fileno(self) -> int:
        return self._inner.fileno()

    def close(self) -> None:
        if not self.closed:
            self._inner.close()
        super().close()


class _TeeResponse(http.client.HTTPResponse):
    """http.client's response, reading its socket through :class:`_TeeRaw`."""

    def __init__(self, sock: socket.socket, *args: object, **kwargs: object) -> None:
        super().__init__(sock, *args, **kwargs)  # type: ignore[arg-type]
        self.fp.close()
        self.fp = io.BufferedReader(_TeeRaw(sock.makefile("rb", buffering=0)))  # type: ignore[arg-type]


def _drain(sock: socket.socket | None, tape: _Tape) -> None:
    """Read the rest of an answer no parser accepts, to its end or a limit, onto the tape."""
    if sock is None:
        return
    while tape.size < tape.limit:
        if time.monotonic() > tape.deadline:
            tape.cut = "time"
            return
        try:
            data = sock.recv(CHUNK)
        except TimeoutError:
            tape.cut = "time"
            return
        except OSError:
            tape.cut = "disconnect"
            return
        if not data:
            return
        tape.on_receive(data)
    tape.cut = "length"


class _WireConnection:
    """Mixed into urllib3's connections: tee what is sent, and keep an answer that fails to parse."""

    response_class = _TeeResponse

    def send(self, data: object) -> None:
        super().send(data)  # type: ignore[misc]
        tape = _tape()
        if tape is not None:
            tape.on_send(data, getattr(self, "sock", None))

    def _tunnel(self) -> None:
        """A proxy's CONNECT exchange is not the site's: it stays off the tape."""
        tape = _tape()
        _WIRE.tape = None
        try:
            super()._tunnel()  # type: ignore[misc]
        finally:
            _WIRE.tape = tape

    def getresponse(self):  # type: ignore[no-untyped-def]
        try:
            return super().getresponse()  # type: ignore[misc]
        except (http.client.HTTPException, urllib3.exceptions.HTTPError, ValueError) as error:
            if isinstance(error, ConnectionError):  # closed inside the head
                self._keep(error, "the connection closed inside the response head", "disconnect", True)
            else:
                tape = self._keep(error, f"{type(error).__name__}: {str(error)[:200]}", None, False)
                if tape is not None:
                    _drain(getattr(self, "sock", None), tape)
            raise
        except _HeadTooSlow as error:
            self._keep(error, "the response head did not end within max_fetch_time", "time", False)
            raise
        except TimeoutError as error:
            self._keep(error, "timed out inside the response head", "time", True)
            raise
        except OSError as error:
            self._keep(error, f"connection broken inside the response head: {error}", "disconnect", True)
            raise

    @staticmethod
    def _keep(error: BaseException, reason: str, cut: str | None, retryable: bool) -> _Tape | None:
        tape = _tape()
        if tape is None or not tape.size or tape.unparsed is not None:
            return None
        tape.unparsed, tape.cut, tape.retryable = reason, cut, retryable
        return tape


class WireHTTPConnection(_WireConnection, urllib3.connection.HTTPConnection):
    pass


class WireHTTPSConnection(_WireConnection, urllib3.connection.HTTPSConnection):
    pass


class _WireHTTPPool(urllib3.connectionpool.HTTPConnectionPool):
    ConnectionCls = WireHTTPConnection


class _WireHTTPSPool(urllib3.connectionpool.HTTPSConnectionPool):
    ConnectionCls = WireHTTPSConnection


_WIRE_POOLS = {"http": _WireHTTPPool, "https": _WireHTTPSPool}


class CrawlSession(requests.Session):
    """A session that reads the environment's proxy and certificate settings once per host.

    requests looks them up for every request (``trust_env``), going through every environment
    variable each time: an eighth of a crawl's CPU on a fast server. The environment does not
    change while sunset crawls, so the answer for a scheme and host is kept.
    """

    def __init__(self) -> None:
        super().__init__()
        self._environment: dict[tuple[object, ...], dict] = {}
        self.secret_headers: frozenset[str] = CREDENTIAL_HEADERS
        """Lower-case names of the request headers left out of the records (:func:`without_credentials`)."""

    def merge_environment_settings(self, url, proxies, stream, verify, cert):  # type: ignore[no-untyped-def] # noqa: ANN001, ANN201
        parts = urlsplit(url or "")
        key = (parts.scheme, parts.netloc, tuple(sorted((proxies or {}).items())), stream, verify, cert)
        settings = self._environment.get(key)
        if settings is None:
            settings = self._environment[key] = super().merge_environment_settings(url, proxies, stream, verify, cert)
        return {**settings, "proxies": dict(settings["proxies"])}


class WireAdapter(requests.adapters.HTTPAdapter):
    """requests' adapter with connections that record the exchange (see the module docstring)."""

    def init_poolmanager(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _WIRE_POOLS

    def proxy_manager_for(self, proxy, **proxy_kwargs):  # type: ignore[no-untyped-def]
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        manager.pool_classes_by_scheme = _WIRE_POOLS
        return manager


class FetchFailed(Exception):
    """A fetch that gave no usable response; ``partial`` holds what arrived before a cut."""

    def __init__(self, message: str, *, retryable: bool, partial: Fetched | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.partial = partial


class _DigestingReader:
    """Reads the raw body for SpooledBody, hashing it and noting a cut connection.

    ``read1`` returns what has arrived instead of waiting for a whole chunk, so bytes that came
    before a cut are kept, and a server trickling a byte a second meets ``deadline`` (each byte
    would reset a read timeout for ever).
    """

    def __init__(self, raw: urllib3.response.BaseHTTPResponse, deadline: float = float("inf")) -> None:
        self.raw = raw
        self.hasher = sha1_digest()
        self.error: Exception | None = None
        self.deadline = deadline
        self.out_of_time = False

    def read(self, size: int = CHUNK) -> bytes:
        if self.error is not None or self.out_of_time:
            return b""
        if time.monotonic() > self.deadline:
            self.out_of_time = True
            return b""
        try:
            read1 = getattr(self.raw, "read1", None)
            data = read1(size, decode_content=False) if read1 else self.raw.read(size, decode_content=False)
        except (urllib3.exceptions.HTTPError, OSError) as error:
            self.error = error
            return b""
        self.hasher.update(data)
        return data


def _is_timeout(error: BaseException) -> bool:
    return isinstance(error, (TimeoutError, urllib3.exceptions.TimeoutError)) or "timed out" in str(error)


def header_defects(raw: urllib3.response.BaseHTTPResponse) -> str | None:
    """Header lines http.client could not parse (no colon, bytes out of place), for the log.

    http.client stops at the first bad line and keeps the rest as unparsed text; the parsed
    headers (Location, Content-Type) then lack them, though the WARC keeps every byte.
    """
    message = getattr(getattr(raw, "_original_response", None), "msg", None)
    if message is None or not message.defects:
        return None
    unparsed = message.get_payload() if not message.is_multipart() else ""
    lines = [line for line in str(unparsed or "").splitlines() if line.strip()]
    return f"malformed response headers (kept as sent in the WARC): {lines!r}"[:500]


def _peer_ip(raw: urllib3.response.BaseHTTPResponse) -> str | None:
    """The server's address (WARC-IP-Address); http.client drops the connection's socket
    for responses that close the connection, so the response's own socket is tried too."""
    connection = getattr(raw, "_connection", None)
    sock = getattr(connection, "sock", None)
    if sock is None:
        socket_io = getattr(getattr(getattr(raw, "_fp", None), "fp", None), "raw", None)
        sock = getattr(socket_io, "_sock", None)
    try:
        return str(sock.getpeername()[0]) if sock is not None else None
    except (OSError, AttributeError):
        return None


def _request_record(prepared: requests.PreparedRequest, fetched_url: str,
                    secret: frozenset[str]) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The request as it went on the wire (http.client adds Host first), less the ``secret`` headers."""
    parts = urlsplit(fetched_url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    headers = [("Host", parts.netloc)] + [(k, v) for k, v in prepared.headers.items()
                                          if k.lower() != "host" and k.lower() not in secret]
    return f"{prepared.method} {target} HTTP/1.1", tuple(headers)


def _send(session: requests.Session, url: str, timeout: float, proxies: dict[str, str] | None) -> requests.Response:
    """Send through the session's adapter, not ``Session.send``: with redirects not followed,
    ``Session.send`` still reads a 3xx body (decoded) to look ahead, and the raw bytes are lost."""
    prepared = session.prepare_request(requests.Request("GET", url))
    settings = session.merge_environment_settings(prepared.url, proxies or {}, True, None, None)
    adapter = session.get_adapter(prepared.url or url)
    response = adapter.send(prepared, stream=True, timeout=timeout, proxies=settings["proxies"],
                            verify=settings["verify"], cert=settings["cert"])
    requests.cookies.extract_cookies_to_jar(session.cookies, prepared, response.raw)
    return response


def fetch(session: requests.Session, url: str, fetched_url: str, *, timeout: float, max_body_bytes: int,
          proxies: dict[str, str] | None = None, max_fetch_time: float = float("inf")) -> Fetched:
    """GET ``fetched_url`` once, record it as ``url``; raises :class:`FetchFailed`.

    ``timeout`` bounds each wait for the server; ``max_fetch_time`` the head and the whole body.
    The session records the exchange byte for byte when it mounts :class:`WireAdapter`.
    """
    started = time.monotonic()
    date = datetime.now(timezone.utc)
    tape = _Tape(limit=max_body_bytes + HEAD_ALLOWANCE, deadline=started + max_fetch_time)
    _WIRE.tape = tape
    try:
        return _fetch(session, url, fetched_url, tape, started, date, timeout=timeout,
                      max_body_bytes=max_body_bytes, proxies=proxies, max_fetch_time=max_fetch_time)
    finally:
        _WIRE.tape = None
        tape.close()


def _fetch(session: requests.Session, url: str, fetched_url: str, tape: _Tape, started: float, date: datetime,
           *, timeout: float, max_body_bytes: int, proxies: dict[str, str] | None, max_fetch_time: float) -> Fetched:
    try:
        response = _send(session, fetched_url, timeout, proxies)
    except requests.RequestException as error:
        kept = _unparsed_answer(tape, url, fetched_url, date, started, secret_headers(session))
        if kept is not None:
            raise FetchFailed(f"not an HTTP/1.x response ({tape.unparsed}); kept the {kept.body.size} bytes "
                              "received as a resource record", retryable=tape.retryable, partial=kept) from error
        if isinstance(error, requests.Timeout):
            raise FetchFailed(f"timed out after {timeout:g} s", retryable=True) from error
        if isinstance(error, requests.ConnectionError):
            raise FetchFailed(f"connection failed: {_reason(error)}", retryable=True) from error
        raise FetchFailed(f"request failed: {_reason(error)}", retryable=False) from error
    tape.deadline = float("inf")
    try:
        raw = response.raw
        original = getattr(raw, "_original_response", None)
        head_start, head_end = tape.head_span() if tape.size else (0, 0)
        chunked = bool(getattr(original, "chunked", False))
        if not chunked:
            tape.recording = False  # the entity is the wire body: no need to keep it twice
        if original is not None:
            headers = tuple((str(k), str(v)) for k, v in original.msg.raw_items())
            protocol = "HTTP/1.0" if original.version == 10 else "HTTP/1.1"
            reason = original.reason or ""
        else:
            headers = tuple(response.headers.items())
            protocol, reason = "HTTP/1.1", response.reason or ""
        response_head = tape.read(head_start, head_end)
        if response_head:
            status_line = response_head.split(b"\n", 1)[0].rstrip(b"\r").decode("latin-1").split(" ", 2)
            protocol = status_line[0]
            reason = status_line[2] if len(status_line) > 2 else ""
        ip = tape.peer or _peer_ip(raw)
        reader = _DigestingReader(raw, started + max_fetch_time)
        body = SpooledBody(reader, limit=max_body_bytes)  # type: ignore[arg-type]
        truncated = None
        if reader.out_of_time or (reader.error is not None and _is_timeout(reader.error)):
            truncated = "time"
        elif reader.error is not None:
            truncated = "disconnect"
        elif body.size >= max_body_bytes and raw.read(1, decode_content=False):
            truncated = "length"
    finally:
        response.close()
    wire_body = SpooledBody(tape.stream_from(head_end)) if chunked and response_head else None
    payload_digest = warc_digest(reader.hasher) if wire_body is None else dechunked_digest(wire_body)
    secret = secret_headers(session)
    sent, redacted = without_credentials(bytes(tape.sent), secret)
    if sent:
        request_line, request_headers = _request_parts(sent)
    else:  # rebuilt from what requests prepared (the proxy's header is not among them)
        request_line, request_headers = _request_record(response.request, fetched_url, secret)
        redacted = tuple(name for name in response.request.headers if name.lower() in secret)
    fetched = Fetched(url, fetched_url, date, request_line, request_headers, protocol, response.status_code,
                      reason, headers, body, payload_digest, ip, truncated,
                      time.monotonic() - started, tuple(filter(None, (header_defects(raw),))),
                      request_bytes=sent, response_head=response_head, wire_body=wire_body, redacted=redacted)
    if reader.out_of_time:
        raise FetchFailed(f"took longer than {max_fetch_time:g} s (max_fetch_time); kept the {body.size} bytes "
                          "received", retryable=False, partial=fetched)
    if reader.error is not None:
        raise FetchFailed(f"connection broken after {body.size} bytes: {_reason(reader.error)}",
                          retryable=True, partial=fetched)
    return fetched


def dechunked_digest(wire_body: SpooledBody) -> str:
    """The payload digest of a chunked body: over the entity with the framing undone as warcio
    undoes it when it reads the record back. For framing urllib3 accepts that is the body it
    read; for broken framing (a cut record) readers must agree with the digest, not with urllib3."""
    hasher = sha1_digest()
    with wire_body.open() as stream:
        reader = ChunkedDataReader(stream)
        for block in iter(lambda: reader.read(CHUNK), b""):
            hasher.update(block)
    return warc_digest(hasher)


def _unparsed_answer(tape: _Tape, url: str, fetched_url: str, date: datetime, started: float,
                     secret: frozenset[str]) -> Fetched | None:
    """Whatever a server sent that is no response a parser accepts, as an ``unparsed`` fetch."""
    if tape.unparsed is None or not tape.size:
        return None
    body = SpooledBody(tape.stream_from(0))
    hasher = sha1_digest()
    with body.open() as stream:
        for block in iter(lambda: stream.read(CHUNK), b""):
            hasher.update(block)
    sent, redacted = without_credentials(bytes(tape.sent), secret)
    request_line, request_headers = _request_parts(sent)
    return Fetched(url, fetched_url, date, request_line, request_headers, "", 0, "", (), body, warc_digest(hasher),
                   tape.peer, tape.cut, time.monotonic() - started, request_bytes=sent,
                   unparsed=tape.unparsed, redacted=redacted)


def secret_headers(session: requests.Session) -> frozenset[str]:
    """The request headers ``session`` sends that no record may hold."""
    return getattr(session, "secret_headers", CREDENTIAL_HEADERS)


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


def _request_parts(sent: bytes) -> tuple[str, tuple[tuple[str, str], ...]]:
    """Request line and headers of the bytes sent (for the log; the WARC keeps the bytes)."""
    head = sent.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    headers = tuple((name.strip(), value.strip()) for name, sep, value in
                    (line.partition(":") for line in head[1:]) if sep)
    return head[0], headers


def _reason(error: BaseException) -> str:
    """The innermost message of a requests/urllib3 error chain, which says what happened."""
    text = str(error)
    inner = error.__context__ or error.__cause__
    while inner is not None and str(inner):
        text = str(inner)
        inner = inner.__context__ or inner.__cause__
    return text[:300]


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
