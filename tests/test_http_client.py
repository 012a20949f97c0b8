"""The crawl's own HTTP/1.1 client (crawl/http_client.py, crawl/http_fetch.py) against real sockets.

A scripted server on 127.0.0.1 answers each request with exact bytes and says when it closes, so
the tests see what the client does with a connection: kept alive across requests, replaced when
the server closed it while idle, given up after bytes nobody asked for; chunked bodies with
extensions and trailers, 1xx heads, size limits on every kind of body, cookies, the environment's
proxies, and https through a proxy's CONNECT tunnel that wants a password.
"""
from __future__ import annotations

import base64
import contextlib
import hashlib
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from archive.forking import tolerate
from crawl.http_fetch import CrawlSession, FetchFailed, fetch
from tests.auth_proxy import auth_proxy
from tests.crawlserver import self_signed_certificate
from tests.fault_server import chunk

Answer = Callable[[str, int, int], tuple[bytes, str]]
"""(path, connection number, request number on it) -> (bytes to send, then "keep", "close" or "drop")."""


@dataclass
class Scripted:
    port: int = 0
    connections: int = 0
    requests: list[tuple[int, bytes]] = field(default_factory=list)
    """(connection number, the request head as it arrived)."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def scripted(answer: Answer, *, tls: ssl.SSLContext | None = None) -> Iterator[Scripted]:
    """A server on a free port that answers each request with ``answer``'s bytes. "drop" reads the
    request and closes without a byte, as a server does with a connection it had timed out."""
    state = Scripted()
    listener = socket.create_server(("127.0.0.1", 0))
    state.port = listener.getsockname()[1]

    def serve(sock: socket.socket, number: int) -> None:
        with sock:
            received, count = b"", 0
            while True:
                while b"\r\n\r\n" not in received:
                    data = sock.recv(65536)
                    if not data:
                        return
                    received += data
                head, received = received.split(b"\r\n\r\n", 1)
                count += 1
                with state.lock:
                    state.requests.append((number, head + b"\r\n\r\n"))
                path = head.split(b" ", 2)[1].decode()
                data, then = answer(path.rsplit("/", 1)[-1] if "://" in path else path, number, count)
                if then == "drop":
                    return
                sock.sendall(data)
                if then == "close":
                    return

    def accept() -> None:
        while True:
            try:
                sock, _ = listener.accept()
            except OSError:
                return
            if tls is not None:
                try:
                    sock = tls.wrap_socket(sock, server_side=True)
                except (OSError, ssl.SSLError):
                    continue
            with state.lock:
                state.connections += 1
                number = state.connections
            tolerate(threading.Thread(target=serve, args=(sock, number), daemon=True)).start()

    acceptor = tolerate(threading.Thread(target=accept, daemon=True))  # a harness: sunset may fork beside it
    acceptor.start()
    try:
        yield state
    finally:
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)  # close() alone leaves accept() waiting: a thread left for good
        listener.close()
        acceptor.join()


def page(text: bytes, *headers: bytes, status: bytes = b"200 OK") -> bytes:
    body = b"<HTML><BODY>" + text + b"</BODY></HTML>"
    return (b"HTTP/1.1 " + status + b"\r\nContent-Type: text/html\r\n" + b"".join(h + b"\r\n" for h in headers)
            + b"Content-Length: %d\r\n\r\n" % len(body) + body)


def get(session: CrawlSession, url: str, **limits: float) -> object:
    return fetch(session, url, url, timeout=limits.get("timeout", 5),
                 max_body_bytes=int(limits.get("max_body_bytes", 1 << 20)))


def recorded(fetched) -> bytes:  # noqa: ANN001
    return fetched.response_head + (fetched.wire_body or fetched.body).open().read()


def test_one_connection_carries_the_requests_of_a_session() -> None:
    with scripted(lambda path, *_: (page(path.encode()), "keep")) as server:
        session = CrawlSession()
        answers = [get(session, f"{server.origin}/p{n}.htm") for n in range(3)]
        session.close()
    assert server.connections == 1
    for n, fetched in enumerate(answers):
        assert recorded(fetched) == page(f"/p{n}.htm".encode())
        assert fetched.request_bytes == server.requests[n][1]


def test_a_connection_the_server_closed_while_idle_is_replaced_and_the_request_sent_again() -> None:
    def answer(path: str, connection: int, count: int) -> tuple[bytes, str]:
        return (b"", "drop") if connection == 1 and count == 2 else (page(path.encode()), "keep")

    with scripted(answer) as server:
        session = CrawlSession()
        first, second = get(session, f"{server.origin}/a.htm"), get(session, f"{server.origin}/b.htm")
        session.close()
    assert recorded(second) == page(b"/b.htm") and first.status == 200
    assert [(number, head.split(b"\r\n")[0]) for number, head in server.requests] == [
        (1, b"GET /a.htm HTTP/1.1"), (1, b"GET /b.htm HTTP/1.1"), (2, b"GET /b.htm HTTP/1.1")]


def test_a_server_that_answers_nothing_on_a_new_connection_is_a_failure_to_retry() -> None:
    with scripted(lambda *_: (b"", "drop")) as server:
        with pytest.raises(FetchFailed, match="closed the connection without answering") as failure:
            get(CrawlSession(), f"{server.origin}/a.htm")
    assert failure.value.retryable and server.connections == 1


def test_bytes_after_an_answer_end_the_connection() -> None:
    with scripted(lambda path, *_: (page(path.encode()) + b"HTTP/1.1 200 OK\r\n", "keep")) as server:
        session = CrawlSession()
        first, second = get(session, f"{server.origin}/a.htm"), get(session, f"{server.origin}/b.htm")
        session.close()
    assert recorded(first) == page(b"/a.htm") and recorded(second) == page(b"/b.htm")
    assert server.connections == 2


@pytest.mark.parametrize("trailer", [b"", b"X-Trailer: yes\r\n"])
def test_a_chunked_body_with_extensions_and_trailers_is_kept_framed_and_undone_once(trailer: bytes) -> None:
    entity = b"<HTML><BODY>" + b"chunks " * 40 + b"</BODY></HTML>"
    framed = chunk(entity, 10, 100, extension=b";name=value")[:-2] + trailer + b"\r\n"
    sent = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + framed
    with scripted(lambda *_: (sent, "keep")) as server:
        session = CrawlSession()
        fetched, again = get(session, f"{server.origin}/c.htm"), get(session, f"{server.origin}/c.htm")
        session.close()
    assert recorded(fetched) == sent and fetched.body.open().read() == entity
    assert recorded(again) == sent and server.connections == 1  # the body's end was found
    if not trailer:  # with a trailer the digest is what warcio undoes (it reads no trailers), so verify agrees
        assert fetched.payload_digest == "sha1:" + base64.b32encode(hashlib.sha1(entity).digest()).decode()


def test_an_interim_head_is_not_the_answer() -> None:
    sent = b"HTTP/1.1 100 Continue\r\n\r\n" + page(b"after the interim head")
    with scripted(lambda *_: (sent, "close")) as server:
        fetched = get(CrawlSession(), f"{server.origin}/i.htm")
    assert fetched.status == 200 and recorded(fetched) == page(b"after the interim head")


@pytest.mark.parametrize("framing", ["length", "chunked", "close"])
def test_max_body_bytes_cuts_every_kind_of_body(framing: str) -> None:
    entity = bytes(range(256)) * 40
    head = {"length": b"Content-Length: %d\r\n" % len(entity), "chunked": b"Transfer-Encoding: chunked\r\n",
            "close": b""}[framing]
    body = chunk(entity, 1000, 1000) if framing == "chunked" else entity
    with scripted(lambda *_: (b"HTTP/1.1 200 OK\r\n" + head + b"\r\n" + body, "close")) as server:
        fetched = get(CrawlSession(), f"{server.origin}/big", max_body_bytes=2500)
    assert fetched.truncated == "length"
    assert fetched.body.open().read() == entity[:2500]


def test_a_body_exactly_at_the_limit_is_whole() -> None:
    with scripted(lambda *_: (b"HTTP/1.0 200 OK\r\n\r\n" + b"x" * 100, "close")) as server:
        fetched = get(CrawlSession(), f"{server.origin}/exact", max_body_bytes=100)
    assert fetched.truncated is None and fetched.body.size == 100


def test_the_site_s_cookies_are_sent_back_as_a_browser_would() -> None:
    def answer(path: str, *_: int) -> tuple[bytes, str]:
        if path == "/login.asp":
            return page(b"in", b"Set-Cookie: ASPSESSIONID=abc123; path=/"), "keep"
        return page(path.encode()), "keep"

    with scripted(answer) as server:
        session = CrawlSession()
        get(session, f"{server.origin}/login.asp")
        fetched = get(session, f"{server.origin}/page.asp")
        session.close()
    assert b"\r\nCookie: ASPSESSIONID=abc123\r\n" in server.requests[1][1]
    assert fetched.request_bytes == server.requests[1][1]  # the site's own cookie, recorded as sent


def test_the_environment_s_proxy_and_no_proxy_are_obeyed(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("http_proxy", "HTTP_PROXY", "no_proxy", "NO_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(variable, raising=False)
    with scripted(lambda path, *_: (page(path.encode()), "keep")) as server:
        monkeypatch.setenv("http_proxy", "http://127.0.0.1:9/")  # nothing listens there
        with pytest.raises(FetchFailed, match="cannot connect to the proxy 127.0.0.1:9"):
            get(CrawlSession(), f"{server.origin}/a.htm")
        monkeypatch.setenv("no_proxy", "127.0.0.1")
        assert get(CrawlSession(), f"{server.origin}/a.htm").status == 200


def test_https_through_a_proxy_tunnel_keeps_the_request_inside_tls_and_no_password(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key, cert = self_signed_certificate(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
    sent = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk(b"<HTML>over TLS</HTML>", 6)
    with scripted(lambda *_: (sent, "keep"), tls=context) as server, auth_proxy("archivist", "s3cret") as proxy:
        url = f"https://127.0.0.1:{server.port}/secure.htm"
        session = CrawlSession()
        fetched = fetch(session, url, url, timeout=5, max_body_bytes=1 << 20, proxies={"https": proxy.url})
        again = fetch(session, url, url, timeout=5, max_body_bytes=1 << 20, proxies={"https": proxy.url})
        session.close()
    assert proxy.tunnels == [f"127.0.0.1:{server.port}"] and not proxy.refused  # one tunnel, kept alive
    assert recorded(fetched) == sent == recorded(again)
    assert fetched.request_bytes == server.requests[0][1]
    assert fetched.request_bytes.startswith(b"GET /secure.htm HTTP/1.1\r\n")
    assert b"Proxy-Authorization" not in fetched.request_bytes and fetched.redacted == ()
