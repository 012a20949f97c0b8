"""Pages are what a reader calls pages: HTML answered 2xx (or read from disk).

A crawl of a site served by Python's ``http.server`` (as the Linux Gazette was crawled): the
server's 404 page for two missing links and for ``robots.txt`` stays in the WARC and in
``records.jsonl`` with ``site_page: false``, and is counted apart: not a page in the summary, not
a problem, not a bar of the report's encodings chart.
"""
from __future__ import annotations

import functools
import io
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from http.server import SimpleHTTPRequestHandler
from pathlib import Path

import pytest

from archive.capture import BytesBody, Capture
from normalize.options import NormalizeOptions
from normalize.stage import RecordsSink, normalize_one
from sunset.cli import main
from tests.conftest import toml_string
from tests.crawlserver import serving
from tests.test_report import chart_values


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def http_server(folder: Path) -> Iterator[str]:
    """``python3 -m http.server --directory FOLDER`` on a free port of 127.0.0.1."""
    with serving(functools.partial(_Quiet, directory=str(folder))) as port:
        yield f"http://127.0.0.1:{port}/"


def test_error_bodies_are_kept_and_counted_apart(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = tmp_path / "served"
    site.mkdir()
    (site / "index.html").write_text('<html><head><meta charset="utf-8"><title>Home</title></head><body>'
                                      '<a href="present.html">here</a> <a href="gone.html">gone</a> '
                                      '<a href="lost.html">lost</a></body></html>', encoding="utf-8")
    (site / "present.html").write_text('<html><head><meta charset="utf-8"><title>Present</title></head>'
                                        "<body>still here</body></html>", encoding="utf-8")
    with http_server(site) as base:
        config = tmp_path / "site.toml"
        config.write_text(f"[site]\nname = \"served\"\nbase_url = {toml_string(base)}\n\n[source]\ndelay = 0\n\n"
                          '[notice]\ntitle = "Retired"\ndate = "2005-12-02"\ntext = "Retired."\n', encoding="utf-8")
        out = tmp_path / "out"
        assert main(["run", str(config), "--out", str(out)]) == 0
    summary = capsys.readouterr().out
    records = [json.loads(line) for line in (out / "records.jsonl").read_text(encoding="utf-8").splitlines()]
    errors = {record["url"].rsplit("/", 1)[1] for record in records if record.get("site_page") is False}
    assert errors == {"robots.txt", "gone.html", "lost.html"}
    assert all(record["status"] == 404 and record["record_type"] == "page" for record in records
               if record.get("site_page") is False)
    assert re.search(r"pages +2 \(and 3 error or redirect pages: kept in the WARC, not counted as pages", summary)
    assert re.search(r"problems noted +0 ", summary), summary
    report = (out / "mirror" / "_sunset" / "report.html").read_text(encoding="utf-8")
    assert sum(chart_values(report, "charsets").values()) == 2
    assert "<b>2</b> of them pages (and <b>3</b> error or redirect pages" in report
    assert chart_values(report, "statuses")["404"] == 3
    log = (out / "sunset.log").read_text(encoding="utf-8")
    assert "gone.html: HTTP status 404, left out of the mirror" in log


def test_the_sink_counts_error_pages_apart(tmp_path: Path) -> None:
    options = NormalizeOptions("http://old.test/")
    sink = RecordsSink(io.StringIO())
    for status in (200, 404, 301, None):
        capture = Capture(url=f"http://old.test/{status}.htm", date=datetime(1998, 1, 1, tzinfo=timezone.utc),
                          content_type="text/html", body=BytesBody(b"<HTML><BODY><FONT>open</BODY></HTML>"),
                          status=status)
        sink.add(normalize_one(options, (capture, None)))
    summary = sink.summary(tmp_path / "records.jsonl")
    assert (summary.pages, summary.error_pages, summary.pages_with_problems) == (2, 2, 2)
