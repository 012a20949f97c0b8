"""One HTTP/1.1 exchange on a socket: the request bytes sent, the answer kept as it arrived.

Until issue 26 the crawl went through requests, urllib3 and http.client, and taped the socket to
get the bytes back: about 0.7 CPU ms per request, all of it under the interpreter lock the fetch
threads, the WARC writer and the frontier share (``docs/performance.md``). Here the crawl sends
the request it built and reads what arrives into spools itself: the head is found and judged by
:mod:`crawl.http_head` (http.client's rules), the body is read by its framing (Content-Length,
chunked, to the close) with ``max_body_bytes``, the per-read ``timeout`` and ``max_fetch_time``
applied on the way, and a chunked body is kept as framed beside the entity it carries. The socket
calls let go of the interpreter lock while they wait; what runs under it is a few dozen lines of
Python per request. The answer is never rewritten: nothing here can unfold a header or drop a
byte, because nothing here writes the record but the bytes received.

An answer that is no HTTP/1.x response is read to its end (within the limits) and kept whole, as
``unparsed``; a connection kept alive between requests is given up when the server closed it.
"""
from __future__ import annotations

import hashlib
import select
import socket
import ssl
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass

from archive.capture import SPOOL_MAX_IN_MEMORY, SpooledBody, sha1_digest
from crawl.http_head import MAX_LINE, ClosedInHead, Head, HeadScanner, NotAResponse

CHUNK = 65536


class NoAnswer(Exception):
    """Nothing of an answer arrived (the connection failed, or the server said nothing in time)."""

    def __init__(self, message: str, *, retryable: bool, unanswered: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.unanswered = unanswered
        """The server took the request and closed or reset the connection without a byte: on a
        connection kept alive from an earlier request, it had closed it while idle."""


@dataclass(frozen=True, slots=True)
class Proxy:
    host: str
    port: int
    authorization: str | None
    """``Proxy-Authorization`` for the proxy's user name and password (None: the proxy asks none)."""


@dataclass(frozen=True, slots=True)
class Route:
    """Where a request goes: the server, and the HTTP proxy in between, if any."""

    scheme: str
    host: str
    """ASCII (IDNA), as the socket and TLS need it."""
    port: int
    proxy: Proxy | None = None


@dataclass(frozen=True, slots=True)
class Limits:
    timeout: float
    """Seconds one read (or the connection) may wait for the server."""
    deadline: float
    """``time.monotonic()`` by which the whole answer must be in (``max_fetch_time``)."""
    max_body_bytes: int
    head_allowance: int
    """Bytes beyond ``max_body_bytes`` kept of an answer no parser accepts (its head included)."""


@dataclass(slots=True)
class Answer:
    """What arrived for one request."""

    head_bytes: bytes
    """The final response head exactly as received (empty when ``unparsed``)."""
    head: Head | None
    body: SpooledBody
    """The entity, chunked framing undone; for an ``unparsed`` answer every byte received."""
    wire_body: SpooledBody | None
    """A chunked body as framed on the wire."""
    digest: hashlib._Hash
    """sha1 of ``body`` (hashlib), for the payload digest of a body that is not chunked."""
    truncated: str | None = None
    broken: str | None = None
    """Why the body ended early (the connection closed, a read timed out, bad framing)."""
    out_of_time: bool = False
    unparsed: str | None = None
    retryable: bool = False
    """For an ``unparsed`` answer: whether asking again may bring a whole one."""


class Connection:
    """A socket to a server (or to a proxy), kept alive between the requests of one fetch thread."""

    __slots__ = ("route", "sock", "peer", "used", "keep")

    def __init__(self, route: Route, sock: socket.socket) -> None:
        self.route = route
        self.sock = sock
        self.used = False
        self.keep = False
        try:
            self.peer: str | None = str(sock.getpeername()[0])
        except (OSError, IndexError):
            self.peer = None

    def still_open(self) -> bool:
        """Whether a connection left idle can carry another request: a server that closed it (or
        sent something unasked) makes it readable."""
        if isinstance(self.sock, ssl.SSLSocket) and self.sock.pending():
            return False
        try:
            readable, _, _ = select.select([self.sock], [], [], 0)
        except (OSError, ValueError):
            return False
        return not readable

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


def connect(route: Route, timeout: float, tls: Callable[[], ssl.SSLContext]) -> Connection:
    """A new connection for ``route`` (through the proxy: a tunnel for https); raises :class:`NoAnswer`."""
    address = (route.proxy.host, route.proxy.port) if route.proxy else (route.host, route.port)
    try:
        sock = socket.create_connection(address, timeout)
    except TimeoutError:
        raise NoAnswer(f"timed out after {timeout:g} s", retryable=True) from None
    except OSError as error:
        where = "the proxy " if route.proxy else ""
        raise NoAnswer(f"connection failed: cannot connect to {where}{address[0]}:{address[1]}: {_said(error)}",
                       retryable=True) from None
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # a request is one write; answer it now
        if route.scheme == "https":
            if route.proxy is not None:
                _tunnel(sock, route, timeout)
            sock = tls().wrap_socket(sock, server_hostname=route.host)
    except TimeoutError:
        sock.close()
        raise NoAnswer(f"timed out after {timeout:g} s", retryable=True) from None
    except (OSError, NotAResponse) as error:
        sock.close()
        raise NoAnswer(f"connection failed: {_said(error)}", retryable=True) from None
    return Connection(route, sock)


def _tunnel(sock: socket.socket, route: Route, timeout: float) -> None:
    """CONNECT through the proxy; its exchange is the proxy's, not the site's, and is not kept."""
    assert route.proxy is not None
    authority = f"{route.host}:{route.port}"
    request = f"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n"
    if route.proxy.authorization:
        request += f"Proxy-Authorization: {route.proxy.authorization}\r\n"
    sock.sendall((request + "\r\n").encode("latin-1"))
    received, scanner = bytearray(), HeadScanner()
    sock.settimeout(timeout)
    while (head := scanner.scan(received)) is None:
        data = sock.recv(CHUNK)
        if not data:
            raise OSError(f"the proxy closed the connection to {authority}")
        received += data
    if not 200 <= head.status < 300:
        raise OSError(f"the proxy answered {head.status} {head.reason} to CONNECT {authority}")


def exchange(connection: Connection, request: bytes, limits: Limits) -> Answer:
    """Send ``request`` and read the answer; raises :class:`NoAnswer` when nothing arrived.

    Leaves ``connection.keep`` saying whether the connection can carry the next request.
    """
    connection.keep = False
    reused, connection.used = connection.used, True
    try:
        connection.sock.sendall(request)
    except OSError as error:
        raise NoAnswer(f"connection failed: {_said(error)}", retryable=True, unanswered=reused) from None
    wire = _Wire(connection.sock, limits)
    scanner = HeadScanner()
    try:
        head = None
        while head is None:
            if not wire.receive():
                if not wire.received:
                    raise NoAnswer("connection failed: the server closed the connection without answering",
                                   retryable=True, unanswered=reused)
                raise scanner.at_close(wire.received)
            head = scanner.scan(wire.received)
    except ClosedInHead as refusal:
        return _unparsed(wire, str(refusal), limits, retryable=True, cut="disconnect")
    except NotAResponse as refusal:  # read on to the close: every byte the server sent is the answer
        return _unparsed(wire, str(refusal), limits, retryable=False, cut=None, drain=wire.open)
    except _OutOfTime:
        if not wire.received:
            raise NoAnswer(f"timed out after {limits.timeout:g} s", retryable=True) from None
        return _unparsed(wire, "the response head did not end within max_fetch_time", limits, retryable=False,
                         cut="time")
    except TimeoutError:
        if not wire.received:
            raise NoAnswer(f"timed out after {limits.timeout:g} s", retryable=True) from None
        return _unparsed(wire, "timed out inside the response head", limits, retryable=True, cut="time")
    except OSError as error:
        if not wire.received:
            raise NoAnswer(f"connection failed: {_said(error)}", retryable=True, unanswered=reused) from None
        return _unparsed(wire, f"connection broken inside the response head: {_said(error)}", limits,
                         retryable=True, cut="disconnect")
    answer = _read_body(wire, head, limits)
    connection.keep = head.framing.keep_alive and answer.truncated is None and not wire.unasked
    return answer


class _OutOfTime(Exception):
    """``max_fetch_time`` ran out."""


class _Wire:
    """The receiving side of one exchange: what arrived, each read bounded by the timeout and the deadline."""

    __slots__ = ("sock", "limits", "received", "open", "unasked", "_timeout")

    def __init__(self, sock: socket.socket, limits: Limits) -> None:
        self.sock = sock
        self.limits = limits
        self.received = bytearray()
        """What arrived while the head was being read (the head and what followed it)."""
        self.open = True
        self.unasked = False
        """Bytes came after the end of the answer: the connection cannot carry another."""
        self._timeout = -1.0

    def read(self) -> bytes:
        """The next bytes from the socket (b"" at the close); raises :class:`_OutOfTime`,
        ``TimeoutError`` (one read waited ``timeout``) or ``OSError``."""
        left = self.limits.deadline - time.monotonic()
        if left <= 0:
            raise _OutOfTime
        wait = min(self.limits.timeout, left)
        if wait != self._timeout:
            self.sock.settimeout(wait)
            self._timeout = wait
        try:
            data = self.sock.recv(CHUNK)
        except TimeoutError:
            if left <= self.limits.timeout:
                raise _OutOfTime from None
            raise
        if not data:
            self.open = False
        return data

    def receive(self) -> bool:
        """Read onto :attr:`received`; False at the close."""
        data = self.read()
        self.received += data
        return bool(data)


def _spool() -> tempfile.SpooledTemporaryFile:
    return tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX_IN_MEMORY)


def _unparsed(wire: _Wire, reason: str, limits: Limits, *, retryable: bool, cut: str | None,
              drain: bool = False) -> Answer:
    """Every byte of an answer no parser accepts: what arrived, and with ``drain`` the rest up to
    the close (or the size or time limit, which ``cut`` then names)."""
    kept = _Entity(limits.max_body_bytes + limits.head_allowance)

    def take(data: bytes) -> _End | None:
        return None if kept.take(data) else _End("length")

    if not kept.take(bytes(wire.received)):
        cut = "length"
    elif drain:
        cut = _pump(wire, b"", take, lambda: _WHOLE).truncated
    return Answer(b"", None, SpooledBody.written(kept.spool), None, kept.digest, truncated=cut, unparsed=reason,
                  retryable=retryable)


class _Entity:
    """Bytes as they are read: spooled and hashed up to a limit."""

    __slots__ = ("spool", "digest", "size", "room")

    def __init__(self, limit: int) -> None:
        self.spool = _spool()
        self.digest = sha1_digest()
        self.size = 0
        self.room = limit

    def take(self, data: bytes) -> bool:
        """Keep ``data``; False when some of it did not fit (there is more than the limit)."""
        fits = len(data) <= self.room
        if not fits:
            data = data[:self.room]
        if data:
            self.spool.write(data)
            self.digest.update(data)
            self.size += len(data)
            self.room -= len(data)
        return fits


@dataclass(frozen=True, slots=True)
class _End:
    """How a body ended: whole, or cut (``truncated``) and why."""

    truncated: str | None = None
    broken: str | None = None
    """The connection broke or a read timed out (the caller may ask again)."""
    out_of_time: bool = False


_WHOLE = _End()


def _pump(wire: _Wire, data: bytes, take: Callable[[bytes], _End | None], at_close: Callable[[], _End]) -> _End:
    """Hand ``take`` what has arrived (``data``) and what arrives, until it says how the body ended,
    the connection closes (``at_close`` says then), a read times out or breaks, or time runs out."""
    while True:
        end = take(data)
        if end is not None:
            return end
        try:
            data = wire.read()
        except _OutOfTime:
            return _End("time", None, True)
        except TimeoutError:
            return _End("time", "timed out")
        except OSError as error:
            return _End("disconnect", _said(error))
        if not data:
            return at_close()


def _read_body(wire: _Wire, head: Head, limits: Limits) -> Answer:
    head_bytes = bytes(wire.received[head.start:head.end])
    data = bytes(wire.received[head.end:])
    entity = _Entity(limits.max_body_bytes)
    if head.framing.chunked:
        chunked = _Chunked(wire, entity, limits)
        end = _pump(wire, data, chunked.take, chunked.at_close)
        wire_body: SpooledBody | None = SpooledBody.written(chunked.framed)
    else:
        sized = _Sized(wire, entity, head.framing.length)
        end = _pump(wire, data, sized.take, sized.at_close)
        wire_body = None
    return Answer(head_bytes, head, SpooledBody.written(entity.spool), wire_body, entity.digest, end.truncated,
                  end.broken, end.out_of_time)


class _Sized:
    """A body of ``length`` bytes, or up to the close when the length is not known."""

    __slots__ = ("wire", "entity", "remaining")

    def __init__(self, wire: _Wire, entity: _Entity, length: int | None) -> None:
        self.wire, self.entity, self.remaining = wire, entity, length

    def take(self, data: bytes) -> _End | None:
        if self.remaining is not None:
            if len(data) > self.remaining:
                self.wire.unasked = True
                data = data[:self.remaining]
            self.remaining -= len(data)
        if not self.entity.take(data) or (self.remaining and not self.entity.room):
            return _End("length")
        return _WHOLE if self.remaining == 0 else None

    def at_close(self) -> _End:
        if self.remaining is None:
            return _WHOLE
        return _End("disconnect", f"the server closed the connection {self.remaining} bytes before the end of its "
                                  "Content-Length")


class _Chunked:
    """A chunked body: the framing kept as received, the entity undone from it as it arrives."""

    __slots__ = ("wire", "entity", "framed", "framed_room", "dechunker")

    def __init__(self, wire: _Wire, entity: _Entity, limits: Limits) -> None:
        self.wire, self.entity = wire, entity
        self.framed = _spool()
        self.framed_room = limits.max_body_bytes + limits.head_allowance
        self.dechunker = _Dechunker()

    def take(self, data: bytes) -> _End | None:
        if not data:
            return None
        try:
            pieces, used = self.dechunker.feed(data)
        except _BadChunk as error:
            self.framed.write(data)  # what arrived, bad framing and all
            self.entity.take(b"".join(error.pieces))
            return _End("disconnect", f"bad chunked framing: {error}")
        if used < len(data):
            self.wire.unasked = True
        self.framed.write(data[:used])
        self.framed_room -= used
        if not all(self.entity.take(piece) for piece in pieces) or self.framed_room < 0:
            return _End("length")
        return _WHOLE if self.dechunker.done else None

    def at_close(self) -> _End:
        if self.dechunker.trailing:  # the close ends the trailers, as http.client takes it
            return _WHOLE
        return _End("disconnect", "the connection closed inside the chunked body")


class _BadChunk(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.pieces: list[bytes] = []
        """The entity bytes undone before the bad framing."""


_SIZE, _DATA, _AFTER_DATA, _TRAILER, _DONE = range(5)


class _Dechunker:
    """Undoes chunked framing as the bytes arrive, by http.client's rules (a chunk size in hex,
    extensions after ``;`` ignored, the two bytes after each chunk's data skipped, trailers read
    up to an empty line), and knows where the body ends."""

    __slots__ = ("state", "line", "left")

    def __init__(self) -> None:
        self.state = _SIZE
        self.line = b""
        self.left = 0

    @property
    def done(self) -> bool:
        return self.state == _DONE

    @property
    def trailing(self) -> bool:
        return self.state in (_TRAILER, _DONE)

    def feed(self, data: bytes) -> tuple[list[bytes], int]:
        """The entity bytes in ``data`` and how much of ``data`` belongs to the body."""
        pieces: list[bytes] = []
        try:
            return self._feed(data, pieces)
        except _BadChunk as error:
            error.pieces = pieces
            raise

    def _feed(self, data: bytes, pieces: list[bytes]) -> tuple[list[bytes], int]:
        position, end = 0, len(data)
        while position < end and self.state != _DONE:
            if self.state == _DATA:
                taken = min(self.left, end - position)
                pieces.append(data[position:position + taken])
                position += taken
                self.left -= taken
                if not self.left:
                    self.state, self.left = _AFTER_DATA, 2
            elif self.state == _AFTER_DATA:
                if data[position:position + 1] == b"\n" and self.left == 2:  # a bare LF ends the chunk too
                    self.left = 0
                else:
                    self.left -= 1
                position += 1
                if not self.left:
                    self.state = _SIZE
            else:
                newline = data.find(b"\n", position)
                if newline < 0:
                    self.line += data[position:]
                    position = end
                    if len(self.line) > MAX_LINE:
                        raise _BadChunk(f"a line longer than {MAX_LINE} bytes")
                    continue
                line, self.line = self.line + data[position:newline + 1], b""
                position = newline + 1
                if self.state == _TRAILER:
                    if line in (b"\r\n", b"\n"):
                        self.state = _DONE
                    continue
                size = _chunk_size(line)
                self.state, self.left = (_DATA, size) if size else (_TRAILER, 0)
        return pieces, position


def _chunk_size(line: bytes) -> int:
    text = line.split(b";", 1)[0]
    try:
        size = int(text, 16)
    except ValueError:
        raise _BadChunk(f"the chunk size {line[:40]!r} is no hexadecimal number") from None
    if size < 0:
        raise _BadChunk(f"the chunk size {line[:40]!r} is negative")
    return size


def _said(error: BaseException) -> str:
    """What an OS or TLS error says, in one line."""
    if isinstance(error, socket.gaierror):
        return f"cannot resolve the host name ({error.strerror or error})"
    return str(error) or type(error).__name__
