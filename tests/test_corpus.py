"""Real 1990s sites (../shared/corpus): HTML nobody here wrote. Skipped when the folder is absent."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from site_out.check import iter_broken_links, iter_page_problems
from sunset.cli import main
from tests.conftest import CORPUS, write_config

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not present")

MOJIBAKE = ("\ufffd", "\u00e2\u20ac", "\u00c3\u00a9", "\u00c3\u00a8")


def run_site(tmp_path: Path, docroot: Path, base_url: str, start_url: str | None = None,
             site: str = "") -> tuple[Path, dict[str, dict]]:
    config = write_config(tmp_path, docroot=str(docroot), base_url=base_url)
    if start_url:  # the site's root has no index page: name the page that opens it
        site += f'start_url = "{start_url}"\n'
    if site:
        text = config.read_text(encoding="utf-8").replace("[source]", f"{site}\n[source]", 1)
        config.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(config), "--out", str(out), "--quiet"]) == 0
    records = {}
    for line in (out / "records.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        records[record["url"]] = record
    return out, records


@pytest.fixture(scope="module")
def gazette(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, dict]]:
    return run_site(tmp_path_factory.mktemp("lg"), CORPUS / "linuxgazette1998-99-cp1252", "http://www.linuxgazette.com/",
                    "http://www.linuxgazette.com/issue31/index.html",
                    site='aliases = ["www.linuxgazette.net", "linuxgazette.net"]\n')


@pytest.fixture(scope="module")
def apache(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, dict]]:
    return run_site(tmp_path_factory.mktemp("apache"), CORPUS / "apache13-manual" / "htdocs", "http://localhost/")


@pytest.mark.parametrize("site", ["gazette", "apache"])
def test_corpus_mirror_is_whole(site: str, request: pytest.FixtureRequest) -> None:
    out, records = request.getfixturevalue(site)
    assert list(iter_broken_links(out / "mirror")) == []
    assert list(iter_page_problems(out / "mirror")) == []
    files = sum(1 for path in (out / "mirror").rglob("*") if path.is_file())
    assert files >= len(records)


def test_gazette_windows_1252_pages_decode_cleanly(gazette: tuple[Path, dict[str, dict]]) -> None:
    _, records = gazette
    pages = [record for record in records.values() if record["record_type"] == "page"]
    assert len(pages) >= 249
    for record in pages:
        for marker in MOJIBAKE:
            assert marker not in record["text"], (record["url"], marker)
    smyth = records["http://www.linuxgazette.com/issue41/smyth.html"]
    assert smyth["charset"] == "windows-1252"
    assert "\u2019" in smyth["text"]
    for name in ("issue31/tag_distrib.html", "issue45/lg_bytes45.html", "issue47/deblende.html"):
        record = records["http://www.linuxgazette.com/" + name]
        assert record["charset"] == "windows-1252", name
        assert any(char in record["text"] for char in "\u2018\u2019\u201c\u201d\u2013\u2014\u00e9"), name


def test_gazette_links_to_its_other_names_stay_in_the_mirror(gazette: tuple[Path, dict[str, dict]]) -> None:
    """Its pages name it linuxgazette.net and www.linuxgazette.net too (``[site] aliases``): such a
    link to an archived page leads to the mirror's file, not to the web."""
    out, records = gazette
    links = [link for record in records.values() for link in record.get("links") or ()
             if (link.get("url") or "").startswith("http://linuxgazette.net/issue31/")]
    assert links and all(link["in_scope"] for link in links)
    page = (out / "mirror" / "www.linuxgazette.com" / "issue41" / "rogers.html").read_text(encoding="utf-8")
    assert '<A HREF="../issue31/rogers1.html"><I>The Standard' in page  # written http://linuxgazette.net/issue31/...
    assert (out / "mirror" / "www.linuxgazette.com" / "issue31" / "rogers1.html").is_file()


def test_apache_manual_records(apache: tuple[Path, dict[str, dict]]) -> None:
    _, records = apache
    index = records["http://localhost/manual/index.html"]
    assert index["title"] and "Apache" in index["title"]
    assert sum(1 for record in records.values() if record["record_type"] == "page") >= 112


@pytest.mark.parametrize("site", ["gazette", "apache"])
def test_corpus_report_counts_equal_the_records(site: str, request: pytest.FixtureRequest) -> None:
    from tests.test_report import chart_values, read_csv

    out, records = request.getfixturevalue(site)
    html = (out / "mirror" / "_sunset" / "report.html").read_text(encoding="utf-8")
    assert sum(chart_values(html, "types").values()) == len(records)
    pages = [record for record in records.values() if record["record_type"] == "page"]
    assert sum(chart_values(html, "charsets").values()) == len(pages)
    assert sum(int(row["urls"]) for row in read_csv(out / "reports" / "mimetypes.csv")) == len(records)
