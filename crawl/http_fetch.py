"""One HTTP fetch, kept as the server sent it: status line, headers in order, body bytes.

requests decodes bodies and follows redirects by default; an archive needs neither. The body
is read from ``response.raw`` with ``decode_content=False`` (Content-Encoding stays as sent;
urllib3 only removes chunked framing, which WARC 1.1 wants for the payload digest), and is
spooled so a large file never sits in memory.
"""
from __future__ import annotations

import logging
import time
from datetime import datetime, timezone
from urllib.parse import urlsplit

import requests
import urllib3

from archive.capture import Fetched, SpooledBody, sha1_digest, warc_digest

CHUNK = 65536
# urllib3 logs a traceback for every malformed header; sunset notes it in the crawl log instead.
logging.getLogger("urllib3.connection").setLevel(logging.ERROR)


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

    http.client stops at the first bad line and keeps the rest as unparsed text; the record
    then holds the headers before it, so the log must say what was left out.
    """
    message = getattr(getattr(raw, "_original_response", None), "msg", None)
    if message is None or not message.defects:
        return None
    unparsed = message.get_payload() if not message.is_multipart() else ""
    lines = [line for line in str(unparsed or "").splitlines() if line.strip()]
    return f"malformed response headers; not recorded: {lines!r}"[:500]


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


def _request_record(prepared: requests.PreparedRequest, fetched_url: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The request as it went on the wire (http.client adds Host first)."""
    parts = urlsplit(fetched_url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    headers = [("Host", parts.netloc)] + [(k, v) for k, v in prepared.headers.items() if k.lower() != "host"]
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

    ``timeout`` bounds each wait for the server; ``max_fetch_time`` the whole body.
    """
    started = time.monotonic()
    date = datetime.now(timezone.utc)
    try:
        response = _send(session, fetched_url, timeout, proxies)
    except requests.Timeout as error:
        raise FetchFailed(f"timed out after {timeout:g} s", retryable=True) from error
    except requests.ConnectionError as error:
        raise FetchFailed(f"connection failed: {_reason(error)}", retryable=True) from error
    except requests.RequestException as error:
        raise FetchFailed(f"request failed: {_reason(error)}", retryable=False) from error
    try:
        raw = response.raw
        original = getattr(raw, "_original_response", None)
        if original is not None:
            headers = tuple((str(k), str(v)) for k, v in original.msg.raw_items())
            protocol = "HTTP/1.0" if original.version == 10 else "HTTP/1.1"
            reason = original.reason or ""
        else:
            headers = tuple(response.headers.items())
            protocol, reason = "HTTP/1.1", response.reason or ""
        ip = _peer_ip(raw)
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
    request_line, request_headers = _request_record(response.request, fetched_url)
    fetched = Fetched(url, fetched_url, date, request_line, request_headers, protocol, response.status_code,
                      reason, headers, body, warc_digest(reader.hasher), ip, truncated,
                      time.monotonic() - started, tuple(filter(None, (header_defects(raw),))))
    if reader.out_of_time:
        raise FetchFailed(f"took longer than {max_fetch_time:g} s (max_fetch_time); kept the {body.size} bytes "
                          "received", retryable=False, partial=fetched)
    if reader.error is not None:
        raise FetchFailed(f"connection broken after {body.size} bytes: {_reason(reader.error)}",
                          retryable=True, partial=fetched)
    return fetched


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
