"""The unit that flows from a source into the archive, the normalizer and the mirror.

A capture is one resource as the old site delivered it (or as it lay on the server's disk).
Its body stays on disk or in a spooled buffer so that large files never sit in memory.
"""
from __future__ import annotations

import base64
import errno
import hashlib
import io
import os
import re
import shutil
import stat
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, Protocol

SPOOL_MAX_IN_MEMORY = 512 * 1024


class Body(Protocol):
    """Bytes that can be read more than once (hashed, archived, parsed)."""

    @property
    def size(self) -> int: ...

    def open(self) -> BinaryIO: ...


@dataclass(frozen=True, slots=True)
class FileBody:
    """A body that is a file on disk (docroot ingest): read lazily, never copied."""

    path: Path

    @property
    def size(self) -> int:
        return os.lstat(self.path).st_size

    def open(self) -> BinaryIO:
        """Only a regular file, never through a symbolic link: a file swapped for a link (or a
        FIFO) after the docroot walk must not be read."""
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        descriptor = os.open(self.path, flags)
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            os.close(descriptor)
            raise OSError(errno.EINVAL, "not a regular file", str(self.path))
        return os.fdopen(descriptor, "rb")


@dataclass(frozen=True, slots=True)
class BytesBody:
    """A small body already in memory (tests, generated pages)."""

    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)

    def open(self) -> BinaryIO:
        return io.BytesIO(self.data)


class SpooledBody:
    """A body copied out of a stream that cannot be re-read (a WARC record, a socket).

    Small bodies stay in memory; larger ones spill to a temporary file, as warcio does
    for digests, so memory stays flat whatever the size of the resource.
    """

    __slots__ = ("_spool", "_size")

    def __init__(self, stream: BinaryIO, limit: int | None = None) -> None:
        self._spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX_IN_MEMORY)
        if limit is None:
            shutil.copyfileobj(stream, self._spool)
        else:
            remaining = limit
            while remaining > 0:
                chunk = stream.read(min(65536, remaining))
                if not chunk:
                    break
                self._spool.write(chunk)
                remaining -= len(chunk)
        self._size = self._spool.tell()

    @classmethod
    def written(cls, spool: tempfile.SpooledTemporaryFile) -> "SpooledBody":
        """The bytes already written into ``spool`` (which the body then owns), not copied again:
        the crawl spools a body as it reads it off the socket."""
        body = cls.__new__(cls)
        body._spool = spool
        body._size = spool.tell()
        return body

    @property
    def size(self) -> int:
        return self._size

    def open(self) -> BinaryIO:
        self._spool.seek(0)
        return _NonClosing(self._spool)

    def close(self) -> None:
        self._spool.close()


class _NonClosing(io.RawIOBase):
    """Lets callers use ``with body.open()`` without closing the shared spool."""

    def __init__(self, inner: BinaryIO) -> None:
        super().__init__()
        self._inner = inner

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        data = self._inner.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def read(self, size: int = -1) -> bytes:  # type: ignore[override]
        return self._inner.read(size)


def read_body(body: Body, limit: int | None = None) -> bytes:
    """Read a body (or its first ``limit`` bytes) into memory, for parsing pages."""
    with body.open() as stream:
        return stream.read() if limit is None else stream.read(limit)


@dataclass(frozen=True, slots=True)
class Capture:
    """One resource of the old site, as delivered.

    ``status`` and ``http_headers`` are empty for files read from disk: they were never
    served over HTTP here, and sunset does not invent a response for them.
    """

    url: str
    date: datetime
    content_type: str | None
    body: Body
    status: int | None = None
    http_headers: tuple[tuple[str, str], ...] = ()
    record_id: str | None = None
    payload_digest: str | None = None
    origin: str | None = field(default=None, compare=False)
    """Where the capture came from (a file path, ``file.warc.gz#offset``), for messages."""
    truncated: str | None = None
    """The WARC's ``WARC-Truncated`` reason (``length``, ``time``...) when the body is incomplete."""
    reason: str | None = None
    """The status line's reason phrase (``Moved Permanently``), when the source knows it."""
    warc_headers: tuple[tuple[str, str], ...] = ()
    """WARC header fields the source adds to the record: where the capture came from when that was
    not the old server itself (a web archive's URL for it, a head it rebuilt)."""

    @property
    def media_type(self) -> str | None:
        """The content type without parameters, lower-cased (``text/html``)."""
        if not self.content_type:
            return None
        return self.content_type.split(";", 1)[0].strip().lower() or None

    def header(self, name: str) -> str | None:
        return find_header(self.http_headers, name)

    @property
    def archived_by(self) -> str | None:
        """The web archive this capture was taken from (``web.archive.org/web``), when it was not
        the old server itself; from the record's :data:`ARCHIVED_AT`."""
        address = find_header(self.warc_headers, ARCHIVED_AT)
        match = _REPLAY_PREFIX.match(address or "")
        return match.group(1).rstrip("/") if match else None

    @property
    def reconstruction(self) -> str | None:
        """For an answer sunset worked out rather than archived (the served view's page with its
        includes done, a folder's listing...): the rule that made it, from :data:`RECONSTRUCTION`."""
        return find_header(self.warc_headers, RECONSTRUCTION)

    @property
    def made_from(self) -> tuple[str, ...]:
        """For such an answer: the URLs of the files it was made from (:data:`MADE_FROM`)."""
        return tuple((find_header(self.warc_headers, MADE_FROM) or "").split())


ARCHIVED_AT = "WARC-Sunset-Archived-At"
"""WARC field of a capture rebuilt from a web archive: the archive's URL of the capture it was
taken from (its raw, ``id_`` replay)."""
HTTP_HEAD = "WARC-Sunset-Http-Head"
"""WARC field: how the record's HTTP head was made when it is not as received (rebuilt from a web
archive's replay)."""
REPAIRED = "WARC-Sunset-Repaired"
"""WARC field: what sunset cut out of the payload (a web archive's replay inserts)."""
RECONSTRUCTION = "WARC-Sunset-Reconstruction"
"""WARC field of a record sunset reconstructed (no server sent it in this form, no crawl fetched it):
the rule that made it (``case-variant``, ``index-file``, ``folder-redirect`` for the other spellings of
:mod:`archive.package.reconstruct`; the served view's rules, :data:`crawl.served.answers.RULES`)."""
MADE_FROM = "WARC-Sunset-Made-From"
"""WARC field of an answer of the served view: the URLs of the docroot files it was made from (the
page, the files it included, the ``.htaccess`` files that decided it), space-separated."""
PROVENANCE_FIELDS = (ARCHIVED_AT, HTTP_HEAD, REPAIRED, RECONSTRUCTION, MADE_FROM)
"""The WARC fields a source adds of where a capture came from; read back into ``warc_headers``."""
_REPLAY_PREFIX = re.compile(r"^[a-z]+://(.+?/)\d{1,14}(?:[a-z]{2}_)?/", re.I)


def find_header(headers: tuple[tuple[str, str], ...], name: str) -> str | None:
    """The first value of a header, whatever the case the server wrote its name in."""
    wanted = name.lower()
    for key, value in headers:
        if key.lower() == wanted:
            return value
    return None


@dataclass(frozen=True, slots=True)
class Fetched:
    """One request and the response to it, byte for byte."""

    url: str
    """The URL recorded in the archive (under ``base_url`` even when fetched from a staging copy)."""
    fetched_url: str
    date: datetime
    request_line: str
    request_headers: tuple[tuple[str, str], ...]
    protocol: str
    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]
    body: SpooledBody
    payload_digest: str
    ip: str | None
    truncated: str | None
    """``length`` (cut at max_body_bytes), ``disconnect`` (the server stopped sending) or ``time``
    (a read timed out, or max_fetch_time ran out)."""
    duration: float
    problems: tuple[str, ...] = ()
    """What was wrong with the response itself (malformed headers), for the crawl log."""
    request_bytes: bytes = b""
    """The request exactly as sent; empty when it is not known (a fetch read back from a WARC)."""
    response_head: bytes = b""
    """Status line, headers and the blank line exactly as received; empty when not known."""
    wire_body: SpooledBody | None = None
    """The body as it came over the wire when that differs from ``body`` (chunked framing kept);
    ``body`` and the payload digest are the entity with the framing undone (WARC 1.1)."""
    unparsed: str | None = None
    """Why the answer is no HTTP/1.x response a parser accepts (``ICY 200 OK``, HTTP/0.9...); then
    ``body`` holds every byte received and ``status`` is 0."""
    redacted: tuple[str, ...] = ()
    """Request headers left out of ``request_bytes`` because they carried a credential (a proxy's
    ``Proxy-Authorization``); the request record names them in ``WARC-Sunset-Redacted``."""

    @property
    def content_type(self) -> str | None:
        return self.header("Content-Type")

    def header(self, name: str) -> str | None:
        return find_header(self.headers, name)


def answered_ok(status: int | None) -> bool:
    """Whether a capture is the site's own content: a 2xx answer, or a file read from disk (no
    status). An error's body (a 404 page) or a redirect's is kept but is no page of the site."""
    return status is None or 200 <= status < 300


CAPTURE_RECORD_TYPES = ("response", "revisit", "resource")
"""The WARC record types that are captures of a URL (what readers yield and indexes hold)."""


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, hex, read in pieces (a WARC may be gigabytes)."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def sha1_digest(data: bytes | None = None) -> "hashlib._Hash":
    return hashlib.sha1(data or b"")


def warc_digest(hasher: "hashlib._Hash") -> str:
    """The ``sha1:BASE32`` form warcio and every WARC tool write."""
    return "sha1:" + base64.b32encode(hasher.digest()).decode("ascii")
