"""Reading ``records.jsonl`` back: the one reader every later stage uses (mirror catalog, report,
derived WARC, WACZ, reconstruction).

The file is written atomically by normalize, so a line that is not a JSON object means the file
was damaged or edited. The policy, the same for every reader: the first such line stops the stage
with its line number (an error the CLI prints once, into the log) instead of being skipped,
because a skipped line would silently drop a page from the catalog, the report and the derived WARC.

A page dense with links has a line of tens of megabytes (26 MB for a page of 5 MB), and parsed
whole it took some 200 MiB in each process that read it, the catalog's, the report's, the
package's. A line longer than :data:`LONG_LINE` is parsed but for its arrays (the links,
images, headings...), each of which is read an element at a time when a reader walks it
(:class:`LazyArray`); readers only walk them.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from json.decoder import scanstring
from pathlib import Path
from typing import Any

from archive.errors import SunsetError


class RecordsFileError(SunsetError):
    """A ``records.jsonl`` that cannot be read back; run normalize again to rewrite it."""


def iter_records(records_path: Path) -> Iterator[tuple[dict, bytes]]:
    """(parsed, raw line) for each record, pages and files, one line in memory at a time."""
    with records_path.open("rb") as handle:
        number = 0
        for line in handle:  # not enumerate(): its reused tuple kept each line till the next (3x a long one)
            number += 1
            line = line.rstrip(b"\r\n")
            if not line.strip():
                continue
            try:
                record = json.loads(line) if len(line) <= LONG_LINE else _parse_long(line)
            except ValueError as error:
                raise RecordsFileError(f"{records_path}:{number}: not a JSON record ({error}); "
                                       "run `sunset normalize` again to rewrite it") from error
            if not isinstance(record, dict):
                raise RecordsFileError(f"{records_path}:{number}: not a JSON record (a {type(record).__name__}, "
                                       "not an object); run `sunset normalize` again to rewrite it")
            yield record, line


def iter_page_records(records_path: Path) -> Iterator[tuple[dict, bytes]]:
    """(parsed, raw line) for each page record."""
    return ((record, line) for record, line in iter_records(records_path) if record.get("record_type") == "page")


def other_order(rule: str | None, url: str) -> bool:
    """Whether an answer is a folder's listing in another order (``?C=M;O=A``, rule
    ``directory-listing`` of the served view), which the server made and the archive keeps only so
    that the listing's column headings open: no page of the site to list or to count."""
    return rule == "directory-listing" and "?" in url


def listed(record: dict) -> bool:
    """Whether a page record belongs in a list of the site's pages (the mirror's index, the WACZ's):
    not a folder's listing in another order (:func:`other_order`)."""
    made = record.get("reconstructed") or {}
    return not other_order(made.get("rule"), str(record.get("url", "")))


LONG_LINE = 1 << 20
"""Bytes of a line beyond which its arrays are read as they are walked."""
_DECODER = json.JSONDecoder()
_SPACE = re.compile(r"[ \t\n\r]*")


class LazyArray:
    """A top-level array of a long record line, parsed an element at a time as it is walked.

    The line was checked when it was read (every element parsed once, and let go); walking it
    again parses each element again.
    """

    __slots__ = ("_line", "_start")

    def __init__(self, line: str, start: int) -> None:
        self._line = line
        self._start = start

    def __iter__(self) -> Iterator[Any]:
        for value, _ in _elements(self._line, self._start):
            if value is _END:
                return
            yield value

    def __bool__(self) -> bool:
        return self._line[_SPACE.match(self._line, self._start + 1).end()] != "]"


_END = object()


def _elements(line: str, start: int) -> Iterator[tuple[Any, int]]:
    """(element, where it ends) of the array that opens at ``start``; the last pair is (_END, the array's end)."""
    position = _SPACE.match(line, start + 1).end()
    if line[position : position + 1] == "]":
        yield _END, position + 1
        return
    while True:
        value, position = _DECODER.raw_decode(line, position)
        position = _SPACE.match(line, position).end()
        following = line[position : position + 1]
        if following not in ("]", ","):
            raise ValueError(f"Expecting ',' delimiter: char {position}")
        yield value, position + 1
        if following == "]":
            yield _END, position + 1
            return
        position = _SPACE.match(line, position + 1).end()


def _parse_long(data: bytes) -> Any:
    """A line as :func:`json.loads` reads it, but that an object's top-level arrays are :class:`LazyArray`."""
    line = data.decode(json.detect_encoding(data), "surrogatepass")
    position = _SPACE.match(line).end()
    if line[position : position + 1] != "{":
        return json.loads(line)
    record: dict[str, Any] = {}
    position = _SPACE.match(line, position + 1).end()
    if line[position : position + 1] == "}":
        position += 1
    else:
        while True:
            if line[position : position + 1] != '"':
                raise ValueError(f"Expecting property name enclosed in double quotes: char {position}")
            key, position = scanstring(line, position + 1)
            position = _SPACE.match(line, position).end()
            if line[position : position + 1] != ":":
                raise ValueError(f"Expecting ':' delimiter: char {position}")
            position = _SPACE.match(line, position + 1).end()
            if line[position : position + 1] == "[":
                record[key] = LazyArray(line, position)
                for _, end in _elements(line, position):  # each parsed (so checked), none kept
                    position = end
            else:
                record[key], position = _DECODER.raw_decode(line, position)
            position = _SPACE.match(line, position).end()
            following = line[position : position + 1]
            position = _SPACE.match(line, position + 1).end()
            if following == "}":
                break
            if following != ",":
                raise ValueError(f"Expecting ',' delimiter: char {position}")
    if _SPACE.match(line, position).end() != len(line):
        raise ValueError(f"Extra data: char {position}")
    return record
