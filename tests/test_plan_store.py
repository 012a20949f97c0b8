"""The mirror plan and the master's capture index live in SQLite, so memory stays flat with the site:
what they answer is what the dicts answered, forked workers read them, and no working store is left
behind. (The capture index itself: tests/test_capture_index.py.)"""
from __future__ import annotations

import os
from pathlib import Path

from archive.sqlite_store import SqliteStore
from site_out.plan_store import sorted_pairs
from tests.conftest import OTPIC_CONFIG


def test_sorted_pairs_sorts_stably_by_the_first_item(tmp_path: Path) -> None:
    """The redirect maps list their URLs as sorted() did: by old URL, ties in the order given."""
    pairs = [("http://h/b", "2"), ("http://h/a", "1"), ("http://h/é", "3"), ("http://h/a", "0"), ("http://h/Z", "4")]
    store = SqliteStore(tmp_path / ".sorting.sqlite", "")
    assert list(sorted_pairs(store, pairs)) == sorted(pairs, key=lambda pair: pair[0])
    store.close()
    assert list(tmp_path.iterdir()) == []


def test_a_forked_process_reads_the_store_through_a_connection_of_its_own(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / ".s.sqlite", "CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT);")
    store.db.execute("INSERT INTO t VALUES ('a', 'b')")
    parent = store.db
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports by its exit code
        ok = store.db is not parent and store.db.execute("SELECT v FROM t WHERE k = 'a'").fetchone() == ("b",)
        os._exit(0 if ok else 1)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert store.db is parent and store.db.execute("SELECT count(*) FROM t").fetchone() == (1,)
    store.close()


def test_a_run_leaves_no_store_behind(tmp_path: Path) -> None:
    """The stages' working stores go; the master's capture index stays beside it, as its heads do."""
    from sunset.cli import main

    out = tmp_path / "out"
    assert main(["run", str(OTPIC_CONFIG), "--out", str(out), "-q"]) == 0
    assert sorted(path.name for path in out.glob(".*sqlite*")) == []
    assert sorted(path.name for path in out.glob(".otpic.warc.gz.*")) == [
        ".otpic.warc.gz.captures", ".otpic.warc.gz.cdxj-lines", ".otpic.warc.gz.heads",
        ".otpic.warc.gz.served"]  # the old server's answers (none for this site), and their index:
    assert (out / "..otpic.warc.gz.served.captures").exists()
