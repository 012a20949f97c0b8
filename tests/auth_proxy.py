"""A real forwarding HTTP proxy on 127.0.0.1 that wants a user name and password, for the tests.

It answers 407 unless ``Proxy-Authorization: Basic`` carries the expected credentials, then
sends the request on to the origin in origin form (without the proxy's own headers) and relays
the origin's answer byte for byte: plain ``http://`` requests in absolute form, which is what a
client sends to a proxy for an ``http`` URL, and ``CONNECT`` tunnels (for ``https``), relayed both
ways until either side closes.
"""
from __future__ import annotations

import base64
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

from archive.forking import tolerate
from tests.crawlserver import serving

HOP_BY_HOP = {"proxy-authorization", "proxy-connection", "connection", "keep-alive"}


@dataclass
class ProxyState:
    user: str
    password: str
    port: int = 0
    forwarded: list[str] = field(default_factory=list)
    tunnels: list[str] = field(default_factory=list)
    """The host:port of each CONNECT let through."""
    refused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def credentials(self) -> str:
        return f"{self.user}:{self.password}"

    @property
    def url(self) -> str:
        """The proxy's address with its credentials, as an archivist writes it in ``http_proxy``."""
        return f"http://{self.credentials}@127.0.0.1:{self.port}/"


class _ProxyHandler(BaseHTTPRequestHandler):
    state: ProxyState
    protocol_version = "HTTP/1.1"

    def _refused(self) -> bool:
        expected = "Basic " + base64.b64encode(self.state.credentials.encode()).decode()
        if self.headers.get("Proxy-Authorization") == expected:
            return False
        with self.state.lock:
            self.state.refused += 1
        self.send_response(407)
        self.send_header("Proxy-Authenticate", 'Basic realm="test proxy"')
        self.send_header("Content-Length", "0")
        self.end_headers()
        return True

    def do_CONNECT(self) -> None:  # noqa: N802
        if self._refused():
            return
        host, _, port = self.path.rpartition(":")
        with socket.create_connection((host, int(port)), timeout=10) as upstream:
            with self.state.lock:
                self.state.tunnels.append(self.path)
            self.send_response(200, "Connection established")
            self.end_headers()
            self.wfile.flush()
            relay = tolerate(threading.Thread(target=_pump, args=(upstream, self.connection), daemon=True))
            relay.start()
            _pump(self.connection, upstream)
            relay.join(timeout=10)
        self.close_connection = True

    def do_GET(self) -> None:  # noqa: N802
        if self._refused():
            return
        target = urlsplit(self.path)
        origin = (target.hostname or "", target.port or 80)
        path = target.path or "/"
        if target.query:
            path += "?" + target.query
        head = [f"GET {path} HTTP/1.1"]
        head += [f"{name}: {value}" for name, value in self.headers.items() if name.lower() not in HOP_BY_HOP]
        head.append("Connection: close")
        with self.state.lock:
            self.state.forwarded.append(self.path)
        with socket.create_connection(origin, timeout=10) as upstream:
            upstream.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
            while data := upstream.recv(65536):
                self.wfile.write(data)
        self.close_connection = True

    def log_message(self, *args: object) -> None:
        pass


def _pump(source: socket.socket, target: socket.socket) -> None:
    """Copy bytes from ``source`` to ``target`` until ``source`` closes, then close ``target``'s sending side."""
    try:
        while data := source.recv(65536):
            target.sendall(data)
    except OSError:
        pass
    try:
        target.shutdown(socket.SHUT_WR)
    except OSError:
        pass


@contextmanager
def auth_proxy(user: str, password: str) -> Iterator[ProxyState]:
    """A proxy on a free port of 127.0.0.1 that forwards only for ``user:password``."""
    state = ProxyState(user, password)
    with serving(type("ProxyHandler", (_ProxyHandler,), {"state": state})) as state.port:
        yield state
