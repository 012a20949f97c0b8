"""Checks of the package beyond single WARCs: index against master, mirror against derived records.

Each returns plain sentences, one per problem, so ``sunset verify`` can say what is wrong
and where without a stack trace.
"""
from __future__ import annotations

import hashlib
from base64 import b32encode
from pathlib import Path

from warcio.timeutils import iso_date_to_timestamp

from archive.capture_index import iter_originals
from archive.package.cdxj import INDEXED_TYPES, iter_cdxj
from archive.package.derived import MIRROR_PATH_HEADER
from archive.reader import iter_record_spans


def check_cdxj(master: Path, cdxj: Path, *others: Path) -> list[str]:
    """Every capture of the master (and of ``others``) is in the index once, nothing else is, and
    the index is sorted."""
    problems: list[str] = []
    try:
        lines = list(iter_cdxj(cdxj))
    except ValueError as error:
        return [str(error)]
    keys = [(line.urlkey, line.timestamp) for line in lines]
    if keys != sorted(keys):
        problems.append(f"{cdxj.name}: lines are not sorted, so a replay tool's binary search will miss captures")
    names = [warc.name for warc in (master, *others)]
    indexed = {(line.fields.get("filename") or master.name, line.url, line.timestamp, line.offset) for line in lines}
    for line in lines:
        if line.fields.get("filename") not in (None, *names):
            problems.append(f"{cdxj.name}: {line.url} points into {line.fields.get('filename')}, not {master.name}")
    captures = {(warc.name, original.url, iso_date_to_timestamp(original.date), original.offset)
                for warc in (master, *others)
                for original in iter_originals(warc) if original.rec_type in INDEXED_TYPES}
    for name, url, timestamp, offset in sorted(captures - indexed):
        problems.append(f"{cdxj.name}: the capture of {url} ({timestamp}, offset {offset}) is not in the index")
    for name, url, timestamp, offset in sorted(indexed - captures):
        problems.append(f"{cdxj.name}: indexes {url} ({timestamp}, offset {offset}), which is no capture "
                        f"in {name}")
    return problems


def _sha1_base32(path: Path) -> str:
    digest = hashlib.sha1()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return "sha1:" + b32encode(digest.digest()).decode("ascii")


def check_conversions(derived: Path, out_root: Path) -> list[str]:
    """Each conversion record's mirror file still holds exactly the bytes the record holds."""
    problems: list[str] = []
    for record in iter_record_spans(derived):
        if record.rec_type != "conversion":
            continue
        headers = record.rec_headers
        relative = headers.get_header(MIRROR_PATH_HEADER)
        if not relative:
            continue
        file = (out_root / relative).resolve()
        if not file.is_relative_to(out_root.resolve()):
            problems.append(f"{derived.name}: a conversion record names {relative!r}, outside the output folder")
            continue
        if not file.is_file():
            problems.append(f"{relative}: missing, but {derived.name} holds a conversion of it")
            continue
        expected = headers.get_header("WARC-Block-Digest") or ""
        algorithm = expected.split(":", 1)[0].lower()
        if algorithm != "sha1":
            problems.append(f"{derived.name}: {relative}: block digest {expected!r} is not sha1; cannot compare")
        elif _sha1_base32(file) != expected:
            problems.append(f"{relative}: differs from its conversion record in {derived.name} "
                            "(the mirror was changed after packaging; run `sunset package` again)")
    return problems
