"""`sunset run` against a server with one misbehaviour per URL (tests/fault_server.py).

For every fault: the crawl goes on, the WARC stays valid (two readers agree), what arrived is
recorded honestly (cut bodies marked WARC-Truncated), memory stays bounded (the run's peak RSS,
with a 1 GiB gzip bomb among the pages), and the crawl log and the summary name the problem.
"""
from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter

import pytest

from archive.package.verify import count_with_fastwarc, verify_warc
from archive.reader import MAX_DECODED_BYTES
from tests.conftest import ROOT
from tests.crawlserver import serve
from tests.fault_server import BOMB_INFLATED, TEN_MB, fault_site_route, gzip_bomb
from tests.test_crawl_site import crawl_config, read_warc

# Runs `sunset run` and reports its own peak RSS (KiB) on the last line of stderr.
RUN_WITH_RSS = ("import resource, sys\nfrom sunset.cli import main\ncode = main(sys.argv[1:])\n"
                "print('peak-rss', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
                "sys.exit(code)")
RSS_BOUND_KIB = 900 * 1024  # generous; inflating the bomb alone would need more than 1 GiB


@pytest.fixture(scope="module")
def faulty_run(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("hostile-server")
    gzip_bomb()  # made before the crawl, so serving it does not hit the short timeout
    with serve(fault_site_route) as state:
        base = state.origin + "/h/"
        config = crawl_config(folder, state, base_url=base, fetch_from=None, extra=(
            "timeout = 1\nmax_fetch_time = 3\nretries = 2\nretry_wait = 0.05\nconcurrency = 4\nmax_per_pattern = 10"))
        out = folder / "out"
        done = subprocess.run([sys.executable, "-c", RUN_WITH_RSS, "run", str(config), "--out", str(out)],
                              cwd=ROOT, capture_output=True, text=True, timeout=300)
    rss = int(done.stderr.strip().splitlines()[-1].split()[-1])
    records = {url: (headers, payload) for kind, url, headers, _, payload in read_warc(out / "old.warc.gz")
               if kind == "response"}
    return state, base, out, done, rss, records


def test_the_run_finishes_and_reaches_the_page_after_the_faults(faulty_run) -> None:
    state, base, out, done, _, _ = faulty_run
    assert done.returncode == 0, done.stderr
    assert "/h/after.htm" in state.requests
    assert "verification     passed" in done.stdout
    assert not list(out.glob("*.open")) and not list(out.rglob(".*.part"))


def test_the_warc_stays_valid_and_small(faulty_run) -> None:
    _, _, out, _, _, _ = faulty_run
    warc = out / "old.warc.gz"
    check = verify_warc(warc)
    assert check.problems == ()
    assert count_with_fastwarc(warc) == check.records
    assert warc.stat().st_size < 5 * 1024 * 1024  # the bomb is kept as sent: encoded, about 1 MB


def test_memory_stays_bounded(faulty_run) -> None:
    _, _, _, _, rss, _ = faulty_run
    assert rss < RSS_BOUND_KIB, f"peak RSS {rss} KiB"


def test_cut_bodies_are_kept_and_marked(faulty_run) -> None:
    _, base, _, _, _, records = faulty_run
    expected = {"short": ("disconnect", b"<HTML>only this"), "badchunk": ("disconnect", b"10\r\n<HTML>chunk one!\r\nZZ\r\nnot a chunk size\r\n"),
                "twogb": ("time", b"D" * 4096)}
    for name, (how, payload) in expected.items():  # as received: a chunked body keeps its framing
        headers, received = records[base + name]
        assert headers.get("WARC-Truncated") == how, name
        assert received == payload, name
    headers, received = records[base + "reset"]
    # An RST may discard bytes the client had not read yet: whatever was kept is a true prefix.
    assert headers["WARC-Truncated"] == "disconnect" and (b"<HTML>" + b"r" * 500).startswith(received)
    headers, received = records[base + "trickle"]
    assert headers["WARC-Truncated"] == "time" and 0 < len(received) < 600 and set(received) == {ord("t")}
    assert base + "silent" not in records  # nothing arrived, nothing recorded: only the failure


def test_whole_responses_are_kept_as_sent(faulty_run) -> None:
    state, base, _, _, _, records = faulty_run
    assert records[base + "bomb"][1] == gzip_bomb()  # still encoded, byte for byte
    assert records[base + "notgzip"][1].startswith(b"<HTML>")
    assert len(records[base + "tenmb"][1]) > TEN_MB - 100 and "WARC-Truncated" not in records[base + "tenmb"][0]
    assert b"odd headers" in records[base + "badheaders"][1]
    assert records[base + "soft404"][0].get("WARC-Truncated") is None
    assert Counter(state.requests)["/h/flaky"] == 2
    assert not any("elsewhere" in target for target in state.requests)


def test_decoding_is_bounded_downstream(faulty_run) -> None:
    _, base, out, _, _, _ = faulty_run
    pages = {record["url"]: record for record in map(json.loads, (out / "records.jsonl").open(encoding="utf-8"))}
    assert "truncated" in pages[base + "bomb"]["problems"]
    assert pages[base + "bomb"]["size"] <= MAX_DECODED_BYTES < BOMB_INFLATED
    mirrored = next((out / "mirror").rglob("bomb*"))
    assert mirrored.stat().st_size <= MAX_DECODED_BYTES + 64 * 1024
    assert "plain text that says it is gzip" in pages[base + "notgzip"]["text"]


@pytest.mark.parametrize("name, needle", [
    ("flaky", "try 1 of 2 failed (HTTP 500)"),
    ("reset", "reset by peer"),
    ("short", "connection broken after 15 bytes"),
    ("badchunk", "connection broken after 16 bytes"),
    ("silent", "timed out after 1 s"),
    ("trickle", "took longer than 3 s (max_fetch_time)"),
    ("twogb", "truncated (time)"),
    ("badheaders", "malformed response headers"),
    ("soft404", "soft 404"),
    ("loop-b", "redirect loop"),
    ("cal?d=12", "trap: more than 10 URLs like /h/cal?d"),
    ("offsite", "302"),
])
def test_the_crawl_log_names_each_problem(faulty_run, name: str, needle: str) -> None:
    _, base, out, _, _, _ = faulty_run
    lines = [line for line in (out / "crawl.log").read_text(encoding="utf-8").splitlines()
             if line.split("\t")[3] == base + name]
    assert any(needle in line for line in lines), lines


@pytest.mark.parametrize("name, needle", [
    ("reset", "connection broken"), ("short", "connection broken"), ("badchunk", "connection broken"),
    ("silent", "timed out"), ("trickle", "max_fetch_time"), ("twogb", "timed out"),
    ("badheaders", "malformed response headers"), ("soft404", "soft 404"), ("loop-b", "redirect loop"),
])
def test_the_summary_names_each_problem(faulty_run, name: str, needle: str) -> None:
    _, base, out, done, _, _ = faulty_run
    shown = [line for line in done.stderr.splitlines() if line.startswith(f"sunset: crawl: {base}{name}:")]
    assert any(needle in line for line in shown), done.stderr
    assert any(needle in line for line in (out / "sunset.log").read_text(encoding="utf-8").splitlines()
               if base + name in line)


def test_the_summary_names_the_trap(faulty_run) -> None:
    _, _, _, done, _, _ = faulty_run
    assert "possible trap: more than 10 URLs like /h/cal?d" in done.stderr
