"""SIGKILL `sunset run` at 20 seeded random moments across its stages; the same command finishes the job.

After every kill, each file under its final name is whole (the WARCs verify, records.jsonl and the
CDXJ parse line by line, the WACZ and the bag check out); after the last, one more run completes
and its output is exactly what an uninterrupted run gives: every URL once, valid digests, a mirror
with no broken link.
"""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from archive.package.bag import validate_bag
from archive.package.verify import verify_warc
from site_out.check import iter_broken_links
from tests.conftest import ROOT
from tests.crawlserver import many_route, serve
from tests.test_crawl_site import crawl_config, read_warc

KILLS = 20
PER_ROUND = 7
URLS = 1 + 61 + 7  # robots.txt, p0..p60, the images


def _start(config: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "sunset", "run", str(config), "--out", str(out), "-q"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


STAGE_DONE = (("crawl: ", "normalize"), ("normalize: ", "mirror"), ("mirror: ", "package"),
              ("package: ", "verify"))
STAGES = ("crawl", "normalize", "mirror", "package", "verify")
AIMED = ("crawl", "mirror", "package", "verify")
"""The stage each kill in turn is aimed at: a kill at a random moment of the whole run misses a
stage that takes a small part of it (the mirror, once the records are made while crawling)."""


def _stage_killed(log: Path, skip: int) -> str:
    """The stage a run was in when killed: the one after the furthest stage its log says finished
    (the records made while crawling are logged before the crawl's own last line)."""
    try:
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()[skip:]
    except FileNotFoundError:
        return "crawl"
    stage = "crawl"
    for line in lines:
        for marker, following in STAGE_DONE:
            if f"INFO sunset: {marker}" in line and (marker != "crawl: " or " fetched, " in line):
                stage = max(stage, following, key=STAGES.index)
    return stage


def _kill_moment(process: subprocess.Popen, log: Path, skip: int, aimed: str, chance: random.Random,
                 whole_run: float) -> None:
    """Wait until the run is in ``aimed`` (by its log), then a random moment more; the crawl, which
    comes first, at a random moment of the whole run as before."""
    if aimed == "crawl":
        time.sleep(chance.uniform(0.1, 0.6) * whole_run)
        return
    while process.poll() is None and STAGES.index(_stage_killed(log, skip)) < STAGES.index(aimed):
        time.sleep(0.005)
    time.sleep(chance.uniform(0.0, 0.05) * whole_run)


def _log_length(log: Path) -> int:
    try:
        return len(log.read_text(encoding="utf-8", errors="replace").splitlines())
    except FileNotFoundError:
        return 0


def _assert_whole(out: Path) -> None:
    """Every output under its final name is complete (old or new, never half)."""
    for warc in (out / "old.warc.gz", out / "old-derived.warc.gz"):
        if warc.exists():
            assert verify_warc(warc).problems == (), warc
    for lines in (out / "records.jsonl", out / "old.cdxj"):
        if lines.exists():
            for line in lines.read_text(encoding="utf-8").splitlines():
                json.loads(line[line.index("{"):])
    if (out / "old.wacz").exists():
        with zipfile.ZipFile(out / "old.wacz") as wacz:
            assert wacz.testzip() is None
    if (out / "bag").exists():
        assert validate_bag(out / "bag") == []
    if (out / "run.json").exists():
        json.loads((out / "run.json").read_text(encoding="utf-8"))
    if (out / "site.toml").exists():
        assert (out / "site.toml").read_bytes() == (out.parent / "site.toml").read_bytes()


def _finish_and_check(config: Path, out: Path) -> None:
    final = _start(config, out)
    _, errors = final.communicate(timeout=120)
    assert final.returncode == 0, errors.decode()
    warc = out / "old.warc.gz"
    assert verify_warc(warc).problems == ()
    records = read_warc(warc)
    captures = Counter(url for kind, url, *_ in records if kind in ("response", "revisit"))
    assert len(captures) == URLS and set(captures.values()) == {1}
    assert Counter(url for kind, url, *_ in records if kind == "request") == captures
    pages = [json.loads(line) for line in (out / "records.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted(page["url"] for page in pages) == sorted(captures)
    assert list(iter_broken_links(out / "mirror")) == []
    assert len(list((out / "mirror").rglob("p*.htm"))) == 60
    assert not list(out.glob("*.open")) and not list(out.rglob(".*.part"))
    _assert_whole(out)


@pytest.mark.slow
def test_run_killed_twenty_times_then_finished(tmp_path: Path) -> None:
    """Fresh output folders, seven kills each (a kill may come after the run finished; rounds go on
    until 20 have landed), aimed at crawl, mirror, package and verify in turn."""
    chance = random.Random(20051202)
    stages: Counter[str] = Counter()
    with serve(many_route, delay=0.03) as state:
        config = crawl_config(tmp_path, state, base_url=state.origin + "/s/", fetch_from=None,
                              extra="concurrency = 2")
        with config.open("a", encoding="utf-8") as handle:
            handle.write("\n[archive]\nbagit = true\n")
        # Kill moments scale with this machine's speed: an uninterrupted run is timed first.
        started = time.monotonic()
        _finish_and_check(config, tmp_path / "uninterrupted")
        whole_run = time.monotonic() - started
        for round_number in range(KILLS // PER_ROUND + 3):
            if sum(stages.values()) >= KILLS:
                break
            out = tmp_path / f"out{round_number}"
            for _ in range(PER_ROUND):
                if sum(stages.values()) >= KILLS:
                    break
                skip = _log_length(out / "sunset.log")
                process = _start(config, out)
                _kill_moment(process, out / "sunset.log", skip, AIMED[sum(stages.values()) % len(AIMED)], chance,
                             whole_run)
                if process.poll() is None:
                    os.kill(process.pid, signal.SIGKILL)
                    stages[_stage_killed(out / "sunset.log", skip)] += 1
                returncode = process.wait()
                errors = process.stderr.read().decode()  # type: ignore[union-attr]
                process.stderr.close()  # type: ignore[union-attr]
                assert returncode in (0, -signal.SIGKILL), errors
                _assert_whole(out)
            _finish_and_check(config, out)
    assert sum(stages.values()) >= KILLS and len(stages) >= 3, stages
    print("kills by stage:", dict(stages), "whole run", round(whole_run, 2))
