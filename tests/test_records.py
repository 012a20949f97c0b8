"""records.jsonl: faithful, schema-valid records, the seed page's text exactly right."""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from io import BytesIO
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawl.capture import BytesBody, Capture
from normalize.options import NormalizeOptions
from normalize.page import normalize_capture
from normalize.record import record_to_dict
from normalize.stage import normalize_warc
from tests.conftest import ROOT, SEED

SCHEMA = json.loads((ROOT / "docs" / "records.schema.json").read_text(encoding="utf-8"))
SEED_URL = "http://www.colorado.edu/conflict/peace/treatment/track2.htm"


def read_records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def otpic_records(otpic_run) -> dict[str, dict]:
    _, layout = otpic_run
    return {record["url"]: record for record in read_records(layout.records)}


def test_every_record_matches_the_schema(otpic_records: dict[str, dict]) -> None:
    for record in otpic_records.values():
        jsonschema.validate(record, SCHEMA)


def test_one_record_per_capture_and_pages_are_pages(otpic_records: dict[str, dict]) -> None:
    kinds = {url.rsplit("/", 1)[-1]: record["record_type"] for url, record in otpic_records.items()}
    assert kinds["track2.htm"] == kinds["index.html"] == kinds["!menu.htm"] == "page"
    assert kinds["usiplogo.gif"] == kinds["otpic.css"] == "file"


def test_seed_page_title_and_text(otpic_records: dict[str, dict]) -> None:
    record = otpic_records[SEED_URL]
    assert record["title"] == "Unofficial Communication, Citizen Diplomacy, and Multi-track Diplomacy"
    assert (record["charset"], record["charset_source"]) == ("windows-1252", "default")
    text = record["text"]
    assert "people\u2013usually ordinary citizens\u2013 which" in text
    assert "negotiations\u2013the formal resolution" in text
    assert "\ufffd" not in text and "\u00e2\u20ac" not in text and "\u00c3" not in text
    seed_lines = SEED.read_text(encoding="utf-8").splitlines()
    start = seed_lines.index("International Online Training Program On Intractable Conflict")
    flat = collapse(text)
    position = 0
    for line in filter(None, (collapse(line) for line in seed_lines[start:])):
        found = flat.find(line, position)
        assert found >= 0, f"seed line missing or out of order: {line!r}"
        position = found + len(line)
    assert record["copyright"].startswith("Copyright 1998 Conflict Research Consortium")
    assert record["last_modified"].startswith("1998-")
    assert record["warc_record_id"].startswith("<urn:uuid:")
    assert record["payload_digest"].startswith("sha1:")


def test_seed_page_links(otpic_records: dict[str, dict]) -> None:
    links = otpic_records[SEED_URL]["links"]
    by_raw = {(link["raw"], link["attribute"]): link for link in links}
    glossary = by_raw[("../Glossary.htm#track2", "href")]
    assert glossary["url"] == "http://www.colorado.edu/conflict/peace/Glossary.htm"
    assert (glossary["kind"], glossary["text"], glossary["in_scope"]) == ("page", "Glossary", True)
    assert by_raw[("mailto:crc@colorado.edu", "href")]["kind"] == "mailto"
    assert by_raw[("../images/paper.gif", "background")]["kind"] == "embed"
    external = [link for link in links if link["kind"] == "external"]
    assert [link["url"] for link in external] == ["http://www.gmu.edu/academic/ijps/vol1_2/Reychler.htm"]
    assert any(link["tag"] == "area" for link in links)


def test_frameset_and_form_records(otpic_records: dict[str, dict]) -> None:
    opening = otpic_records["http://www.colorado.edu/conflict/peace/index.html"]
    frames = [link["raw"] for link in opening["links"] if link["kind"] == "frame"]
    assert frames == ["!menu.htm", "!home.htm"]
    assert "does not support them" in opening["noframes_text"]
    assert opening["text"] == ""
    register = otpic_records["http://www.colorado.edu/conflict/peace/register.htm"]
    (form,) = register["forms"]
    assert form["method"] == "post" and form["url"] == "http://www.colorado.edu/cgi-bin/conflict/register.pl"
    assert {field["name"] for field in form["fields"]} >= {"name", "email"}


def test_legacy_entities_decode_as_browsers_do(otpic_records: dict[str, dict]) -> None:
    text = otpic_records["http://www.colorado.edu/conflict/peace/treatment/probsolv.htm"]["text"]
    assert "\u2013" in text and "&#150;" not in text and "\x96" not in text
    assert "Burton and Kelman" in text.replace("\u00a0", " ") and "&nbsp" not in text


def _foreign_warc(path: Path) -> None:
    """A WARC as wget or Heritrix write it: request/response pairs, a revisit, a resource."""
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        body = "<html><head><title>Caf\u00e9</title></head><body><p>Na\u00efve \u2013 text</p>".encode("cp1252")
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=ISO-8859-1")], protocol="HTTP/1.0")
        url = "http://other.example/page.html"
        writer.write_record(writer.create_warc_record(url, "request", payload=BytesIO(b"GET /page.html HTTP/1.0\r\n\r\n"),
                                                      warc_content_type="application/http; msgtype=request"))
        writer.write_record(writer.create_warc_record(url, "response", payload=BytesIO(body), http_headers=headers))
        revisit = writer.create_revisit_record("http://other.example/copy.html", digest="sha1:AAAA",
                                               refers_to_uri=url, refers_to_date="20010101000000")
        writer.write_record(revisit)
        writer.write_record(writer.create_warc_record("http://other.example/robots.txt", "resource",
                                                      payload=BytesIO(b"User-agent: *"), warc_content_type="text/plain"))


def test_normalizes_a_warc_written_by_another_tool(tmp_path: Path) -> None:
    warc = tmp_path / "foreign.warc.gz"
    _foreign_warc(warc)
    summary = normalize_warc(warc, NormalizeOptions("http://other.example/"), tmp_path / "records.jsonl")
    records = read_records(tmp_path / "records.jsonl")
    assert (summary.records, summary.pages) == (2, 1)
    page = records[0]
    assert (page["title"], page["status"], page["charset_source"]) == ("Caf\u00e9", 200, "http")
    assert page["text"] == "Na\u00efve \u2013 text"
    for record in records:
        jsonschema.validate(record, SCHEMA)


@pytest.mark.parametrize(
    ("body", "content_type", "problem"),
    [
        (b"", "text/html", "empty"),
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "text/html", "binary-as-html"),
        (b"\x00" * 64, "text/html", None),
        (b"<HTML>", "text/html", None),
        (b"<TABLE>" * 10_000 + b"deep" + b"</TABLE>" * 10_000, "text/html", None),
    ],
)
def test_odd_pages_yield_records(body: bytes, content_type: str, problem: str | None) -> None:
    capture = Capture("http://h/x.htm", datetime(1998, 1, 1, tzinfo=timezone.utc), content_type, BytesBody(body))
    record = record_to_dict(normalize_capture(capture, NormalizeOptions("http://h/")))
    jsonschema.validate(record, SCHEMA)
    if problem:
        assert problem in record["problems"]


@settings(max_examples=60, deadline=None)
@given(st.one_of(st.binary(max_size=2000),
                 st.lists(st.sampled_from(["<", ">", "A", "HREF=", '"', "'", "<TABLE>", "</", "<!--", "-->", "&#150;",
                                           "&nbsp", "<FRAMESET>", "<NOFRAMES>", "url(", "\x96", "\x00", " ",
                                           "<BASE HREF=x>", "<META HTTP-EQUIV=refresh CONTENT='0;URL=", "<SCRIPT>"]),
                          max_size=80).map(lambda parts: "".join(parts).encode("latin-1"))))
def test_normalizer_never_raises(body: bytes) -> None:
    capture = Capture("http://h/x.htm", datetime(1998, 1, 1, tzinfo=timezone.utc), "text/html", BytesBody(body))
    jsonschema.validate(record_to_dict(normalize_capture(capture, NormalizeOptions("http://h/"))), SCHEMA)
