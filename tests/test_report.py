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
        "mimetypes.csv", "responsecodes.csv", "hosts.csv", "missing.csv"}


def test_the_report_opens_in_chromium_with_nothing_failed(otpic_run) -> None:
    _, layout = otpic_run
    opened = open_in_chromium(layout.mirror / "_sunset" / "report.html")
    assert opened.failed == [] and opened.foreign == [] and opened.broken_images == []
    assert opened.charts == 6
