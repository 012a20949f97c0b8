"""Kill a crawl with SIGKILL part-way, run it again: one whole WARC, every URL in it exactly once."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from archive.package.verify import verify_warc
from archive.warc_writer import WarcArchive
from crawl.frontier import Frontier, Status
from sunset.cli import main
from tests.conftest import ROOT
from tests.crawlserver import many_route, serve
from tests.test_crawl_site import crawl_config, read_warc

PAGES = 61  # p0 (the folder itself) .. p60
IMAGES = 7


def _log_lines(path: Path) -> int:
    try:
        return len(path.read_text(encoding="utf-8").splitlines())
    except FileNotFoundError:
        return 0


def _crawl_until_killed(config: Path, out: Path, lines: int) -> None:
    """Start `sunset crawl` and SIGKILL it once its log has ``lines`` lines."""
    process = subprocess.Popen([sys.executable, "-m", "sunset", "crawl", str(config), "--out", str(out), "-q"],
                               cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while _log_lines(out / "crawl.log") < lines and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert process.poll() is None, "the crawl finished before it could be killed"
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait()


def test_killed_crawl_resumes_without_losing_or_repeating_a_url(tmp_path: Path) -> None:
    with serve(many_route, delay=0.03) as state:
        base = state.origin + "/s/"
        config = crawl_config(tmp_path, state, base_url=base, fetch_from=None, extra="concurrency = 2")
        out = tmp_path / "out"
        _crawl_until_killed(config, out, 12)
        assert (out / "old.warc.gz.open").exists()
        _crawl_until_killed(config, out, 40)
        assert main(["crawl", str(config), "--out", str(out), "--quiet"]) == 0
    warc = out / "old.warc.gz"
    assert warc.exists() and not list(out.glob("*.open"))
    assert verify_warc(warc).problems == ()
    records = read_warc(warc)
    captures = Counter(url for kind, url, *_ in records if kind in ("response", "revisit"))
    requests = Counter(url for kind, url, *_ in records if kind == "request")
    assert set(captures.values()) == {1} and requests == captures
    assert len(captures) == 1 + PAGES + IMAGES  # robots.txt, the pages, the images
    assert Counter(kind for kind, *_ in records)["warcinfo"] == 1
    # A fetch in flight at a kill is fetched again only if its record never reached the WARC.
    hits = Counter(state.requests)
    repeated = sum(count - 1 for count in hits.values())
    assert max(hits.values()) <= 3 and repeated <= 2 * 2 * 2
    frontier = Frontier(out / "crawl.sqlite")
    try:
        assert frontier.count(Status.DONE) == len(captures)
        assert frontier.count(Status.TODO) == frontier.count(Status.IN_PROGRESS) == 0
    finally:
        frontier.close()


def test_resume_cuts_a_half_written_record(tmp_path: Path) -> None:
    """The tail a kill leaves (half a gzip member, or a request without its response) is cut off."""
    with serve(many_route) as state:
        config = crawl_config(tmp_path, state, base_url=state.origin + "/s/", fetch_from=None,
                              extra="max_pages = 4")
        out = tmp_path / "out"
        assert main(["crawl", str(config), "--out", str(out), "--quiet"]) == 0
    warc = out / "old.warc.gz"
    whole = warc.read_bytes()
    half_open = out / "half.warc.gz.open"
    # Half of the last gzip member: a slice taken anywhere could begin on a member boundary and hold a whole record.
    with warc.open("rb") as handle:
        iterator = ArchiveIterator(handle)
        starts = [iterator.get_record_offset() for _ in iterator]
    half_open.write_bytes(whole + whole[starts[-1]: starts[-1] + (len(whole) - starts[-1]) // 2])
    with WarcArchive(out / "half.warc.gz", software="test", info={}, resume=True) as archive:
        assert archive.resumed_at == len(whole)
    assert (out / "half.warc.gz").read_bytes() == whole
    assert verify_warc(out / "half.warc.gz").problems == ()


def test_interrupted_fetch_already_in_the_warc_is_not_fetched_again(tmp_path: Path) -> None:
    """A kill between flushing a response and marking its URL done: the WARC is believed."""
    with serve(many_route) as state:
        base = state.origin + "/s/"
        config = crawl_config(tmp_path, state, base_url=base, fetch_from=None, extra="max_pages = 5")
        out = tmp_path / "out"
        assert main(["crawl", str(config), "--out", str(out), "--quiet"]) == 0
        (out / "old.warc.gz").rename(out / "old.warc.gz.open")
        frontier = Frontier(out / "crawl.sqlite")
        frontier.set_status(base + "p1.htm", Status.IN_PROGRESS)
        frontier.set_meta("complete", "0")
        frontier.close()
        before = Counter(state.requests)
        assert main(["crawl", str(config), "--out", str(out), "--quiet", "--max-pages", "6"]) == 0
        after = Counter(state.requests)
    assert after["/s/p1.htm"] == before["/s/p1.htm"] == 1
    assert sum(after.values()) == sum(before.values()) + 1  # only the one new page the higher limit allows
    captures = Counter(url for kind, url, *_ in read_warc(out / "old.warc.gz") if kind in ("response", "revisit"))
    assert set(captures.values()) == {1} and len(captures) == 6


def test_a_lost_batch_of_completions_is_replayed_from_the_warc(tmp_path: Path) -> None:
    """Completions are committed in batches: a kill loses the last one. Its URLs are back to
    ``todo`` (their dispatch was in the batch too) and the links they found are gone; the WARC
    holds their records, so the resume replays them instead of fetching anything twice."""
    with serve(many_route) as state:
        base = state.origin + "/s/"
        config = crawl_config(tmp_path, state, base_url=base, fetch_from=None, extra="max_pages = 8")
        out = tmp_path / "out"
        assert main(["crawl", str(config), "--out", str(out), "--quiet"]) == 0
        (out / "old.warc.gz").rename(out / "old.warc.gz.open")
        frontier = Frontier(out / "crawl.sqlite")
        done = [entry for entry in frontier.entries(Status.DONE) if not entry.url.endswith("robots.txt")]
        lost = done[-4:]  # the last completions, as if their batch never committed
        with frontier.transaction():
            for entry in lost:
                frontier.set_status(entry.key, Status.TODO)
            frontier._db.execute("DELETE FROM urls WHERE referrer IN (%s) AND status=?"
                                 % ",".join("?" * len(lost)), (*[entry.url for entry in lost], Status.TODO.value))
            frontier.set_meta("complete", "0")
        frontier.close()
        before = Counter(state.requests)
        assert main(["crawl", str(config), "--out", str(out), "--quiet", "--max-pages", "9"]) == 0
        after = Counter(state.requests)
    assert all(after[path] == before[path] for path in before)  # nothing fetched twice
    assert sum(after.values()) == sum(before.values()) + 1  # only the one new page the higher limit allows
    captures = Counter(url for kind, url, *_ in read_warc(out / "old.warc.gz") if kind in ("response", "revisit"))
    assert set(captures.values()) == {1} and len(captures) == 9
