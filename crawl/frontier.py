"""The crawl's memory on disk: every URL seen, where it stands, and payloads already archived.

SQLite in the output folder, so a crawl killed at any moment resumes where it stopped. Only
the crawl's main thread touches it; a URL becomes ``done`` only after its WARC records are
flushed, so a crash can leave it ``in_progress`` but never falsely ``done``.
"""
from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from crawl.state_db import StateDb


class Status(str, enum.Enum):
    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    ERROR = "error"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class Entry:
    id: int
    key: str
    url: str
    depth: int
    hops: int
    chain: str
    """Key of the first URL of the redirect chain this URL was reached through (itself if none)."""
    referrer: str | None
    attempts: int


_SCHEMA = """
CREATE TABLE IF NOT EXISTS urls(
    id INTEGER PRIMARY KEY, key TEXT UNIQUE NOT NULL, url TEXT NOT NULL, status TEXT NOT NULL,
    depth INTEGER NOT NULL, hops INTEGER NOT NULL DEFAULT 0, chain TEXT NOT NULL,
    referrer TEXT, attempts INTEGER NOT NULL DEFAULT 0, http_status INTEGER, note TEXT);
CREATE INDEX IF NOT EXISTS urls_status ON urls(status, id);
CREATE TABLE IF NOT EXISTS aliases(alias TEXT PRIMARY KEY, key TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS payloads(digest TEXT PRIMARY KEY, url TEXT NOT NULL, date TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS patterns(pattern TEXT PRIMARY KEY, count INTEGER NOT NULL);
"""
_COLUMNS = "id, key, url, depth, hops, chain, referrer, attempts"
_IN_BATCH = 500
"""Keys per ``IN (...)`` query: under SQLite's limit of bound parameters."""


class Frontier(StateDb):
    """Each URL's state; a URL's completion and the links it adds land in one :meth:`transaction`
    (inside a batch opened by :meth:`begin`, part of the batch, committed with it)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, _SCHEMA)

    def begin(self) -> None:
        """Open a batch: everything until :meth:`commit` lands together (or, after a kill, not at all)."""
        self._db.execute("BEGIN")

    def commit(self) -> None:
        if self._db.in_transaction:
            self._db.execute("COMMIT")

    # -- adding -------------------------------------------------------------------------
    def known(self, key: str) -> bool:
        return self._db.execute("SELECT 1 FROM urls WHERE key=?", (key,)).fetchone() is not None

    def chain_of(self, key: str) -> str | None:
        row = self._db.execute("SELECT chain FROM urls WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def add(self, key: str, url: str, *, depth: int, referrer: str | None, hops: int = 0,
            chain: str | None = None, status: Status = Status.TODO, note: str | None = None) -> bool:
        """Add a URL not seen before; False (and nothing changes) if its key is known."""
        cursor = self._db.execute(
            "INSERT OR IGNORE INTO urls(key, url, status, depth, hops, chain, referrer, note) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (key, url, status.value, depth, hops, chain or key, referrer, note))
        return cursor.rowcount == 1

    def add_alias(self, alias: str, key: str) -> None:
        self._db.execute("INSERT OR IGNORE INTO aliases(alias, key) VALUES (?, ?)", (alias, key))

    def aliases(self) -> dict[str, str]:
        """Spelling seen -> URL fetched, for the case-insensitive spellings folded together."""
        rows = self._db.execute(
            "SELECT aliases.alias, urls.url FROM aliases JOIN urls ON urls.key = aliases.key ORDER BY 1")
        return {alias: url for alias, url in rows if alias != url}

    def count_pattern(self, pattern: str) -> int:
        """Count one more URL of ``pattern``; returns the new count."""
        self._db.execute("INSERT INTO patterns(pattern, count) VALUES (?, 1) "
                         "ON CONFLICT(pattern) DO UPDATE SET count = count + 1", (pattern,))
        return int(self._db.execute("SELECT count FROM patterns WHERE pattern=?", (pattern,)).fetchone()[0])

    # -- working ------------------------------------------------------------------------
    def next_todo(self, limit: int) -> list[Entry]:
        rows = self._db.execute(f"SELECT {_COLUMNS} FROM urls WHERE status=? ORDER BY id LIMIT ?",
                                (Status.TODO.value, limit)).fetchall()
        return [Entry(*row) for row in rows]

    def entries(self, status: Status) -> Iterator[Entry]:
        rows = self._db.execute(f"SELECT {_COLUMNS} FROM urls WHERE status=? ORDER BY id", (status.value,))
        yield from (Entry(*row) for row in rows.fetchall())

    def urls_of(self, keys: Iterable[str]) -> dict[str, str]:
        """key -> URL for those of ``keys`` the frontier holds (whatever their status)."""
        keys = list(keys)
        found: dict[str, str] = {}
        for start in range(0, len(keys), _IN_BATCH):
            batch = keys[start : start + _IN_BATCH]
            rows = self._db.execute(f"SELECT key, url FROM urls WHERE key IN ({','.join('?' * len(batch))})", batch)
            found.update(rows.fetchall())
        return found

    def entry(self, key: str) -> Entry | None:
        row = self._db.execute(f"SELECT {_COLUMNS} FROM urls WHERE key=?", (key,)).fetchone()
        return Entry(*row) if row else None

    def set_status(self, key: str, status: Status, *, http_status: int | None = None, note: str | None = None,
                   attempt: bool = False) -> None:
        self._db.execute(
            "UPDATE urls SET status=?, http_status=COALESCE(?, http_status), note=COALESCE(?, note), "
            "attempts = attempts + ? WHERE key=?",
            (status.value, http_status, note, 1 if attempt else 0, key))

    def status_of(self, key: str) -> Status | None:
        row = self._db.execute("SELECT status FROM urls WHERE key=?", (key,)).fetchone()
        return Status(row[0]) if row else None

    def count(self, status: Status) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM urls WHERE status=?", (status.value,)).fetchone()[0])

    def problems(self) -> list[tuple[str, str, str]]:
        """(status, url, note) of every URL that failed or was left out, in crawl order."""
        rows = self._db.execute(
            "SELECT status, url, COALESCE(note, '') FROM urls WHERE status IN (?, ?) ORDER BY id",
            (Status.ERROR.value, Status.SKIPPED.value))
        return [(row[0], row[1], row[2]) for row in rows]

    # -- payloads -----------------------------------------------------------------------
    def first_capture(self, digest: str) -> tuple[str, str] | None:
        row = self._db.execute("SELECT url, date FROM payloads WHERE digest=?", (digest,)).fetchone()
        return (row[0], row[1]) if row else None

    def remember_payload(self, digest: str, url: str, date: str) -> None:
        self._db.execute("INSERT OR IGNORE INTO payloads(digest, url, date) VALUES (?, ?, ?)", (digest, url, date))
