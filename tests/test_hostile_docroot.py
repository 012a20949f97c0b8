"""A docroot is hostile input too: links out of it, special files, files swapped after the walk,
and names no file system should get. Nothing outside the docroot is read, nothing outside the
output folder is written."""
from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
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


def test_a_docroot_deeper_than_the_recursion_limit_is_checked_and_ingested_in_one_walk(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The checks before a run and the progress total walked the docroot with ``os.walk`` of their
    own, which dies of RecursionError 1,100 folders down; now the ingest's walker does it once."""
    import crawl.docroot
    from archive.capture_index import CaptureIndex
    from sunset.cli import main
    from sunset.config import load_config
    from sunset.sources import check_command
    from tests.conftest import write_config
    from tests.test_hostile_names import _remove_deep

    walks: list[Path] = []
    walk = crawl.docroot._walk

    def counted(root: Path, options: SourceOptions) -> Iterator[object]:
        walks.append(root)
        return walk(root, options)

    monkeypatch.setattr(crawl.docroot, "_walk", counted)
    site = tmp_path / "work" / "docroot" / "site"
    depth = 1100
    deep = "http://old.example.org/site/" + "d/" * depth + "deep.htm"
    try:
        try:
            site.mkdir(parents=True)
            current = site
            for _ in range(depth):  # os.makedirs itself recurses
                current = current / "d"
                current.mkdir()
            (current / "deep.htm").write_bytes(b"<P>deep")
        except OSError as error:
            pytest.skip(f"this file system refuses the depth: {error}")
        (site / "index.html").write_bytes(b"<HTML><BODY><A HREF=d/>down</A></BODY></HTML>")
        config_path = write_config(tmp_path / "work")
        config = load_config(config_path, out=tmp_path / "out")

        files = check_command(config, "run")  # the docroot and the start page, before anything is written
        assert files is not None and len(files) == 2 and len(walks) == 1

        walks.clear()
        assert main(["ingest", str(config_path), "--out", str(tmp_path / "out"), "--quiet"]) == 0
        assert "Traceback" not in capsys.readouterr().err
        assert len(walks) == 1  # the checks' walk is the ingest's
        warc = tmp_path / "out" / "test.warc.gz"
        urls = [capture.url for capture in CaptureIndex(warc).captures()]
        assert urls == [deep, "http://old.example.org/site/index.html"]  # sorted by name at every level
    finally:
        _remove_deep(tmp_path / "work")
