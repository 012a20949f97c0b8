"""Words on the page say true things once (issue 14, point 7)."""
from __future__ import annotations

import json
from datetime import date

from site_out.notice import render_notice
from site_out.options import NoticeOptions


def test_the_retirement_date_is_not_said_twice() -> None:
    said = NoticeOptions("Retired", date(2005, 12, 2), "As of December 2, 2005, OTPIC has been retired.")
    assert render_notice(said).count("December 2, 2005") == 1
    unsaid = NoticeOptions("Retired", date(2005, 12, 2), "OTPIC has been retired.")
    assert "Retired on December 2, 2005. OTPIC has been retired." in render_notice(unsaid)


def test_ingested_pages_say_when_the_archive_was_made(otpic_run) -> None:
    """The files carry their 1998 date; the archive was made when the run made the WARC."""
    from archive.reader import warcinfo_date

    _, layout = otpic_run
    made = warcinfo_date(layout.warc)
    assert made is not None and made.year > 2000
    page = (layout.mirror / "www.colorado.edu/conflict/peace/glossary.htm").read_text(encoding="utf-8")
    day = f"{made:%B} {made.day}, {made.year}"
    assert (f"Archived on {day} from http://www.colorado.edu/conflict/peace/glossary.htm; "
            "the file is dated November 16, 1998.") in page


def test_ingested_records_never_say_their_charset_came_over_http(tmp_path) -> None:
    from sunset.cli import main
    from tests.conftest import write_config

    site = tmp_path / "docroot" / "site"
    site.mkdir(parents=True)
    (site / "index.html").write_bytes(b'<HTML><HEAD><META HTTP-EQUIV="Content-Type" CONTENT="text/html; '
                                      b'charset=iso-8859-1"></HEAD><BODY>Caf\xe9</BODY></HTML>')
    out = tmp_path / "out"
    assert main(["run", str(write_config(tmp_path)), "--out", str(out), "--quiet"]) == 0
    (record,) = [json.loads(line) for line in (out / "records.jsonl").read_text(encoding="utf-8").splitlines()]
    assert (record["charset"], record["charset_source"]) == ("windows-1252", "meta")
    assert "Café" in record["text"]


def test_progress_lines_without_a_terminal_give_the_total_and_time_left(tmp_path, monkeypatch, capsys) -> None:
    """Issue 14, point 8: not a terminal (as under cron or CI): a line now and then per stage,
    with the total and the time left where the stage knows its total; verify shows progress."""
    import sunset.progress
    from sunset.cli import main
    from tests.conftest import write_config

    monkeypatch.setattr(sunset.progress, "EVERY_SECONDS", 0.0)  # every item, instead of every 15 s
    site = tmp_path / "docroot" / "site"
    site.mkdir(parents=True)
    for name in ("index.html", "a.htm", "b.htm"):
        (site / name).write_text("<P><A HREF=a.htm>a</A>", encoding="utf-8")
    assert main(["run", str(write_config(tmp_path)), "--out", str(tmp_path / "out")]) == 0
    error = capsys.readouterr().err
    assert "sunset: ingest: 3 of 3 (100%)\n" in error
    assert "sunset: ingest: 1 of 3 (33%), about " in error
    assert "sunset: normalize + mirror: 3 of 3 (100%)\n" in error  # one pass makes records and mirror
    assert "sunset: verify: 1 of 5 (20%)" in error


def test_the_log_says_each_missing_page_once_and_no_bagit_chatter(tmp_path, capsys) -> None:
    """Issue 14, point 6: a page linked 3 times from 2 pages is one log line with the count of pages and
    referrers; bagit's per-file INFO lines stay out of the log; the summary's paths are relative
    and its columns aligned."""
    import os

    from sunset.cli import main
    from tests.conftest import write_config

    site = tmp_path / "docroot" / "site"
    site.mkdir(parents=True)
    (site / "index.html").write_text("<P><A HREF=gone.htm>1</A> <A HREF=gone.htm>2</A>", encoding="utf-8")
    (site / "a.htm").write_text("<P><A HREF=gone.htm>3</A>", encoding="utf-8")
    config = write_config(tmp_path)
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        assert main(["run", str(config), "--out", "out", "--bagit"]) == 0
    finally:
        os.chdir(cwd)
    summary = capsys.readouterr().out
    log = (tmp_path / "out/sunset.log").read_text(encoding="utf-8")
    missing = [line for line in log.splitlines() if "gone.htm" in line]
    assert len(missing) == 1
    assert missing[0].endswith("mirror: not archived: http://old.example.org/site/gone.htm (linked from 2 pages: "
                               "http://old.example.org/site/a.htm, http://old.example.org/site/index.html)")
    assert " bagit: " not in log  # bagit's own logger; the run's marker names --bagit
    assert "  missing links    2 pages link to 1 page not in the archive (each listed once in the log)" in summary
    paths = [line for line in summary.split("\n\n", 1)[1].splitlines() if line.strip()]
    assert paths[0].startswith("  mirror    out/mirror/index.html")
    assert {line.index(line.split()[1], 3) for line in paths} == {12}  # one column, relative paths
