"""pywb replays the package: every capture's original bytes in raw mode, 200 in normal mode.

pywb runs only as its own process (it patches the standard library with gevent on import),
bound to 127.0.0.1 on a free port, and is always stopped at the end.
"""
from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.package.cdxj import iter_cdxj
from archive.package.replay import (
    ReplayError,
    page_url,
    running_wayback,
    wayback_command,
)
from crawl.served.view import ServedView
from sunset import archive_stage
from sunset.config import SiteConfig
from sunset.layout import OutputLayout


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _replaying(config: SiteConfig) -> Iterator[int]:
    """pywb serving the package of ``config``'s run, on a free port (skipped without pywb)."""
    try:
        wayback_command(0)
    except ReplayError as error:
        pytest.skip(str(error))
    root, _ = archive_stage.prepare_replay(config)
    with running_wayback(root) as port:  # start-up waits there, not an assertion
        yield port


@pytest.fixture(scope="module")
def wayback(otpic_run: tuple[SiteConfig, OutputLayout]) -> Iterator[int]:
    yield from _replaying(otpic_run[0])


def originals(warc: Path) -> dict[str, bytes]:
    with warc.open("rb") as handle:
        return {record.rec_headers.get_header("WARC-Target-URI"): record.content_stream().read()
                for record in ArchiveIterator(handle) if record.rec_type in ("resource", "response")}


def test_pywb_serves_every_capture_raw_and_replayed(otpic_run, wayback: int) -> None:
    config, layout = otpic_run
    bodies = originals(layout.warc)
    lines = [line for line in iter_cdxj(layout.cdxj) if line.fields["filename"] == layout.warc.name]
    assert {line.url for line in lines} == set(bodies)
    for line in lines:
        status, body = fetch(page_url(wayback, config.name, line.url, line.timestamp, raw=True))
        assert status == 200, line.url
        assert body == bodies[line.url], f"raw replay of {line.url} is not the original bytes"
        if line.fields.get("mime") == "text/html":
            assert fetch(page_url(wayback, config.name, line.url, line.timestamp))[0] == 200, line.url
            status, body = fetch(page_url(wayback, config.name, line.url, line.timestamp + "mp_"))
            assert status == 200 and body, line.url
            assert b"OTPIC Officially Retired" not in body, f"{line.url}: pywb served a derived page"


def test_pywb_resolves_folder_and_case_variant_links(otpic_run, wayback: int) -> None:
    """The site's base URL (a folder the server answered with index.html) and ``Glossary.htm`` (how
    a page spells glossary.htm on the case-insensitive server) replay the captured bytes."""
    config, layout = otpic_run
    bodies = originals(layout.warc)
    base = "http://www.colorado.edu/conflict/peace/"
    for url, original in [(base, base + "index.html"), (base + "Glossary.htm", base + "glossary.htm")]:
        status, body = fetch(page_url(wayback, config.name, url, "19981116093000", raw=True))
        assert status == 200, url
        assert body == bodies[original], f"{url} does not replay {original}"
        status, body = fetch(page_url(wayback, config.name, url, "19981116093000mp_"))
        assert status == 200 and body, url


@pytest.fixture(scope="module")
def dept_wayback(dept_run: tuple[SiteConfig, OutputLayout]) -> Iterator[int]:
    yield from _replaying(dept_run[0])


def test_pywb_replays_an_ssi_site_as_apache_served_it(dept_run, dept_wayback: int) -> None:
    """Issue 22's Apache site, ingested from its files: its home page replays with the navigation bar
    and footer its server-side includes brought (the answer Apache sent, not the file as it lay), its
    folder URL opens that page, a folder without an index page replays its listing, and a
    ``.htaccess`` Redirect replays as the redirect."""
    config, _ = dept_run
    base = "http://www.example.edu/dept/peace/"
    view = ServedView(config.source)
    for url in (base + "index.shtml", base, base + "papers/", base + "papers/?C=M;O=A"):
        status, body = fetch(page_url(dept_wayback, config.name, url, "19981116093000", raw=True))
        with view.answer(url).body.open() as served:
            assert (status, body) == (200, served.read()), url
    status, body = fetch(page_url(dept_wayback, config.name, base + "index.shtml", "19981116093000mp_"))
    page = body.lower()  # pywb's rewriter writes the markup again, in lower case
    assert status == 200 and b">papers</a>" in page and b"example university" in page and b"<!--#" not in page
    assert b"retired" not in page  # the package's replay, not the mirror
    request = urllib.request.Request(page_url(dept_wayback, config.name, base + "old-news.html", "19981116093000",
                                              raw=True))
    opener = urllib.request.build_opener(_NoRedirect())
    try:
        opener.open(request, timeout=30)
        raise AssertionError("old-news.html did not replay as a redirect")
    except urllib.error.HTTPError as error:
        assert error.code == 301 and error.headers["Location"].endswith("/dept/peace/news.shtml")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None
