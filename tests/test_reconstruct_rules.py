"""archive/package/reconstruct.py, its rules (the master's captures it asks are the capture index's:
tests/test_capture_index.py): which spellings the old server answered that the master lacks, and the
records that say so."""
from __future__ import annotations

import io
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.capture_index import CaptureIndex
from archive.package.reconstruct import (
    RECONSTRUCTION_HEADER,
    linked_urls,
    plan_reconstructions,
    write_reconstructions,
)
from archive.stamps import RecordStamps
from archive.warc_writer import WarcArchive

SITE = "http://h/site/"
INDEX_FILES = ("index.html", "default.htm")


def _master(path: Path) -> Path:
    """A docroot's files (resource records), and one crawled response."""
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for name, content_type, body in [("Images/Logo.GIF", "image/gif", b"GIF89a"),
                                         ("index.html", "text/html", b"<P>home"),
                                         ("sub/default.htm", "text/html", b"<P>sub"),
                                         ("a.htm", "text/html", b"<P>a"),
                                         ("both/index.html", "text/html", b"<P>both"),
                                         ("both/", "text/html", b"<P>both, fetched")]:
            writer.write_record(writer.create_warc_record(
                SITE + name, "resource", payload=io.BytesIO(body), warc_content_type=content_type,
                warc_headers_dict={"WARC-Date": "1998-03-04T05:06:07Z"}))
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html"), ("Server", "IIS/4.0")], protocol="HTTP/1.0")
        writer.write_record(writer.create_warc_record(
            SITE + "News.asp", "response", payload=io.BytesIO(b"<P>news"), http_headers=http,
            warc_headers_dict={"WARC-Date": "1999-01-01T00:00:00Z"}))
    return path


WANTED = [SITE + "images/LOGO.GIF", SITE, SITE + "sub", SITE + "a.htm", SITE + "a.htm", SITE + "q.asp?x=1",
          SITE + "missing/", SITE + "nothing", SITE + "news.asp", SITE + "both", SITE + "A.HTM"]


@pytest.mark.parametrize(("case_insensitive", "folders", "expected"), [
    (True, True, [
        (SITE, "index-file", SITE + "index.html", None),
        (SITE + "A.HTM", "case-variant", SITE + "a.htm", None),
        (SITE + "both", "folder-redirect", SITE + "both/index.html", SITE + "both/"),  # both/ was archived
        (SITE + "images/LOGO.GIF", "case-variant", SITE + "Images/Logo.GIF", None),
        (SITE + "news.asp", "case-variant", SITE + "News.asp", None),
        (SITE + "sub", "folder-redirect", SITE + "sub/default.htm", SITE + "sub/"),
        (SITE + "sub/", "index-file", SITE + "sub/default.htm", None),
    ]),
    (False, True, [  # a server that minded case: only folders
        (SITE, "index-file", SITE + "index.html", None),
        (SITE + "both", "folder-redirect", SITE + "both/index.html", SITE + "both/"),
        (SITE + "sub", "folder-redirect", SITE + "sub/default.htm", SITE + "sub/"),
        (SITE + "sub/", "index-file", SITE + "sub/default.htm", None),
    ]),
    (True, False, [  # a crawl: its server's answers to folders are in the master already
        (SITE + "A.HTM", "case-variant", SITE + "a.htm", None),
        (SITE + "images/LOGO.GIF", "case-variant", SITE + "Images/Logo.GIF", None),
        (SITE + "news.asp", "case-variant", SITE + "News.asp", None),
    ]),
])
def test_which_spellings_are_reconstructed(tmp_path: Path, case_insensitive: bool, folders: bool,
                                           expected: list[tuple[str, str, str, str | None]]) -> None:
    items = plan_reconstructions(CaptureIndex(_master(tmp_path / "master.warc.gz")), iter(WANTED),
                                 case_insensitive=case_insensitive, index_files=INDEX_FILES, folders=folders)
    assert [(item.url, item.rule, item.original.url, item.location) for item in items] == expected


def test_the_records_say_what_they_are(tmp_path: Path) -> None:
    master = _master(tmp_path / "master.warc.gz")
    items = plan_reconstructions(CaptureIndex(master), iter([SITE + "sub", SITE + "news.asp", SITE + "images/logo.gif"]),
                                 case_insensitive=True, index_files=INDEX_FILES, folders=True)
    out = tmp_path / "reconstructed.warc.gz"
    stamps = RecordStamps(datetime(2026, 1, 1, tzinfo=timezone.utc), "seed")
    with WarcArchive(out, software="test", info={}, stamps=stamps) as archive:
        summary = write_reconstructions(archive, items)
    assert (summary.revisits, summary.redirects, summary.records) == (3, 1, 4)
    with master.open("rb") as handle:
        originals = {record.rec_headers.get_header("WARC-Target-URI"): record.rec_headers
                     for record in ArchiveIterator(handle)}
    with out.open("rb") as handle:
        records = {record.rec_headers.get_header("WARC-Target-URI"): (record.rec_type, record.rec_headers,
                                                                       record.http_headers)
                   for record in ArchiveIterator(handle) if record.rec_type != "warcinfo"}
    assert sorted(records) == [SITE + "images/logo.gif", SITE + "news.asp", SITE + "sub", SITE + "sub/"]

    kind, warc, http = records[SITE + "news.asp"]  # a crawled response: its server's own head, repeated
    original = originals[SITE + "News.asp"]
    assert kind == "revisit" and warc.get_header(RECONSTRUCTION_HEADER) == "case-variant"
    assert warc.get_header("WARC-Refers-To") == original.get_header("WARC-Record-ID")
    assert warc.get_header("WARC-Refers-To-Target-URI") == SITE + "News.asp"
    assert warc.get_header("WARC-Refers-To-Date") == warc.get_header("WARC-Date") == "1999-01-01T00:00:00Z"
    assert warc.get_header("WARC-Payload-Digest") == original.get_header("WARC-Payload-Digest")
    assert warc.get_header("WARC-Profile").endswith("/revisit/identical-payload-digest")
    assert (http.get_statuscode(), http.get_header("Server")) == ("200", "IIS/4.0")

    _, warc, http = records[SITE + "images/logo.gif"]  # a docroot file: no server sent a head; the type is its
    assert (http.get_statuscode(), http.get_header("Content-Type"), http.get_header("Content-Length")) == (
        "200", "image/gif", "6")
    assert warc.get_header("WARC-Date") == "1998-03-04T05:06:07Z"  # found at the moment of the original

    kind, warc, http = records[SITE + "sub"]
    assert (kind, warc.get_header(RECONSTRUCTION_HEADER)) == ("response", "folder-redirect")
    assert (http.get_statuscode(), http.get_header("Location")) == ("301", SITE + "sub/")
    assert records[SITE + "sub/"][1].get_header(RECONSTRUCTION_HEADER) == "index-file"


def test_linked_urls_are_the_pages_links_in_scope_and_images(tmp_path: Path) -> None:
    records = tmp_path / "records.jsonl"
    records.write_text("\n".join(json.dumps(record) for record in [
        {"record_type": "page", "url": SITE,
         "links": [{"url": SITE + "a.htm#top", "in_scope": True}, {"url": "http://other.test/", "in_scope": False},
                   {"url": None, "in_scope": False}, {"url": SITE + "b.htm", "in_scope": True}],
         "images": [{"url": "http://other.test/logo.gif#x"}, {"url": None}]},
        {"record_type": "file", "url": SITE + "x.gif", "links": [{"url": SITE + "never.htm", "in_scope": True}]},
        {"record_type": "page", "url": SITE + "b.htm"},
    ]) + "\n", encoding="utf-8")
    assert list(linked_urls(records)) == [SITE + "a.htm", SITE + "b.htm", "http://other.test/logo.gif"]
    assert list(linked_urls(None)) == list(linked_urls(tmp_path / "absent.jsonl")) == []
