"""site_out/qa/page.py: the QA page (worst first, pictures for the pages that have them, a table for
the rest) and qa.json, written from the check's results."""
from __future__ import annotations

import json
import re
from pathlib import Path

from site_out.qa.check import PageResult
from site_out.qa.options import QaThresholds
from site_out.qa.page import QA_JSON, QA_PAGE, qa_html, write_qa

JPEG = b"\xff\xd8\xff\xe0 not really a picture"


def _result(url: str, *, visual: float = 1.0, text: float = 1.0, passed: bool = True, failed: tuple[str, ...] = (),
            thumbs: bool = False, error: str | None = None, blocked: tuple[str, ...] = ()) -> PageResult:
    return PageResult(url, "h/site/" + url.rsplit("/", 1)[-1], visual, text, failed, (), 3, 3 - len(failed), blocked,
                      ("text differs: 'Welcome'",) if not passed else (), passed, error,
                      (JPEG, JPEG + b"2") if thumbs else None)


RESULTS = [
    _result("http://h/site/bad.htm", visual=0.5, text=0.8, passed=False, failed=("http://h/site/x.gif",),
            thumbs=True, blocked=("http://ads.test/",)),
    _result("http://h/site/odd<&>.htm", visual=0.93, thumbs=True, error="timed out"),
    _result("http://h/site/fine.htm"),
]


def test_the_page_shows_each_result_and_the_figures() -> None:
    html = qa_html(RESULTS, QaThresholds(), "<div>notice</div>", "old site")
    summary = re.search(r'<p class="qa-summary" data-pages="(\d+)" data-failed="(\d+)">(.*?)</p>', html, re.S)
    assert summary and summary.groups()[:2] == ("3", "1")
    assert "Median picture similarity 93.0%, median text similarity 100.0%." in summary.group(3)
    assert "1 requests to other machines were refused." in summary.group(3)
    cards = re.findall(r'<section class="qa-page (qa-\w+)" data-url="([^"]*)"', html)
    assert cards == [("qa-fail", "http://h/site/bad.htm"), ("qa-pass", "http://h/site/odd&lt;&amp;&gt;.htm")]
    assert ("BELOW THE THRESHOLDS: picture <b>50.0%</b> (at least 90.0%), text <b>80.0%</b> (at least 95.0%), "
            "<b>1</b> resources not loaded (at most 0)") in html
    assert '<img src="qa/00000-original.jpg"' in html and '<img src="qa/00001-mirror.jpg"' in html
    assert "<b>Error:</b> timed out" in html and "text differs: &#x27;Welcome&#x27;" in html
    rest = re.findall(r'<tr data-url="([^"]*)"><td><a href="([^"]*)">', html)
    assert rest == [("http://h/site/fine.htm", "../h/site/fine.htm")]  # links from _sunset/ to the page


def test_no_pages() -> None:
    html = qa_html([], QaThresholds(), "", "empty")
    assert 'data-pages="0" data-failed="0"' in html and '<table class="qa-rest">' not in html


def test_written_with_its_pictures_and_figures(tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    stale = mirror / "_sunset" / "qa" / "00099-original.jpg"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"from an earlier run")
    page, figures = write_qa(mirror, tmp_path, RESULTS, QaThresholds(min_text=0.5), notice_html="",
                             site_name="old site")
    assert page == mirror / QA_PAGE and figures == tmp_path / QA_JSON
    assert sorted(path.name for path in (mirror / "_sunset" / "qa").iterdir()) == [
        "00000-mirror.jpg", "00000-original.jpg", "00001-mirror.jpg", "00001-original.jpg"]  # the old ones gone
    assert (mirror / "_sunset" / "qa" / "00001-mirror.jpg").read_bytes() == JPEG + b"2"
    written = json.loads(figures.read_text(encoding="utf-8"))
    assert (written["site"], written["pages"], written["failed"]) == ("old site", 3, 1)
    assert written["thresholds"] == {"min_visual": 0.9, "min_text": 0.5, "max_failed": 0, "thumbnails": 200}
    assert [result["url"] for result in written["results"]] == [result.url for result in RESULTS]
    assert written["results"][0]["missing_resources"] == 1 and "thumbs" not in written["results"][0]
