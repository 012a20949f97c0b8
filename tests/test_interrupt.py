"""Ctrl-C (SIGINT to the whole process group, as a terminal sends it) during a real `sunset run`:
one line, exit code 130, no traceback from any process, no temporary file left; an unfinished
crawl is kept, said so, and continued by the same command."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import ROOT, write_config
from tests.crawlserver import ServerState, _Handler, serve
from tests.test_crawl_site import crawl_config

PAGES = 400


def _start(config: Path, out: Path) -> subprocess.Popen:
    """`sunset run` in a process group of its own, so the test can signal the group as a terminal does."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    return subprocess.Popen([sys.executable, "-m", "sunset", "run", str(config), "--out", str(out), "--workers", "2"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
                            env=env)


def _ctrl_c(process: subprocess.Popen) -> str:
    os.killpg(process.pid, signal.SIGINT)
    _, errors = process.communicate(timeout=300)
    return errors.decode()


def _assert_one_line(errors: str, returncode: int) -> str:
    assert returncode == 130, errors
    assert "Traceback" not in errors and "Exception ignored" not in errors, errors
    lines = errors.splitlines()
    assert len(lines) == 1 and lines[0].startswith("sunset: interrupted; "), errors
    return lines[0]


def _temporary_files(out: Path) -> list[str]:
    return sorted(path.name for pattern in (".*.part", ".*.sqlite*", "*.open", "sunset-wacz-*")
                  for path in out.rglob(pattern))


class _Gate:
    """A site of linked pages whose ``/s/p5.htm`` waits, once armed, until the test lets it go: the
    moment the crawl is surely under way (its link workers and its records' reader running)."""

    def __init__(self) -> None:
        self.armed = True
        self.arrived = threading.Event()
        self.release = threading.Event()

    def route(self, handler: _Handler, state: ServerState) -> None:
        path = urlsplit(handler.path).path
        if path == "/robots.txt":
            handler.send(404, b"")
            return
        number = int(path.rsplit("/p", 1)[-1].split(".")[0]) if "/p" in path else 0
        if number == 5 and self.armed:
            self.armed = False
            self.arrived.set()
            self.release.wait(60)
        links = "".join(f'<A HREF="p{n}.htm">{n}</A> ' for n in range(number + 1, min(number + 4, 40)))
        handler.send(200, f"<HTML><TITLE>Page {number}</TITLE><BODY>{links}</BODY></HTML>".encode())


def test_ctrl_c_during_a_crawl_keeps_the_crawl_and_says_so(tmp_path: Path) -> None:
    gate = _Gate()
    with serve(gate.route) as state:
        config = crawl_config(tmp_path, state, base_url=state.origin + "/s/", fetch_from=None,
                              extra="concurrency = 2")
        out = tmp_path / "out"
        process = _start(config, out)
        try:
            assert gate.arrived.wait(120), "the crawl never reached /s/p5.htm"
            errors = _ctrl_c(process)
        finally:
            gate.release.set()
            if process.poll() is None:
                process.kill()
        line = _assert_one_line(errors, process.returncode)
        assert "what was fetched so far is kept in" in line and "old.warc.gz.open" in line
        assert _temporary_files(out) == ["old.warc.gz.open"]
        assert (out / "crawl.sqlite").exists()

        again = _start(config, out)
        _, errors = again.communicate(timeout=300)
        assert again.returncode == 0, errors.decode()
    assert "crawl: resumed" in (out / "sunset.log").read_text(encoding="utf-8")
    assert _temporary_files(out) == []


def _write_docroot(folder: Path) -> Path:
    """A site of PAGES linked pages: enough for each stage to take a while."""
    docroot = folder / "docroot" / "site"
    docroot.mkdir(parents=True)
    for number in range(PAGES):
        links = "".join(f'<A HREF="p{n}.htm">Page {n}</A>\n' for n in range(number + 1, min(number + 6, PAGES)))
        (docroot / ("index.htm" if number == 0 else f"p{number}.htm")).write_text(
            f"<HTML><HEAD><TITLE>Page {number}</TITLE></HEAD><BODY><H1>Page {number}</H1>\n"
            + "<P>Words of a page of the old site. " * 40 + f"</P>\n{links}</BODY></HTML>\n", encoding="latin-1")
    return write_config(folder, extra='file_date = "1998-11-16T09:30:00Z"\n')  # no warning of copied dates


@pytest.mark.parametrize("stage, marker", [("content pass", ".mirror-plan.sqlite"),
                                           ("package", ".package-plan.sqlite")])
def test_ctrl_c_during_a_later_stage_leaves_no_temporary_file(tmp_path: Path, stage: str, marker: str) -> None:
    """The moment is the stage's own store appearing: the stage is under way, its workers (or its
    asides) running."""
    config = _write_docroot(tmp_path)
    out = tmp_path / "out"
    process = _start(config, out)
    try:
        while process.poll() is None and not (out / marker).exists():
            time.sleep(0.002)
        assert process.poll() is None, f"the run ended before the {stage} could be interrupted"
        errors = _ctrl_c(process)
    finally:
        if process.poll() is None:
            process.kill()
    line = _assert_one_line(errors, process.returncode)
    assert line == "sunset: interrupted; run the same command again to redo the unfinished stage"
    assert _temporary_files(out) == []
    assert not (out / "test.warc.gz.open").exists()
