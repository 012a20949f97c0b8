"""Hostile captures against the mirror: what a crawled server sends must not become live script,
live server configuration or a file that takes the place of another in anything sunset writes."""
from __future__ import annotations

from pathlib import Path

import pytest
from warcio.warcwriter import WARCWriter

from normalize.linktable import iter_tag_urls
from normalize.markup import StartTag, iter_tokens
from site_out.check import iter_broken_links
from site_out.mirror import write_mirror
from site_out.pages import OWN_PAGE_MARKER, forwarding_page
from tests.test_site_out_mirror import BASE, GLOSSARY, OPTIONS, resource, response, site

SCRIPT_TARGETS = ["javascript:alert(document.cookie)", " JaVa\tScRiPt:alert(1)", "file:///etc/passwd",
                  "vbscript:msgbox(1)", "data:text/html,<script>alert(1)</script>", "\x01javascript:alert(1)"]


def _urls(text: str) -> list[str]:
    return [tag_url.url for token in iter_tokens(text) if isinstance(token, StartTag)
            for tag_url in iter_tag_urls(token)]


@pytest.mark.parametrize("location", SCRIPT_TARGETS)
def test_a_redirect_to_a_non_web_address_is_shown_as_text(tmp_path: Path, location: str) -> None:
    warc = tmp_path / "site.warc.gz"
    with warc.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        resource(writer, BASE + "index.html", "text/html", b'<body><a href="evil.htm">e</a>')
        resource(writer, BASE + "glossary.htm", "text/html", GLOSSARY)
        response(writer, BASE + "evil.htm", "302 Found", [("Location", location)], b"")
    write_mirror(warc, None, OPTIONS, tmp_path / "out")
    mirror = tmp_path / "out" / "mirror"
    page = site(mirror, "evil.htm").read_text("utf-8")
    assert "This page has moved" in page and "not a web address" in page
    assert "refresh" not in page.lower()
    for url in _urls(page):
        assert url.strip().lower().startswith(("http:", "https:", "../", "_sunset", "#")) or ":" not in url, url
    assert list(iter_broken_links(mirror)) == []


def test_verify_catches_script_urls_in_pages_sunset_wrote(tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "index.html").write_text(OWN_PAGE_MARKER + '<a href="javascript:alert(1)">x</a>', "utf-8")
    (mirror / "moved.html").write_text(
        OWN_PAGE_MARKER + '<meta http-equiv="refresh" content="0; url=javascript:alert(1)">', "utf-8")
    # An archived page keeps its own javascript: links: they ran on the old site too.
    (mirror / "old.html").write_text('<a href="javascript:history.back()">back</a>', "utf-8")
    broken = sorted((link.page, link.reason) for link in iter_broken_links(mirror))
    assert broken == [("index.html", "not a web address in a page sunset wrote"),
                      ("moved.html", "not a web address in a page sunset wrote")]


def test_forwarding_page_with_a_web_target_still_forwards() -> None:
    page = forwarding_page("", target_href="glossary.htm", original_url=BASE + "m", target_url=BASE + "glossary.htm")
    assert 'content="0; url=glossary.htm"' in page and '<a href="glossary.htm">' in page
