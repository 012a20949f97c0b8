"""The CDXJ line of each capture record, made as the WARC writer writes the record.

``package`` then only sorts these lines instead of reading the whole master again. (The same
mechanism keeps the record heads of :mod:`archive.heads`; the writer's plug-ins that write both
files are in :mod:`archive.side_outputs`.) The lines
are the ones cdxj-indexer writes (same fields, same order, same SURT keys, same JSON), which
``tests/test_archive_package.py`` checks against the library itself. They are kept beside the
master in a hidden file that ends with the size and mtime of the WARC they describe: when the
WARC is not that one any more (a resumed crawl, a WARC from elsewhere), the file is ignored and
the master is indexed by cdxj-indexer as before.
"""
from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

import surt
from warcio.timeutils import iso_date_to_timestamp

from archive.capture import CAPTURE_RECORD_TYPES

INDEXED_TYPES = CAPTURE_RECORD_TYPES
"""The captures a replay index holds; metadata and conversion records never go in."""
_SPACE = re.compile(r"[;\s]")  # cdxj-indexer's: the media type ends at the first ; or space
_TRAILER = "!sunset-warc "


CDXJ_LINES = "cdxj-lines"
HEAD_LINES = "heads"
"""The two files the writer leaves: CDXJ lines (:func:`cdxj_line`) and record heads (:mod:`archive.heads`)."""


def lines_path(warc: Path, kind: str = CDXJ_LINES) -> Path:
    """Where the writer of ``warc`` leaves its lines of ``kind``."""
    return warc.with_name(f".{warc.name}.{kind}")


def _url_key(url: str) -> str:
    try:
        return surt.surt(url)
    except Exception:  # noqa: BLE001 - cdxj-indexer falls back to the URL itself the same way
        return url


def cdxj_line(record: Any, offset: int, length: int, filename: str) -> str | None:
    """The unsorted CDXJ line of one warcio record just written at ``offset`` (None: not indexed)."""
    kind = record.rec_type
    if kind not in INDEXED_TYPES:
        return None
    headers, http = record.rec_headers, record.http_headers
    index: dict[str, str] = {}
    url = headers.get_header("WARC-Target-URI")
    if url is not None:
        index["url"] = url
    if kind == "revisit":
        mime: str | None = "warc/revisit"
    else:
        mime = (http.get_header("Content-Type") if http else None) if kind == "response" \
            else headers.get_header("Content-Type")
        if mime:
            mime = _SPACE.split(mime, 1)[0].strip()
    if mime is not None:
        index["mime"] = mime
    if http is not None:
        index["status"] = http.get_statuscode()
    digest = headers.get_header("WARC-Payload-Digest")
    if digest is None:
        raise ValueError("a capture record without WARC-Payload-Digest")  # the writer always sets one
    index.update(digest=digest, length=str(length), offset=str(offset), filename=filename)
    timestamp = iso_date_to_timestamp(headers.get_header("WARC-Date"))
    return f"{_url_key(url or '')} {timestamp} {json.dumps(index)}\n"


def warc_stamp(warc: Path) -> tuple[int, int]:
    """What says which file ``warc`` is: its size and modification time (ns). A file the writer's
    lines or the capture index describe has the stamp they were made with."""
    status = warc.stat()
    return status.st_size, status.st_mtime_ns


def write_trailer(handle: TextIO, warc: Path) -> None:
    size, mtime_ns = warc_stamp(warc)
    handle.write(f"{_TRAILER}{size} {mtime_ns}\n")


def emitted_lines(warc: Path, kind: str = CDXJ_LINES) -> Iterator[str] | None:
    """The writer's lines of ``kind`` for ``warc`` if they describe this very file, else None."""
    path = lines_path(warc, kind)
    try:
        with path.open("rb") as handle:
            handle.seek(max(0, path.stat().st_size - 200))
            last = handle.read().decode("utf-8", "replace").rstrip("\n").rsplit("\n", 1)[-1]
        size, mtime_ns = warc_stamp(warc)
    except OSError:
        return None
    if last != f"{_TRAILER}{size} {mtime_ns}":
        return None
    return _lines(path)


def _lines(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.startswith(_TRAILER):
                yield line


def remove_lines(warc: Path, kinds: tuple[str, ...] = (CDXJ_LINES, HEAD_LINES)) -> None:
    for kind in kinds:
        try:
            os.unlink(lines_path(warc, kind))
        except FileNotFoundError:
            pass
