"""archive.sqlite_store: a store made in one process, read by the workers it forks."""
from __future__ import annotations

from pathlib import Path

from archive.sqlite_store import SqliteStore
from archive.workers import Aside

SCHEMA = "CREATE TABLE pages (url TEXT PRIMARY KEY, path TEXT);"


def _read_and_close(store: SqliteStore) -> list[tuple[str, str]]:
    try:
        return store.db.execute("SELECT url, path FROM pages ORDER BY url").fetchall()
    finally:
        store.close()


def _close_unused(store: SqliteStore) -> None:
    store.close()


def test_a_forked_child_that_closes_the_store_leaves_the_parents_files(tmp_path: Path) -> None:
    """A worker closes its own connection when it is done; the files are the parent's, which
    goes on reading them and removes them when it closes the store itself."""
    path = tmp_path / ".plan.sqlite"
    store = SqliteStore(path, SCHEMA)
    store.db.execute("INSERT INTO pages VALUES ('http://old.example.org/', 'index.html')")
    for child in (_read_and_close, _close_unused):
        with Aside(child, store) as aside:
            aside.result()
        assert path.exists()
        assert store.db.execute("SELECT path FROM pages").fetchall() == [("index.html",)]
    assert Aside(_read_and_close, store).result() == [("http://old.example.org/", "index.html")]
    store.close()
    assert not list(tmp_path.iterdir())


def test_a_new_store_replaces_an_earlier_runs_files(tmp_path: Path) -> None:
    path = tmp_path / ".plan.sqlite"
    first = SqliteStore(path, SCHEMA)
    first.db.execute("INSERT INTO pages VALUES ('http://old.example.org/', 'index.html')")
    second = SqliteStore(path, SCHEMA)  # the first was never closed (a killed run)
    assert second.db.execute("SELECT count(*) FROM pages").fetchone() == (0,)
    second.close()
