"""Read a WARC back and check it: every digest, and a second, independent reader's count.

A reader that shares no code with warcio (FastWARC) must see the same records, or one of the
two is misreading the file and a repository's tools may too.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArchiveLoadFailed


@dataclass(frozen=True, slots=True)
class WarcCheck:
    records: int
    problems: tuple[str, ...]


def readable(error: BaseException, limit: int = 100) -> str:
    """A reader's message on one line: a damaged record's bytes are quoted in it."""
    text = " ".join(str(error).split())
    text = "".join(char if char.isprintable() and ord(char) < 0x7F else "?" for char in text)
    return text if len(text) <= limit else text[:limit] + "..."


def count_with_fastwarc(path: Path, problems: list[str] | None = None) -> int | None:
    """Records as FastWARC counts them, or None when FastWARC is not installed.

    Given ``problems``, FastWARC also checks every block digest (``verify --deep``; the block
    holds the payload, whose digest warcio checks) and appends what does not match.
    """
    try:
        from fastwarc.warc import ArchiveIterator as FastIterator
        from fastwarc.warc import WarcRecordType
    except ImportError:
        return None
    count = 0
    try:
        with path.open("rb") as handle:
            for record in FastIterator(handle, record_types=WarcRecordType.any_type, parse_http=False):
                count += 1
                if problems is None:
                    continue
                uri = record.headers.get("WARC-Target-URI") or record.headers.get("WARC-Type")
                if record.headers.get("WARC-Block-Digest") and not record.verify_block_digest(consume=True):
                    problems.append(f"{path.name}: {uri}: FastWARC finds the block digest wrong")
    except (OSError, ValueError):  # a damaged file: warcio's pass has said where
        return None
    return count


def verify_warc(path: Path, *, deep: bool = False) -> WarcCheck:
    problems: list[str] = []
    records = 0
    iterator = None
    try:
        with path.open("rb") as handle:
            iterator = ArchiveIterator(handle, check_digests=True)
            for record in iterator:
                # The raw stream, in pieces: digests are over the bytes as stored, and undoing a
                # Content-Encoding here would inflate a gzip bomb into memory.
                dechunked = _dechunked_digest(record)
                while record.raw_stream.read(1024 * 1024):
                    pass
                records += 1
                checker = record.digest_checker
                for problem in _payload_checked(record, checker.problems, dechunked):
                    uri = record.rec_headers.get_header("WARC-Target-URI") or record.rec_type
                    problems.append(f"{path.name}: {uri}: {problem}")
                if not record.rec_headers.get_header("WARC-Block-Digest"):
                    problems.append(f"{path.name}: record {records} has no WARC-Block-Digest")
    except (OSError, ArchiveLoadFailed, zlib.error) as error:
        where = f" past offset {iterator.offset} (record {records + 1})" if iterator is not None else ""
        problems.append(f"{path.name}: cannot be read{where}, the file is damaged there: {readable(error)}")
    second = count_with_fastwarc(path, problems if deep else None)
    if second is None and not problems:  # a dependency: the second reader is part of what verify promises
        problems.append(f"{path.name}: not read by a second reader: FastWARC is not installed (pip install fastwarc)")
    elif second is not None and second != records:
        problems.append(f"{path.name}: warcio reads {records} records but FastWARC reads {second}")
    return WarcCheck(records, tuple(problems))


def _is_chunked(record) -> bool:  # type: ignore[no-untyped-def]
    http = record.http_headers if record.rec_type == "response" else None
    return http is not None and "chunked" in (http.get_header("Transfer-Encoding") or "").lower()


def _dechunked_digest(record) -> str | None:  # type: ignore[no-untyped-def]
    """A chunked response's payload digest is over the entity with the framing undone (WARC 1.1);
    warcio's check hashes the bytes as stored, so the framing is undone here (never the
    Content-Encoding). Reads the record's stream; None when the record is not chunked."""
    if not _is_chunked(record):
        return None
    import base64
    import hashlib

    from warcio.bufferedreaders import ChunkedDataReader

    hasher = hashlib.sha1()
    reader = ChunkedDataReader(record.raw_stream)
    for block in iter(lambda: reader.read(1024 * 1024), b""):
        hasher.update(block)
    return "sha1:" + base64.b32encode(hasher.digest()).decode("ascii")


def _payload_checked(record, problems: list[str], dechunked: str | None) -> list[str]:  # type: ignore[no-untyped-def]
    if dechunked is None:
        return list(problems)
    kept = [problem for problem in problems if not problem.startswith("payload digest failed")]
    stated = record.rec_headers.get_header("WARC-Payload-Digest")
    if stated and stated.lower().startswith("sha1:") and stated.upper()[5:] != dechunked.upper()[5:]:
        kept.append(f"payload digest failed (chunked framing undone): {stated}")
    return kept
