"""Read captures back out of any WARC (sunset's own, wget's, Heritrix's).

This is how later stages consume the archive: one record at a time, the body spooled so it
can be read twice, and released as soon as the caller moves on.
"""
from __future__ import annotations

import shutil
import tempfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArchiveLoadFailed, ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders

from archive.capture import CAPTURE_RECORD_TYPES, PROVENANCE_FIELDS, Body, BytesBody, Capture, Fetched, SpooledBody
from archive.dates import parse_warc_date
from archive.durable import is_disk_error
from archive.errors import SunsetError
from archive.growth import GrowingFile
from archive.heads import RecordHead, heads_from_lines
from archive.index_lines import HEAD_LINES, emitted_lines
from archive.labels import CHARSET_SOURCE_HEADER, unlabelled_type
from archive.record_loader import RecordLoader
from archive.urls import BadURL, Scope

CAPTURE_TYPES = frozenset(CAPTURE_RECORD_TYPES)
MAX_DECODED_BYTES = 64 * 1024 * 1024
"""How far a body sent with Content-Encoding is inflated for later stages. The WARC keeps it
encoded, so a 1 MB gzip bomb stays 1 MB there; undone here it would be 1 GB. Beyond this the
capture is cut and marked truncated (the original bytes stay whole in the WARC)."""


def _encoded(record: object) -> bool:
    http = getattr(record, "http_headers", None)
    encoding = http.get_header("Content-Encoding") if http is not None else None
    return bool(encoding) and encoding.strip().lower() not in ("identity", "none")


def _bounded_body(stream: BinaryIO, limit: int | None) -> tuple[SpooledBody, bool]:
    """The body spooled up to ``limit`` bytes; True when there was more."""
    if limit is None:
        return SpooledBody(stream), False
    body = SpooledBody(stream, limit=limit)
    return body, body.size >= limit and bool(stream.read(1))


class WarcReadError(SunsetError, OSError):
    """A WARC file that cannot be read as WARC."""


class WholeFileGzipError(WarcReadError):
    """A WARC gzipped as one stream instead of one gzip member per record: readable, but only
    after :func:`recompress` (warcio's ``recompress``) has rewritten it."""


def _load_failed(path: Path, error: ArchiveLoadFailed) -> WarcReadError:
    if "non-chunked gzip" in str(error):
        return WholeFileGzipError(f"{path} is gzipped as a whole, not record by record")
    return WarcReadError(f"{path} is not a readable WARC: {error}")


def _records(handle: BinaryIO) -> ArchiveIterator:
    """warcio's iterator, set as :func:`archive.record_loader.record_parser`: ARC records come as
    WARC ones (``WARC-Target-URI``, ``WARC-Date``, and the ARC's ``filedesc://`` header as a
    warcinfo record, not a capture)."""
    return ArchiveIterator(handle, arc2warc=True)


def iter_warc_captures(path: Path, *, only: Callable[[Capture], bool] | None = None,
                       heads: Iterable[RecordHead] | None = None,
                       max_decoded_bytes: int = MAX_DECODED_BYTES) -> Iterator[Capture]:
    """Yield a capture for each ``response`` and ``resource`` record of ``path``.

    ``only``: just the captures it accepts (judged without their bodies, by ``heads``: every
    capture record's, in file order, as the master's capture index holds them; by default read
    here), each read alone at its offset. Bodies sent with a Content-Encoding are inflated up to
    ``max_decoded_bytes``. (The captures without their bodies, and every lookup among them:
    :mod:`archive.capture_index`.)
    """
    if only is not None:
        yield from _chosen_captures(path, only, max_decoded_bytes, iter_record_heads(path) if heads is None else heads)
        return
    with _open_warc(path) as handle:
        yield from _read_captures(path, handle, {}, max_decoded_bytes)


def follow_warc_captures(path: Path, growing: GrowingFile,
                         max_decoded_bytes: int = MAX_DECODED_BYTES) -> Iterator[Capture]:
    """:func:`iter_warc_captures` of a WARC still being written (``path``: its name when done),
    each capture yielded once the writer has flushed it; the same captures, in the same order."""
    yield from _read_captures(path, growing, {}, max_decoded_bytes, payloads=growing.payloads)


def _read_captures(path: Path, handle: BinaryIO | GrowingFile, originals: dict[str, int], max_decoded_bytes: int,
                   payloads: BinaryIO | None = None) -> Iterator[Capture]:
    iterator = _records(handle)  # type: ignore[arg-type]
    with _read_errors(path, lambda: iterator.offset):
        for record in iterator:
            if record.rec_type in CAPTURE_TYPES:
                yield from _released(_capture(path, record, iterator.offset, originals, max_decoded_bytes,
                                              payloads=payloads))


def _chosen_captures(path: Path, only: Callable[[Capture], bool], max_decoded_bytes: int,
                     heads: Iterable[RecordHead]) -> Iterator[Capture]:
    """The captures ``only`` accepts, judged by their record heads, each read alone at its offset."""
    originals: dict[str, int] = {}
    with _loader(path) as loader:
        for head in heads:
            capture = _capture(path, head, head.offset, originals, None)
            if capture is None or not only(capture):
                continue
            with _read_errors(path, lambda: head.offset):
                capture = _capture(path, loader.load(head.offset), head.offset, originals, max_decoded_bytes)
            yield from _released(capture)


def _released(capture: Capture | None) -> Iterator[Capture]:
    """The capture (if any), its spooled body released once the caller moves on."""
    if capture is None:
        return
    try:
        yield capture
    finally:
        capture.body.close()


def iter_record_heads(path: Path) -> Iterator[RecordHead]:
    """The head of every capture record of ``path``, in file order, without bodies.

    From the heads its writer left when they describe this very file (:mod:`archive.heads`),
    else from a headers-only read of the WARC: the same heads either way.
    """
    emitted = emitted_lines(path, HEAD_LINES)
    if emitted is not None:
        yield from heads_from_lines(emitted)
        return
    with _open_warc(path) as handle:
        iterator = _records(handle)
        with _read_errors(path, lambda: iterator.offset):
            for record in iterator:
                if record.rec_type in CAPTURE_TYPES:
                    yield RecordHead(record.rec_type, iterator.offset, record.rec_headers, record.http_headers)


def head_capture(path: Path, head: RecordHead) -> Capture:
    """The capture of a record of ``path`` by its head alone: its body is empty."""
    return _made(path, head, head.offset, BytesBody(b""), None)


@dataclass(frozen=True, slots=True)
class RecordSpan:
    """One record of a file, any type, without its body: its heads and where its bytes lie."""

    rec_type: str
    offset: int
    length: int
    """Its bytes as stored: a gzip member in a compressed file (what :meth:`RecordLoader.raw` copies)."""
    rec_headers: StatusAndHeaders
    http_headers: StatusAndHeaders | None


def iter_record_spans(path: Path) -> Iterator[RecordSpan]:
    """Every record of ``path`` in file order (ARC records as WARC ones, :func:`_records`).

    Only whole records are yielded: where the file is damaged, or ends inside a record (half a
    gzip member, a block shorter than its Content-Length: what a killed writer leaves), a
    :class:`WarcReadError` names the offset, after every whole record before it.
    """
    end = 0
    with _open_warc(path) as handle:
        iterator = _records(handle)
        with _read_errors(path, lambda: iterator.offset):
            for record in _heads_read(path, iterator):
                iterator.read_to_end(record)
                offset = iterator.get_record_offset()
                if _cut_short(iterator, record):
                    raise _cut_short_error(path, offset)
                end = offset + iterator.get_record_length()
                yield RecordSpan(record.rec_type, offset, iterator.get_record_length(),
                                 record.rec_headers, record.http_headers)
        handle.seek(end)
        if handle.read(4096).strip(b"\r\n"):  # a record whose head is cut: warcio stops there, silent
            raise _cut_short_error(path, end)


def _heads_read(path: Path, iterator: ArchiveIterator) -> Iterator[ArcWarcRecord]:
    """The iterator's records; warcio's AttributeError on a head with no WARC-Target-URI where
    its type needs one (a head cut short) as the damage it is."""
    records = iter(iterator)
    while True:
        try:
            record = next(records)
        except StopIteration:
            return
        except AttributeError as error:
            raise WarcReadError(f"{path} is damaged: the record at offset {iterator.offset} has no "
                                "WARC-Target-URI (its head was cut short?)") from error
        yield record


def _cut_short_error(path: Path, offset: int) -> WarcReadError:
    return WarcReadError(f"{path} ends inside the record at offset {offset}: it was cut short "
                         "(a copy or a writer that stopped there)")


def _cut_short(iterator: ArchiveIterator, record: ArcWarcRecord) -> bool:
    """Whether the file ended inside the record just read to its end: warcio's iterator takes
    what is there for the whole record (half a gzip member inflates to half a record)."""
    decompressor = iterator.reader.decompressor if iterator.reader is not None else None
    if decompressor is not None:  # the member ended, or the next record follows in it (one stream)
        return not decompressor.eof and not iterator.next_line
    return getattr(record.raw_stream, "limit", 0) > 0


def _open_warc(path: Path) -> BinaryIO:
    try:
        return path.open("rb")
    except OSError as error:
        raise WarcReadError(f"cannot open WARC {path}: {error.strerror or error}") from error


def _loader(path: Path) -> RecordLoader:
    try:
        return RecordLoader(path)
    except OSError as error:
        raise WarcReadError(f"cannot open WARC {path}: {error.strerror or error}") from error


@contextmanager
def _read_errors(path: Path, offset: Callable[[], int]) -> Iterator[None]:
    """warcio's and zlib's complaints about a damaged file, as one error that names the place
    (``offset``: where the record being read starts)."""
    try:
        yield
    except ArchiveLoadFailed as error:
        if "non-chunked gzip" in str(error):
            raise _load_failed(path, error) from error
        raise WarcReadError(f"{path} is damaged: cannot be read past offset {offset()} "
                            f"(the record starting there): {str(error)[:100]!r}") from error
    except (OSError, zlib.error) as error:
        if isinstance(error, WarcReadError) or is_disk_error(error):
            raise
        raise WarcReadError(f"{path} is damaged: cannot be read past offset {offset()} "
                            f"(the record starting there): {str(error)[:100]!r}") from error


def _capture(path: Path, record: RecordHead | ArcWarcRecord, offset: int, originals: dict[str, int],
             max_decoded_bytes: int | None, *, payloads: BinaryIO | None = None) -> Capture | None:
    """The capture of one record (None: a revisit of a record in another WARC, nothing to show
    here); ``max_decoded_bytes`` None: without its body. ``originals`` learns the responses.
    ``payloads``: an open handle on the WARC to read a revisit's payload from (else ``path`` is opened)."""
    read_bodies = max_decoded_bytes is not None
    headers = record.rec_headers
    digest = headers.get_header("WARC-Payload-Digest")
    if record.rec_type == "revisit":
        original = originals.get(digest or "")
        if original is None:
            return None
        stream = _payload_at(payloads or path, original, record.http_headers) if read_bodies else _EMPTY
    elif read_bodies:
        stream = record.content_stream()  # type: ignore[union-attr]
    else:
        stream = _EMPTY
    if record.rec_type == "response" and digest:
        originals.setdefault(digest, offset)
    limit = max_decoded_bytes if read_bodies and _encoded(record) else None
    body, cut = _bounded_body(stream, limit)
    return _made(path, record, offset, body, "length" if cut else None)


def _made(path: Path, record: RecordHead | ArcWarcRecord, offset: int, body: Body, cut: str | None) -> Capture:
    """The capture of one record, with ``body``; ``cut``: why the body is shorter than the record's."""
    headers = record.rec_headers
    status: int | None = None
    http_headers: tuple[tuple[str, str], ...] = ()
    content_type = unlabelled_type(headers.get_header("Content-Type"), headers.get_header(CHARSET_SOURCE_HEADER))
    if record.rec_type in ("response", "revisit") and record.http_headers is not None:
        try:
            status = int(record.http_headers.get_statuscode())
        except (TypeError, ValueError):
            status = None
        http_headers = tuple(record.http_headers.headers)
        content_type = record.http_headers.get_header("Content-Type")
    return Capture(
        url=headers.get_header("WARC-Target-URI") or "",
        date=parse_warc_date(headers.get_header("WARC-Date") or "1970-01-01T00:00:00Z"),
        content_type=content_type,
        body=body,
        status=status,
        http_headers=http_headers,
        record_id=headers.get_header("WARC-Record-ID"),
        payload_digest=headers.get_header("WARC-Payload-Digest"),
        origin=f"{path}#{offset}",
        truncated=headers.get_header("WARC-Truncated") or cut,
        warc_headers=tuple((name, value) for name, value in headers.headers if name in PROVENANCE_FIELDS),
    )


def _payload_at(source: Path | BinaryIO, offset: int, own_headers: object) -> BinaryIO:
    """The payload of the record at ``offset``, for a revisit record that points at it.

    The digest names the bytes as sent; how to undo their Content-Encoding is the revisit's
    own business: a gzip-encoded page and a ``.gz`` download share a payload, yet one is
    inflated and the other kept as sent. So the stored bytes are decoded with the revisit's
    HTTP headers, never with those of the response that happens to hold them.
    """
    with RecordLoader(source) as loader:
        record = loader.load(offset)
        if own_headers is not None and record.http_headers is not None:
            record.http_headers = own_headers  # content_stream() decodes by these headers
        return _bounded_body(record.content_stream(), MAX_DECODED_BYTES)[0].open()


def iter_warc_fetches(path: Path, wanted: Callable[[str], bool] = lambda url: True) -> Iterator[Fetched]:
    """The responses of a crawl's own WARC whose URL is ``wanted``, as fetches with the payload
    bytes as received (for resuming a crawl)."""
    with path.open("rb") as handle:
        try:
            for record in _records(handle):
                if record.rec_type not in ("response", "revisit") or record.http_headers is None:
                    continue
                if not wanted(record.rec_headers.get_header("WARC-Target-URI") or ""):
                    continue
                headers, http = record.rec_headers, record.http_headers
                status_line = http.statusline.split(" ", 1)
                try:
                    status = int(status_line[0])
                except ValueError:
                    continue
                date = parse_warc_date(headers.get_header("WARC-Date") or "1970-01-01T00:00:00Z")
                yield Fetched(
                    url=headers.get_header("WARC-Target-URI") or "", fetched_url=headers.get_header("WARC-Target-URI") or "",
                    date=date, request_line="", request_headers=(), protocol=http.protocol, status=status,
                    reason=status_line[1] if len(status_line) > 1 else "", headers=tuple(http.headers),
                    body=SpooledBody(_dechunked(record)), payload_digest=headers.get_header("WARC-Payload-Digest") or "",
                    ip=headers.get_header("WARC-IP-Address"), truncated=headers.get_header("WARC-Truncated"),
                    duration=0.0)
        except ArchiveLoadFailed as error:
            raise WarcReadError(f"{path} is not a readable WARC: {error}") from error


def _dechunked(record: object) -> BinaryIO:
    """The payload with chunked framing undone (a crawl keeps it as received), not the encoding."""
    http = record.http_headers  # type: ignore[attr-defined]
    if "chunked" in (http.get_header("Transfer-Encoding") or "").lower():
        from warcio.bufferedreaders import ChunkedDataReader

        return ChunkedDataReader(record.raw_stream)  # type: ignore[attr-defined,return-value]
    return record.raw_stream  # type: ignore[attr-defined,no-any-return]


class _Empty:
    @staticmethod
    def read(size: int = -1) -> bytes:
        return b""


_EMPTY = _Empty()


BASE_URL_FIELD = "sunset-base-url"


def _warcinfo_fields(payload: bytes) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in payload.decode("utf-8", "replace").splitlines():
        key, sep, value = line.partition(":")
        if sep:
            fields.setdefault(key.strip().lower(), value.strip())
    return fields


def warc_site(path: Path) -> tuple[str | None, str | None]:
    """What the WARC's head says of its site: (the warcinfo's ``sunset-base-url``, sunset's own
    WARCs; the scheme and host of the first http(s) capture, wget's and Heritrix's)."""
    from_info: str | None = None
    try:
        with path.open("rb") as handle:
            for record in _records(handle):
                if record.rec_type == "warcinfo":
                    from_info = from_info or _warcinfo_fields(record.content_stream().read(65536)).get(BASE_URL_FIELD)
                elif record.rec_type in CAPTURE_TYPES:
                    url = record.rec_headers.get_header("WARC-Target-URI") or ""
                    if urlsplit(url).scheme in ("http", "https"):  # not metadata:, dns:, filedesc:
                        try:
                            return from_info, Scope(url).origin + "/"
                        except BadURL:
                            continue
    except OSError as error:
        raise WarcReadError(f"cannot open WARC {path}: {error.strerror or error}") from error
    except ArchiveLoadFailed as error:
        raise _load_failed(path, error) from error
    return from_info, None


def warc_base_url(path: Path) -> str | None:
    """The site's base URL: the warcinfo's, else the first capture's scheme and host, else None."""
    from_info, from_capture = warc_site(path)
    return from_info or from_capture


def warcinfo_date(path: Path) -> datetime | None:
    """When the WARC was made: its first record's date if that is the warcinfo (sunset writes it
    first), else None. For files ingested from disk it differs from the captures' dates, which
    are the files' own."""
    try:
        with path.open("rb") as handle:
            for record in _records(handle):
                if record.rec_type != "warcinfo":
                    return None
                try:
                    return parse_warc_date(record.rec_headers.get_header("WARC-Date") or "")
                except ValueError:
                    return None
    except (OSError, ArchiveLoadFailed):
        return None
    return None


def recompress(path: Path, folder: Path) -> Path:
    """``folder/<name>.warc.gz``: ``path`` rewritten with one gzip member per record (what
    ``warcio recompress`` does), written atomically; the original is left as it is."""
    from warcio.bufferedreaders import DecompressingBufferedReader
    from warcio.warcwriter import WARCWriter

    from archive.durable import atomic_writer

    name = path.name.removesuffix(".gz").removesuffix(".warc").removesuffix(".arc")
    output = folder / f"{name}.recompressed.warc.gz"
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile(dir=folder) as plain:
        try:
            with path.open("rb") as handle:
                shutil.copyfileobj(DecompressingBufferedReader(handle, read_all_members=True), plain, 1024 * 1024)
            plain.seek(0)
            with atomic_writer(output) as out:
                writer = WARCWriter(out, gzip=True)
                for record in _records(plain):
                    writer.write_record(record)
        except (ArchiveLoadFailed, OSError, EOFError, zlib.error) as error:
            raise WarcReadError(f"{path} cannot be recompressed: {error}") from error
    return output
