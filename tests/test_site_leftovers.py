"""A site's own mistakes never fail a run: whole runs on the sites of issue 22.

A 2002 FrontPage site whose pages link the authors' own disks (``file:///L|/...``,
``C:\\WINDOWS\\...``, ``\\\\SERVER\\share``), holds names that differ only in case and carries
FrontPage's private folders and editors' leftovers gets a passing run that names each of them;
so does a crawled site whose server sent a page gzip-encoded twice. Nothing of the server's
own files is published.
"""
from __future__ import annotations

import contextlib
import json
import gzip
import io
import shutil
from pathlib import Path

import pytest

from sunset.cli import main
from tests.conftest import ROOT, toml_string, write_config
from tests.crawlserver import serve
from tests.test_crawl_site import crawl_config

FRONTPAGE = ROOT / "tests" / "data" / "served" / "frontpage" / "docroot"


@pytest.fixture(scope="module")
def frontpage_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("frontpage")
    shutil.copytree(FRONTPAGE, folder / "docroot")
    (folder / "docroot" / "db.php").write_text("<?php $db_password = 'hunter2'; ?>\n", encoding="utf-8")
    (folder / "docroot" / "cgi-bin").mkdir()
    (folder / "docroot" / "cgi-bin" / "guestbook.pl").write_text("#!/usr/bin/perl\n$password='x';\n")
    (folder / "docroot" / ".htpasswd").write_text("admin:Xy12abCDefGh\n", encoding="utf-8")
    config = write_config(folder, base_url="http://www.baris.example/",
                          extra='case_insensitive = true\nindex_files = ["index.htm"]\n')
    out = folder / "out"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["run", str(config), "--out", str(out)]) == 0
    return out, printed.getvalue()


def test_local_links_are_inert_named_and_never_a_failure(frontpage_run: tuple[Path, str]) -> None:
    out, summary = frontpage_run
    assert "verification     passed" in summary
    assert "local links      7 on 1 page" in summary
    contents = (out / "mirror" / "www.baris.example" / "sta" / "sta.htm").read_text(encoding="utf-8")
    assert "file:///" not in contents.split("title=")[0]  # no live file: link before the first note
    assert contents.count("why=local") == 5 and contents.count("_sunset/blank.gif") == 2
    log = (out / "sunset.log").read_text(encoding="utf-8")
    assert "made inert (a file on its author's own computer (file:)): file:///L|/STA/israil/israil-ekI.htm" in log
    report = (out / "mirror" / "_sunset" / "report.html").read_text(encoding="utf-8")
    assert "Links and pictures no reader could open" in report and "israil-ekI.htm" in report
    assert (out / "reports" / "leftovers.csv").read_text(encoding="utf-8").count("\n") == 8
    assert main(["verify", str(out), "--quiet"]) == 0


def test_case_clashes_are_reported(frontpage_run: tuple[Path, str]) -> None:
    out, summary = frontpage_run
    assert "case clashes     2 groups" in summary
    log = (out / "sunset.log").read_text(encoding="utf-8")
    assert ("case clash: OKK95/1-95.HTM and OKK95/1-95.htm: the old server answered OKK95/1-95.HTM for every "
            "spelling") in log
    assert "OKK95/1-95.htm is kept in the master WARC as http://www.baris.example/OKK95/1-95.htm" in log
    served = (out / "mirror" / "www.baris.example" / "okk95" / "1-95.htm").read_text(encoding="utf-8")
    assert "BÜYÜK HARFLİ" in served or "B\u00dcY\u00dcK" in served
    assert "Files whose names differ only in case" in (out / "mirror" / "_sunset" / "report.html").read_text("utf-8")


def test_server_side_files_are_never_published(frontpage_run: tuple[Path, str]) -> None:
    out, summary = frontpage_run
    assert "not published    8 server-side files" in summary
    published = {path.relative_to(out / "mirror").as_posix().lower() for path in (out / "mirror").rglob("*")}
    for secret in ("db.php", "guestbook.pl", "htpasswd", "_vti_", "_private", ".bak", "~"):
        assert not any(secret in name for name in published), secret
    for path in (out / "mirror").rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert b"hunter2" not in data and b"Xy12abCDefGh" not in data, path
    with (out / "test.warc.gz").open("rb") as handle:  # the master keeps the docroot whole
        assert b"db.php" in gzip.decompress(handle.read())


def test_a_page_sent_gzip_encoded_twice_passes(tmp_path: Path) -> None:
    """The mirror copies it as it is (it is no page to a browser); verify agrees it is no page."""
    page = b"<HTML><BODY><A HREF=\"twice.htm\">twice</A> <A HREF=\"file:///C|/draft.htm\">draft</A></BODY></HTML>"

    def route(handler, state) -> None:  # type: ignore[no-untyped-def]
        if handler.path == "/site/twice.htm":
            handler.send(200, gzip.compress(gzip.compress(b"<HTML><BODY>x</BODY></HTML>", mtime=0), mtime=0),
                         [("Content-Encoding", "gzip")])
        elif handler.path in ("/site/", "/site/index.htm"):
            handler.send(200, page)
        else:
            handler.send(404, b"not found")

    with serve(route) as state:
        config = crawl_config(tmp_path, state, extra=f"seeds = [{toml_string('http://www.oldsite.test/site/')}]")
        out = tmp_path / "out"
        assert main(["run", str(config), "--out", str(out), "--quiet"]) == 0
    assert (out / "mirror" / "www.oldsite.test" / "site" / "twice.htm").read_bytes()[:2] == b"\x1f\x8b"
    assert main(["verify", str(out), "--quiet"]) == 0


def test_a_server_side_include_site_reads_in_the_mirror_as_apache_served_it(tmp_path: Path) -> None:
    """Issue 22's 1998 departmental site: the mirror's home page has its navigation bar, footer and
    date, and one branch of its if; its records hold the links the included navigation brings."""
    shutil.copytree(ROOT / "tests" / "data" / "served" / "dept" / "docroot", tmp_path / "docroot")
    config = tmp_path / "site.toml"
    config.write_text('[site]\nname = "dept"\nbase_url = "http://www.example.edu/dept/peace/"\n'
                      'start_url = "http://www.example.edu/dept/peace/index.shtml"\n\n[source]\ndocroot = "docroot"\n'
                      'file_date = "1998-11-16T09:30:00Z"\n\n[notice]\ntitle = "Retired"\ndate = "2005-12-02"\n'
                      'text = "This site has been retired."\n', encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(config), "--out", str(out), "--quiet"]) == 0
    home = (out / "mirror" / "www.example.edu" / "dept" / "peace" / "index.shtml").read_text(encoding="utf-8")
    assert "Papers</A>" in home and "Peace Studies Program, Example University" in home  # header and footer
    assert "Last updated on November 16, 1998." in home
    assert "Welcome to the home page" in home and "News of the program" not in home and "Another page" not in home
    assert "<!--#" not in home
    records = [json.loads(line) for line in (out / "records.jsonl").read_text(encoding="utf-8").splitlines()]
    page = next(record for record in records if record["url"].endswith("/dept/peace/index.shtml"))
    assert any(link["url"] == "http://www.example.edu/dept/peace/news.shtml" for link in page["links"])
    published = {path.name for path in (out / "mirror").rglob("*")}
    assert not published & {"db.php", ".htpasswd", "guestbook.pl", ".htaccess"}
