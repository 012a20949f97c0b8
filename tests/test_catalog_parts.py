"""The page list in parts: ``_sunset/index.html`` holds the first :data:`PART_SIZE` pages,
``index-2.html``... the rest, each with the notice, the heading and links to every part;
search still covers every page. Run with ``PART_SIZE`` patched small."""
from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from site_out import catalog
from site_out.catalog import CatalogEntry, part_path, write_catalog
from site_out.check import iter_broken_links, iter_page_problems
from site_out.mirror import write_mirror
from site_out.notice import NOTICE_MARKER, render_notice
from site_out.words import Words
from tests.test_site_out_mirror import OPTIONS, build_warc

NOTICE = render_notice(OPTIONS.notice, start_href="../index.html", about_href="about.html", index_href="index.html")


def entries(count: int) -> list[CatalogEntry]:
    return [CatalogEntry(f"../site/page{number}.html", f"http://h/page{number}.html", f"Page {number}",
                         f"text of page {number}") for number in range(1, count + 1)]


def write(root: Path, count: int, words: Words = Words()) -> str:
    index = io.StringIO()
    assert write_catalog(iter(entries(count)), NOTICE, "site", root, index, words) == count
    return index.getvalue()


def listed(text: str) -> list[str]:
    return re.findall(r'<li><a href="([^"]+)">', text)


def test_parts_nav_and_every_page_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(catalog, "PART_SIZE", 3)
    script = write(tmp_path, 8)
    names = sorted(path.name for path in (tmp_path / "_sunset").iterdir())
    assert names == ["index-2.html", "index-3.html", "index.html"]  # no temporary file left
    seen: list[str] = []
    for number, size in ((1, 3), (2, 3), (3, 2)):
        text = (tmp_path / part_path(number)).read_bytes().decode("utf-8")
        items = listed(text)
        assert len(items) == size
        seen += items
        assert text.count(NOTICE_MARKER) == 1 and "<h1>All pages of site</h1>" in text
        assert text.count('<nav class="sunset-parts"') == 2  # above and below the list
        assert 'Pages: ' in text and "\u00b7" in text
        for other, span in ((1, "1\u20133"), (2, "4\u20136"), (3, "7\u20138")):
            link = f'<a href="{part_path(other).rsplit("/", 1)[1]}">{span}</a>'
            assert (f"<strong>{span}</strong>" in text) == (other == number)
            assert (link in text) == (other != number)
        assert '<script src="search-index.js"></script>' in text
    assert seen == [entry.href for entry in entries(8)]
    pages = json.loads(script.split("= ", 1)[1].rstrip().rstrip(";"))
    assert [page["u"] for page in pages] == seen  # search covers every part's pages


def test_parts_numbers_in_the_notices_language(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(catalog, "PART_SIZE", 1_000)
    write(tmp_path, 2_500, Words("de"))
    text = (tmp_path / "_sunset/index-3.html").read_text("utf-8")
    assert 'Seiten: <a href="index.html">1\u20131.000</a> \u00b7 <a href="index-2.html">1.001\u20132.000</a>' in text
    assert "<strong>2.001\u20132.500</strong>" in text and 'aria-label="Teile der Seitenliste"' in text


def test_a_short_list_is_one_part_without_navigation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(catalog, "PART_SIZE", 3)
    for count in (0, 3):
        write(tmp_path, count)
        text = (tmp_path / "_sunset/index.html").read_text("utf-8")
        assert len(listed(text)) == count and "sunset-parts" not in text
        assert not (tmp_path / "_sunset/index-2.html").exists()


def test_parts_of_a_larger_earlier_list_are_removed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(catalog, "PART_SIZE", 3)
    write(tmp_path, 10)
    assert (tmp_path / "_sunset/index-4.html").exists()
    write(tmp_path, 5)
    assert sorted(path.name for path in (tmp_path / "_sunset").iterdir()) == ["index-2.html", "index.html"]


def test_a_mirror_with_parts_checks_clean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The parts are sunset's own pages: kept by the unexplained-file cleanup, their links and notices checked."""
    monkeypatch.setattr(catalog, "PART_SIZE", 2)
    warc = tmp_path / "site.warc.gz"
    build_warc(warc)
    summary = write_mirror(warc, None, OPTIONS, tmp_path / "out")
    root = tmp_path / "out" / "mirror"
    parts = sorted(path.name for path in (root / "_sunset").glob("index*.html"))
    assert len(parts) == -(-summary.pages // 2) >= 3
    assert list(iter_broken_links(root)) == [] and list(iter_page_problems(root)) == []
    items = [href for name in parts for href in listed((root / "_sunset" / name).read_text("utf-8"))]
    assert len(items) == len(set(items)) == summary.pages
    # A second run keeps them (they are sunset's own, not files left by an earlier run).
    write_mirror(warc, None, OPTIONS, tmp_path / "out")
    assert sorted(path.name for path in (root / "_sunset").glob("index*.html")) == parts
