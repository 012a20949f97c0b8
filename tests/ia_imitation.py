"""An imitation of the Internet Archive's Wayback Machine, for the tests only (the real one cannot be
reached from here). Kept small; it answers as the wayback-cdx-server README and the Wayback
Machine's own replies show:

- ``/cdx/search/cdx``: ``output=json`` as one JSON array whose first row names the fields
  (``urlkey``, ``timestamp``, ``original``, ``mimetype``, ``statuscode``, ``digest``, ``length``),
  ``matchType`` exact or prefix on the SURT key, ``from``/``to``, ``limit`` with ``showResumeKey``
  (an empty row, then ``[resume key]``) and ``resumeKey``; gzip-encoded, as by default; a revisit
  listed as ``warc/revisit`` with status ``-``; originals as captured (``:80`` and all);
- ``/web/TIMESTAMPid_/URL``: the archived status and payload (a revisit's original payload), the
  archived headers as ``x-archive-orig-*`` except ``Content-Type``, ``Location`` pointing at the
  archive's copy of the target, ``Memento-Datetime``, ``Link`` (original, timemap, memento),
  headers of its own (``Server: nginx``, ``x-archive-src``, ``Content-Security-Policy``…), the body
  chunked; a timestamp that is not a capture's is redirected (302, no ``Memento-Datetime``) to the
  nearest one; an unknown URL is a 404 page without ``Memento-Datetime``;
- 429 ``Too Many Requests`` with ``Retry-After`` when told to throttle; keep-alive connections
  (HTTP/1.1), counted, so a test can see how many a client opened.
"""
from __future__ import annotations

import gzip
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, quote_plus, unquote_plus, urlsplit

from archive.capture import sha1_digest, warc_digest
from tests.crawlserver import serving


def surt(url: str) -> str:
    """The SURT key the Wayback Machine files a URL under: host reversed without ``www``, no scheme
    or default port, lower case."""
    parts = urlsplit(url.strip().lower())
    host = (parts.hostname or "").removeprefix("www.")
    port = f":{parts.port}" if parts.port not in (None, 80, 443) else ""
    path = parts.path or "/"
    return ",".join(reversed(host.split("."))) + port + ")" + path + (f"?{parts.query}" if parts.query else "")


@dataclass(frozen=True)
class IACapture:
    original: str
    """As the crawler wrote it (``http://www.colorado.edu:80/...``)."""
    timestamp: str
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""
    revisit_of: str | None = None
    """A revisit: the timestamp of the capture whose payload it repeats."""

    @property
    def key(self) -> str:
        return surt(self.original)

    @property
    def content_type(self) -> str:
        return next((value for name, value in self.headers if name.lower() == "content-type"), "unk")


@dataclass
class Imitation:
    captures: list[IACapture]
    page_rows: int = 150000
    """The most rows one CDX answer holds (the real server's cap is 150,000)."""
    throttle: set[int] = field(default_factory=set)
    """Numbers of the requests (1-based) answered 429."""
    retry_after: str = "1"
    delay: float = 0.0
    port: int = 0
    requests: list[str] = field(default_factory=list)
    answers: list[tuple[str, int]] = field(default_factory=list)
    """(path, status) of every answer sent."""
    connections: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def memento_requests(self) -> list[str]:
        return [path for path in self.requests if path.startswith("/web/")]

    def mementos_served(self) -> list[str]:
        """The captures answered (not 429, not the archive's own redirects), in order."""
        return [path for path, status in self.answers if path.startswith("/web/") and status not in (429, 302)]


def _http_date(timestamp: str) -> str:
    return format_datetime(datetime.strptime(timestamp, "%Y%m%d%H%M%S").replace(tzinfo=timezone.utc), usegmt=True)


class _Handler(BaseHTTPRequestHandler):
    imitation: Imitation
    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    sys_version = ""

    def setup(self) -> None:
        super().setup()
        with self.imitation.lock:
            self.imitation.connections += 1

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        imitation = self.imitation
        with imitation.lock:
            imitation.requests.append(self.path)
            number = len(imitation.requests)
        if imitation.delay:
            time.sleep(imitation.delay)
        if number in imitation.throttle:
            self._send(429, b"<html><body><h1>429 Too Many Requests</h1></body></html>",
                       [("Content-Type", "text/html"), ("Retry-After", imitation.retry_after)])
        elif self.path.startswith("/cdx/search/cdx"):
            self._cdx(parse_qs(urlsplit(self.path).query))
        elif self.path.startswith("/web/"):
            self._memento(self.path[len("/web/"):])
        else:
            self._send(404, b"not here", [("Content-Type", "text/plain")])

    def _send(self, status: int, body: bytes, headers: list[tuple[str, str]], *, chunked: bool = False) -> None:
        with self.imitation.lock:
            self.imitation.answers.append((self.path, status))
        try:
            self._write(status, body, headers, chunked)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client went away (a test killed it)

    def _write(self, status: int, body: bytes, headers: list[tuple[str, str]], chunked: bool) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for start in range(0, len(body), 7):  # small chunks, as a streaming server sends them
                piece = body[start:start + 7]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    # -- the CDX server --------------------------------------------------------------------------------
    def _cdx(self, query: dict[str, list[str]]) -> None:
        url = query["url"][0]
        exact = query.get("matchType", ["exact"])[0] == "exact"
        low, high = query.get("from", [""])[0], query.get("to", [""])[0]
        key = surt(url)
        rows = sorted((capture.key, capture.timestamp, capture) for capture in self.imitation.captures
                      if (capture.key == key if exact else capture.key.startswith(key))
                      and capture.timestamp[:len(low)] >= low and (not high or capture.timestamp[:len(high)] <= high))
        if "resumeKey" in query:
            after = unquote_plus(query["resumeKey"][0]).rstrip("!").rsplit(" ", 1)
            rows = [row for row in rows if (row[0], row[1]) > (after[0], after[1])]
        limit = min(int(query.get("limit", ["150000"])[0]), self.imitation.page_rows)
        table: list[list[str]] = [["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]]
        for capture_key, timestamp, capture in rows[:limit]:
            revisit = capture.revisit_of is not None
            table.append([capture_key, timestamp, capture.original,
                          "warc/revisit" if revisit else capture.content_type.split(";")[0],
                          "-" if revisit else str(capture.status),
                          warc_digest(sha1_digest(self._payload(capture)))[5:], str(len(capture.body) + 300)])
        if len(rows) > limit and query.get("showResumeKey") == ["true"]:
            last = rows[limit - 1]
            table += [[], [quote_plus(f"{last[0]} {last[1]}!")]]
        text = "[" + ",\n".join(json.dumps(row) for row in table) + "]\n" if len(table) > 1 else "[]\n"
        self._send(200, gzip.compress(text.encode("utf-8"), mtime=0),
                   [("Content-Type", "text/plain"), ("Content-Encoding", "gzip")])

    def _payload(self, capture: IACapture) -> bytes:
        if capture.revisit_of is None:
            return capture.body
        return next(other.body for other in self.imitation.captures
                    if other.key == capture.key and other.timestamp == capture.revisit_of)

    # -- replay ------------------------------------------------------------------------------------------
    def _memento(self, rest: str) -> None:
        stamp, _, url = rest.partition("/")
        timestamp = "".join(ch for ch in stamp if ch.isdigit())
        modifier = stamp[len(timestamp):]
        key = surt(url)
        found = sorted((capture for capture in self.imitation.captures if capture.key == key),
                       key=lambda capture: capture.timestamp)
        if not found:
            self._send(404, b"<html><body><p>Wayback Machine doesn't have that page archived.</p></body></html>",
                       [("Content-Type", "text/html; charset=utf-8")])
            return
        exact = next((capture for capture in found if capture.timestamp == timestamp), None)
        if exact is None:
            wanted = timestamp.ljust(14, "0")
            nearest = min(found, key=lambda capture: abs(int(capture.timestamp) - int(wanted)))
            self._send(302, b"", [("Location", f"{self.imitation.origin}/web/{nearest.timestamp}{modifier}/{url}"),
                                  ("Content-Type", "text/plain")])
            return
        self._replay(exact, modifier, url)

    def _replay(self, capture: IACapture, modifier: str, url: str) -> None:
        origin, stamp = self.imitation.origin, capture.timestamp
        source = capture
        if capture.revisit_of is not None:
            source = next(other for other in self.imitation.captures
                          if other.key == capture.key and other.timestamp == capture.revisit_of)
        headers: list[tuple[str, str]] = [("Date", format_datetime(datetime.now(timezone.utc), usegmt=True))]
        for name, value in source.headers:
            lowered = name.lower()
            if lowered == "content-type":
                headers.append(("Content-Type", value))
            elif lowered == "location":
                target = value if "://" in value else capture.original.rsplit("/", 1)[0] + "/" + value
                headers.append(("Location", f"{origin}/web/{stamp}{modifier}/{target}"))
            else:
                headers.append((f"x-archive-orig-{lowered}", value))
        headers += [
            ("x-archive-guessed-content-type", source.content_type.split(";")[0]),
            ("memento-datetime", _http_date(stamp)),
            ("link", f'<{capture.original}>; rel="original", <{origin}/web/timemap/link/{capture.original}>; '
                     f'rel="timemap"; type="application/link-format", <{origin}/web/{stamp}/{capture.original}>; '
                     f'rel="memento"; datetime="{_http_date(stamp)}"'),
            ("content-security-policy", "default-src 'self' 'unsafe-eval' 'unsafe-inline' data: blob: archive.org"),
            ("x-archive-src", "imitation-19981116/IMITATION-19981116093000-00000.arc.gz"),
            ("server-timing", "captures_list;dur=0.5"),
            ("x-app-server", "wwwb-app0"),
            ("x-ts", str(capture.status)),
            ("Connection", "keep-alive"),
        ]
        self._send(capture.status, source.body, headers, chunked=True)


@contextmanager
def imitation_of_the_internet_archive(imitation: Imitation) -> Iterator[Imitation]:
    """The imitation on a free port of 127.0.0.1, for the ``with`` block."""
    with serving(type("Handler", (_Handler,), {"imitation": imitation})) as port:
        imitation.port = port
        yield imitation
