"""crawl/http_head.py judges a response head by Python's http.client rules: checked against http.client.

The crawl no longer goes through http.client (issue 26), but what it keeps as a response and what
as an answer no parser accepts must not change: each head below is given to http.client itself
(with urllib3's refusal of conflicting Content-Lengths) and to the scanner, which must agree on
refusing it and, when taken, on the status and how the body ends. Where the scanner reads more
than http.client did (headers after a malformed line, interim 1xx heads other than 100), a test
says so.
"""
from __future__ import annotations

import http.client
import io

import pytest

from crawl.http_head import MAX_HEADERS, MAX_LINE, HeadScanner, NotAResponse
from tests.fault_server import WIRE_RESPONSES


class _Socket:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def makefile(self, *args: object, **kwargs: object) -> io.BytesIO:
        return io.BytesIO(self.data)


def http_client_reads(data: bytes) -> tuple[int, bool, int | None, bool] | None:
    """(status, chunked, length, keeps the connection) as http.client reads ``data``; None: refused."""
    response = http.client.HTTPResponse(_Socket(data), method="GET")  # type: ignore[arg-type]
    try:
        response.begin()
    except (http.client.HTTPException, ValueError):
        return None
    lengths = response.msg.get_all("Content-Length") or []
    try:
        if not response.chunked and len({int(part) for value in lengths for part in value.split(",")}) > 1:
            return None  # urllib3: "Content-Length contained multiple unmatching values"
    except ValueError:
        pass
    return response.status, bool(response.chunked), response.length, not response.will_close


def scanner_reads(data: bytes) -> tuple[int, bool, int | None, bool] | None:
    try:
        head = HeadScanner().scan(data)
    except NotAResponse:
        return None
    assert head is not None, "the head is complete"
    framing = head.framing
    return head.status, framing.chunked, None if framing.chunked else framing.length, framing.keep_alive


def _response(status_line: bytes, *headers: bytes, body: bytes = b"") -> bytes:
    return status_line + b"\r\n" + b"".join(line + b"\r\n" for line in headers) + b"\r\n" + body


HEADS = {
    **{f"wire:{name}": sent for name, (sent, _) in WIRE_RESPONSES.items() if name not in ("http09",)},
    "no reason": _response(b"HTTP/1.1 200", b"Content-Length: 0"),
    "HTTP/1.0 keep-alive": _response(b"HTTP/1.0 200 OK", b"Connection: Keep-Alive", b"Content-Length: 3"),
    "HTTP/1.0 Keep-Alive header": _response(b"HTTP/1.0 200 OK", b"Keep-Alive: timeout=5", b"Content-Length: 3"),
    "HTTP/1.1 close": _response(b"HTTP/1.1 200 OK", b"Connection: close", b"Content-Length: 3"),
    "HTTP/1.1 no length": _response(b"HTTP/1.1 200 OK", b"Content-Type: text/html"),
    "HTTP/0.9 status line": _response(b"HTTP/0.9 200 OK", b"Content-Length: 1"),
    "HTTPS/1.1": _response(b"HTTPS/1.1 200 OK"),
    "status 999": _response(b"HTTP/1.1 999 Odd", b"Content-Length: 0"),
    "status 1000": _response(b"HTTP/1.1 1000 Odd"),
    "status +99": _response(b"HTTP/1.1 +99 Odd"),
    "status x": _response(b"HTTP/1.1 2x0 Odd"),
    "only a version": _response(b"HTTP/1.1"),
    "spaces": _response(b"HTTP/1.1   302   Found  ", b"Location: /x", b"Content-Length: 0"),
    "204 with length": _response(b"HTTP/1.1 204 No Content", b"Content-Length: 10"),
    "304": _response(b"HTTP/1.1 304 Not Modified", b"Connection: close"),
    "100 then 200": _response(b"HTTP/1.1 100 Continue") + _response(b"HTTP/1.1 200 OK", b"Content-Length: 2"),
    "chunked and a length": _response(b"HTTP/1.1 200 OK", b"Transfer-Encoding: chunked", b"Content-Length: 9"),
    "chunked in capitals": _response(b"HTTP/1.1 200 OK", b"Transfer-Encoding:  CHUNKED"),
    "gzip, chunked": _response(b"HTTP/1.1 200 OK", b"Transfer-Encoding: gzip, chunked", b"Content-Length: 4"),
    "bad length": _response(b"HTTP/1.1 200 OK", b"Content-Length: twelve"),
    "negative length": _response(b"HTTP/1.1 200 OK", b"Content-Length: -1"),
    "equal lengths": _response(b"HTTP/1.1 200 OK", b"Content-Length: 5", b"Content-Length: 5"),
    "lengths in one line": _response(b"HTTP/1.1 200 OK", b"Content-Length: 5, 6"),
    "bare LF": b"HTTP/1.1 200 OK\nContent-Length: 2\n\nok",
    "LF then CRLF": b"HTTP/1.1 200 OK\nContent-Length: 2\n\r\nok",
    f"{MAX_HEADERS - 1} headers": _response(b"HTTP/1.1 200 OK", *(b"X-%d: 1" % n for n in range(MAX_HEADERS - 1))),
    f"{MAX_HEADERS} headers": _response(b"HTTP/1.1 200 OK", *(b"X-%d: 1" % n for n in range(MAX_HEADERS))),
    "longest header line": _response(b"HTTP/1.1 200 OK", b"X: " + b"a" * (MAX_LINE - 5), b"Content-Length: 0"),
    "header line one too long": _response(b"HTTP/1.1 200 OK", b"X: " + b"a" * (MAX_LINE - 4)),
    "status line too long": _response(b"HTTP/1.1 200 " + b"O" * MAX_LINE),
}


@pytest.mark.parametrize("name", sorted(HEADS))
def test_the_scanner_takes_and_refuses_what_http_client_did(name: str) -> None:
    assert scanner_reads(HEADS[name]) == http_client_reads(HEADS[name])


def test_a_head_arriving_a_byte_at_a_time_is_the_same_head() -> None:
    sent = WIRE_RESPONSES["folded"][0]
    scanner, received, head = HeadScanner(), bytearray(), None
    for byte in sent[:sent.index(b"\r\n\r\n") + 4]:
        assert head is None
        received.append(byte)
        head = scanner.scan(received)
    assert head is not None and head.end == sent.index(b"\r\n\r\n") + 4
    assert head.get("X-Folded") == "first part second part third part"
    assert head == HeadScanner().scan(sent)


def test_headers_after_a_malformed_line_are_still_read() -> None:
    """http.client stopped at the first malformed line (the email parser took the rest for a body);
    the scanner names it and reads on, so a Location or Content-Length after it is not lost."""
    sent = _response(b"HTTP/1.0 200 OK", b"X-Caf\xe9: cr\xe8me", b"no colon here", b"Location: /next",
                     b"Content-Length: 2")
    head = HeadScanner().scan(sent)
    assert head is not None
    assert head.get("Location") == "/next" and head.framing.length == 2
    assert head.malformed == ("X-Caf\xe9: cr\xe8me", "no colon here")


def test_an_interim_head_is_skipped_whatever_its_1xx() -> None:
    """http.client skipped only ``100 Continue`` and took ``103 Early Hints`` for the answer,
    leaving the real one to spoil the next request on the connection."""
    sent = _response(b"HTTP/1.1 103 Early Hints", b"Link: </s.css>") + _response(b"HTTP/1.1 200 OK",
                                                                                  b"Content-Length: 2", body=b"ok")
    head = HeadScanner().scan(sent)
    assert head is not None and head.status == 200 and sent[head.start:].startswith(b"HTTP/1.1 200 OK")


def test_a_coding_with_a_space_after_it_is_still_chunked() -> None:
    """The email parser kept the space after ``chunked``, and http.client then read the framing
    as the body: the record said chunked over a body whose digest counted the framing."""
    head = HeadScanner().scan(_response(b"HTTP/1.1 200 OK", b"Transfer-Encoding: chunked "))
    assert head is not None and head.framing.chunked


def test_what_closed_inside_a_head_is_refused_with_the_reason() -> None:
    scanner = HeadScanner()
    assert scanner.scan(b"HTTP/1.1 200 OK\r\nContent-Ty") is None
    assert "closed inside the response head" in str(scanner.at_close(b"HTTP/1.1 200 OK\r\nContent-Ty"))
    with pytest.raises(NotAResponse, match="no HTTP status line"):
        HeadScanner().at_close(b"ICY 200 O")
