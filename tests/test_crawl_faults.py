"""A server that misbehaves on purpose (one route per fault): each is handled and reported, and
the crawl goes on to the pages after it."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from archive.package.verify import verify_warc
from sunset.cli import main
from tests.crawlserver import fault_route, serve
from tests.test_crawl_site import crawl_config, read_warc


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("faults")
    with serve(fault_route) as state:
        base = state.origin + "/f/"
        config = crawl_config(folder, state, base_url=base, fetch_from=None,
                              extra="timeout = 0.5\nmax_per_pattern = 12\nmax_body_bytes = 1000\nconcurrency = 3")
        out = folder / "out"
        code = main(["crawl", str(config), "--out", str(out), "--quiet"])
    return state, base, out, code


def test_crawl_finishes_and_reaches_the_page_after_the_faults(faulty) -> None:
    state, base, out, code = faulty
    assert code == 0
    assert "/f/after.htm" in state.requests
    assert verify_warc(out / "old.warc.gz").problems == ()
    assert not list(out.glob("*.open"))


def test_retry_turns_a_503_into_the_200_that_followed(faulty) -> None:
    state, base, out, _ = faulty
    assert Counter(state.requests)["/f/flaky"] == 2
    status = {url: code for kind, url, _, code, _ in read_warc(out / "old.warc.gz") if kind == "response"}
    assert status[base + "flaky"] == 200
    assert "try 1 of 2 failed (HTTP 503)" in (out / "crawl.log").read_text(encoding="utf-8")


def test_failures_are_reported(faulty) -> None:
    _, base, out, _ = faulty
    log = (out / "crawl.log").read_text(encoding="utf-8")
    lines = {line.split("\t")[3]: line for line in log.splitlines() if "failed:" in line}
    assert "timed out" in lines[base + "slow"]
    assert "connection broken" in lines[base + "short"]
    assert "connection broken" in lines[base + "reset"]
    assert "redirect loop" in log and "loop-" in log
    assert "redirect chain longer than 10" in log
    assert "trap: more than 12 URLs like /f/cal?d" in log
    summary = (out / "sunset.log").read_text(encoding="utf-8")
    for needle in ("slow: failed: timed out", "redirect loop", "possible trap", "redirect chain longer"):
        assert needle in summary, needle


def test_cut_bodies_are_kept_and_marked(faulty) -> None:
    _, base, out, _ = faulty
    records = {url: (headers, payload) for kind, url, headers, _, payload in read_warc(out / "old.warc.gz")
               if kind == "response"}
    headers, payload = records[base + "big"]
    assert headers["WARC-Truncated"] == "length" and payload == b"B" * 1000
    headers, payload = records[base + "short"]
    assert headers["WARC-Truncated"] == "disconnect" and payload == b"<HTML>only this"
    assert base + "slow" not in records


def test_bad_crawl_settings_are_config_errors(tmp_path: Path, capsys) -> None:
    with serve(fault_route) as state:
        config = crawl_config(tmp_path, state, extra='robots = "sometimes"')
        assert main(["crawl", str(config), "--out", str(tmp_path / "out")]) == 2
        assert '[source] robots: expected "obey" or "ignore"' in capsys.readouterr().err
        config = crawl_config(tmp_path, state, extra='exclude = ["("]')
        assert main(["crawl", str(config), "--out", str(tmp_path / "out")]) == 2
        assert "not a regular expression" in capsys.readouterr().err
