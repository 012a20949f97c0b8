"""A SQLite database for what grows with the site and is looked up at random (the mirror plan,
the package's indexes of the master), so memory stays flat however large the site is.

Kept in a hidden file of the output folder, or in memory for small one-off uses. Forked worker
processes each open the file for themselves: a SQLite connection must not cross a fork.
"""
from __future__ import annotations

import errno
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


@contextmanager
def _full_disk_as_oserror(path: Path | None) -> Iterator[None]:
    """SQLite's "database or disk is full" as the OSError every other write raises, so a full
    disk stops the run with the same advice."""
    try:
        yield
    except sqlite3.OperationalError as error:
        if "full" in str(error).lower():
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path) if path else None) from error
        raise


class _Connection(sqlite3.Connection):
    store_path: Path | None = None

    def execute(self, *args: Any) -> sqlite3.Cursor:  # type: ignore[override]
        with _full_disk_as_oserror(self.store_path):
            return super().execute(*args)

    def executemany(self, *args: Any) -> sqlite3.Cursor:  # type: ignore[override]
        with _full_disk_as_oserror(self.store_path):
            return super().executemany(*args)

    def executescript(self, *args: Any) -> sqlite3.Cursor:  # type: ignore[override]
        with _full_disk_as_oserror(self.store_path):
            return super().executescript(*args)


class SqliteStore:
    """One database; ``path`` None keeps it in memory (then only this process may read it)."""

    def __init__(self, path: Path | None, schema: str) -> None:
        self.path = path
        for leftover in self._files():
            leftover.unlink(missing_ok=True)  # an earlier run's: the store is always made afresh
        self._pid = os.getpid()
        self._inherited: list[sqlite3.Connection] = []
        self._connection = self._connect()
        self._connection.executescript(schema)

    def _files(self) -> tuple[Path, ...]:
        if self.path is None:
            return ()
        return self.path, self.path.with_name(self.path.name + "-wal"), self.path.with_name(self.path.name + "-shm")

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(str(self.path) if self.path is not None else ":memory:", timeout=60,
                                     isolation_level=None, check_same_thread=False, factory=_Connection)
        connection.store_path = self.path
        if self.path is not None:
            # One process writes while forked workers read: WAL lets both go on. Nothing here
            # needs to survive a crash (the next run makes it again), so nothing is synced.
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=OFF")
        return connection

    @property
    def db(self) -> sqlite3.Connection:
        """This process's connection (a forked worker opens its own)."""
        if os.getpid() != self._pid:
            if self.path is None:
                raise RuntimeError("a store kept in memory cannot be read from another process")
            # The parent's connection is kept, never closed here: closing it in a child could
            # end the parent's WAL as if it were the last reader.
            self._inherited.append(self._connection)
            self._pid, self._connection = os.getpid(), self._connect()
        return self._connection

    def close(self) -> None:
        """Close and remove the file (whatever it held can be made again from the WARC)."""
        if os.getpid() == self._pid:
            self._connection.close()
        for name in self._files():
            name.unlink(missing_ok=True)
