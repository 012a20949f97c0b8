"""A docroot is hostile input too: links out of it, special files, files swapped after the walk,
and names no file system should get. Nothing outside the docroot is read, nothing outside the
output folder is written."""
from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from archive.capture import FileBody
from crawl.docroot import iter_docroot
from crawl.options import SourceOptions
from site_out.check import iter_broken_links
from tests.test_pipeline import run_writes_only_into_out


def test_a_device_file_is_skipped(tmp_path: Path) -> None:
    root = tmp_path / "docroot"
    root.mkdir()
    (root / "page.htm").write_text("<P>hello")
    try:
        os.mknod(root / "null", stat.S_IFCHR | 0o600, os.makedev(1, 3))
    except (PermissionError, AttributeError, OSError) as error:
        pytest.skip(f"cannot make a device file here: {error}")
    skipped: list[str] = []
    options = SourceOptions(base_url="http://h/", docroot=root)
    urls = [capture.url for capture in iter_docroot(options, lambda path, why: skipped.append(f"{path.name}: {why}"))]
    assert urls == ["http://h/page.htm"]
    assert skipped == ["null: not a regular file (FIFO, socket or device), skipped"]


def test_a_file_swapped_for_a_link_after_the_walk_is_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("do not archive")
    page = tmp_path / "docroot" / "page.htm"
    page.parent.mkdir()
    page.write_text("<P>hello")
    body = FileBody(page)
    page.unlink()
    page.symlink_to(secret)
    with pytest.raises(OSError) as caught:
        body.open()
    assert caught.value.errno == errno.ELOOP


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_file_swapped_for_a_fifo_does_not_hang(tmp_path: Path) -> None:
    page = tmp_path / "page.htm"
    page.write_text("<P>hello")
    body = FileBody(page)
    page.unlink()
    os.mkfifo(page)
    with pytest.raises(OSError, match="not a regular file"):
        body.open()


@pytest.mark.parametrize("name", ["new\nline.htm", "tab\there.htm", "q?x.htm", "#hash.htm", "semi;colon.htm",
                                  "per%25cent.htm", "%00.htm", "lpt1.txt", "nul", "dots...", "sp ace .htm",
                                  "\u00e9t\u00e9.htm", "\udcff.htm"])
def test_more_hostile_file_names_stay_inside_the_output(tmp_path: Path, name: str) -> None:
    root = tmp_path / "work" / "docroot" / "site"
    root.mkdir(parents=True)
    try:
        (root / name).write_bytes(b"<BODY>hostile")
    except (OSError, UnicodeEncodeError) as error:
        pytest.skip(f"this file system refuses the name: {error}")
    (root / "index.html").write_bytes(b'<BODY><A HREF="other.htm">x</A>')
    (root / "other.htm").write_bytes(b"<BODY>other")
    out, _ = run_writes_only_into_out(tmp_path)
    assert list(iter_broken_links(out / "mirror")) == []
    mirrored = [path for path in (out / "mirror" / "old.example.org" / "site").iterdir()
                if path.name not in ("index.html", "other.htm")]
    assert len(mirrored) == 1  # the hostile file, under a safe name
