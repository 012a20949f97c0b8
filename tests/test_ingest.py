"""Docroot ingest: every file archived byte-for-byte as a resource record; nothing outside read."""
from __future__ import annotations

import hashlib
import os
from base64 import b32encode
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.package.verify import count_with_fastwarc, verify_warc
from crawl.docroot import iter_docroot
from crawl.options import SourceOptions
from sunset.cli import main
from tests.conftest import OTPIC_DOCROOT, write_config


def docroot_files(root: Path) -> dict[str, bytes]:
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in root.rglob("*") if path.is_file()}


def sha1(data: bytes) -> str:
    return "sha1:" + b32encode(hashlib.sha1(data).digest()).decode()


def test_otpic_warc_has_every_file_unchanged(otpic_run) -> None:
    config, layout = otpic_run
    files = docroot_files(OTPIC_DOCROOT)
    prefix = "http://www.colorado.edu/"
    seen: dict[str, bytes] = {}
    with layout.warc.open("rb") as handle:
        records = list(ArchiveIterator(handle))
    with layout.warc.open("rb") as handle:
        iterator = ArchiveIterator(handle)
        types = []
        for record in iterator:
            types.append(record.rec_type)
            if record.rec_type == "warcinfo":
                info = record.content_stream().read().decode()
                assert "format: WARC File Format 1.1" in info
                assert "isPartOf: otpic" in info
                assert "software: sunset/" in info
                continue
            assert record.rec_type == "resource"
            url = record.rec_headers.get_header("WARC-Target-URI")
            body = record.content_stream().read()
            seen[url] = body
            assert record.rec_headers.get_header("WARC-Payload-Digest") == sha1(body)
            assert record.rec_headers.get_header("WARC-Block-Digest") == sha1(body)
            assert record.rec_headers.get_header("WARC-Date").startswith("1998-")
            assert record.rec_headers.get_header("WARC-Record-ID").startswith("<urn:uuid:")
    assert types[0] == "warcinfo" and len(records) == len(files) + 1
    from urllib.parse import unquote

    assert {unquote(url[len(prefix):]): body for url, body in seen.items()} == files


def test_otpic_warc_digests_verify_with_two_readers(otpic_run) -> None:
    _, layout = otpic_run
    check = verify_warc(layout.warc)
    assert check.problems == ()
    assert count_with_fastwarc(layout.warc) == check.records == len(docroot_files(OTPIC_DOCROOT)) + 1


def test_ingest_archives_orphans_and_odd_names(tmp_path: Path) -> None:
    root = tmp_path / "docroot"
    (root / "site" / "Images").mkdir(parents=True)
    (root / "site" / "index.html").write_bytes(b"<HTML><BODY>home</BODY></HTML>")
    (root / "site" / "orphan page!.htm").write_bytes(b"<P>nobody links here")
    (root / "site" / "Images" / "LOGO.GIF").write_bytes(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;")
    (root / "site" / "100%.txt").write_bytes(b"percent")
    options = SourceOptions(base_url="http://old.example.org/site/", docroot=root)
    captures = {capture.url: capture for capture in iter_docroot(options)}
    assert set(captures) == {
        "http://old.example.org/site/index.html",
        "http://old.example.org/site/orphan%20page!.htm",
        "http://old.example.org/site/Images/LOGO.GIF",
        "http://old.example.org/site/100%25.txt",
    }
    assert captures["http://old.example.org/site/Images/LOGO.GIF"].content_type == "image/gif"
    assert captures["http://old.example.org/site/orphan%20page!.htm"].content_type == "text/html"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_ingest_reads_nothing_outside_the_docroot(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("do not archive")
    root = tmp_path / "docroot"
    root.mkdir()
    (root / "page.htm").write_text("<P>hello")
    (root / "link-out.txt").symlink_to(secret)
    (root / "dir-out").symlink_to(tmp_path)
    os.mkfifo(root / "pipe")
    skipped: list[str] = []
    options = SourceOptions(base_url="http://h/", docroot=root)
    urls = [capture.url for capture in iter_docroot(options, lambda path, why: skipped.append(f"{path.name}: {why}"))]
    assert urls == ["http://h/page.htm"]
    assert sorted(skipped) == [
        "dir-out: symbolic link, not followed",
        "link-out.txt: symbolic link, not followed",
        "pipe: not a regular file (FIFO, socket or device), skipped",
    ]


def test_any_docroot_runs_end_to_end(tmp_path: Path) -> None:
    root = tmp_path / "docroot" / "site"
    root.mkdir(parents=True)
    (root / "index.html").write_bytes(b"<HTML><HEAD><TITLE>Home</TITLE></HEAD><BODY><A HREF=a.htm>A</A></BODY></HTML>")
    (root / "a.htm").write_bytes(b"<BODY>A page \x96 with a dash. <A HREF=index.html>home</A>")
    (root / "unlinked.htm").write_bytes(b"<BODY>orphan")
    config = write_config(tmp_path)
    out = tmp_path / "out"
    assert main(["run", str(config), "--out", str(out), "--quiet"]) == 0
    assert (out / "test.warc.gz").exists()
    assert (out / "mirror" / "old.example.org" / "site" / "unlinked.htm").exists()
    records = (out / "records.jsonl").read_text(encoding="utf-8")
    assert "A page \u2013 with a dash." in records


def test_missing_docroot_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(tmp_path, docroot="nowhere")
    assert main(["run", str(config), "--out", str(tmp_path / "out")]) == 2  # a config error (README)
    assert "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()  # refused before writing: no log, site.toml, run.json or .open


def test_exclude_keeps_backups_and_private_folders_out_and_logs_them(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``[source] exclude`` on a files run: the crawl's patterns, searched in each file's URL; an
    excluded folder is not entered (an unreadable one is no problem); on a case-insensitive site
    ``/Private/`` is ``/private/``; each exclusion is named in sunset.log, then counted there and in
    the run's summary."""
    site = tmp_path / "docroot" / "site"
    for folder in ("backup", "Private", "docs"):
        (site / folder).mkdir(parents=True)
    (site / "index.html").write_bytes(b"<HTML><BODY><A HREF=docs/a.htm>A</A></BODY></HTML>")
    (site / "index.html.bak").write_bytes(b"<HTML><BODY>the old home page")
    (site / "docs" / "a.htm").write_bytes(b"<BODY>A page")
    (site / "docs" / "a.htm~").write_bytes(b"<BODY>an editor's backup")
    (site / "backup" / "site-1998.zip").write_bytes(b"PK\x03\x04 the whole site again")
    (site / "Private" / "grades.htm").write_bytes(b"<BODY>secret grades")
    (site / "Private" / "locked").mkdir()
    (site / "Private" / "locked").chmod(0)  # not entered, so not a problem
    config = write_config(tmp_path, extra='case_insensitive = true\n'
                                          'exclude = ["/backup/", "/private/", "\\\\.bak$", "~$"]\n')
    out = tmp_path / "out"
    try:
        assert main(["run", str(config), "--out", str(out)]) == 0
    finally:
        (site / "Private" / "locked").chmod(0o755)
    assert "files archived   2 (2 files and 2 folders kept out by [source] exclude)\n" in capsys.readouterr().out
    with (out / "test.warc.gz").open("rb") as handle:
        urls = {record.rec_headers.get_header("WARC-Target-URI") for record in ArchiveIterator(handle)
                if record.rec_type == "resource"}
    assert urls == {"http://old.example.org/site/index.html", "http://old.example.org/site/docs/a.htm"}
    log = (out / "sunset.log").read_text(encoding="utf-8")
    assert "excluded folder (not read) site/Private/: matches [source] exclude pattern '/private/'" in log
    assert "excluded folder (not read) site/backup/: matches [source] exclude pattern '/backup/'" in log
    assert "excluded file site/index.html.bak: matches [source] exclude pattern '\\\\.bak$'" in log
    assert "excluded file site/docs/a.htm~: matches [source] exclude pattern '~$'" in log
    assert "2 files and 2 folders excluded by [source] exclude" in log
    assert "skipped" not in log  # exclusions are what the config asked for, not problems
    mirror = out / "mirror" / "old.example.org" / "site"
    assert not (mirror / "Private").exists() and not (mirror / "backup").exists()


def test_exclude_written_as_a_glob_is_refused_with_the_pattern_it_meant(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "docroot" / "site").mkdir(parents=True)
    config = write_config(tmp_path, extra='exclude = ["*.bak"]\n')
    assert main(["run", str(config), "--out", str(tmp_path / "out")]) == 2
    assert "for *.bak write \\.bak$" in capsys.readouterr().err
