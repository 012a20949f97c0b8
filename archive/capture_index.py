"""One index of a master's captures, built once and asked by every stage that looks one up.

The mirror's plan (the captures in order, and which is the first of its URL), the package (the
original a derived record or a WACZ page names, the start URL, the bag's capture dates), the
reconstruction (the capture the old server answered another spelling with) and the preflight (is
the start page there) all ask about the master's capture records by their headers alone. One
table answers them all, one row a capture record (:class:`Original`), with the URL's lookup keys
(exact and case-folded), the record id, and its head as :mod:`archive.heads` keeps it.

Built from the writer's record heads when they describe the WARC, else from one headers-only read
of it (:func:`archive.reader.iter_record_heads` decides; the rows are the same either way), and kept
beside the master as ``.NAME.warc.gz.captures`` (:class:`archive.sqlite_store.FrozenStore`): written
under a temporary name and renamed into place, then only read, each process through a read-only
connection of its own, so a forked worker needs nothing of its parent's and no one deletes it on
close. It says which WARC it describes, as the heads do, by the WARC's size (in its table) and
modification time (its own file's), and :class:`CaptureIndex` makes it again when the WARC is
another one (a resumed crawl, a file copied over it): that is the one staleness check. So its bytes
depend on the WARC's bytes alone: a WARC made again byte for byte gets the same index, byte for byte.

Batch, which passes over an input WARC once (where each capture lies), reads the same rows without
keeping them: :func:`iter_originals`.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from archive.capture import CAPTURE_RECORD_TYPES, Capture
from archive.heads import RecordHead, head_json, heads_from_lines
from archive.index_lines import lines_path, warc_stamp
from archive.reader import WarcReadError, head_capture, iter_record_heads, iter_record_spans
from archive.sqlite_store import FrozenStore, write_once
from archive.urls import BadURL, lookup_key

CAPTURE_INDEX = "captures"
"""The index's file beside the master: ``.NAME.warc.gz.captures`` (:func:`archive.index_lines.lines_path`)."""
_FORMAT = 1
"""Raised when the table changes, so an index an older sunset left is made again."""


@dataclass(frozen=True, slots=True)
class Original:
    """A capture record of a WARC by its head alone (no body): what every lookup answers with."""

    seq: int
    """Its place among the WARC's capture records (response, revisit, resource), in file order."""
    head: RecordHead
    length: int | None = field(default=None, compare=False)
    """Its record's bytes in the WARC, when read from the file (:func:`iter_originals`)."""

    @property
    def rec_type(self) -> str:
        return self.head.rec_type

    @property
    def offset(self) -> int:
        """Where its record starts in the WARC."""
        return self.head.offset

    def warc_header(self, name: str) -> str | None:
        return self.head.rec_headers.get_header(name)

    @property
    def url(self) -> str:
        return self.warc_header("WARC-Target-URI") or ""

    @property
    def record_id(self) -> str:
        return self.warc_header("WARC-Record-ID") or ""

    @property
    def date(self) -> str:
        """``WARC-Date`` as written."""
        return self.warc_header("WARC-Date") or ""

    @property
    def payload_digest(self) -> str | None:
        return self.warc_header("WARC-Payload-Digest")

    def target(self) -> tuple[str, str, str]:
        """URL, record id and date of the capture whose payload this record holds: for a revisit,
        the one its ``WARC-Refers-To`` headers name (viewers follow one hop only); else its own."""
        if self.rec_type != "revisit":
            return self.url, self.record_id, self.date
        return (self.warc_header("WARC-Refers-To-Target-URI") or self.url,
                self.warc_header("WARC-Refers-To") or self.record_id,
                self.warc_header("WARC-Refers-To-Date") or self.date)


def iter_originals(warc: Path, *, lengths: bool = False) -> Iterator[Original]:
    """Every capture record of ``warc``, in file order, in one pass (nothing kept). ``lengths``:
    with each record's length, which only a read of the WARC gives (the heads do not keep it):
    what batch copies of an input WARC (:func:`archive.reader.iter_record_spans`)."""
    if not lengths:
        yield from (Original(seq, head) for seq, head in enumerate(iter_record_heads(warc)))
        return
    spans = (span for span in iter_record_spans(warc) if span.rec_type in CAPTURE_RECORD_TYPES)
    for seq, span in enumerate(spans):
        yield Original(seq, RecordHead(span.rec_type, span.offset, span.rec_headers, span.http_headers), span.length)


_SCHEMA = """
CREATE TABLE described (size INTEGER NOT NULL, format INTEGER NOT NULL);
CREATE TABLE captures (
    seq INTEGER PRIMARY KEY,
    ordinal INTEGER,    -- among the captures a reader yields; NULL: a revisit of a record not in this WARC
    rec_type TEXT NOT NULL,
    url TEXT NOT NULL,
    exact TEXT,         -- lookup key (NULL: not a usable URL)
    folded TEXT,        -- lookup key with the path's case folded (IIS-like sites)
    record_id TEXT NOT NULL,
    date TEXT NOT NULL,
    head TEXT NOT NULL  -- as a line of the heads file
);
"""
_LOOKUPS = """
CREATE INDEX by_url ON captures (url, seq);
CREATE INDEX by_exact ON captures (exact, seq);
CREATE INDEX by_folded ON captures (folded, seq);
CREATE INDEX by_record_id ON captures (record_id, seq);
CREATE INDEX by_ordinal ON captures (ordinal);
"""
_COLUMNS = "seq, head"


def _keys(url: str) -> tuple[str | None, str | None]:
    if not url:
        return None, None
    try:
        return lookup_key(url, False), lookup_key(url, True)
    except (BadURL, ValueError):
        return None, None


def _fill(db: sqlite3.Connection, warc: Path, size: int) -> None:
    """One row a capture record. A revisit is a capture a reader yields only when a response
    before it in this WARC holds its payload (:func:`archive.reader.iter_warc_captures`)."""
    db.execute("CREATE TEMP TABLE payloads (digest TEXT PRIMARY KEY) WITHOUT ROWID")
    db.execute("BEGIN")
    ordinal = 0
    for original in iter_originals(warc):
        digest = original.payload_digest
        shown = True
        if original.rec_type == "revisit":
            shown = bool(digest) and db.execute("SELECT 1 FROM payloads WHERE digest = ?",
                                                (digest,)).fetchone() is not None
        elif original.rec_type == "response" and digest:
            db.execute("INSERT OR IGNORE INTO payloads VALUES (?)", (digest,))
        url = original.url
        db.execute("INSERT INTO captures VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   (original.seq, ordinal if shown else None, original.rec_type, url, *_keys(url),
                    original.record_id, original.date, head_json(original.head)))
        ordinal += 1 if shown else 0
    db.execute("INSERT INTO described VALUES (?, ?)", (size, _FORMAT))
    db.execute("COMMIT")
    db.executescript(_LOOKUPS)
    db.execute("DROP TABLE temp.payloads")


def _describes(path: Path, size: int, mtime_ns: int) -> bool:
    store = FrozenStore(path)
    try:
        return path.stat().st_mtime_ns == mtime_ns and \
            store.db.execute("SELECT size, format FROM described").fetchone() == (size, _FORMAT)
    except (OSError, sqlite3.DatabaseError):  # no such file, or not one of ours
        return False
    finally:
        store.close()


class CaptureIndex:
    """The capture index of ``warc``, made now unless the one beside it describes this very file.

    Holds no connection until it is asked something, and then one per process: pass it to a
    forked worker as it is. Rows come back as :class:`Original`; ``case_insensitive`` lookups
    fold the path's case as the old IIS server did (:func:`archive.urls.lookup_key`).
    """

    def __init__(self, warc: Path) -> None:
        self.warc = warc
        try:
            size, mtime_ns = warc_stamp(warc)
        except OSError as error:
            raise WarcReadError(f"cannot open WARC {warc}: {error.strerror or error}") from error
        path = lines_path(warc, CAPTURE_INDEX)
        if _describes(path, size, mtime_ns):
            self._store = FrozenStore(path)
        else:
            self._store = write_once(path, _SCHEMA, lambda db: _fill(db, warc, size), mtime_ns=mtime_ns)

    def _one(self, where: str, *values: object) -> Original | None:
        row = self._store.db.execute(f"SELECT {_COLUMNS} FROM captures WHERE {where} ORDER BY seq LIMIT 1",
                                     values).fetchone()
        return _original(row) if row is not None else None

    def _rows(self, query: str, *values: object) -> Iterator[tuple]:
        cursor = self._store.db.execute(query, values)
        while batch := cursor.fetchmany(1024):
            yield from batch

    def originals(self) -> Iterator[Original]:
        """Every capture record, in file order."""
        return (_original(row) for row in self._rows(f"SELECT {_COLUMNS} FROM captures ORDER BY seq"))

    def captures(self) -> Iterator[Capture]:
        """The captures a reader of the WARC yields (:func:`archive.reader.iter_warc_captures`), in
        the same order (their ordinals), each with an empty body."""
        for row in self._rows(f"SELECT {_COLUMNS} FROM captures WHERE ordinal IS NOT NULL ORDER BY ordinal"):
            original = _original(row)
            yield head_capture(self.warc, original.head)

    def count(self) -> int:
        """How many captures a reader of the WARC yields (what :meth:`captures` counts to)."""
        row = self._store.db.execute("SELECT count(ordinal) FROM captures").fetchone()
        return int(row[0]) if row is not None else 0

    def by_record_id(self, record_id: str) -> Original | None:
        return self._one("record_id = ?", record_id)

    def first(self, url: str, *, revisits: bool = True) -> Original | None:
        """The first capture record of exactly ``url`` (``revisits`` False: not a revisit)."""
        return self._one("url = ?" if revisits else "url = ? AND rec_type != 'revisit'", url)

    def find(self, record_id: str | None, url: str) -> Original | None:
        """The original a page record names: by its record id, else the first capture (not a
        revisit) of its URL."""
        found = self.by_record_id(record_id) if record_id else None
        return found if found is not None else self.first(url, revisits=False)

    def first_by_key(self, key: str, *, case_insensitive: bool) -> Original | None:
        """The first capture record whose URL has lookup ``key``."""
        return self._one(f"{_key_column(case_insensitive)} = ?", key)

    def first_ordinal(self, key: str, *, case_insensitive: bool) -> int | None:
        """The ordinal of the first capture a reader yields whose URL has lookup ``key``."""
        row = self._store.db.execute(f"SELECT min(ordinal) FROM captures WHERE {_key_column(case_insensitive)} = ?",
                                     (key,)).fetchone()
        return row[0] if row is not None else None

    def dates(self) -> tuple[str, str] | None:
        """The earliest and latest ``WARC-Date`` of the capture records (as written), or None."""
        row = self._store.db.execute("SELECT min(date), max(date) FROM captures").fetchone()
        return (row[0], row[1]) if row is not None and row[0] is not None else None

    def close(self) -> None:
        """Close this process's connection; the index stays for the next stage."""
        self._store.close()

    def __enter__(self) -> CaptureIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _key_column(case_insensitive: bool) -> str:
    return "folded" if case_insensitive else "exact"


def _original(row: tuple) -> Original:
    seq, head = row
    return Original(seq, next(heads_from_lines([head])))
