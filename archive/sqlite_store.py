"""SQLite databases for what grows with the site and is looked up at random (the mirror plan,
the master's capture index), so memory stays flat however large the site is.

Two kinds, each kept in a hidden file of the output folder (or in memory for small one-off uses):
a :class:`SqliteStore`, written and read while a stage runs and removed after (the mirror plan),
named ``.NAME.sqlite`` (which is how one a stopped run left is found: :func:`remove_store_files`);
a :class:`FrozenStore`, written once under a temporary name, renamed into place and only read after
(:mod:`archive.capture_index`). Forked worker processes each open the file for themselves (a SQLite
connection must not cross a fork), and only the process that made a :class:`SqliteStore` removes it.
"""
from __future__ import annotations

import errno
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any
from urllib.parse import quote

from archive.durable import current_umask


@contextmanager
def _full_disk_as_oserror(path: Path | None) -> Iterator[None]:
    """SQLite's "database or disk is full" as the OSError every other write raises, so a full
    disk stops the run with the same advice."""
    try:
        yield
    except sqlite3.OperationalError as error:
        if "full" in str(error).lower() or ("disk i/o error" in str(error).lower() and _no_space(path)):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path) if path else None) from error
        raise


def _no_space(path: Path | None) -> bool:
    """Whether the file system of ``path`` has no room left: SQLite says "disk I/O error" when the
    disk fills while it writes its journal, not "full"."""
    if path is None:
        return False
    try:
        return os.statvfs(path.parent).f_bavail == 0
    except OSError:
        return False


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
        self._owner = os.getpid()
        """The process that made the store: the only one that removes its files."""
        self._pid = self._owner
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
        """Close this process's connection; in the process that made the store, also remove its
        files (whatever it held can be made again from the WARC). A forked worker that closes its
        copy leaves them: its parent is still reading them."""
        if os.getpid() == self._pid:
            self._connection.close()
        if os.getpid() != self._owner:
            return
        for name in self._files():
            name.unlink(missing_ok=True)


_CANNOT_WRITE = frozenset({errno.EROFS, errno.EACCES, errno.EPERM})


class FrozenStore:
    """A database written once (:func:`write_once`) and only read after.

    Each process reads through a read-only connection of its own, opened at its first question
    (an object just made, or inherited by a forked worker, holds none), and closing never removes
    the file: a child cannot take it from its parent, and what it describes outlives the stage.
    The file is never changed in place (a new one is renamed over it), so it is opened
    ``immutable``: no locks, no journal, nothing written beside it.
    """

    def __init__(self, path: Path | None, connection: sqlite3.Connection | None = None) -> None:
        """``path`` None: ``connection`` is a database in memory, for this process only."""
        self.path = path
        self._pid = os.getpid()
        self._connection = connection
        self._inherited: list[sqlite3.Connection] = []

    @property
    def db(self) -> sqlite3.Connection:
        """This process's connection."""
        if self._connection is not None and self._pid == os.getpid():
            return self._connection
        if self.path is None:
            raise RuntimeError("a store kept in memory cannot be read from another process")
        if self._connection is not None:
            self._inherited.append(self._connection)  # the parent's: never closed from here
        self._pid, self._connection = os.getpid(), _connect_read_only(self.path)
        return self._connection

    def close(self) -> None:
        """Close this process's connection (the file stays: it can be opened again)."""
        if self._connection is not None and self._pid == os.getpid():
            self._connection.close()
            self._connection = None


def _connect_read_only(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(f"file:{quote(str(path))}?mode=ro&immutable=1", uri=True, timeout=60,
                                 isolation_level=None, check_same_thread=False, factory=_Connection)
    connection.store_path = path
    return connection


def write_once(path: Path, schema: str, fill: Callable[[sqlite3.Connection], None], *,
               mtime_ns: int | None = None) -> FrozenStore:
    """``path`` made afresh by ``fill`` (after ``schema``), under a temporary name renamed into place
    when complete, so a reader opens either the old file or the whole new one, and a killed writer
    leaves only a ``.part`` file (removed by the next run's lock). ``mtime_ns``: the modification
    time to give the file (what it describes can be told by it without a byte of its own changing).

    Where the folder cannot be written (a read-only output folder that ``sunset verify`` reads),
    the database is made in memory instead, for this process only.
    """
    try:
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".part")
    except OSError as error:
        if error.errno not in _CANNOT_WRITE:
            raise
        memory = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False, factory=_Connection)
        memory.executescript(schema)
        fill(memory)
        return FrozenStore(None, memory)
    os.close(descriptor)
    try:
        connection = sqlite3.connect(temporary, isolation_level=None, factory=_Connection)
        try:
            connection.store_path = path
            # Nothing here needs to survive a crash: an interrupted file is never renamed into place.
            connection.execute("PRAGMA journal_mode=OFF")
            connection.execute("PRAGMA synchronous=OFF")
            connection.executescript(schema)
            fill(connection)
        finally:
            connection.close()
        os.chmod(temporary, 0o666 & ~current_umask())  # mkstemp's 0600, like every other file sunset writes
        if mtime_ns is not None:
            os.utime(temporary, ns=(mtime_ns, mtime_ns))
        os.replace(temporary, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(temporary)
        raise
    return FrozenStore(path)


STORE_PATTERNS = (".*.sqlite", ".*.sqlite-wal", ".*.sqlite-shm")
"""A store's files in its folder: hidden, so nothing else there looks like one (``crawl.sqlite``,
which a crawl resumes from, is not a store)."""


def remove_store_files(folder: Path) -> int:
    """Remove the stores a stopped run left in ``folder`` (a store is made afresh each time, so
    none is ever read again); returns how many files went. Only while no other process uses
    them: sunset holds the output folder's lock."""
    removed = 0
    for pattern in STORE_PATTERNS:
        for leftover in folder.glob(pattern):
            try:
                leftover.unlink()
            except OSError:
                continue
            removed += 1
    return removed
