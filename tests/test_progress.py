"""sunset.progress: the bar on a terminal starts no thread, so the stages it wraps may fork."""
from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
import threading
from pathlib import Path

from sunset.progress import _bar
from tests.conftest import ROOT
from tests.crawlserver import many_route, serve
from tests.test_crawl_site import crawl_config


def test_a_bar_starts_no_thread_and_leaves_tqdm_as_it_was() -> None:
    from tqdm import tqdm

    before = set(threading.enumerate())
    with _bar(desc="crawl", unit=" pages", total=3) as bar:
        bar.update(3)
        assert set(threading.enumerate()) == before
    assert tqdm.monitor_interval == 10  # tqdm's own default, untouched


def test_a_crawl_run_on_a_terminal_draws_its_bar_and_forks_its_workers(tmp_path: Path) -> None:
    """On a terminal, tqdm's monitor thread used to start with the crawl's bar, before the link
    workers were forked: archive.forking would now refuse that fork. The whole run, on a pty."""
    with serve(many_route) as state:
        config = crawl_config(tmp_path, state, base_url=state.origin + "/s/", fetch_from=None)
        leader, follower = pty.openpty()
        fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # else 0 columns: no bar
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        process = subprocess.Popen([sys.executable, "-m", "sunset", "run", str(config), "--out", str(tmp_path / "out"),
                                    "--workers", "2"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=follower, env=env)
        os.close(follower)
        shown = bytearray()
        while True:
            try:
                data = os.read(leader, 65536)
            except OSError:  # the run closed its end
                break
            if not data:
                break
            shown += data
        os.close(leader)
        returncode = process.wait(timeout=300)
    text = shown.decode("utf-8", "replace")
    assert returncode == 0, text
    assert "crawl:" in text and " pages" in text  # the bar was drawn
    assert "sunset:" not in text, text  # no error, no warning
