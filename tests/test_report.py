"""The retirement report: written by every run, its figures equal the records and the WARC, and it
opens in Chromium from file:// with every chart drawn, no failed request and nothing off the machine."""
from __future__ import annotations

import csv
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from site_out.check import iter_broken_links, iter_page_problems
from site_out.mirror import write_mirror
from sunset.cli import main

CHROMIUM = Path("/usr/bin/chromium")


@dataclass
class Opened:
    failed: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    broken_images: list[str] = field(default_factory=list)
    images: int = 0
    charts: int = 0


def open_in_chromium(page_path: Path) -> Opened:
    """Open a page over file:// in Debian's Chromium; what failed, what left the machine, what was drawn."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed")
    opened = Opened()
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("requestfailed", lambda request: opened.failed.append(f"{request.url} {request.failure}"))
            page.on("request", lambda request: None if request.url.startswith(("file:", "data:"))
                    else opened.foreign.append(request.url))
            page.goto(page_path.as_uri(), wait_until="load")
            opened.broken_images = page.evaluate(
                "Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)")
            opened.images = page.evaluate("document.images.length")
            opened.charts = page.evaluate(
                "Array.from(document.querySelectorAll('svg.chart')).filter(s => s.getBBox().width > 0).length")
        finally:
            browser.close()
    return opened


def chart_values(html: str, figure: str) -> dict[str, float]:
    """label -> value of every bar in the report's figure ``figure``."""
    section = re.search(rf'<figure id="{figure}">(.*?)</figure>', html, re.S)
    assert section, figure
    return {label: float(value) for label, value in
            re.findall(r'<g data-label="([^"]*)" data-value="([^"]*)">', section.group(1))}


def records_of(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "records.jsonl").read_text(encoding="utf-8").splitlines() if line]


def warc_captures(warc: Path) -> int:
    with warc.open("rb") as handle:
        return sum(1 for record in ArchiveIterator(handle) if record.rec_type in ("response", "resource"))


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_report_counts_equal_the_records_and_the_warc(otpic_run, tmp_path: Path) -> None:
    config, layout = otpic_run
    html = (layout.mirror / "_sunset" / "report.html").read_text(encoding="utf-8")
    records = records_of(layout.root)
    assert len(records) == warc_captures(layout.warc) == 20
    types = Counter((record["content_type"] or "").split(";")[0] for record in records)
    assert chart_values(html, "types") == {name: float(count) for name, count in types.items()}
    assert sum(chart_values(html, "sizes").values()) == len(records)
    assert chart_values(html, "statuses") == {"not served (files from disk)": 20.0}  # a docroot: never served
    pages = [record for record in records if record["record_type"] == "page"]
    charsets = Counter(f"{record['charset']} ({record['charset_source']})" for record in pages)
    assert chart_values(html, "charsets") == {name: float(count) for name, count in charsets.items()}
    years = Counter(record["last_modified"][:4] for record in records)
    assert {year: value for year, value in chart_values(html, "years").items() if value} == \
        {year: float(count) for year, count in years.items()}
    external = Counter(link["url"].split("/")[2] for record in pages for link in record["links"]
                       if link["kind"] == "external")
    assert chart_values(html, "external") == {host: float(count) for host, count in external.items()}
    assert f"<b>{len(records)}</b> files, <b>{len(pages)}</b> of them pages" in html
    # the CSVs say the same
    reports = layout.root / "reports"
    assert {row["mime_type"]: int(row["urls"]) for row in read_csv(reports / "mimetypes.csv")} == dict(types)
    assert sum(int(row["bytes"]) for row in read_csv(reports / "mimetypes.csv")) == sum(r["size"] for r in records)
    assert read_csv(reports / "responsecodes.csv") == [{"code": "none", "urls": "20"}]
    hosts = {row["host"]: row for row in read_csv(reports / "hosts.csv")}
    assert int(hosts["www.colorado.edu"]["urls"]) == 20
    assert {host: int(row["links_from_site"]) for host, row in hosts.items() if int(row["links_from_site"])} == \
        dict(external)
    # the missing pages are the mirror writer's own list (written again here, from the same inputs)
    missing = read_csv(reports / "missing.csv")
    summary = write_mirror(layout.warc, layout.records, config.mirror, tmp_path)
    assert read_csv(tmp_path / "reports" / "missing.csv") == missing
    links = Counter(link.url for link in summary.missing)
    assert {row["url"]: int(row["links"]) for row in missing} == dict(links) and len(links) >= 1
    for row in missing:
        assert set(row["referrers"].split()) == {link.page for link in summary.missing if link.url == row["url"]}
        assert row["url"][len(config.base_url):] in html


def test_the_report_is_linked_from_the_about_page_and_is_a_page_of_the_mirror(otpic_run) -> None:
    _, layout = otpic_run
    assert 'href="report.html"' in (layout.mirror / "_sunset" / "about.html").read_text(encoding="utf-8")
    problems = [problem for problem in iter_page_problems(layout.mirror) if "report" in problem.page]
    assert problems == []
    assert [link for link in iter_broken_links(layout.mirror) if "report" in link.page] == []


def test_a_mirror_without_records_still_gets_a_report_from_the_warc(otpic_run, tmp_path: Path) -> None:
    config, layout = otpic_run
    write_mirror(layout.warc, None, config.mirror, tmp_path)
    html = (tmp_path / "mirror" / "_sunset" / "report.html").read_text(encoding="utf-8")
    assert sum(chart_values(html, "types").values()) == warc_captures(layout.warc)
    assert chart_values(html, "charsets") == {}  # no records: encodings are not known
    assert (tmp_path / "reports" / "missing.csv").exists()


def test_the_mirror_command_rewrites_the_report(otpic_run, tmp_path: Path) -> None:
    config, layout = otpic_run
    import shutil

    out = tmp_path / "out"
    shutil.copytree(layout.root, out, ignore=shutil.ignore_patterns("replay", ".sunset.lock"))
    (out / "mirror" / "_sunset" / "report.html").unlink()
    shutil.rmtree(out / "reports")
    assert main(["mirror", str(out), "--quiet"]) == 0
    assert (out / "mirror" / "_sunset" / "report.html").exists()
    assert {path.name for path in (out / "reports").iterdir()} == {
        "mimetypes.csv", "responsecodes.csv", "hosts.csv", "missing.csv", "leftovers.csv"}


def test_the_report_opens_in_chromium_with_nothing_failed(otpic_run) -> None:
    _, layout = otpic_run
    opened = open_in_chromium(layout.mirror / "_sunset" / "report.html")
    assert opened.failed == [] and opened.foreign == [] and opened.broken_images == []
    assert opened.charts == 6


# site_out/report.py itself: the figures from records, one at a time, and what is made of them.

def _records(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    return path


RECORDS = [
    {"record_type": "page", "url": "http://h/site/a.htm", "status": 200, "content_type": "text/html; charset=x",
     "size": 500, "last_modified": "1998-03-01T00:00:00+00:00", "charset": "windows-1252",
     "charset_source": "default",
     "links": [{"kind": "external", "url": "http://other.test/x"}, {"kind": "external", "url": "http://other.test/y"},
               {"kind": "page", "url": "http://h/site/b.htm"}, {"kind": "external", "url": None}]},
    {"record_type": "page", "url": "http://h/site/b.htm", "status": 200, "content_type": "TEXT/HTML",
     "size": 2048, "last_modified": "1999-06-01T00:00:00+00:00", "charset": "utf-8", "charset_source": "meta"},
    {"record_type": "file", "url": "http://h/site/logo.gif", "status": None, "content_type": "image/gif",
     "size": 20 * 1024 * 1024, "last_modified": "1999-01-01T00:00:00+00:00"},
    {"record_type": "file", "url": "http://cdn.test/x.js", "status": 404, "content_type": None, "size": None,
     "last_modified": "not a date"},
]


def test_a_tally_adds_up_records(tmp_path: Path) -> None:
    from site_out.report import NOT_SERVED, tally_site

    tally = tally_site(_records(tmp_path / "records.jsonl", RECORDS), tmp_path / "absent.warc.gz",
                       [("a.htm", "http://h/site/gone.htm"), ("b.htm", "http://h/site/gone.htm"),
                        ("a.htm", "http://h/site/gone.htm"), ("a.htm", "http://h/site/lost.htm")])
    assert (tally.files, tally.pages, tally.bytes) == (4, 2, 500 + 2048 + 20 * 1024 * 1024)
    assert tally.types == {"text/html": 2, "image/gif": 1, "unknown": 1}
    assert tally.sizes == {"under 1 KB": 2, "1-10 KB": 1, "10 MB and more": 1}
    assert tally.statuses == {"200": 2, NOT_SERVED: 1, "404": 1}
    assert tally.years == {1998: 1, 1999: 2}  # a date that is none is not counted
    assert tally.hosts == {"h": 3, "cdn.test": 1}
    assert tally.external == {"other.test": 2}
    assert tally.charsets == {"windows-1252 (default)": 1, "utf-8 (meta)": 1}
    assert tally.missing == {"http://h/site/gone.htm": {"a.htm": 2, "b.htm": 1}, "http://h/site/lost.htm": {"a.htm": 1}}


def test_the_csv_reports_list_everything_largest_first(tmp_path: Path) -> None:
    from site_out.report import tally_site, write_csv_reports

    tally = tally_site(_records(tmp_path / "records.jsonl", RECORDS), tmp_path / "absent.warc.gz",
                       [("a.htm", "http://h/site/lost.htm"), ("a.htm", "http://h/site/gone.htm"),
                        ("b.htm", "http://h/site/gone.htm")])
    written = write_csv_reports(tmp_path / "reports", tally)
    assert [path.name for path in written] == ["mimetypes.csv", "responsecodes.csv", "hosts.csv", "missing.csv"]
    assert read_csv(tmp_path / "reports" / "mimetypes.csv") == [
        {"mime_type": "text/html", "urls": "2", "bytes": "2548"},
        {"mime_type": "image/gif", "urls": "1", "bytes": str(20 * 1024 * 1024)},
        {"mime_type": "unknown", "urls": "1", "bytes": "0"}]
    assert [row["host"] for row in read_csv(tmp_path / "reports" / "hosts.csv")] == ["h", "cdn.test", "other.test"]
    assert read_csv(tmp_path / "reports" / "missing.csv") == [
        {"url": "http://h/site/gone.htm", "links": "2", "referrers": "a.htm b.htm"},
        {"url": "http://h/site/lost.htm", "links": "1", "referrers": "a.htm"}]


def test_the_report_page_says_it_at_a_glance(tmp_path: Path) -> None:
    from site_out.report import TOP, report_html, tally_site

    missing = [(f"http://h/site/p{number}.htm", "http://h/site/gone.htm") for number in range(5)]
    missing += [("http://h/site/a.htm", f"http://h/site/lost{number}.htm") for number in range(TOP + 3)]
    tally = tally_site(_records(tmp_path / "records.jsonl", RECORDS), tmp_path / "absent.warc.gz", missing)
    html = report_html(tally, "<div>notice</div>", "old<site>", "http://h/site/")
    assert "<b>old&lt;site&gt;</b>" in html  # escaped
    assert "<b>4</b> files, <b>2</b> of them pages, 20.0 MB in all" in html
    assert "last changed between <b>1998</b> and <b>1999</b> (most in 1999)" in html
    assert "Most files are text/html." in html
    assert "link <b>2</b> times to <b>1</b> other site," in html
    assert f"<b>{TOP + 4}</b> pages that were never archived" in html
    assert chart_values(html, "years") == {"1998": 1, "1999": 2}
    assert chart_values(html, "statuses") == {"200": 2, "404": 1, "not served (files from disk)": 1}
    table = re.search(r'<table class="missing" data-rows="(\d+)">(.*?)</table>', html, re.S)
    assert table and int(table.group(1)) == TOP + 4
    assert table.group(2).count("<tr>") == TOP + 1  # the heading and the TOP most-linked
    assert ('<td title="http://h/site/gone.htm">gone.htm</td><td>5</td><td>p0.htm, p1.htm, p2.htm and 2 more</td>'
            in table.group(2))  # shown without the base, the first three referrers named


def test_an_empty_site_still_gets_a_page(tmp_path: Path) -> None:
    from site_out.report import report_html, tally_site

    html = report_html(tally_site(_records(tmp_path / "records.jsonl", []), tmp_path / "absent.warc.gz", []),
                       "", "empty", "http://h/")
    assert "<b>0</b> files" in html and "with no dates" in html and "Most files are none." in html
    assert html.count('<p class="empty">None.</p>') == 7  # every chart and the table say so
