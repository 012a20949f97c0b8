"""Read captures back out of any WARC (sunset's own, wget's, Heritrix's).

This is how later stages consume the archive: one record at a time, the body spooled so it
can be read twice, and released as soon as the caller moves on.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArchiveLoadFailed

from crawl.capture import Capture, SpooledBody

CAPTURE_TYPES = frozenset({"response", "resource"})


class WarcReadError(OSError):
    """A WARC file that cannot be read as WARC."""


def parse_warc_date(value: str) -> datetime:
    text = value.strip().replace("Z", "+00:00")
    date = datetime.fromisoformat(text)
    return date if date.tzinfo else date.replace(tzinfo=timezone.utc)


def iter_warc_captures(path: Path, *, read_bodies: bool = True) -> Iterator[Capture]:
    """Yield a capture for each ``response`` and ``resource`` record of ``path``.

    With ``read_bodies=False`` the bodies are empty: enough to index a WARC cheaply.
    """
    try:
        handle = path.open("rb")
    except OSError as error:
        raise WarcReadError(f"cannot open WARC {path}: {error.strerror or error}") from error
    with handle:
        iterator = ArchiveIterator(handle)
        try:
            for record in iterator:
                if record.rec_type not in CAPTURE_TYPES:
                    continue
                headers = record.rec_headers
                status: int | None = None
                http_headers: tuple[tuple[str, str], ...] = ()
                content_type = headers.get_header("Content-Type")
                if record.rec_type == "response" and record.http_headers is not None:
                    try:
                        status = int(record.http_headers.get_statuscode())
                    except (TypeError, ValueError):
                        status = None
                    http_headers = tuple(record.http_headers.headers)
                    content_type = record.http_headers.get_header("Content-Type")
                body = SpooledBody(record.content_stream() if read_bodies else _EMPTY)
                try:
                    yield Capture(
                        url=headers.get_header("WARC-Target-URI") or "",
                        date=parse_warc_date(headers.get_header("WARC-Date") or "1970-01-01T00:00:00Z"),
                        content_type=content_type,
                        body=body,
                        status=status,
                        http_headers=http_headers,
                        record_id=headers.get_header("WARC-Record-ID"),
                        payload_digest=headers.get_header("WARC-Payload-Digest"),
                        origin=f"{path}#{iterator.offset}",
                        truncated=headers.get_header("WARC-Truncated"),
                    )
                finally:
                    body.close()
        except ArchiveLoadFailed as error:
            raise WarcReadError(f"{path} is not a readable WARC: {error}") from error


class _Empty:
    @staticmethod
    def read(size: int = -1) -> bytes:
        return b""


_EMPTY = _Empty()
