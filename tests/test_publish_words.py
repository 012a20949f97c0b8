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
