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
from sunset import archive_stage
from sunset.config import SiteConfig
from sunset.layout import OutputLayout


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture(scope="module")
def wayback(otpic_run: tuple[SiteConfig, OutputLayout]) -> Iterator[int]:
    config, _ = otpic_run
    try:
        wayback_command(0)
    except ReplayError as error:
        pytest.skip(str(error))
    root, _ = archive_stage.prepare_replay(config)
    with running_wayback(root) as port:  # start-up waits there, not an assertion
        yield port


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
