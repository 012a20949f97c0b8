"""Where a response head ends in the bytes received, what it says, and whether it is one.

The crawl reads its answers itself (:mod:`crawl.http_client`), so the rules that decide what is an
HTTP/1.x response live here, in one place. They are Python's ``http.client`` rules (with urllib3's
check of conflicting lengths), which the crawl used until issue 26, so the same answers are kept as
``resource`` records of what arrived (``ICY 200 OK``, HTTP/0.9, status 099 or 2000, ``HTTP/2.0``,
``http/1.1``, more than 100 headers, a line over 64 KiB, two different Content-Lengths) and the
same are read as responses (folded, Latin-1 and bare-CR headers, ``HTTP/1.2``). Where http.client
stopped reading headers at a malformed line, the lines after it are still read here; the bad ones
are named for the crawl log. Nothing here changes a byte: the record holds the head as received.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

MAX_LINE = 65536
"""Longest status or header line (http.client's ``_MAXLINE``); a longer one is no response."""
MAX_HEADERS = 100
"""http.client's ``_MAXHEADERS``: a head is refused when its header lines and the blank line
after them are more than this, i.e. at 100 header lines."""
_NAME = re.compile(r"[\x21-\x39\x3b-\x7e]+")
"""A header name as the ``email`` parser behind http.client takes it (printable ASCII, no colon)."""


class NotAResponse(Exception):
    """What arrived is no HTTP/1.x response head; the message says why, for the record's note."""


class ClosedInHead(NotAResponse):
    """The connection closed before the head ended (asking again may bring all of it)."""


@dataclass(frozen=True, slots=True)
class Framing:
    """How the body after a head ends, as http.client decides it for a GET."""

    chunked: bool
    length: int | None
    """Bytes of body when known (0: none at all); None with ``chunked`` False: up to the close."""
    keep_alive: bool
    """Whether the connection may carry the next request once this body has been read."""


@dataclass(frozen=True, slots=True)
class Head:
    """The final response head (interim ``1xx`` heads before it skipped), as received."""

    start: int
    end: int
    """Where the head lies in the bytes received: status line to the blank line, both included."""
    protocol: str
    """As sent (``HTTP/1.2`` stays so)."""
    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]
    """Name and value of each header line, continuation lines joined; values decoded as Latin-1."""
    malformed: tuple[str, ...]
    """Header lines that are no ``Name: value`` (no colon, a name with spaces or non-ASCII bytes)."""
    framing: Framing

    def get(self, name: str) -> str | None:
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return None

    def get_all(self, name: str) -> list[str]:
        wanted = name.lower()
        return [value for key, value in self.headers if key.lower() == wanted]


class HeadScanner:
    """Reads the bytes of an answer as they arrive, line by line as http.client does, until the
    final head is complete. Keeps its place, so a head that arrives a byte at a time is scanned once."""

    __slots__ = ("_start", "_position", "_status", "_lines")

    def __init__(self) -> None:
        self._start = 0
        self._position = 0
        self._status: tuple[str, int, str, int] | None = None
        self._lines: list[bytes] = []

    def scan(self, data: bytes | bytearray) -> Head | None:
        """The head when ``data`` holds all of it; None while it is incomplete; raises
        :class:`NotAResponse` as soon as what arrived cannot be a response head."""
        if self._position == self._start:
            whole = self._whole(data)
            if whole is not None:
                return whole
        while True:
            newline = data.find(b"\n", self._position)
            if newline < 0:
                if len(data) - self._position > MAX_LINE:
                    raise NotAResponse(f"a {self._what()} line longer than {MAX_LINE} bytes")
                return None
            line = bytes(data[self._position:newline + 1])
            if len(line) > MAX_LINE:
                raise NotAResponse(f"a {self._what()} line longer than {MAX_LINE} bytes")
            self._position = newline + 1
            if self._status is None:
                self._status = status_line(line)
                continue
            if line not in (b"\r\n", b"\n"):
                self._lines.append(line)
                if len(self._lines) >= MAX_HEADERS:  # http.client counts the blank line that ends them
                    raise NotAResponse(f"{MAX_HEADERS} header lines or more")
                continue
            if 100 <= self._status[1] < 200 and self._status[1] != 101:  # interim (100 Continue, 103...)
                self._start, self._status, self._lines = self._position, None, []
                continue
            return _head(self._start, self._position, self._status, self._lines)

    def _whole(self, data: bytes | bytearray) -> Head | None:
        """The usual case in one step: a whole final head of short lines has arrived. None leaves
        it to the line-by-line scan (which also says why an answer is refused)."""
        start = self._start
        first = data.find(b"\n", start)
        if first < 0:
            return None
        blanks = [found for found in (data.find(b"\n\r\n", first), data.find(b"\n\n", first)) if found >= 0]
        if not blanks:
            return None
        blank = min(blanks)
        end = blank + (3 if data[blank + 1:blank + 2] == b"\r" else 2)
        if end - start > MAX_LINE:
            return None
        lines = bytes(data[start:blank]).split(b"\n")
        if len(lines) > MAX_HEADERS:  # the status line and MAX_HEADERS header lines or more
            return None
        status = status_line(lines[0])
        if 100 <= status[1] < 200 and status[1] != 101:
            return None
        return _head(start, end, status, lines[1:])

    def at_close(self, data: bytes | bytearray) -> NotAResponse:
        """Why ``data`` is no response, the connection having closed before the head ended."""
        if self._status is None and self._position < len(data):
            status_line(bytes(data[self._position:]))  # raises for what is no status line at all
        return ClosedInHead("the connection closed inside the response head")

    def _what(self) -> str:
        return "status" if self._status is None else "header"


def status_line(line: bytes) -> tuple[str, int, str, int]:
    """(protocol, status, reason, version 10 or 11) of a status line, by http.client's rules."""
    text = line.decode("latin-1")
    parts = text.split(None, 2)
    protocol = parts[0] if len(parts) >= 2 else ""
    shown = text.strip()[:100]
    if not protocol.startswith("HTTP/"):
        raise NotAResponse(f"no HTTP status line: {shown!r}")
    try:
        status = int(parts[1])
    except ValueError:
        raise NotAResponse(f"status {parts[1]!r} is no number: {shown!r}") from None
    if not 100 <= status <= 999:
        raise NotAResponse(f"status {parts[1]} is not between 100 and 999: {shown!r}")
    if protocol in ("HTTP/1.0", "HTTP/0.9"):
        version = 10
    elif protocol.startswith("HTTP/1."):
        version = 11
    else:
        raise NotAResponse(f"unknown protocol {protocol}: {shown!r}")
    reason = parts[2].strip() if len(parts) > 2 else ""
    return protocol, status, reason, version


def _head(start: int, end: int, status: tuple[str, int, str, int], lines: list[bytes]) -> Head:
    headers: list[tuple[str, str]] = []
    malformed: list[str] = []
    framing: dict[str, list[str]] = {}
    """The values of the headers that say how the body ends, by lower-case name."""
    for raw in lines:
        line = raw.rstrip(b"\r\n").decode("latin-1")
        if line[:1] in (" ", "\t"):  # a folded line continues the header before it
            if headers:
                name, value = headers[-1]
                headers[-1] = (name, f"{value} {line.strip()}".strip())
                if name.lower() in framing:
                    framing[name.lower()][-1] = headers[-1][1]
            else:
                malformed.append(line)
            continue
        name, colon, value = line.partition(":")
        if not colon or not _NAME.fullmatch(name):
            malformed.append(line)
            if not colon or not name.strip():
                continue
        name, value = name.strip(), value.strip(" \t")
        headers.append((name, value))
        key = name.lower()
        if key in _FRAMING:
            framing.setdefault(key, []).append(value)
    protocol, code, reason, version = status
    return Head(start, end, protocol, code, reason, tuple(headers), tuple(malformed),
                _framing(framing, code, version))


_FRAMING = frozenset({"transfer-encoding", "content-length", "connection", "keep-alive", "proxy-connection"})


def _first(fields: dict[str, list[str]], name: str) -> str | None:
    values = fields.get(name)
    return values[0] if values else None


def _framing(fields: dict[str, list[str]], status: int, version: int) -> Framing:
    """http.client's reading of a head for a GET, with urllib3's refusal of conflicting lengths."""
    coding = _first(fields, "transfer-encoding")
    chunked = coding is not None and coding.strip().lower() == "chunked"
    length = None
    lengths = fields.get("content-length")
    if lengths and not chunked:
        try:
            distinct = {int(part) for value in lengths for part in value.split(",")}
        except ValueError:
            distinct = set()
        if len(distinct) > 1:
            raise NotAResponse(f"conflicting Content-Length values: {', '.join(lengths)}")
        try:
            length = int(lengths[0])
        except ValueError:
            length = None
        if length is not None and length < 0:
            length = None
    if status in (204, 304) or 100 <= status < 200:
        return Framing(False, 0, _keeps_alive(fields, version))
    keep_alive = _keeps_alive(fields, version) and (chunked or length is not None)
    return Framing(chunked, length, keep_alive)


def _keeps_alive(fields: dict[str, list[str]], version: int) -> bool:
    connection = (_first(fields, "connection") or "").lower()
    if version == 11:
        return "close" not in connection
    return bool(_first(fields, "keep-alive")) or "keep-alive" in connection or \
        "keep-alive" in (_first(fields, "proxy-connection") or "").lower()
