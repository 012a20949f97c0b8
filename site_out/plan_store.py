"""The mirror plan on disk: which capture writes which file, and the URL -> file map.

Both grow with the site (about 0.85 KB a URL as Python dicts: 43 MB at 50,000 pages), and both
are needed whole before the first page is rewritten, since links point forward. In SQLite they
cost a few microseconds a lookup and no memory, as the crawl's frontier does. The mirror keeps
its plan in a hidden file of the output folder (:class:`archive.sqlite_store.SqliteStore`),
which its forked workers each open for themselves; one-off uses keep it in memory.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from archive.sqlite_store import SqliteStore

FileKind = Literal["html", "css", "other", "redirect"]


@dataclass(frozen=True, slots=True)
class PlannedFile:
    url: str
    path: str
    kind: FileKind


_SCHEMA = """
CREATE TABLE paths (key TEXT PRIMARY KEY, path TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE files (ordinal INTEGER PRIMARY KEY, url TEXT NOT NULL, path TEXT NOT NULL, kind TEXT NOT NULL,
                    page INTEGER NOT NULL DEFAULT 0);
CREATE INDEX files_by_path ON files (path);
"""
_CACHED = 8192


def plan_store(path: Path | None) -> SqliteStore:
    """The database of one plan (``path`` None: in memory, not for forked workers)."""
    return SqliteStore(path, _SCHEMA)


class PlanPaths(MutableMapping[str, str]):
    """lookup key -> mirror path, with the most recent answers kept in memory."""

    def __init__(self, store: SqliteStore) -> None:
        self._store = store
        self._recent: dict[str, str | None] = {}

    def get(self, key: str, default: str | None = None) -> str | None:  # type: ignore[override]
        try:
            found = self._recent[key]
        except KeyError:
            row = self._store.db.execute("SELECT path FROM paths WHERE key = ?", (key,)).fetchone()
            found = row[0] if row is not None else None
            if len(self._recent) >= _CACHED:
                self._recent.clear()
            self._recent[key] = found
        return default if found is None else found

    def __getitem__(self, key: str) -> str:
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return found

    def __setitem__(self, key: str, path: str) -> None:
        self._store.db.execute("INSERT OR REPLACE INTO paths (key, path) VALUES (?, ?)", (key, path))
        self._recent.pop(key, None)

    def __delitem__(self, key: str) -> None:
        self._store.db.execute("DELETE FROM paths WHERE key = ?", (key,))
        self._recent.pop(key, None)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    def __iter__(self) -> Iterator[str]:
        return (key for (key,) in self._store.db.execute("SELECT key FROM paths"))

    def __len__(self) -> int:
        return self._store.db.execute("SELECT count(*) FROM paths").fetchone()[0]


class PlanFiles:
    """capture ordinal -> the file it writes, in ordinal order; which of them became pages."""

    def __init__(self, store: SqliteStore) -> None:
        self._store = store
        self._marked: list[str] = []

    def add(self, ordinal: int, planned: PlannedFile) -> None:
        self._store.db.execute("INSERT INTO files (ordinal, url, path, kind) VALUES (?, ?, ?, ?)",
                               (ordinal, planned.url, planned.path, planned.kind))

    def get(self, ordinal: int) -> PlannedFile | None:
        row = self._store.db.execute("SELECT url, path, kind FROM files WHERE ordinal = ?", (ordinal,)).fetchone()
        return PlannedFile(*row) if row is not None else None

    def items(self) -> Iterator[tuple[int, PlannedFile]]:
        """In ordinal order, a batch at a time: no statement stays open while the caller marks pages."""
        last = -1
        while batch := self._store.db.execute("SELECT ordinal, url, path, kind FROM files WHERE ordinal > ? "
                                              "ORDER BY ordinal LIMIT 1024", (last,)).fetchall():
            for ordinal, url, path, kind in batch:
                yield ordinal, PlannedFile(url, path, kind)
            last = batch[-1][0]

    def values(self) -> Iterator[PlannedFile]:
        return (planned for _, planned in self.items())

    def __len__(self) -> int:
        return self._store.db.execute("SELECT count(*) FROM files").fetchone()[0]

    def __bool__(self) -> bool:
        return self._store.db.execute("SELECT 1 FROM files LIMIT 1").fetchone() is not None

    def has_path(self, path: str) -> bool:
        return self._store.db.execute("SELECT 1 FROM files WHERE path = ? LIMIT 1", (path,)).fetchone() is not None

    def mark_page(self, path: str) -> None:
        """The file at ``path`` was written as a rewritten page (not copied as is)."""
        self._marked.append(path)
        if len(self._marked) >= 512:
            self._flush()

    def _flush(self) -> None:
        """The marks so far, in one transaction (a commit per page cost more than the page's lookup)."""
        if self._marked:
            db = self._store.db
            db.execute("BEGIN")
            db.executemany("UPDATE files SET page = 1 WHERE path = ?", ((path,) for path in self._marked))
            db.execute("COMMIT")
            self._marked.clear()

    def is_page(self, path: str) -> bool:
        self._flush()
        return self._store.db.execute("SELECT 1 FROM files WHERE path = ? AND page = 1 LIMIT 1",
                                      (path,)).fetchone() is not None

    def pages(self) -> Iterator[PlannedFile]:
        """The files written as rewritten pages, in ordinal order."""
        self._flush()
        for url, path, kind in self._store.db.execute(
                "SELECT url, path, kind FROM files WHERE page = 1 ORDER BY ordinal"):
            yield PlannedFile(url, path, kind)


class SqlSet:
    """Membership in one column of a table (what build_plan's sets and dicts answer)."""

    def __init__(self, store: SqliteStore, table: str, column: str) -> None:
        self._store = store
        self._query = f"SELECT 1 FROM {table} WHERE {column} = ? LIMIT 1"

    def __contains__(self, value: object) -> bool:
        return self._store.db.execute(self._query, (value,)).fetchone() is not None


def sorted_pairs(store: SqliteStore, pairs: Iterable[tuple[str, str]]) -> Iterator[tuple[str, str]]:
    """``pairs`` sorted by their first item (stably), the sorting done in ``store``, not in memory."""
    db = store.db
    db.execute("CREATE TABLE sorting (k TEXT NOT NULL, seq INTEGER NOT NULL, v TEXT NOT NULL, "
               "PRIMARY KEY (k, seq)) WITHOUT ROWID")
    try:
        db.execute("BEGIN")
        db.executemany("INSERT INTO sorting VALUES (?, ?, ?)",
                       ((key, seq, value) for seq, (key, value) in enumerate(pairs)))
        db.execute("COMMIT")
        cursor = db.execute("SELECT k, v FROM sorting ORDER BY k, seq")
        while batch := cursor.fetchmany(1024):
            yield from batch
    finally:
        db.execute("DROP TABLE sorting")
