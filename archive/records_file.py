"""Reading ``records.jsonl`` back: the one reader every later stage uses (mirror catalog, report,
derived WARC, WACZ, reconstruction).

The file is written atomically by normalize, so a line that is not a JSON object means the file
was damaged or edited. The policy, the same for every reader: the first such line stops the stage
with its line number (an error the CLI prints once, into the log) instead of being skipped,
because a skipped line would silently drop a page from the catalog, the report and the derived WARC.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from archive.errors import SunsetError


class RecordsFileError(SunsetError):
    """A ``records.jsonl`` that cannot be read back; run normalize again to rewrite it."""


def iter_records(records_path: Path) -> Iterator[tuple[dict, bytes]]:
    """(parsed, raw line) for each record, pages and files, one line in memory at a time."""
    with records_path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            line = line.rstrip(b"\r\n")
            if not line.strip():
                continue
            try:
                record = json.loads(line)
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
