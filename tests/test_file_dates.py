"""Dates from the site, not from the copy: a docroot whose files were just copied says so.

The default ``file_date`` is each file's mtime; after ``cp -r`` or a git checkout that is today,
and every WARC-Date, the report's years and the about page would say the site was made today.
sunset warns (summary, log, report) when the dates look like a copy's, says how to set
``file_date``, and the report and the about page say where the dates came from.
"""
from __future__ import annotations

import os
import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from archive.dates import DateSpread
from sunset.cli import main
from sunset.config import load_config
from tests.conftest import write_config

RETIRED = date(2005, 12, 2)
NOW = datetime(2026, 12, 6, 10, 0, tzinfo=timezone.utc)


def spread(*dates: datetime) -> DateSpread:
    found = DateSpread()
    for when in dates:
        found.add(when)
    return found


@pytest.mark.parametrize(("dates", "signs"), [
    ((datetime(1997, 3, 1, tzinfo=timezone.utc), datetime(1998, 11, 16, tzinfo=timezone.utc)), ()),
    ((NOW - timedelta(minutes=5), NOW - timedelta(minutes=4)), ("after-retirement", "recent", "short-span")),
    ((datetime(2010, 1, 1, tzinfo=timezone.utc), datetime(2011, 6, 1, tzinfo=timezone.utc)), ("after-retirement",)),
    ((datetime(1998, 1, 1, 9, tzinfo=timezone.utc), datetime(1998, 1, 1, 9, 2, tzinfo=timezone.utc)), ("short-span",)),
    ((datetime(1998, 1, 1, 9, tzinfo=timezone.utc),), ()),  # one file: no span to judge
])
def test_copy_signs(dates: tuple[datetime, ...], signs: tuple[str, ...]) -> None:
    assert spread(*dates).copy_signs(RETIRED, NOW) == signs


def docroot_site(tmp_path: Path, extra: str = "", times: list[float] | None = None) -> Path:
    site = tmp_path / "docroot" / "site"
    site.mkdir(parents=True)
    for number, name in enumerate(("index.html", "a.html", "b.html")):
        (site / name).write_text(f"<HTML><BODY><A HREF='a.html'>{name}</A></BODY></HTML>", encoding="utf-8")
        if times is not None:
            os.utime(site / name, (times[number], times[number]))
    return write_config(tmp_path, extra=extra)


def run(config: Path, out: Path, capsys: pytest.CaptureFixture[str]) -> tuple[str, str, str, str]:
    assert main(["run", str(config), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    sunset_pages = out / "mirror" / "_sunset"
    return (captured.out, captured.err, (sunset_pages / "report.html").read_text(encoding="utf-8"),
            (sunset_pages / "about.html").read_text(encoding="utf-8"))


def test_files_dated_by_a_copy_are_warned_about(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    summary, errors, report, about = run(docroot_site(tmp_path), tmp_path / "out", capsys)
    assert re.search(r"file dates +WARNING: they look like a copy's, not the site's: set \[source\] file_date", summary)
    assert "3 files are all dated on" in errors and "after the site was retired (2005-12-02)" in errors
    assert 'Set [source] file_date = "YYYY-MM-DD" in' in errors
    assert "WARNING" in (tmp_path / "out" / "sunset.log").read_text(encoding="utf-8")
    warning = re.search(r'<p class="warning" id="copy-dates">(.*?)</p>', report, re.S)
    assert warning and "the 3 files are all dated on" in warning.group(1) and "file_date" in warning.group(1)
    assert "modification times in the folder they were read from" in report
    assert "modification times" in about and "They look like the dates of a copy" in about


def test_the_sites_own_dates_raise_no_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    times = [datetime(1997, 5, 1, tzinfo=timezone.utc).timestamp(), datetime(1998, 2, 1, tzinfo=timezone.utc).timestamp(),
             datetime(1998, 11, 16, tzinfo=timezone.utc).timestamp()]
    summary, errors, report, about = run(docroot_site(tmp_path, times=times), tmp_path / "out", capsys)
    assert "file dates" not in summary and "file_date" not in errors and 'id="copy-dates"' not in report
    assert "modification times in the folder they were read from" in about and "look like" not in about


def test_a_given_file_date_is_named_as_the_source(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    summary, errors, report, about = run(docroot_site(tmp_path, extra='file_date = "1998-11-16"'), tmp_path / "out",
                                         capsys)
    assert "file dates" not in summary and 'id="copy-dates"' not in report
    assert "the one date the configuration gives the files ([source] file_date)" in about
    assert "(<code>[source] file_date</code>)" in report


def test_a_crawl_dates_its_captures_by_the_fetch(tmp_path: Path) -> None:
    config = tmp_path / "site.toml"
    config.write_text('[site]\nname = "c"\nbase_url = "http://old.test/"\n\n[notice]\ntitle = "R"\n'
                      'date = "2005-12-02"\ntext = "R."\n', encoding="utf-8")
    assert load_config(config).mirror.date_source == "fetched"
