"""Real HTTP servers on 127.0.0.1 for the crawl tests: a 1998-style site and a misbehaving one.

Each server logs every request (path and query as received) and the exact bytes it sent, so
tests can check what was fetched and compare the WARC with the wire.
"""
from __future__ import annotations

import gzip
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from archive.forking import tolerate

GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"


def gif(tag: bytes) -> bytes:
    """A distinct tiny GIF per name (a comment block keeps each payload unique)."""
    return GIF[:-1] + b"!\xfe" + bytes([len(tag)]) + tag + b"\x00;"


@dataclass
class Served:
    """What the handler sent for one request."""

    path: str
    status: int
    body: bytes


@dataclass
class ServerState:
    port: int = 0
    requests: list[str] = field(default_factory=list)
    sent: list[Served] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    hits: Counter[str] = field(default_factory=Counter)
    delay: float = 0.0
    raw_requests: dict[str, bytes] = field(default_factory=dict)
    """Path -> the request head exactly as it arrived (the last one for that path)."""
    robots: bytes = b""
    """robots.txt for routes that serve one (``wire_site_route``)."""

    def log(self, target: str) -> int:
        with self.lock:
            self.requests.append(target)
            self.hits[target] += 1
            return self.hits[target]

    def record(self, target: str, status: int, body: bytes) -> None:
        with self.lock:
            self.sent.append(Served(target, status, body))

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def old_site(port: int) -> dict[str, tuple[str, bytes]]:
    """The 1998 site: lower-cased path -> (content type, bytes). The server matches paths like IIS."""
    main = (
        b'<HTML><HEAD><TITLE>Main \x96 page</TITLE></HEAD>\r\n'
        b'<BODY BACKGROUND="images/paper.gif" BGCOLOR=#FFFFFF>\r\n'
        b'<IMG SRC="images/logo.gif" LOWSRC="images/logo-low.gif" USEMAP="#map" BORDER=0>\r\n'
        b'<MAP NAME="map"><AREA SHAPE=RECT COORDS="0,0,10,10" HREF="Glossary.htm"></MAP>\r\n'
        b'<IMG SRC="IMAGES/LOGO.GIF"><IMG SRC="/icons/bullet.gif"> <IMG SRC="copy.gif">\r\n'
        b'<APPLET CODE="Ticker.class" ARCHIVE="/java/ticker.jar" WIDTH=100 HEIGHT=20></APPLET>\r\n'
        b'<P>Peace &#150; conflict.<A HREF="../other/page.htm">elsewhere on the host</A>\r\n'
        b'</BODY></HTML>\r\n'
    )
    nav = (
        b'<HTML><BODY><A HREF="Main.htm" TARGET=main>Main</A><BR>\r\n'
        b'<A HREF="dir">A folder</A><BR><A HREF="moved.htm">Moved</A><BR>\r\n'
        b'<A HREF="missing.htm">Missing</A><BR><A HREF="broken.htm">Broken</A><BR>\r\n'
        b'<A HREF="private/secret.htm">Private</A><BR><A HREF="/other/page.htm">Other</A><BR>\r\n'
        b'<A HREF="http://elsewhere.test/">Elsewhere</A> <A HREF="mailto:web@oldsite.test">Mail</A>\r\n'
        b'<A HREF="cgi-bin/search.pl?q=peace&amp;page=1">Search</A>\r\n'
        b'<A HREF="HTTP://WWW.OLDSITE.TEST:80/site/GLOSSARY.HTM#top">Glossary</A>\r\n'
        b'<A HREF="refresh.htm">Refresh</A>\r\n'
        b'</BODY></HTML>\r\n'
    )
    page = b"<HTML><HEAD><TITLE>%s</TITLE></HEAD><BODY><H1>%s</H1><A HREF=\"index.htm\">Home</A></BODY></HTML>\r\n"
    return {
        "/robots.txt": ("text/plain", b"User-agent: *\nDisallow: /site/private/\n"),
        "/site/index.htm": ("text/html", b'<HTML><HEAD><TITLE>Old site</TITLE><LINK REL=STYLESHEET HREF="style.css">'
                            b'</HEAD>\r\n<FRAMESET COLS="20%,*"><FRAME SRC="nav.htm"><FRAME SRC="Main.htm" NAME=main>'
                            b'\r\n<NOFRAMES><A HREF="main.htm">enter</A></NOFRAMES></FRAMESET></HTML>\r\n'),
        "/site/nav.htm": ("text/html", nav),
        "/site/main.htm": ("text/html", main),
        "/site/glossary.htm": ("text/html", (page % (b"Glossary", b"Glossary")).replace(
            b"</BODY>", b'<A HREF="packed.htm">packed</A></BODY>')),
        "/site/packed.htm": ("text/html", page % (b"Packed", b"Sent gzip-encoded")),
        "/site/style.css": ("text/css", b"BODY { background: url(images/bg.gif) }\r\n"),
        "/site/dir/index.htm": ("text/html", page % (b"Folder", b"Folder")),
        "/site/new.htm": ("text/html", page % (b"New", b"Moved here")),
        "/site/refresh.htm": ("text/html", b'<HTML><HEAD><META HTTP-EQUIV="Refresh" CONTENT="0; URL=refreshed.htm">'
                              b'</HEAD><BODY>Moving...</BODY></HTML>\r\n'),
        "/site/refreshed.htm": ("text/html", page % (b"Refreshed", b"Refreshed")),
        "/site/private/secret.htm": ("text/html", page % (b"Secret", b"Secret")),
        "/other/page.htm": ("text/html", page % (b"Other", b"Other")),
        "/site/images/paper.gif": ("image/gif", gif(b"paper")),
        "/site/images/logo.gif": ("image/gif", gif(b"logo")),
        "/site/copy.gif": ("image/gif", gif(b"logo")),
        "/site/images/logo-low.gif": ("image/gif", gif(b"low")),
        "/site/images/bg.gif": ("image/gif", gif(b"bg")),
        "/icons/bullet.gif": ("image/gif", gif(b"bullet")),
        "/site/ticker.class": ("application/java-vm", b"\xca\xfe\xba\xbe\x00\x00\x00\x2eclass bytes"),
        "/java/ticker.jar": ("application/java-archive", b"PK\x03\x04jar bytes"),
    }


class _RecordingReader:
    """The handler's ``rfile``, keeping the bytes read (the request head as it arrived)."""

    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.taken = bytearray()

    def readline(self, *args: int) -> bytes:
        line = self.inner.readline(*args)  # type: ignore[attr-defined]
        self.taken += line
        return line

    def read(self, *args: int) -> bytes:
        data = self.inner.read(*args)  # type: ignore[attr-defined]
        self.taken += data
        return data

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)


class _Handler(BaseHTTPRequestHandler):
    state: ServerState
    route: Callable[["_Handler", ServerState], None]
    protocol_version = "HTTP/1.0"

    def setup(self) -> None:
        super().setup()
        self.rfile = _RecordingReader(self.rfile)  # type: ignore[assignment]

    def do_GET(self) -> None:  # noqa: N802
        self.state.log(self.path)
        with self.state.lock:
            self.state.raw_requests[self.path] = bytes(self.rfile.taken)  # type: ignore[attr-defined]
        self.rfile.taken.clear()  # type: ignore[attr-defined]
        if self.state.delay:
            time.sleep(self.state.delay)
        self.route(self, self.state)

    def log_message(self, *args: object) -> None:
        pass

    def send(self, status: int, body: bytes, headers: list[tuple[str, str]] | None = None,
             content_type: str | None = "text/html") -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in headers or []:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        try:
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            return  # the client gave up (a timeout test): nothing was delivered
        self.state.record(self.path, status, body)


def site_route(handler: _Handler, state: ServerState) -> None:
    """The 1998 site, case-insensitive like IIS, with its redirects, errors and a CGI."""
    files = old_site(state.port)
    parts = urlsplit(handler.path)
    path = parts.path.lower()
    if path == "/site/dir":
        handler.send(301, b"<A HREF=\"dir/\">moved</A>", [("Location", f"{state.origin}/site/dir/")])
    elif path == "/site/moved.htm":
        handler.send(302, b"", [("Location", "new.htm")])
    elif path == "/site/broken.htm":
        handler.send(500, b"<H1>Internal Server Error</H1>")
    elif path == "/site/cgi-bin/search.pl":
        number = int(parse_qs(parts.query).get("page", ["1"])[0])
        more = b'<A HREF="search.pl?q=peace&amp;page=2">next</A>' if number < 2 else b""
        handler.send(200, b"<HTML><BODY>Results page %d %s</BODY></HTML>" % (number, more))
    elif path == "/site/packed.htm":
        content_type, body = files[path]
        handler.send(200, gzip.compress(body, mtime=0), [("Content-Encoding", "gzip")], content_type)
    elif path.endswith("/") and path + "index.htm" in files:
        content_type, body = files[path + "index.htm"]
        handler.send(200, body, [("Server", "Microsoft-IIS/4.0")], content_type)
    elif path in files:
        content_type, body = files[path]
        handler.send(200, body, [("Server", "Microsoft-IIS/4.0"), ("Last-Modified", "Mon, 16 Nov 1998 09:30:00 GMT")],
                     content_type)
    else:
        handler.send(404, b"<H1>Not Found</H1>")


def _reset(handler: _Handler) -> None:
    """Close with RST, the way a crashed server process drops a connection."""
    handler.wfile.flush()
    handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    handler.connection.close()
    handler.close_connection = True


def reset_mid_body(handler: _Handler, sent: bytes) -> None:
    """Promise 100,000 bytes, send ``sent``, then reset the connection."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.send_header("Content-Length", "100000")
    handler.end_headers()
    handler.wfile.write(sent)
    _reset(handler)


def fault_route(handler: _Handler, state: ServerState) -> None:
    """One route per misbehaviour (like wpull's badapp)."""
    parts = urlsplit(handler.path)
    path, query = parts.path, parse_qs(parts.query)
    if path == "/f/":
        links = "".join(f'<A HREF="{name}">{name}</A>\n' for name in
                        ("flaky", "slow", "short", "reset", "loop-a", "chain?n=1", "cal?d=1", "big", "after.htm"))
        handler.send(200, f"<HTML><BODY>{links}</BODY></HTML>".encode())
    elif path == "/f/flaky":
        if state.hits[handler.path] == 1:
            handler.send(503, b"busy")
        else:
            handler.send(200, b"<HTML><BODY>fine now</BODY></HTML>")
    elif path == "/f/slow":
        time.sleep(1.5)
        handler.send(200, b"too late")
    elif path == "/f/short":
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.send_header("Content-Length", "1000")
        handler.end_headers()
        handler.wfile.write(b"<HTML>only this")
        handler.close_connection = True
    elif path == "/f/reset":
        reset_mid_body(handler, b"<HTML>" + b"x" * 500)
    elif path == "/f/loop-a":
        handler.send(302, b"", [("Location", "/f/loop-b")])
    elif path == "/f/loop-b":
        handler.send(302, b"", [("Location", "/f/loop-a")])
    elif path == "/f/chain":
        number = int(query.get("n", ["1"])[0])
        handler.send(302, b"", [("Location", f"/f/chain?n={number + 1}")])
    elif path == "/f/cal":
        day = int(query.get("d", ["1"])[0])
        handler.send(200, f'<HTML><BODY>Day {day} <A HREF="cal?d={day + 1}">next day</A></BODY></HTML>'.encode())
    elif path == "/f/big":
        handler.send(200, b"B" * 5000, content_type="application/octet-stream")
    elif path == "/f/after.htm":
        handler.send(200, b"<HTML><BODY>still crawling</BODY></HTML>")
    else:
        handler.send(404, b"no")


def many_route(handler: _Handler, state: ServerState) -> None:
    """A plain site of 60 linked pages, for the kill-and-resume test."""
    path = urlsplit(handler.path).path
    if path == "/robots.txt":
        handler.send(404, b"")
        return
    number = int(path.rsplit("/p", 1)[-1].split(".")[0]) if "/p" in path else 0
    if number > 60:
        handler.send(404, b"")
        return
    links = "".join(f'<A HREF="p{n}.htm">{n}</A> ' for n in range(number + 1, min(number + 4, 61)))
    handler.send(200, f"<HTML><BODY>Page {number}: {links}<IMG SRC=\"img{number % 7}.gif\"></BODY></HTML>".encode()
                 if not path.endswith(".gif") else gif(path.encode()[-12:]),
                 content_type="image/gif" if path.endswith(".gif") else "text/html")


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """(key, certificate) for 127.0.0.1, made by openssl in ``folder``; skips the test without openssl."""
    import shutil
    import subprocess

    import pytest

    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a certificate")
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    return key, cert


class HarnessServer(ThreadingHTTPServer):
    """A threaded HTTP server beside which sunset, run in the test's own process, may fork its
    workers: each of its threads is declared to :func:`archive.forking.tolerate` before it starts
    (they take none of the locks sunset's workers need). Any other thread alive at a fork still
    stops the fork with :class:`archive.forking.ForkWithThreads`."""

    daemon_threads = True

    def process_request(self, request: object, client_address: object) -> None:
        tolerate(threading.Thread(target=self.process_request_thread, args=(request, client_address),
                                  daemon=True)).start()

    def serve_in_thread(self) -> None:
        tolerate(threading.Thread(target=self.serve_forever, daemon=True)).start()


@contextmanager
def serving(handler: Callable[..., BaseHTTPRequestHandler]) -> Iterator[int]:
    """``handler`` answering on a free port of 127.0.0.1, in threads, while the block runs; yields the port."""
    server = HarnessServer(("127.0.0.1", 0), handler)
    server.serve_in_thread()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def serve(route: Callable[[_Handler, ServerState], None], *, delay: float = 0.0) -> Iterator[ServerState]:
    state = ServerState(delay=delay)
    with serving(type("Handler", (_Handler,), {"state": state, "route": staticmethod(route)})) as state.port:
        yield state

