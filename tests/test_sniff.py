"""archive/sniff.py: what a capture is, from its type, its name and its first bytes; and the one
answer to "is this a style sheet" that the crawl, the mirror and the reconstruction all take."""
from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from warcio.warcwriter import WARCWriter

from archive.capture_index import CaptureIndex
from archive.sniff import guess_file_type, is_css, is_html, looks_like_html, magic_type, media_type
from archive.urls import Scope
from site_out.mirror import write_mirror
from site_out.options import MirrorOptions, NoticeOptions
from sunset.pipeline import crawl_link_extractor
from sunset.reconstruct_stage import stylesheet_urls

GIF = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"


@pytest.mark.parametrize(("content_type", "expected"), [
    ("text/html; charset=iso-8859-1", "text/html"),
    ("  TEXT/HTML  ", "text/html"),
    ("Text/CSS;charset=utf-8", "text/css"),
    ("", None),
    (";charset=utf-8", None),
    (None, None),
])
def test_media_type(content_type: str | None, expected: str | None) -> None:
    assert media_type(content_type) == expected


@pytest.mark.parametrize(("head", "expected"), [
    (GIF, "image/gif"),
    (b"GIF87a....", "image/gif"),
    (b"\x89PNG\r\n\x1a\n....", "image/png"),
    (b"\xff\xd8\xff\xe0", "image/jpeg"),
    (b"%PDF-1.2", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
    (b"\xca\xfe\xba\xbe", "application/java-vm"),
    (b"\x1f\x8b\x08", "application/gzip"),
    (b"<HTML>", None),
    (b"", None),
])
def test_magic_type(head: bytes, expected: str | None) -> None:
    assert magic_type(head) == expected


@pytest.mark.parametrize(("head", "expected"), [
    (b"<HTML><BODY>", True),
    (b"\xef\xbb\xbf  \r\n<!DOCTYPE HTML PUBLIC", True),
    (b"<frameset cols=2>", True),
    (b"<!-- generated -->", True),
    (b"<P>hello", True),
    (b"<a href=x>", True),
    (b"<abbr>", False),  # "<a " needs its space: <abbr> is no sign of a page
    (b"Plain text", False),
    (b"<?xml version='1.0'?>", False),
])
def test_looks_like_html(head: bytes, expected: bool) -> None:
    assert looks_like_html(head) is expected


@pytest.mark.parametrize(("name", "head", "expected"), [
    ("index.htm", b"", "text/html"),
    ("DEFAULT.ASP", b"", "text/html"),
    ("news.stm", b"", "text/html"),
    ("logo.gif", b"<html>", "image/gif"),  # the name wins over markup-looking bytes...
    ("logo.htm", GIF, "image/gif"),  # ...and the magic bytes over the name
    ("site.CSS", b"", "text/css"),
    ("applet.class", b"", "application/java-vm"),
    ("notes.txt", b"\x00\x01", "text/plain"),
    ("paper.pdf", b"", "application/pdf"),  # not in the era's table: Python's mimetypes
    ("README", b"<HTML><BODY>", "text/html"),
    ("README", b"just words", "text/plain"),
    ("core", b"\x00\x00\x01", "application/octet-stream"),
    ("dir.d/README", b"", "application/octet-stream"),  # a dot in a folder is no extension
])
def test_guess_file_type(name: str, head: bytes, expected: str) -> None:
    assert guess_file_type(name, head) == expected


@pytest.mark.parametrize(("content_type", "url", "expected"), [
    ("text/css", "http://h/style", True),
    ("text/css; charset=utf-8", "http://h/a.php?x=1", True),
    ("text/plain", "http://h/Site.CSS", True),
    ("application/octet-stream", "http://h/s.css", True),
    ("www/unknown", "http://h/s.css", True),
    (None, "http://h/s.css", True),
    ("text/html", "http://h/s.css", False),  # a server that said HTML: the mirror treats it as a page
    ("text/plain", "http://h/s.css.txt", False),
    ("text/plain", "http://h/print.pl?sheet=s.css", False),  # the name is the path's, not the query's
])
def test_is_css(content_type: str | None, url: str, expected: bool) -> None:
    assert is_css(content_type, url) is expected


@pytest.mark.parametrize(("content_type", "head", "expected"), [
    ("text/html", b"<P>", True),
    ("application/xhtml+xml", b"<?xml", True),
    ("text/html", GIF, False),  # a GIF served as a page is an image
    (None, b"<HTML>", True),
    ("application/octet-stream", b"  <html>", True),
    ("www/unknown", b"plain", False),
    ("text/plain", b"<HTML>", False),  # the mirror decides text/plain by name (site_out.plan)
    ("image/gif", b"<HTML>", False),
])
def test_is_html(content_type: str | None, head: bytes, expected: bool) -> None:
    assert is_html(content_type, head) is expected


BASE = "http://h/site/"
# Style sheets the old servers sent with a generic type or a charset, each with its url()s; the
# names are in KOI8-R where the sheet says so (in its HTTP header, or in its @charset rule).
SHEETS = [
    ("a.css", "text/plain", b'BODY { background: url(images/bg.gif) }\r\n@import "b.css";\r\n'),
    ("b.css", "application/octet-stream", b"P { background: url('../site/images/p.gif') }"),
    ("c.css", "text/css; charset=koi8-r", b"H1 { background: url(\xc4\xcf\xcd.gif) }"),
    ("d.css", "text/plain", b'@charset "koi8-r";\nH2 { background: url("\xd3\xcf\xcc\xce\xc3\xc5.gif") }'),
    ("e.css", "text/css", b"\xef\xbb\xbfH3 { background: url(caf\xc3\xa9.gif) }"),
    ("f.css", None, b"H4 { background: url(caf\xe9.gif) } /* \x96 */"),
]
EXPECTED = {
    "a.css": {BASE + "images/bg.gif", BASE + "b.css"},
    "b.css": {BASE + "images/p.gif"},
    "c.css": {BASE + "%D0%B4%D0%BE%D0%BC.gif"},  # дом
    "d.css": {BASE + "%D1%81%D0%BE%D0%BB%D0%BD%D1%86%D0%B5.gif"},  # солнце
    "e.css": {BASE + "caf%C3%A9.gif"},
    "f.css": {BASE + "caf%C3%A9.gif"},  # Windows-1252 bytes: the same name
}


def test_crawl_mirror_and_reconstruction_find_the_same_stylesheet_urls(tmp_path: Path) -> None:
    """The reconstruction took only ``text/css`` for a style sheet (a ``.css`` sent as
    ``text/plain`` was left out), and the crawl and the reconstruction decoded sheets as pages
    while the mirror did not: each found other url()s. Now each takes both answers from the spine."""
    warc = tmp_path / "sheets.warc.gz"
    with warc.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for name, content_type, body in SHEETS:
            record = writer.create_warc_record(BASE + name, "resource", payload=io.BytesIO(body),
                                               warc_content_type=content_type or "application/octet-stream")
            writer.write_record(record)

    extract = crawl_link_extractor(Scope(BASE, False))
    crawled = {name: {url for url, requisite in extract(body, content_type, BASE + name) if requisite}
               for name, content_type, body in SHEETS}

    reconstructed = set(stylesheet_urls(CaptureIndex(warc), 8 * 1024 * 1024))

    notice = NoticeOptions(title="Retired", date=date(2005, 12, 2), text="Gone.")
    summary = write_mirror(warc, None, MirrorOptions(base_url=BASE, notice=notice), tmp_path / "out")
    mirrored: dict[str, set[str]] = {name: set() for name, _, _ in SHEETS}
    for link in summary.missing:  # none of the sheets' images is archived: the mirror looked for each
        assert link.url is not None
        mirrored[link.page.rsplit("/", 1)[-1]].add(link.url)
    mirrored["a.css"].add(BASE + "b.css")  # archived, so not missing: the mirror points at its file
    assert (tmp_path / "out" / "mirror" / "h" / "site" / "a.css").read_text("utf-8").count('"b.css"') == 1

    assert crawled == EXPECTED
    assert mirrored == EXPECTED
    assert reconstructed == set().union(*EXPECTED.values())
