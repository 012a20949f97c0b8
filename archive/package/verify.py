"""Read a WARC back and check it: every digest, and a second, independent reader's count.

A reader that shares no code with warcio (FastWARC) must see the same records, or one of the
two is misreading the file and a repository's tools may too.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArchiveLoadFailed


@dataclass(frozen=True, slots=True)
class WarcCheck:
    records: int
    problems: tuple[str, ...]


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
    with path.open("rb") as handle:
        for record in FastIterator(handle, record_types=WarcRecordType.any_type, parse_http=False):
            count += 1
            if problems is None:
                continue
            uri = record.headers.get("WARC-Target-URI") or record.headers.get("WARC-Type")
            if record.headers.get("WARC-Block-Digest") and not record.verify_block_digest(consume=True):
                problems.append(f"{path.name}: {uri}: FastWARC finds the block digest wrong")
    return count


def verify_warc(path: Path, *, deep: bool = False) -> WarcCheck:
    problems: list[str] = []
    records = 0
    try:
        with path.open("rb") as handle:
            iterator = ArchiveIterator(handle, check_digests=True)
            for record in iterator:
                # The raw stream, in pieces: digests are over the bytes as stored, and undoing a
                # Content-Encoding here would inflate a gzip bomb into memory.
                while record.raw_stream.read(1024 * 1024):
                    pass
                records += 1
                checker = record.digest_checker
                for problem in checker.problems:
                    uri = record.rec_headers.get_header("WARC-Target-URI") or record.rec_type
                    problems.append(f"{path.name}: {uri}: {problem}")
                if not record.rec_headers.get_header("WARC-Block-Digest"):
                    problems.append(f"{path.name}: record {records} has no WARC-Block-Digest")
    except (OSError, ArchiveLoadFailed) as error:
        problems.append(f"{path.name}: cannot be read to the end: {error}")
    second = count_with_fastwarc(path, problems if deep else None)
    if second is None:  # a dependency since the second reader is part of what verify promises
        problems.append(f"{path.name}: not read by a second reader: FastWARC is not installed (pip install fastwarc)")
    elif second != records:
        problems.append(f"{path.name}: warcio reads {records} records but FastWARC reads {second}")
    return WarcCheck(records, tuple(problems))
