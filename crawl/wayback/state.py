"""The web-archive source's memory on disk: each URL of the site, the captures the archive lists
for it, and where the work stands, so a run killed at any moment resumes without asking the
archive again for what the WARC already holds.

SQLite in the output folder, touched by one thread. A URL becomes ``done`` only after its record
was flushed to the WARC; a kill in between leaves it ``todo`` with its record in the WARC, which
the resume believes (:meth:`crawl.wayback.source.WaybackSource.recover`).
"""
from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from crawl.state_db import StateDb
from crawl.wayback.cdx import CdxRow


class State(str, enum.Enum):
    TODO = "todo"
    DONE = "done"
    """Archived: its record is in the WARC."""
    MISSING = "missing"
    """The archive holds no usable capture inside the window."""
    ERROR = "error"
    """The archive's captures could not be used (refused payloads, answers that are no capture)."""
    SKIPPED = "skipped"
    """Out of scope, excluded, or disallowed by the robots.txt of the time."""


@dataclass(frozen=True, slots=True)
class Entry:
    id: int
    key: str
    url: str
    depth: int
    hops: int
    referrer: str | None
    looked_up: bool
    """Whether the archive's index was asked for this URL (or listed it)."""


_SCHEMA = """
CREATE TABLE IF NOT EXISTS urls(
    id INTEGER PRIMARY KEY, key TEXT UNIQUE NOT NULL, url TEXT NOT NULL, state TEXT NOT NULL,
    depth INTEGER NOT NULL DEFAULT 0, hops INTEGER NOT NULL DEFAULT 0, referrer TEXT,
    looked_up INTEGER NOT NULL DEFAULT 0, capture TEXT, note TEXT);
CREATE INDEX IF NOT EXISTS urls_state ON urls(state, id);
CREATE TABLE IF NOT EXISTS captures(
    key TEXT NOT NULL, timestamp TEXT NOT NULL, original TEXT NOT NULL, mime TEXT NOT NULL,
    status INTEGER, digest TEXT NOT NULL, PRIMARY KEY(key, timestamp, original));
"""
_COLUMNS = "id, key, url, depth, hops, referrer, looked_up"


class WaybackState(StateDb):
    def __init__(self, path: Path) -> None:
        super().__init__(path, _SCHEMA)

    # -- URLs -----------------------------------------------------------------------------
    def add(self, key: str, url: str, *, state: State = State.TODO, depth: int = 0, hops: int = 0,
            referrer: str | None = None, looked_up: bool = False, note: str | None = None) -> bool:
        """A URL not seen before; False (nothing changes) when its key is known."""
        cursor = self._db.execute(
            "INSERT OR IGNORE INTO urls(key, url, state, depth, hops, referrer, looked_up, note) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (key, url, state.value, depth, hops, referrer, int(looked_up), note))
        return cursor.rowcount == 1

    def known(self, keys: Iterable[str]) -> set[str]:
        keys = list(keys)
        found: set[str] = set()
        for start in range(0, len(keys), 500):
            batch = keys[start:start + 500]
            rows = self._db.execute(f"SELECT key FROM urls WHERE key IN ({','.join('?' * len(batch))})", batch)
            found.update(row[0] for row in rows)
        return found

    def next_todo(self) -> Entry | None:
        row = self._db.execute(f"SELECT {_COLUMNS} FROM urls WHERE state=? ORDER BY id LIMIT 1",
                               (State.TODO.value,)).fetchone()
        return _entry(row)

    def entry(self, key: str) -> Entry | None:
        return _entry(self._db.execute(f"SELECT {_COLUMNS} FROM urls WHERE key=?", (key,)).fetchone())

    def state_of(self, key: str) -> State | None:
        row = self._db.execute("SELECT state FROM urls WHERE key=?", (key,)).fetchone()
        return State(row[0]) if row else None

    def settle(self, key: str, state: State, *, capture: str | None = None, note: str | None = None) -> None:
        self._db.execute("UPDATE urls SET state=?, capture=COALESCE(?, capture), note=? WHERE key=?",
                         (state.value, capture, note, key))

    def count(self, *states: State) -> int:
        marks = ",".join("?" * len(states))
        return int(self._db.execute(f"SELECT COUNT(*) FROM urls WHERE state IN ({marks})",
                                    [state.value for state in states]).fetchone()[0])

    def problems(self) -> list[tuple[str, str, str]]:
        """(state, URL, note) of every URL that is not archived, in the order met."""
        rows = self._db.execute("SELECT state, url, COALESCE(note, '') FROM urls WHERE state IN (?, ?, ?) "
                                "ORDER BY id", (State.MISSING.value, State.ERROR.value, State.SKIPPED.value))
        return [(row[0], row[1], row[2]) for row in rows]

    # -- captures the archive lists ----------------------------------------------------------
    def add_captures(self, key: str, rows: Iterable[CdxRow]) -> None:
        self._db.executemany(
            "INSERT OR IGNORE INTO captures(key, timestamp, original, mime, status, digest) VALUES (?, ?, ?, ?, ?, ?)",
            [(key, row.timestamp, row.original, row.mime, row.status, row.digest) for row in rows])

    def mark_looked_up(self, key: str) -> None:
        self._db.execute("UPDATE urls SET looked_up=1 WHERE key=?", (key,))

    def captures(self, key: str) -> list[CdxRow]:
        rows = self._db.execute("SELECT timestamp, original, mime, status, digest FROM captures WHERE key=?", (key,))
        return [CdxRow("", timestamp, original, mime, status, digest)
                for timestamp, original, mime, status, digest in rows]


def _entry(row: tuple | None) -> Entry | None:
    if row is None:
        return None
    id_, key, url, depth, hops, referrer, looked_up = row
    return Entry(id_, key, url, depth, hops, referrer, bool(looked_up))
