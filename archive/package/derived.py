"""``<name>-derived.warc.gz``: what sunset made from the master, each record tied to its original.

Kept in a WARC of its own so the master holds nothing but what the server sent, and so no
replay index built from the master can ever serve a notice page in place of an original.
Every record names its original by ``WARC-Refers-To`` (record id), ``-Target-URI`` and ``-Date``.
"""
from __future__ import annotations

import io
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from archive.reader import iter_record_heads
from archive.records_file import iter_page_records
from archive.served import served_answers
from archive.sqlite_store import SqliteStore
from archive.warc_writer import WarcArchive

MIRROR_PATH_HEADER = "Sunset-Mirror-Path"
"""On conversion records: the mirror file (relative to the output folder) holding the same bytes."""


@dataclass(frozen=True, slots=True)
class Original:
    """A capture record of the master, by its headers alone."""

    record_type: str
    url: str
    record_id: str
    date: str
    offset: int


@dataclass(frozen=True, slots=True)
class ConvertedPage:
    """A mirror page and the URL of the capture it was made from."""

    url: str
    path: str
    """Relative to the output folder, with ``/`` separators (``mirror/host/page.htm``)."""


@dataclass(frozen=True, slots=True)
class DerivedSummary:
    path: Path
    metadata: int
    conversions: int
    problems: tuple[str, ...]


def iter_originals(master: Path) -> Iterator[Original]:
    """Every capture record of ``master`` (from its record heads: no body is read)."""
    for head in iter_record_heads(master):
        headers = head.rec_headers
        yield Original(head.rec_type, headers.get_header("WARC-Target-URI") or "",
                       headers.get_header("WARC-Record-ID") or "", headers.get_header("WARC-Date") or "",
                       head.offset)


_ORIGINALS = """
CREATE TABLE originals (record_id TEXT PRIMARY KEY, rec_type TEXT, url TEXT, date TEXT, offset INTEGER)
    WITHOUT ROWID;
CREATE TABLE first_by_url (url TEXT PRIMARY KEY, record_id TEXT) WITHOUT ROWID;
"""


class OriginalIndex:
    """Record id -> original, and URL -> its first capture: what derived records point at.

    In SQLite (a hidden file of the output folder when ``store`` is given): one row a capture,
    which at 50,000 pages was 26 MB as Python dicts. With the old server's answers beside the
    master (:mod:`archive.served`: the records and the mirror were made from them), they come first:
    where one stands at a file's URL, the mirror's page was made from it."""

    def __init__(self, master: Path, store: Path | None = None) -> None:
        self._store = SqliteStore(store, _ORIGINALS)
        db = self._store.db
        db.execute("BEGIN")
        served = served_answers(master)
        for original in itertools.chain(iter_originals(served) if served is not None else (), iter_originals(master)):
            db.execute("INSERT OR REPLACE INTO originals VALUES (?, ?, ?, ?, ?)",
                       (original.record_id, original.record_type, original.url, original.date, original.offset))
            if original.record_type != "revisit":
                db.execute("INSERT OR IGNORE INTO first_by_url VALUES (?, ?)", (original.url, original.record_id))
        db.execute("COMMIT")

    def _by_id(self, record_id: str) -> Original | None:
        row = self._store.db.execute("SELECT rec_type, url, record_id, date, offset FROM originals "
                                     "WHERE record_id = ?", (record_id,)).fetchone()
        return Original(*row) if row is not None else None

    def find(self, record_id: str | None, url: str) -> Original | None:
        found = self._by_id(record_id) if record_id else None
        if found is not None:
            return found
        row = self._store.db.execute("SELECT record_id FROM first_by_url WHERE url = ?", (url,)).fetchone()
        return self._by_id(row[0]) if row is not None else None

    def has_url(self, url: str) -> bool:
        """Whether a capture (not a revisit) of exactly ``url`` is in the master."""
        return self._store.db.execute("SELECT 1 FROM first_by_url WHERE url = ?", (url,)).fetchone() is not None

    def dates(self) -> tuple[str, str] | None:
        """The earliest and latest capture date (WARC-Date), or None for an empty master."""
        row = self._store.db.execute("SELECT min(date), max(date) FROM originals").fetchone()
        return (row[0], row[1]) if row is not None and row[0] is not None else None

    def close(self) -> None:
        self._store.close()

    def __enter__(self) -> OriginalIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _refers_to(original: Original) -> dict[str, str]:
    return {"WARC-Refers-To": original.record_id, "WARC-Refers-To-Target-URI": original.url,
            "WARC-Refers-To-Date": original.date}


def write_derived(path: Path, index: OriginalIndex, records_path: Path | None, out_root: Path,
                  converted: Iterable[ConvertedPage], archive: WarcArchive) -> DerivedSummary:
    """Write the metadata and conversion records into ``archive`` (already entered)."""
    problems: list[str] = []
    metadata = conversions = 0
    if records_path is not None and records_path.exists():
        for record, line in iter_page_records(records_path):
            original = index.find(record.get("warc_record_id"), record.get("url", ""))
            if original is None:
                problems.append(f"records.jsonl: {record.get('url')}: no such capture in the master WARC")
                continue
            archive.write_record("metadata", original.url, io.BytesIO(line), length=len(line),
                                 content_type="application/json", headers=_refers_to(original))
            metadata += 1
    for page in converted:
        original = index.find(None, page.url)
        file = out_root / page.path
        if original is None or not file.is_file():
            problems.append(f"{page.path}: " + ("no capture of " + page.url if original is None else "missing"))
            continue
        with file.open("rb") as body:
            archive.write_record("conversion", original.url, body, length=file.stat().st_size,
                                 content_type="text/html; charset=utf-8",
                                 headers={**_refers_to(original), MIRROR_PATH_HEADER: page.path})
        conversions += 1
    return DerivedSummary(path, metadata, conversions, tuple(problems))
