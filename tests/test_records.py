"""records.jsonl: faithful, schema-valid records, the seed page's text exactly right."""
from __future__ import annotations

import gzip
import json
import re
import sys
from datetime import datetime, timedelta, timezone
from io import BytesIO
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.capture import BytesBody, Capture
from normalize.options import NormalizeOptions
from normalize.page import normalize_capture
from normalize.record import record_to_dict
from normalize.stage import normalize_warc
from sunset.cli import main
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


# Pieces of 1998 markup, entity and encoding quirks, assembled at random into tag soup.
SOUP = ["<", ">", "A", "HREF=", '"', "'", "=", "<TABLE>", "<TR><TD>", "</TABLE>", "<FONT SIZE=+1>", "</FONT>",
        "<A HREF=", "</A>", "</", "<!--", "-->", "<!DOCTYPE HTML PUBLIC>", "<?xml?>", "&#150;", "&#x96;", "&#147;",
        "&nbsp", "&copy1998", "&copy=", "&amp", "&#0;", "&#xD800;", "&#99999999;", "<FRAMESET>", "<FRAME SRC=",
        "<NOFRAMES>", "</NOFRAMES>", "url(", "\x96", "\x93", "\xe9", "\x00", "\x1a", " ", "\r\n", "<BASE HREF=x>",
        "<META HTTP-EQUIV=refresh CONTENT='0;URL=", "<META HTTP-EQUIV=Content-Type CONTENT='text/html; charset=",
        "x-sjis'>", "koi8-r'>", "utf-16'>", "bogus'>", "<SCRIPT>", "</SCRIPT>", "<STYLE>", "</STYLE>", "<TITLE>",
        "</TITLE>", "<H1>", "<BODY BACKGROUND=", "<IMG SRC=a.gif LOWSRC=", "<APPLET CODE=X.class CODEBASE=",
        "<EMBED SRC=", "<BGSOUND SRC=", "<MAP NAME=m><AREA HREF=", "<FORM ACTION=/cgi-bin/x.pl?a=1&b=2>",
        "<INPUT NAME=q>", "<SELECT><OPTION>", "<PLAINTEXT>", "<XMP>", "%20", "!menu.htm", "javascript:", "mailto:",
        "Copyright 1998", "<HTML LANG=en>", "</HTML>", "\u65e5"]
CONTENT_TYPES = ["text/html", None, "text/html; charset=shift_jis", "text/html; charset=utf-16",
                 "text/html; charset=nonsense", "application/octet-stream", "text/html; charset=koi8-r"]


@settings(max_examples=80, deadline=timedelta(seconds=5))
@given(st.one_of(st.binary(max_size=2000),
                 st.lists(st.sampled_from(SOUP), max_size=120).map(
                     lambda parts: "".join(parts).encode("utf-8", "surrogatepass"))),
       st.sampled_from(CONTENT_TYPES))
def test_normalizer_never_raises(body: bytes, content_type: str | None) -> None:
    """A record for anything, within seconds, and never by way of the catch-all."""
    capture = Capture("http://h/x.htm", datetime(1998, 1, 1, tzinfo=timezone.utc), content_type, BytesBody(body))
    record = record_to_dict(normalize_capture(capture, NormalizeOptions("http://h/")))
    jsonschema.validate(record, SCHEMA)
    assert "normalizer-error" not in record["problems"]


def test_sunset_normalize_warc_from_another_tool(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`sunset normalize --warc` needs no config: the base URL comes from the first capture."""
    warc = tmp_path / "foreign.warc.gz"
    _foreign_warc(warc)
    assert main(["normalize", "--warc", str(warc), "--out", str(tmp_path / "out")]) == 0
    assert "2 records (1 pages)" in capsys.readouterr().out
    page, robots = read_records(tmp_path / "out" / "records.jsonl")
    assert (page["url"], page["text"], page["charset_source"]) == ("http://other.example/page.html",
                                                                   "Na\u00efve \u2013 text", "http")
    assert (robots["record_type"], robots["content_type"]) == ("file", "text/plain")
    assert (tmp_path / "out" / "sunset.log").exists()


def test_sunset_normalize_warc_reads_the_base_url_from_warcinfo(otpic_run, tmp_path: Path) -> None:
    _, layout = otpic_run
    assert main(["normalize", "--warc", str(layout.warc), "--out", str(tmp_path), "--quiet"]) == 0
    assert (tmp_path / "records.jsonl").read_bytes() == layout.records.read_bytes()
    other = tmp_path / "other"
    assert main(["normalize", "--warc", str(layout.warc), "--out", str(other), "--quiet",
                 "--base-url", "http://www.colorado.edu/conflict/peace/treatment/"]) == 0
    seed = next(record for record in read_records(other / "records.jsonl") if record["url"] == SEED_URL)
    glossary = next(link for link in seed["links"] if link["raw"] == "../Glossary.htm#track2")
    assert glossary["in_scope"] is False  # outside the narrower base URL


@pytest.mark.parametrize(
    ("argv", "message"),
    [(["--warc", "x.warc.gz"], "--warc FILE --out DIR"),
     (["--warc", "missing.warc.gz", "--out", "o"], "cannot open WARC"),
     (["--warc", "not-a-warc.warc.gz", "--out", "o"], "not a readable WARC")],
)
def test_sunset_normalize_warc_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch,
                                      argv: list[str], message: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "not-a-warc.warc.gz").write_bytes(b"<HTML>not a WARC</HTML>")
    assert main(["normalize", *argv]) == 1
    assert message in capsys.readouterr().err


def test_sunset_normalize_takes_a_target_or_a_warc(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["normalize"], ["normalize", "out", "--warc", "x.warc.gz", "--out", "o"]):
        assert main(argv) == 1
        assert "--warc FILE --out DIR" in capsys.readouterr().err


SAMPLE_WARCS = Path(sys.prefix) / "sample_archive" / "warcs"  # pywb's sample archive (installed with pywb)


@pytest.mark.parametrize("name", ["example.arc", "example.arc.gz"])
def test_sunset_normalize_reads_an_arc_file(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str) -> None:
    """An ARC's ``filedesc://`` header is not a capture: the base URL comes from its first response."""
    arc = SAMPLE_WARCS / name
    if not arc.exists():
        pytest.skip("pywb's sample archive is not installed")
    assert main(["normalize", "--warc", str(arc), "--out", str(tmp_path)]) == 0
    assert "(base URL http://example.com/)" in capsys.readouterr().out
    (page,) = read_records(tmp_path / "records.jsonl")
    assert (page["url"], page["title"]) == ("http://example.com/", "Example Domain")


def test_sunset_normalize_recompresses_a_whole_file_gzipped_warc(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    plain = tmp_path / "plain.warc"
    _foreign_warc(tmp_path / "foreign.warc.gz")
    plain.write_bytes(gzip.decompress((tmp_path / "foreign.warc.gz").read_bytes()))
    whole = tmp_path / "whole.warc.gz"
    whole.write_bytes(gzip.compress(plain.read_bytes()))
    assert main(["normalize", "--warc", str(whole), "--out", str(tmp_path / "out")]) == 0
    assert "recompressed record by record" in capsys.readouterr().out
    assert (tmp_path / "out" / "whole.recompressed.warc.gz").exists()
    page, _ = read_records(tmp_path / "out" / "records.jsonl")
    assert page["url"] == "http://other.example/page.html"


@pytest.mark.parametrize("bad", ['{"record_type": "pa', "[1, 2]"])
def test_a_damaged_records_file_is_named_not_skipped(tmp_path: Path, bad: str) -> None:
    """The catalog and the report skipped a bad line and the derived WARC raised on it; now every
    reader of records.jsonl stops with the line."""
    from archive.errors import SunsetError
    from archive.records_file import iter_page_records, iter_records
    from site_out.catalog import iter_record_pages
    from site_out.report import tally_site

    records = tmp_path / "records.jsonl"
    records.write_text('{"record_type": "page", "url": "http://a.example/"}\n' + bad + "\n", encoding="utf-8")
    readers = (iter_records, iter_page_records, iter_record_pages,
               lambda path: [tally_site(path, tmp_path / "unused.warc.gz", ())])
    for reader in readers:
        with pytest.raises(SunsetError, match=r"records.jsonl:2: not a JSON record"):
            list(reader(records))


def _walked(value: object) -> object:
    """A record as plain data, its lazily read arrays walked."""
    from archive.records_file import LazyArray

    if isinstance(value, (list, LazyArray)):
        return [_walked(item) for item in value]
    if isinstance(value, dict):
        return {key: _walked(item) for key, item in value.items()}
    return value


def test_a_long_line_is_read_as_json_reads_it_but_for_its_arrays(tmp_path: Path) -> None:
    """A page dense with links has a line of megabytes: its arrays are read as they are walked,
    so a reader holds the line (read, cut and decoded: 3 bytes per byte), not a dict per link
    (7.5 bytes per byte of these links)."""
    import tracemalloc

    from archive.records_file import LONG_LINE, iter_records

    link = {"raw": "a", "url": "http://h/a", "tag": "a", "attribute": "href", "kind": "page", "text": "",
            "in_scope": True}
    record = {"schema_version": "1.1", "record_type": "page", "url": "http://h/", "title": None, "headings": [],
              "meta": {"a": [1, {"b": []}]}, "links": [link] * (2 * LONG_LINE // 100), "images": [], "size": 5}
    short = {"record_type": "file", "url": "http://h/\u00e9.gif", "links": [link]}
    records = tmp_path / "records.jsonl"
    lines = [json.dumps(record, ensure_ascii=False, separators=(",", ":")),
             json.dumps(record, ensure_ascii=False, indent=1).replace("\n", " "), json.dumps(short)]
    records.write_text("\n".join(lines) + "\n", encoding="utf-8")
    read = [(list(parsed), _walked(parsed), bool(parsed["links"]), bool(parsed.get("headings")), raw)
            for parsed, raw in iter_records(records)]
    assert [(keys, walked, raw) for keys, walked, _, _, raw in read] == [
        (list(json.loads(line)), json.loads(line), line.encode()) for line in lines]
    assert [(links, headings) for _, _, links, headings, _ in read] == [(True, False)] * 3
    records.write_text(lines[0] + "\n", encoding="utf-8")
    tracemalloc.start()
    try:
        walked = sum(1 for parsed, _ in iter_records(records) for link in parsed["links"] if link["in_scope"])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert walked == len(record["links"])
    assert peak < 6 * len(lines[0]), peak / len(lines[0])


@pytest.mark.parametrize("bad", ['"links":[1,]', '"links":[1 2]', '"links":[1', '"a":1,}', '"a":1} x', "a:1"])
def test_a_damaged_long_line_is_named_when_read(tmp_path: Path, bad: str) -> None:
    from archive.errors import SunsetError
    from archive.records_file import LONG_LINE, iter_records

    records = tmp_path / "records.jsonl"
    records.write_text('{"url": "http://a.example/"}\n{"text": "' + "x" * LONG_LINE + '", ' + bad + "}\n",
                       encoding="utf-8")
    with pytest.raises(SunsetError, match=r"records.jsonl:2: not a JSON record"):
        list(iter_records(records))
