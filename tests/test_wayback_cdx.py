"""The CDX answers of the three forms archives send, read into rows (crawl/wayback/cdx.py)."""
from __future__ import annotations

import pytest

from crawl.wayback.cdx import CdxError, CdxRow, parse_page

IA_PAGE = """[["urlkey","timestamp","original","mimetype","statuscode","digest","length"],
 ["edu,colorado)/conflict/peace/", "19981116093000", "http://www.colorado.edu:80/conflict/peace/", "text/html", "200", "Q4YU", "1415"],
 ["edu,colorado)/conflict/peace/logo.gif", "19981202", "http://www.colorado.edu/conflict/peace/logo.gif", "warc/revisit", "-", "XAHD", "402"],
 [],
 ["edu%2Ccolorado%29%2Fconflict%2Fpeace%2Flogo.gif+19981202000000%21"]]"""
PYWB_LINES = (
    '{"urlkey": "org,example,old)/site/dir", "timestamp": "19981103100000", "url": "http://old.example.org/site/dir", '
    '"mime": "unk", "status": "301", "digest": "3I42", "length": "336", "offset": "2678", "filename": "y.warc.gz"}\n'
    '{"urlkey": "org,example,old)/site/index.html", "timestamp": "19981120100000", "url": '
    '"http://old.example.org/site/index.html", "mime": "warc/revisit", "digest": "XEXB", "length": "400"}\n')
PLAIN = "org,example,old)/site/a.htm 19981116093000 http://old.example.org/site/a.htm text/html 404 ABCD 300\n"


@pytest.mark.parametrize(("text", "rows", "resume_key"), [
    (IA_PAGE, [CdxRow("edu,colorado)/conflict/peace/", "19981116093000", "http://www.colorado.edu:80/conflict/peace/",
                      "text/html", 200, "Q4YU"),
               CdxRow("edu,colorado)/conflict/peace/logo.gif", "19981202000000",
                      "http://www.colorado.edu/conflict/peace/logo.gif", "warc/revisit", None, "XAHD")],
     "edu%2Ccolorado%29%2Fconflict%2Fpeace%2Flogo.gif+19981202000000%21"),
    (PYWB_LINES, [CdxRow("org,example,old)/site/dir", "19981103100000", "http://old.example.org/site/dir", "unk", 301,
                         "3I42"),
                  CdxRow("org,example,old)/site/index.html", "19981120100000", "http://old.example.org/site/index.html",
                         "warc/revisit", None, "XEXB")], None),
    (PLAIN, [CdxRow("org,example,old)/site/a.htm", "19981116093000", "http://old.example.org/site/a.htm", "text/html",
                    404, "ABCD")], None),
    ("", [], None),
    ("[]", [], None),
], ids=["internet-archive", "pywb", "plain", "empty", "empty-json"])
def test_every_form_of_answer_gives_the_same_rows(text: str, rows: list[CdxRow], resume_key: str | None) -> None:
    page = parse_page(text, "the CDX API")
    assert list(page.rows) == rows and page.resume_key == resume_key
    assert all(row.is_revisit == (row.status is None) for row in page.rows)


def test_an_answer_that_is_no_listing_is_named() -> None:
    with pytest.raises(CdxError, match="the CDX API: the CDX answer is not JSON"):
        parse_page("[not json", "the CDX API")
