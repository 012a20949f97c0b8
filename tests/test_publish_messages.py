"""Messages a person can act on: one line, the file and where, the other checks still run
(issue 14, point 5)."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from sunset.cli import main
from tests.conftest import ROOT


def test_a_damaged_warc_names_the_file_and_offset_and_the_other_checks_still_run(
        otpic_run, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, layout = otpic_run
    out = tmp_path / "otpic"
    shutil.copytree(layout.root, out, ignore=shutil.ignore_patterns(".sunset.lock"))
    warc = out / layout.warc.name
    data = bytearray(warc.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 40] = bytes(40)
    warc.write_bytes(bytes(data))
    assert main(["verify", str(out)]) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert "sunset: verify: otpic.warc.gz: cannot be read past offset " in captured.err
    assert "the file is damaged there" in captured.err
    assert "also checked: otpic-reconstructed.warc.gz, otpic-derived.warc.gz, otpic.cdxj, otpic.wacz" in captured.out
    assert all(len(line) < 300 for line in captured.err.splitlines())
    assert main(["mirror", str(out)]) == 1
    error = capsys.readouterr().err
    assert error.startswith(f"sunset: error: {warc} is damaged: cannot be read past offset ")
    assert error.count("\n") == 1


def test_ctrl_c_during_start_up_is_one_line(tmp_path: Path) -> None:
    """A Ctrl-C while the stages are still being imported (simulated by an import hook)."""
    script = (
        "import builtins, runpy, sys\n"
        "real = builtins.__import__\n"
        "def interrupted(name, *args, **kwargs):\n"
        "    if name == 'warcio' or name.startswith('warcio.'):\n"
        "        raise KeyboardInterrupt\n"
        "    return real(name, *args, **kwargs)\n"
        "builtins.__import__ = interrupted\n"
        "sys.argv = ['sunset', 'verify', 'nowhere']\n"
        "runpy.run_module('sunset', run_name='__main__')\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False)
    assert result.returncode == 130
    assert result.stderr == "sunset: interrupted\n"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_replay_starts_and_stops_without_noise(otpic_run, tmp_path: Path) -> None:
    pytest.importorskip("pywb", reason="the replay extra is not installed")
    _, layout = otpic_run
    out = tmp_path / "otpic"
    shutil.copytree(layout.root, out, ignore=shutil.ignore_patterns(".sunset.lock", "replay"))
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "sunset", "replay", str(out), "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert "pywb is serving" in process.stdout.readline()
        for _ in range(600):  # until pywb answers (or the test's own timeout)
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5):
                    break
            except OSError:
                if process.poll() is not None:
                    break
                import time

                time.sleep(0.1)
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal does: the whole foreground group
        _, error = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 0
    assert "config.yaml" not in error and "Traceback" not in error, error
    assert error.strip().splitlines()[-1] == "sunset: replay stopped"
    with pytest.raises(OSError):  # pywb stopped with it
        urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5)


def test_a_page_missing_under_an_alias_host_is_listed_once_under_the_sites_host(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Following the README on Linux Gazette with `[site] aliases`: "not archived:
    http://www.linuxgazette.net/copying.html (linked from 124 pages)" and, apart, ".../www.linuxgazette.com/
    copying.html (linked from 4 pages)": one page counted as two, and the alias looking as if it did
    nothing. A missing page is the site's, under base_url's host, however the link spelled the host."""
    from tests.conftest import write_config

    site = tmp_path / "docroot" / "site"
    site.mkdir(parents=True)
    (site / "index.html").write_bytes(b'<HTML><BODY><A HREF="http://old.example.org/site/gone.htm">a</A>'
                                      b'<A HREF="a.htm">b</A></BODY></HTML>')
    (site / "a.htm").write_bytes(b'<HTML><BODY><A HREF="http://www.old.example.org/site/gone.htm">c</A></BODY></HTML>')
    config = write_config(tmp_path, extra='file_date = "1998-11-16"\n').read_text(encoding="utf-8")
    (tmp_path / "site.toml").write_text(config.replace("\n\n[source]", '\naliases = ["www.old.example.org"]\n\n[source]'),
                                        encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(tmp_path / "site.toml"), "--out", str(out)]) == 0
    assert "missing links    2 pages link to 1 page not in the archive" in capsys.readouterr().out
    log = (out / "sunset.log").read_text(encoding="utf-8")
    assert "not archived: http://old.example.org/site/gone.htm (linked from 2 pages: " in log
    assert "www.old.example.org/site/gone.htm" not in log
    missing = (out / "reports" / "missing.csv").read_text(encoding="utf-8").splitlines()
    assert missing[1:] == ["http://old.example.org/site/gone.htm,2,http://old.example.org/site/a.htm "
                           "http://old.example.org/site/index.html"]


def test_listings_in_other_orders_are_said_apart_in_the_pages_count(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Following the README on Linux Gazette after the served view landed: "pages 834" for 249 HTML
    files, 520 of them a folder's listing sorted another way (``?C=M;O=A``), which no page list shows.
    The count stays what records.jsonl holds, and says how many of those there are."""
    from tests.conftest import write_config

    site = tmp_path / "docroot" / "site"
    (site / "sub").mkdir(parents=True)
    (site / "index.html").write_bytes(b'<HTML><BODY><A HREF="sub/">files</A></BODY></HTML>')
    (site / "sub" / "notes.txt").write_bytes(b"notes")  # a folder without an index page: Apache listed it
    config = write_config(tmp_path, extra='file_date = "1998-11-16"\n')
    assert main(["run", str(config), "--out", str(tmp_path / "out")]) == 0
    said = capsys.readouterr().out
    line = next(line for line in said.splitlines() if line.startswith("  pages "))
    assert line.split()[1:8] == ["10", "(8", "of", "them", "a", "folder's", "listing"], line
