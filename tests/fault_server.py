"""A server that misbehaves on purpose, one route per fault (like wpull's badapp).

Served by ``tests.crawlserver.serve(fault_site_route)`` on 127.0.0.1. Every route is linked
from ``/h/``, so one crawl meets them all; ``/h/after.htm`` is linked last, to show the crawl
went on. ``FAULTS`` names each route and what it does wrong (docs/reliability.md lists them).
"""
from __future__ import annotations

import functools
import hashlib
import struct
import time
import zlib
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

from tests.crawlserver import ServerState, _Handler, reset_mid_body

BOMB_INFLATED = 1 << 30
TEN_MB = 10 * 1024 * 1024


@functools.cache
def gzip_bomb() -> bytes:
    """About 1 MB of gzip that inflates to 1 GiB of zeros (deflate tops out near 1000:1).

    Built from one full-flushed deflate block repeated, so making it costs a CRC, not a 1 GiB
    compression.
    """
    chunk = bytes(1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    end = compressor.flush(zlib.Z_FINISH)
    crc = 0
    for _ in range(BOMB_INFLATED // len(chunk)):
        crc = zlib.crc32(chunk, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    return header + block * (BOMB_INFLATED // len(chunk)) + end + struct.pack("<II", crc, BOMB_INFLATED & 0xFFFFFFFF)


def _raw(handler: _Handler, head: bytes, body: bytes = b"") -> None:
    """Write a response byte for byte (for framing http.server would not produce)."""
    try:
        handler.wfile.write(head + body)
        handler.wfile.flush()
    except (BrokenPipeError, ConnectionResetError):
        pass
    handler.close_connection = True


def _page(text: str) -> bytes:
    return f"<HTML><HEAD><TITLE>{text}</TITLE></HEAD><BODY><P>{text}</P></BODY></HTML>".encode()


def _flaky(handler: _Handler, state: ServerState) -> None:
    if state.hits[handler.path] == 1:
        handler.send(500, b"<H1>Internal Server Error</H1>")
    else:
        handler.send(200, _page("fine on the second try"))


def _reset_mid_body(handler: _Handler, state: ServerState) -> None:
    reset_mid_body(handler, b"<HTML>" + b"r" * 500)


def _short(handler: _Handler, state: ServerState) -> None:
    _raw(handler, b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1000\r\n\r\n", b"<HTML>only this")


def _bad_chunks(handler: _Handler, state: ServerState) -> None:
    _raw(handler, b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n"
                  b"Connection: close\r\n\r\n", b"10\r\n<HTML>chunk one!\r\nZZ\r\nnot a chunk size\r\n")


def _never_answers(handler: _Handler, state: ServerState) -> None:
    time.sleep(4)  # accepted, request read, nothing sent: the client's timeout must end it
    handler.close_connection = True


def _trickle(handler: _Handler, state: ServerState) -> None:
    _raw(handler, b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\nContent-Length: 600\r\n\r\n")
    try:
        for _ in range(600):  # a byte every 0.9 s: each read succeeds, the whole never ends
            handler.wfile.write(b"t")
            handler.wfile.flush()
            time.sleep(0.9)
    except (BrokenPipeError, ConnectionResetError):
        pass


def _not_gzip(handler: _Handler, state: ServerState) -> None:
    handler.send(200, _page("plain text that says it is gzip"), [("Content-Encoding", "gzip")])


def _bomb(handler: _Handler, state: ServerState) -> None:
    handler.send(200, gzip_bomb(), [("Content-Encoding", "gzip")])


def _bad_headers(handler: _Handler, state: ServerState) -> None:
    _raw(handler, b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\nX-Caf\xe9: cr\xe8me br\xfbl\xe9e\r\n"
                  b"this line has no colon \xff\xfe\r\nContent-Length: 38\r\n\r\n",
         b"<HTML><BODY>odd headers</BODY></HTML>\n")


def _soft_404(handler: _Handler, state: ServerState) -> None:
    handler.send(200, b"<HTML><HEAD><TITLE>404 Not Found</TITLE></HEAD><BODY><H1>Not Found</H1>"
                      b"<P>The requested URL was not found on this server.</P></BODY></HTML>")


def _loop(handler: _Handler, state: ServerState) -> None:
    other = "/h/loop-b" if urlsplit(handler.path).path == "/h/loop-a" else "/h/loop-a"
    handler.send(302, b"", [("Location", other)])


def _other_host(handler: _Handler, state: ServerState) -> None:
    handler.send(302, b"", [("Location", "http://elsewhere.invalid/moved/")])


def _calendar(handler: _Handler, state: ServerState) -> None:
    day = int(parse_qs(urlsplit(handler.path).query).get("d", ["1"])[0])
    handler.send(200, f'<HTML><BODY>Day {day} <A HREF="cal?d={day + 1}">next day</A></BODY></HTML>'.encode())


def _ten_mb(handler: _Handler, state: ServerState) -> None:
    line = b"<P>A very long page of the old site, line after line.</P>\r\n"
    body = b"<HTML><BODY>" + line * (TEN_MB // len(line)) + b"</BODY></HTML>"
    handler.send(200, body)


def _two_gb(handler: _Handler, state: ServerState) -> None:
    _raw(handler, b"HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 2147483648\r\n\r\n",
         b"D" * 4096)
    time.sleep(4)  # the other 2 GB never come


FAULTS: dict[str, tuple[Callable[[_Handler, ServerState], None], str]] = {
    "flaky": (_flaky, "500, then 200 on the retry"),
    "reset": (_reset_mid_body, "connection reset (RST) mid-body"),
    "short": (_short, "body shorter than its Content-Length, then close"),
    "badchunk": (_bad_chunks, "chunked body with bad framing"),
    "silent": (_never_answers, "accepts the request and never answers"),
    "trickle": (_trickle, "trickles a byte every 0.9 s, forever"),
    "notgzip": (_not_gzip, "Content-Encoding: gzip on a body that is not gzip"),
    "bomb": (_bomb, "gzip bomb: 1 MB that inflates to 1 GiB"),
    "badheaders": (_bad_headers, "headers with non-ASCII bytes and a line with no colon"),
    "soft404": (_soft_404, "200 OK carrying an HTML 'Not Found' page"),
    "loop-a": (_loop, "redirect loop (loop-a -> loop-b -> loop-a)"),
    "loop-b": (_loop, "the other half of the loop"),
    "offsite": (_other_host, "redirect to another host"),
    "cal": (_calendar, "calendar trap: every day links the next"),
    "tenmb": (_ten_mb, "a 10 MB page"),
    "twogb": (_two_gb, "Content-Length of 2 GB, 4 KB sent, the rest never"),
}
LINKED = [name for name in FAULTS if name != "loop-b"]


def fault_site_route(handler: _Handler, state: ServerState) -> None:
    path = urlsplit(handler.path).path
    if path == "/robots.txt":
        handler.send(404, b"", content_type="text/plain")
    elif path == "/h/":
        links = "".join(f'<A HREF="{name}">{name}</A>\n' for name in LINKED)
        handler.send(200, f"<HTML><BODY>{links}<A HREF=\"after.htm\">after</A></BODY></HTML>".encode())
    elif path == "/h/after.htm":
        handler.send(200, _page("still crawling"))
    elif path.startswith("/h/") and path[3:] in FAULTS:
        FAULTS[path[3:]][0](handler, state)
    else:
        handler.send(404, b"<H1>Not Found</H1>")


# -- the wire as it was (issue 13) and answers no parser accepts (issue 16, points 7-9) ---------------
# Served by ``wire_site_route`` under /w/; ``WIRE`` routes send a response byte for byte.

CHUNKED_ENTITY = b"<HTML><BODY><P>Sent in three chunks.</P></BODY></HTML>\r\n"
LOOKS_CHUNKED = b"5\r\nhello\r\n0\r\n\r\n"
"""An entity that is itself chunk framing: de-chunked once it stays these 15 bytes, twice it is 5."""


def chunk(data: bytes, *sizes: int, extension: bytes = b"") -> bytes:
    """``data`` in chunks of ``sizes`` (the rest in one), ending with the last chunk."""
    out, start = b"", 0
    for size in (*sizes, len(data)):
        piece = data[start:start + size]
        if piece:
            out += b"%x%s\r\n%s\r\n" % (len(piece), extension, piece)
        start += len(piece)
    return out + b"0\r\n\r\n"


def _head(status_line: bytes, *headers: bytes) -> bytes:
    return status_line + b"\r\n" + b"".join(line + b"\r\n" for line in headers) + b"\r\n"


def _page_with_length(status_line: bytes, *headers: bytes) -> bytes:
    """A small page, different for every status line and header set (so none is a revisit)."""
    body = b"<HTML><BODY>%s</BODY></HTML>" % hashlib.sha1(status_line + b"".join(headers)).hexdigest().encode()
    return _head(status_line, b"Content-Type: text/html", *headers, b"Content-Length: %d" % len(body)) + body


WIRE_RESPONSES: dict[str, tuple[bytes, str]] = {
    "chunked": (_head(b"HTTP/1.1 200 OK", b"Content-Type: text/html", b"Transfer-Encoding: chunked")
                + chunk(CHUNKED_ENTITY, 7, 20), "chunked body in three chunks"),
    "looks-chunked": (_head(b"HTTP/1.1 200 OK", b"Content-Type: text/plain", b"Transfer-Encoding: chunked")
                      + chunk(LOOKS_CHUNKED), "chunked body whose entity is itself chunk framing"),
    "same-entity": (_head(b"HTTP/1.1 200 OK", b"Content-Type: text/html", b"Content-Length: %d" % len(CHUNKED_ENTITY))
                    + CHUNKED_ENTITY, "the chunked route's entity with a Content-Length: a revisit of it"),
    "http10": (_head(b"HTTP/1.0 200 OK", b"Content-Type: text/html") + b"<HTML><BODY>HTTP/1.0, ends at close"
               b"</BODY></HTML>", "HTTP/1.0 with no Content-Length: the body ends when the connection closes"),
    "folded": (_page_with_length(b"HTTP/1.1 200 OK", b"X-Folded: first part", b"   second part",
                                 b"\tthird part"), "a header folded over three lines"),
    "cafe": (_page_with_length(b"HTTP/1.1 200 OK", b"X-Name: caf\xe9"), "a header with a Latin-1 byte"),
    "bare-cr": (_page_with_length(b"HTTP/1.1 200 OK", b"X-One: a\rX-Two: b"), "a bare CR inside a header"),
    "http12": (_page_with_length(b"HTTP/1.2 200 OK"), "status line HTTP/1.2"),
    # Answers http.client or urllib3 refuse: each must still reach the WARC.
    "http09": (b"<HTML><BODY>An HTTP/0.9 answer: no status line, no headers.</BODY></HTML>\r\n",
               "HTTP/0.9: the body alone"),
    "icy": (_head(b"ICY 200 OK", b"icy-name: Radio 1998", b"content-type: audio/mpeg") + b"\xff\xfb\x90\x00" * 64,
            "ICY 200 OK (SHOUTcast)"),
    "status2000": (_page_with_length(b"HTTP/1.1 2000 OK"), "status 2000"),
    "status099": (_page_with_length(b"HTTP/1.1 099 Early"), "status 099"),
    "http20": (_page_with_length(b"HTTP/2.0 200 OK"), "status line HTTP/2.0 over HTTP/1 framing"),
    "lower": (_page_with_length(b"http/1.1 200 OK"), "lower-case http/1.1"),
    "many-headers": (_page_with_length(b"HTTP/1.1 200 OK", *(b"X-H%d: %d" % (n, n) for n in range(120))),
                     "120 headers"),
    "long-header": (_page_with_length(b"HTTP/1.1 200 OK", b"X-Long: " + b"a" * (70 * 1024)),
                    "a header line of 70 KiB"),
    "two-lengths": (_head(b"HTTP/1.1 200 OK", b"Content-Type: text/html", b"Content-Length: 5",
                          b"Content-Length: 7") + b"hello!!", "two conflicting Content-Lengths"),
}
UNPARSED = ["http09", "icy", "status2000", "status099", "http20", "lower", "many-headers", "long-header",
            "two-lengths"]


def _head_trickle(handler: _Handler, state: ServerState) -> None:
    """A status line, then a header byte every 0.2 s for 60 s: each read succeeds, the head never ends."""
    _raw_keep_open(handler, b"HTTP/1.0 200 OK\r\nX-Slow: ")
    try:
        for _ in range(300):
            handler.wfile.write(b"z")
            handler.wfile.flush()
            time.sleep(0.2)
        handler.wfile.write(b"\r\nContent-Length: 2\r\n\r\nok")
    except (BrokenPipeError, ConnectionResetError):
        pass
    handler.close_connection = True


def _raw_keep_open(handler: _Handler, data: bytes) -> None:
    handler.wfile.write(data)
    handler.wfile.flush()


def session_id(seed: str, length: int) -> str:
    """A session id spelled in letters only, different for every seed."""
    digest = hashlib.sha256(seed.encode()).digest()
    return "".join(chr(ord("a") + byte % 26) for byte in digest)[:length]


def _session_trap(handler: _Handler, state: ServerState) -> None:
    """``/w/s/<24 letters>/page.htm``: every page links three new sessions (ASP.NET cookieless style)."""
    sid = urlsplit(handler.path).path.split("/")[3]
    links = "".join(f'<A HREF="/w/s/{session_id(sid + str(n), 24)}/page.htm">more</A>' for n in range(3))
    handler.send(200, f"<HTML><BODY>Session {sid} {links}</BODY></HTML>".encode())


def _short_session_chain(handler: _Handler, state: ServerState) -> None:
    """``/w/c/<6 letters>/``: each page links one new session, one click deeper every time."""
    sid = urlsplit(handler.path).path.split("/")[3]
    handler.send(200, f'<HTML><BODY><A HREF="/w/c/{session_id(sid, 6)}/">next</A></BODY></HTML>'.encode())


def _fan_out(handler: _Handler, state: ServerState) -> None:
    """``/w/f/<6 letters>/``: each page links five new short sessions, wider at every click."""
    sid = urlsplit(handler.path).path.split("/")[3]
    links = "".join(f'<A HREF="/w/f/{session_id(sid + str(n), 6)}/">more</A>' for n in range(5))
    handler.send(200, f"<HTML><BODY>{links}</BODY></HTML>".encode())


def wire_site_route(handler: _Handler, state: ServerState) -> None:
    """``/w/`` links every WIRE response (and ``/w/after.htm``); the traps have seeds of their own."""
    path = urlsplit(handler.path).path
    if path == "/robots.txt":
        handler.send(200 if state.robots else 404, state.robots, content_type="text/plain")
    elif path == "/w/":
        links = "".join(f'<A HREF="{name}">{name}</A>\n' for name in WIRE_RESPONSES)
        handler.send(200, f"<HTML><BODY>{links}<A HREF=\"after.htm\">after</A></BODY></HTML>".encode())
    elif path == "/w/after.htm":
        handler.send(200, _page("still crawling"))
    elif path == "/w/head-trickle":
        _head_trickle(handler, state)
    elif path.startswith("/w/s/"):
        _session_trap(handler, state)
    elif path.startswith("/w/c/"):
        _short_session_chain(handler, state)
    elif path.startswith("/w/f/"):
        _fan_out(handler, state)
    elif path.startswith("/w/") and path[3:] in WIRE_RESPONSES:
        _raw(handler, WIRE_RESPONSES[path[3:]][0])
        state.record(handler.path, 0, WIRE_RESPONSES[path[3:]][0])
    else:
        handler.send(404, b"<H1>Not Found</H1>")
