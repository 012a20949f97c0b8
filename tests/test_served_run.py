"""A whole run of issue 22's Apache site from its files: the site reads as Apache served it.

The ``served`` step keeps the old server's answers where they were not a file as it lay; the
records and the mirror are made from them, the reconstructed WARC holds them (marked, tied to
the file's record), the CDXJ prefers them, and no program's source or password is in any of it.
"""
from __future__ import annotations

import gzip
import json
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from archive.package.cdxj import iter_cdxj
from archive.capture import MADE_FROM as MADE_FROM_HEADER, RECONSTRUCTION as RECONSTRUCTION_HEADER
from archive.capture_index import CaptureIndex
from archive.served import SiteIndex, iter_site_captures, served_answers
from archive.urls import lookup_key
from crawl.served.view import ServedView
from site_out.qa.pairs import iter_page_pairs
from sunset.config import SiteConfig
from sunset.layout import OutputLayout
from tests.conftest import DEPT_BASE

SECRETS = (b"$db_password", b"abc123xyz", b"hunter2")
"""db.php's, .htpasswd's and cgi-bin/guestbook.pl's: in the master WARC only."""


def _records(warc: Path) -> dict[str, tuple[str, object, bytes]]:
    """URL -> (type, WARC headers, payload) of every response and resource record."""
    found = {}
    with warc.open("rb") as handle:
        for record in ArchiveIterator(handle):
            if record.rec_type in ("response", "resource"):
                url = record.rec_headers.get_header("WARC-Target-URI")
                found.setdefault(url, (record.rec_type, record.rec_headers, record.content_stream().read()))
    return found


def _page(layout: OutputLayout, relative: str) -> str:
    return (layout.mirror / "www.example.edu" / relative).read_text(encoding="utf-8")


def test_the_start_page_is_the_folder_its_directory_index_opened(dept_run: tuple[SiteConfig, OutputLayout]) -> None:
    """No start_url, no index.html: the run is not refused, and the mirror opens on the page Apache
    sent for /dept/peace/ (index.shtml, its includes done)."""
    _, layout = dept_run
    start = (layout.mirror / "index.html").read_text(encoding="utf-8")
    assert "www.example.edu/dept/peace/index.html" in start
    home = _page(layout, "dept/peace/index.html")
    assert "Papers</A>" in home and "Peace Studies Program, Example University" in home  # header and footer
    assert "Last updated on November 16, 1998." in home and "<!--#" not in home
    assert "Welcome to the home page" in home and "News of the program" not in home


def test_the_mirror_has_listings_redirects_and_no_dead_sort_links(dept_run: tuple[SiteConfig, OutputLayout]) -> None:
    _, layout = dept_run
    listing = _page(layout, "dept/peace/papers/index.html")
    assert "Index of /dept/peace/papers" in listing and 'href="mediation.html"' in listing
    assert "missing.html" not in listing  # each column heading opens the listing sorted by it
    forwarding = _page(layout, "dept/peace/old-news.html")  # Redirect permanent in .htaccess
    assert "news.shtml" in forwarding
    log = layout.log.read_text(encoding="utf-8")
    assert "not archived: http://www.example.edu/dept/peace/papers/?C=" not in log


def test_records_say_which_pages_were_assembled_and_from_what(dept_run: tuple[SiteConfig, OutputLayout]) -> None:
    _, layout = dept_run
    records = {record["url"]: record for record in map(json.loads, layout.records.read_text("utf-8").splitlines())}
    home = records[DEPT_BASE + "index.shtml"]
    assert home["reconstructed"]["rule"] == "server-side-includes"
    assert home["reconstructed"]["made_from"][0] == DEPT_BASE + "index.shtml"
    assert "http://www.example.edu/dept/inc/header.html" in home["reconstructed"]["made_from"]
    assert any(link["url"] == DEPT_BASE + "news.shtml" for link in home["links"])  # from the included bar
    assert records[DEPT_BASE]["reconstructed"]["rule"] == "directory-index"
    assert records[DEPT_BASE + "papers/"]["reconstructed"]["rule"] == "directory-listing"
    assert "reconstructed" not in records[DEPT_BASE + "papers/negotiation.txt"]  # archived as it lay


def test_the_reconstructed_warc_holds_the_answers_tied_to_the_files(dept_run: tuple[SiteConfig, OutputLayout]) -> None:
    config, layout = dept_run
    master = _records(layout.warc)
    reconstructed = _records(layout.reconstructed_warc)
    kind, headers, body = reconstructed[DEPT_BASE + "index.shtml"]
    assert kind == "response" and headers.get_header(RECONSTRUCTION_HEADER) == "server-side-includes"
    assert headers.get_header("WARC-Refers-To") == master[DEPT_BASE + "index.shtml"][1].get_header("WARC-Record-ID")
    assert headers.get_header("WARC-Refers-To-Target-URI") == DEPT_BASE + "index.shtml"
    assert "http://www.example.edu/dept/inc/header.html" in headers.get_header(MADE_FROM_HEADER).split()
    with ServedView(config.source).answer(DEPT_BASE + "index.shtml").body.open() as served:
        assert body == served.read()  # what Apache sent (tests/test_served_apache.py checks the view)
    for url, rule in [(DEPT_BASE, "directory-index"), (DEPT_BASE + "papers/", "directory-listing"),
                      (DEPT_BASE + "papers/?C=S;O=A", "directory-listing"),
                      (DEPT_BASE + "old-news.html", "server-redirect"),
                      (DEPT_BASE + ".htpasswd", "error-document")]:
        assert reconstructed[url][1].get_header(RECONSTRUCTION_HEADER) == rule, url
    # echo.shtml links papers' files as if it were in papers/: Apache answered with the site's
    # ErrorDocument 404 (404.shtml, its includes done), and so does the replay.
    kind, headers, body = reconstructed[DEPT_BASE + "negotiation.txt"]
    assert headers.get_header(RECONSTRUCTION_HEADER) == "error-document" and b"Nothing at /dept/peace/negotiation.txt" in body
    # The records are the served step's, byte for byte (the ids records.jsonl names).
    served_file = served_answers(layout.warc)
    assert served_file is not None
    ids = {record[1].get_header("WARC-Record-ID") for record in _records(served_file).values()}
    assert ids <= {record[1].get_header("WARC-Record-ID") for record in reconstructed.values()}


def test_no_program_source_or_password_is_published_or_replayable(dept_run: tuple[SiteConfig, OutputLayout]) -> None:
    _, layout = dept_run
    for path in layout.mirror.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert not any(secret in data for secret in SECRETS), path
    with gzip.open(layout.reconstructed_warc) as handle:
        assert not any(secret in handle.read() for secret in SECRETS)
    with gzip.open(layout.warc) as handle:  # the master keeps the docroot whole
        assert b"$db_password" in handle.read()
    published = {path.name for path in layout.mirror.rglob("*")}
    assert not published & {"db.php", ".htpasswd", "guestbook.pl", ".htaccess", "%2Ehtpasswd", "%2Ehtaccess"}


def test_the_index_prefers_the_served_answer_at_a_files_url(dept_run: tuple[SiteConfig, OutputLayout]) -> None:
    """pywb takes the first of equally close captures: the answer Apache sent comes before the file."""
    _, layout = dept_run
    lines = [line for line in iter_cdxj(layout.cdxj) if line.url == DEPT_BASE + "index.shtml"]
    assert [line.fields["filename"] for line in lines] == [layout.reconstructed_warc.name, layout.warc.name]
    assert lines[0].timestamp == lines[1].timestamp == "19981116093000"


def test_the_site_as_served_is_what_every_stage_reads(dept_run: tuple[SiteConfig, OutputLayout]) -> None:
    """The master's captures with the answers over them: the QA pairs the listing and the expanded
    home page with their mirror files."""
    _, layout = dept_run
    read = [capture.url for capture in iter_site_captures(layout.warc)]
    with CaptureIndex(layout.warc) as master, SiteIndex(master) as site:
        looked_up = [capture.url for capture in site.captures()]
        assert looked_up == read  # the index and the reader agree on the order (the mirror's plan needs it)
        for url in (DEPT_BASE + "index.shtml", DEPT_BASE, DEPT_BASE + "papers/?C=M;O=D"):
            assert read[site.first_ordinal(lookup_key(url, False), case_insensitive=False)] == url
        assert site.find(None, DEPT_BASE + "index.shtml").rec_type == "response"  # the answer, not the file
    captures = {capture.url: capture for capture in iter_site_captures(layout.warc)}
    assert captures[DEPT_BASE + "index.shtml"].reconstruction == "server-side-includes"
    assert captures[DEPT_BASE + "papers/negotiation.txt"].reconstruction is None
    pairs = {pair.url: pair.path for pair in iter_page_pairs(layout.warc, case_insensitive=False)}
    assert pairs[DEPT_BASE] == "www.example.edu/dept/peace/index.html"
    assert pairs[DEPT_BASE + "papers/"] == "www.example.edu/dept/peace/papers/index.html"
