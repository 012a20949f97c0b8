"""The reconstructed WARC and the WACZ page list of the 1998 test site, ingested and crawled.

Read back with warcio; no browser (tests/test_replay_viewer.py opens the same sites in ReplayWeb.page).
"""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from sunset.cli import main
from sunset.layout import OutputLayout
from tests.conftest import write_config
from tests.crawlserver import old_site, serve, site_route
from tests.test_crawl_site import BASE, crawl_config


def records(path: Path) -> dict[str, tuple[str, dict[str, str], int | None]]:
    """URL -> (type, WARC headers, HTTP status) of every record but the warcinfo."""
    found = {}
    with path.open("rb") as handle:
        for record in ArchiveIterator(handle):
            if record.rec_type in ("warcinfo", "request"):
                continue
            status = int(record.http_headers.get_statuscode()) if record.http_headers is not None else None
            headers = dict(record.rec_headers.headers)
            if record.http_headers is not None and record.http_headers.get_header("Location"):
                headers["Location"] = record.http_headers.get_header("Location")
            found[headers["WARC-Target-URI"]] = (record.rec_type, headers, status)
    return found


def page_list(layout: OutputLayout) -> list[dict]:
    with zipfile.ZipFile(layout.wacz) as package:
        lines = package.read("pages/pages.jsonl").decode("utf-8").splitlines()
    return [json.loads(line) for line in lines[1:]]


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> OutputLayout:
    """The test site's files with the image folder spelled ``Images/`` (the pages say ``images/``)."""
    folder = tmp_path_factory.mktemp("reconstruct-ingest")
    for path, (_, body) in old_site(80).items():
        name = path.lstrip("/").replace("site/images/", "site/Images/")
        (folder / "docroot" / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / "docroot" / name).write_bytes(body)
    config = write_config(folder, base_url=BASE, extra='case_insensitive = true\nindex_files = ["index.htm"]')
    assert main(["run", str(config), "--out", str(folder / "out"), "--quiet"]) == 0
    return OutputLayout(folder / "out", "test")


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> OutputLayout:
    folder = tmp_path_factory.mktemp("reconstruct-crawl")
    with serve(site_route) as state:
        assert main(["run", str(crawl_config(folder, state)), "--out", str(folder / "out"), "--quiet"]) == 0
    return OutputLayout(folder / "out", "old")


def test_ingest_reconstructs_folders_redirects_and_other_cases(ingested: OutputLayout) -> None:
    master = records(ingested.warc)
    made = records(ingested.reconstructed_warc)
    assert not set(made) & set(master)
    expected = {
        BASE: ("index-file", BASE + "index.htm"),
        BASE + "dir/": ("index-file", BASE + "dir/index.htm"),
        BASE + "Main.htm": ("case-variant", BASE + "main.htm"),
        BASE + "Glossary.htm": ("case-variant", BASE + "glossary.htm"),
        BASE + "GLOSSARY.HTM": ("case-variant", BASE + "glossary.htm"),
        BASE + "images/logo.gif": ("case-variant", BASE + "Images/logo.gif"),
        BASE + "IMAGES/LOGO.GIF": ("case-variant", BASE + "Images/logo.gif"),
        BASE + "images/paper.gif": ("case-variant", BASE + "Images/paper.gif"),
        BASE + "images/logo-low.gif": ("case-variant", BASE + "Images/logo-low.gif"),
        BASE + "images/bg.gif": ("case-variant", BASE + "Images/bg.gif"),  # from style.css
    }
    for url, (rule, target) in expected.items():
        kind, headers, status = made[url]
        assert (kind, headers["WARC-Sunset-Reconstruction"], status) == ("revisit", rule, 200), url
        assert headers["WARC-Refers-To-Target-URI"] == target
        assert headers["WARC-Refers-To"] == master[target][1]["WARC-Record-ID"]
        assert headers["WARC-Payload-Digest"] == master[target][1]["WARC-Payload-Digest"]
    kind, headers, status = made[BASE + "dir"]
    assert (kind, headers["WARC-Sunset-Reconstruction"], status) == ("response", "folder-redirect", 301)
    assert headers["Location"] == BASE + "dir/"
    # Links to what the server never had are not invented.
    assert BASE + "missing.htm" not in made and BASE + "broken.htm" not in made


def test_crawl_reconstructs_only_other_cases_of_what_was_fetched(crawled: OutputLayout) -> None:
    master = records(crawled.warc)
    made = records(crawled.reconstructed_warc)
    assert made and not set(made) & set(master)
    assert {headers["WARC-Sunset-Reconstruction"] for _, headers, _ in made.values()} == {"case-variant"}
    for url, (kind, headers, _) in made.items():
        assert kind == "revisit" and headers["WARC-Refers-To-Target-URI"] in master, url
        assert url.lower() == headers["WARC-Refers-To-Target-URI"].lower()


def test_crawled_responses_keep_the_servers_content_type(crawled: OutputLayout) -> None:
    for kind, headers, _ in records(crawled.warc).values():
        assert "WARC-Sunset-Charset-Source" not in headers


def test_the_page_list_is_the_sites_pages_with_their_text(crawled: OutputLayout) -> None:
    listed = {entry["url"]: entry for entry in page_list(crawled)}
    assert BASE + "moved.htm" not in listed and BASE + "dir" not in listed  # redirects
    assert BASE + "missing.htm" not in listed and BASE + "broken.htm" not in listed  # 404, 500
    main_page = next(entry for url, entry in listed.items() if url.lower() == BASE + "main.htm")
    assert main_page["title"] == "Main \u2013 page" and "Peace \u2013 conflict." in main_page["text"]
    with zipfile.ZipFile(crawled.wacz) as package:
        header = json.loads(package.read("pages/pages.jsonl").decode("utf-8").splitlines()[0])
        datapackage = json.loads(package.read("datapackage.json"))
    assert header["hasText"] is True
    assert datapackage["metadata"]["title"] == "Old site (http://www.oldsite.test/site/)"  # the start page's title and the base URL
    assert main(["verify", str(crawled.root), "--quiet"]) == 0
