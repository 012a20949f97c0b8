"""`sunset serve`: the mirror over HTTP on 127.0.0.1, started as a user would start it."""
from __future__ import annotations

import re
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sunset.cli import main


@contextmanager
def sunset_serve(folder: Path) -> Iterator[str]:
    """`sunset serve FOLDER --port 0` in a subprocess, as a user runs it; yields the URL it prints."""
    process = subprocess.Popen([sys.executable, "-m", "sunset", "serve", str(folder), "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:\d+/", line)
        assert match, (line, process.stderr.read() if process.poll() is not None else "")
        yield match.group(0)
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_serve_prints_its_address_and_serves_the_mirror(otpic_run) -> None:
    _, layout = otpic_run
    with sunset_serve(layout.root) as base:
        with urllib.request.urlopen(base + "www.colorado.edu/conflict/peace/treatment/track2.htm") as answer:
            assert answer.status == 200 and answer.headers.get_content_type() == "text/html"
            assert b'data-sunset="notice"' in answer.read()
        with urllib.request.urlopen(base + "_sunset/search-index.js") as answer:
            assert answer.headers.get_content_type() == "text/javascript"


def test_serve_refuses_a_folder_without_a_mirror(tmp_path: Path, capsys) -> None:
    assert main(["serve", str(tmp_path), "--port", "0"]) == 1
    assert "holds no mirror" in capsys.readouterr().err
