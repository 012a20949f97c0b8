"""Anything a 1990s server could send yields a record (with a problem code), never an exception.

The big inputs (5 MB, 10,000 nested tables, 100,000 links) are built in memory; each takes a
few seconds at most and the whole file stays well under 20 s.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from io import BytesIO
from pathlib import Path

import jsonschema
import pytest
from warcio.warcwriter import WARCWriter

from archive.capture import BytesBody, Capture, FileBody
from archive.reader import iter_warc_captures
from normalize.options import NormalizeOptions
from normalize.page import normalize_capture
from normalize.record import record_to_dict
from tests.conftest import ROOT

SCHEMA = json.loads((ROOT / "docs" / "records.schema.json").read_text(encoding="utf-8"))
DATE = datetime(1998, 11, 16, tzinfo=timezone.utc)
OPTIONS = NormalizeOptions("http://old.example/site/")
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
PDF = b"%PDF-1.2\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"


def normalize(body: bytes, content_type: str | None = "text/html", options: NormalizeOptions = OPTIONS,
              **fields: object) -> dict:
    capture = Capture("http://old.example/site/page.htm", DATE, content_type, BytesBody(body), **fields)
    record = record_to_dict(normalize_capture(capture, options))
    # The schema of one link is the schema of all: validate a sample (jsonschema is slow on 100,000).
    jsonschema.validate({**record, **{key: record[key][:100] for key in ("links", "images") if key in record}},
                        SCHEMA)
    return record


@pytest.mark.parametrize(
    ("body", "record_type", "problems"),
    [
        pytest.param(GIF, "file", ["binary-as-html"], id="gif-as-html"),
        pytest.param(PDF, "file", ["binary-as-html"], id="pdf-as-html"),
        pytest.param(bytes(range(256)) * 8, "file", ["binary-as-html"], id="binary-without-magic"),
        pytest.param(b"\x00" * 64, "file", ["binary-as-html"], id="nul-bytes"),
        pytest.param(b"\x00" * 1_000_000, "file", ["binary-as-html"], id="megabyte-of-nul-bytes"),
        pytest.param(b"", "page", ["empty"], id="empty"),
        pytest.param(b" \r\n\t ", "page", ["empty"], id="white-space"),
        pytest.param(b"<HTML>", "page", ["unclosed-markup"], id="only-html"),
        pytest.param(b"<HTML><BODY>text<B>bold</B></BODY>\x00</HTML>", "page", ["nul-bytes"], id="stray-nul"),
    ],
)
def test_odd_files_served_as_html(body: bytes, record_type: str, problems: list[str]) -> None:
    record = normalize(body)
    assert record["record_type"] == record_type
    assert record["problems"] == problems
    assert record["size"] == len(body)
    if record_type == "page":
        assert record["title"] is None


def test_only_html_gives_an_empty_page_record() -> None:
    record = normalize(b"<HTML>")
    assert (record["text"], record["links"], record["headings"]) == ("", [], [])


@pytest.mark.parametrize(
    ("markup", "unclosed"),
    [
        ("<HTML><BODY><TABLE><TR><TD>cell</BODY></HTML>", True),
        ("<HTML><BODY><FONT SIZE=2>small</BODY></HTML>", True),
        ("<HTML><BODY><A HREF=x.htm>link</BODY></HTML>", True),
        ("<HTML><BODY><P>cut off in the midd", True),
        ("<HTML><BODY><P>one<P>two<UL><LI>a<LI>b</UL><TABLE><TR><TD>c<TD>d</TABLE></BODY></HTML>", False),
        ("<BODY>no html element at all, no end tags", False),
        ("<HTML><BODY></FONT></FONT>stray end tags close nothing</BODY></HTML>", False),
    ],
)
def test_unclosed_markup(markup: str, unclosed: bool) -> None:
    assert ("unclosed-markup" in normalize(markup.encode("ascii"))["problems"]) is unclosed


def test_a_five_megabyte_page() -> None:
    paragraph = ("<P>Track two diplomacy &#150; unofficial, informal interaction between members of "
                 "adversary groups &#147;to develop strategies&#148; and influence public opinion. " * 6
                 + '<A HREF="glossary.htm#t2">Glossary</A>\r\n')
    body = ("<HTML><HEAD><TITLE>Big</TITLE></HEAD><BODY>" + paragraph * (5_000_000 // len(paragraph))
            + "</BODY></HTML>").encode("cp1252")
    assert len(body) > 4_900_000
    record = normalize(body)
    assert record["problems"] == [] and record["title"] == "Big"
    assert record["text"].count("\u201cto develop strategies\u201d") == 6 * (5_000_000 // len(paragraph))
    assert len(record["links"]) == 5_000_000 // len(paragraph)


def test_pages_beyond_the_limit_are_parsed_up_to_it() -> None:
    body = b"<HTML><BODY>" + b"<P>words " * 1000 + b"</BODY></HTML>"
    record = normalize(body, options=NormalizeOptions(OPTIONS.base_url, max_page_bytes=2000))
    assert record["size"] == len(body)
    assert "truncated" in record["problems"]
    assert record["payload_digest"] is None  # not computed from part of the bytes


def test_warc_truncated_records_are_marked(tmp_path: Path) -> None:
    warc = tmp_path / "cut.warc.gz"
    with warc.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for url, payload, kind in (("http://old.example/site/a.htm", b"<HTML><BODY>half a pa", "text/html"),
                                   ("http://old.example/site/b.gif", GIF[:20], "image/gif")):
            record = writer.create_warc_record(url, "resource", payload=BytesIO(payload), warc_content_type=kind,
                                               warc_headers_dict={"WARC-Truncated": "length"})
            writer.write_record(record)
    records = [record_to_dict(normalize_capture(capture, OPTIONS)) for capture in iter_warc_captures(warc)]
    assert [record["record_type"] for record in records] == ["page", "file"]
    assert all("truncated" in record["problems"] for record in records)
    assert normalize(b"<HTML></HTML>", truncated="time")["problems"] == ["truncated"]


@pytest.mark.parametrize("closed", [True, False], ids=["closed", "unclosed"])
def test_ten_thousand_nested_tables(closed: bool) -> None:
    body = b"<HTML><BODY>" + b"<TABLE><TR><TD>" * 10_000 + b"deep"
    if closed:
        body += b"</TD></TR></TABLE>" * 10_000
    body += b"<P>after &copy1998<SCRIPT>hidden()</SCRIPT></HTML>"
    record = normalize(body)
    assert record["text"] == "deep\nafter \u00a91998"
    assert "deep-nesting" in record["problems"]
    assert ("unclosed-markup" in record["problems"]) is not closed


def test_one_hundred_thousand_links() -> None:
    body = b"<HTML><BODY>" + b"".join(b'<A HREF="p%d.htm">page %d</A><BR>\n' % (i % 1000, i)
                                      for i in range(100_000)) + b"</BODY></HTML>"
    record = normalize(body)
    links = record["links"]
    assert len(links) == 100_000
    assert links[-1] == {"raw": "p999.htm", "url": "http://old.example/site/p999.htm", "tag": "a",
                         "attribute": "href", "kind": "page", "text": "page 99999", "in_scope": True}
    assert record["problems"] == []


def test_a_capture_that_cannot_be_read_gives_a_record_and_a_log_line(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    gone = tmp_path / "gone.htm"
    capture = Capture("http://old.example/site/gone.htm", DATE, "text/html", FileBody(gone), record_id="<urn:x>")
    with caplog.at_level(logging.ERROR, logger="normalize.page"):
        record = record_to_dict(normalize_capture(capture, OPTIONS))
    jsonschema.validate(record, SCHEMA)
    assert (record["record_type"], record["problems"], record["warc_record_id"]) == (
        "file", ["normalizer-error"], "<urn:x>")
    assert "gone.htm" in caplog.text and "normalizer-error" in caplog.text


def test_language_from_the_page_or_the_server() -> None:
    assert normalize(b"<HTML LANG=fr><BODY>x</BODY></HTML>")["lang"] == "fr"
    meta = b'<HTML><HEAD><META HTTP-EQUIV="Content-Language" CONTENT="de"></HEAD><BODY>x</BODY></HTML>'
    assert normalize(meta)["lang"] == "de"
    served = normalize(b"<HTML><BODY>x</BODY></HTML>", http_headers=(("Content-Language", "ja"),), status=200)
    assert served["lang"] == "ja"
    assert normalize(b"<HTML><BODY>x</BODY></HTML>")["lang"] is None
