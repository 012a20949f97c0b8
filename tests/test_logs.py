"""sunset.log tells one run from the next and names what it is talking about.

A marker line opens each command's lines (run id, time, version, the command as typed); a page's
``unclosed-markup`` names the elements left open; the package line counts the bag's files; a
file renamed to avoid a clash names the file it would have clashed with.
"""
from __future__ import annotations

import re
from pathlib import Path

from sunset import __version__
from sunset.cli import main
from sunset.console import run_stamp
from sunset.lock import output_lock
from tests.conftest import write_config

GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
MARKER = re.compile(r" INFO sunset: ==== run ([0-9a-f]{12}): (\S+), sunset (\S+): (.*) ====$")


def small_site(tmp_path: Path) -> Path:
    site = tmp_path / "docroot" / "site"
    site.mkdir(parents=True)
    (site / "index.html").write_bytes(b'<HTML><BODY><A HREF="open.htm">open</A> <IMG SRC="Nguyen.gif">'
                                      b'<IMG SRC="nguyen.gif"></BODY></HTML>')
    (site / "open.htm").write_bytes(b"<HTML><BODY><TABLE><TR><TD><FONT SIZE=2>never closed</BODY></HTML>")
    (site / "Nguyen.gif").write_bytes(GIF)
    (site / "nguyen.gif").write_bytes(GIF + b"\x00")
    return write_config(tmp_path)


def test_each_run_opens_with_a_marker_and_a_refused_run_adds_none(tmp_path: Path) -> None:
    config, out = small_site(tmp_path), tmp_path / "out"
    assert main(["run", str(config), "--out", str(out), "--quiet", "--bagit"]) == 0
    with output_lock(out / ".sunset.lock", "run"):  # another sunset holds the folder: this one is refused
        assert main(["ingest", str(out), "--quiet"]) == 1
    assert main(["ingest", str(out), "--quiet"]) == 0
    lines = (out / "sunset.log").read_text(encoding="utf-8").splitlines()
    markers = [(number, MARKER.search(line)) for number, line in enumerate(lines) if MARKER.search(line)]
    assert [match.group(4) for _, match in markers] == [
        f"sunset run {config} --out {out} --quiet --bagit", f"sunset ingest {out} --quiet"]
    assert markers[0][0] == 0 and len({match.group(1) for _, match in markers}) == 2
    assert all(match.group(3) == __version__ for _, match in markers)
    first_run = "\n".join(lines[:markers[1][0]])
    assert "package:" in first_run and "ingest:" in "\n".join(lines[markers[1][0]:])


def test_the_log_names_what_it_means(tmp_path: Path) -> None:
    config, out = small_site(tmp_path), tmp_path / "out"
    assert main(["run", str(config), "--out", str(out), "--quiet", "--bagit"]) == 0
    log = (out / "sunset.log").read_text(encoding="utf-8")
    assert "open.htm: unclosed-markup (<FONT>, <TABLE>)" in log
    bagged = sum(1 for path in (out / "bag" / "data").rglob("*") if path.is_file())
    assert bagged > 10 and f", bag of {bagged} files" in log
    assert ("site/nguyen.gif: renamed to old.example.org/site/nguyen~2.gif to avoid a clash with "
            "old.example.org/site/Nguyen.gif (http://old.example.org/site/Nguyen.gif)") in log


def test_the_marker_leaves_a_password_out_of_the_command() -> None:
    stamp = run_stamp(["crawl", "site.toml", "--proxy", "http://archivist:pw@proxy.test:3128/", "--out", "a b"])
    assert stamp.command == "sunset crawl site.toml --proxy http://proxy.test:3128/ --out 'a b'"
