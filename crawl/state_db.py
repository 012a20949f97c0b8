"""A source's memory on disk: SQLite in the output folder, what lets a killed run resume.

Unlike :class:`archive.sqlite_store.SqliteStore` (made afresh by every run, never synced), this
database outlives the process: write-ahead logged with ``synchronous=NORMAL`` (a committed
transaction survives the process being killed), and kept until a run starts over (``--fresh``).
The crawl's frontier and the web-archive source's state are each one.
"""
from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

_META = "CREATE TABLE IF NOT EXISTS meta(name TEXT PRIMARY KEY, value TEXT NOT NULL);\n"


class StateDb:
    """One database of one source, touched by one thread; ``schema`` its own tables."""

    def __init__(self, path: Path, schema: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(schema + _META)

    def close(self) -> None:
        self._db.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """All or nothing (inside a transaction already open, part of it)."""
        if self._db.in_transaction:
            yield
            return
        self._db.execute("BEGIN")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def get_meta(self, name: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE name=?", (name,)).fetchone()
        return row[0] if row else None

    def set_meta(self, name: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta(name, value) VALUES (?, ?)", (name, value))
