"""archive/record_loader.py: the record at an offset, in a compressed or plain WARC and in an ARC."""
from __future__ import annotations

import gzip
import io
from pathlib import Path

import pytest
from warcio.warcwriter import WARCWriter

from archive.reader import iter_record_spans
from archive.record_loader import ARC, RecordLoader
from tests.batch_inputs import write_arc, write_crawler_warc


@pytest.mark.parametrize("compressed", [True, False], ids=["warc.gz", "warc"])
def test_every_record_loads_at_its_offset_in_any_order(tmp_path: Path, compressed: bool) -> None:
    warc = write_crawler_warc(tmp_path / ("c.warc.gz" if compressed else "c.warc"), gzip=compressed)
    spans = list(iter_record_spans(warc))
    with RecordLoader(warc) as loader:
        for span in reversed(spans):
            record = loader.load(span.offset)
            assert record.rec_type == span.rec_type and record.format == "warc"
            assert record.rec_headers.get_header("WARC-Record-ID") == span.rec_headers.get_header("WARC-Record-ID")
            if span.rec_type == "response":
                assert record.http_headers.get_statuscode() == span.http_headers.get_statuscode()
                record.content_stream().read()
        with pytest.raises(EOFError):
            loader.load(warc.stat().st_size)


def test_raw_gives_the_stored_bytes(tmp_path: Path) -> None:
    warc = write_crawler_warc(tmp_path / "c.warc.gz")
    data = warc.read_bytes()
    with RecordLoader(warc) as loader:
        for span in iter_record_spans(warc):
            raw = loader.raw(span.offset, span.length).read()
            assert raw == data[span.offset:span.offset + span.length]
            assert gzip.decompress(raw).startswith(b"WARC/1.0\r\n")


def test_an_arc_record_says_so_and_keeps_its_block(tmp_path: Path) -> None:
    arc = write_arc(tmp_path / "c.arc.gz")
    spans = [span for span in iter_record_spans(arc) if span.rec_type == "response"]
    with RecordLoader(arc) as loader:
        parsed = loader.load(spans[1].offset)
        assert parsed.format == ARC and parsed.rec_headers.get_header("WARC-Target-URI").endswith("/menu.htm")
        assert parsed.http_headers.get_header("Content-Type") == "text/html"
        block = loader.load(spans[1].offset, spans[1].length, parse_http=False).raw_stream.read()
    assert block.startswith(b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<html>")


def test_a_handle_given_stays_open(tmp_path: Path) -> None:
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True)
    writer.write_record(writer.create_warc_record("http://a/", "resource", payload=io.BytesIO(b"x"),
                                                  warc_content_type="text/plain"))
    out.seek(0)
    with RecordLoader(out) as loader:
        assert loader.load(0).content_stream().read() == b"x"
    assert not out.closed
