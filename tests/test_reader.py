"""archive/reader.py: the spine's one iteration over a WARC's records (here: its record spans,
which batch, the conversion check and the writer's resume use)."""
from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from archive.reader import WarcReadError, WholeFileGzipError, iter_record_spans, iter_warc_captures
from tests.batch_inputs import write_arc, write_crawler_warc


@pytest.mark.parametrize("compressed", [True, False], ids=["warc.gz", "warc"])
def test_spans_cover_the_file_record_by_record(tmp_path: Path, compressed: bool) -> None:
    warc = write_crawler_warc(tmp_path / ("c.warc.gz" if compressed else "c.warc"), gzip=compressed)
    spans = list(iter_record_spans(warc))
    assert [span.rec_type for span in spans] == ["warcinfo"] + ["request", "response"] * 4 + ["revisit", "resource"]
    if compressed:  # one gzip member each, end to end
        assert [span.offset for span in spans[1:]] == [span.offset + span.length for span in spans[:-1]]
        assert spans[-1].offset + spans[-1].length == warc.stat().st_size
    assert spans[2].http_headers is not None and spans[2].http_headers.get_statuscode() == "200"


def test_arc_records_come_as_warc_records_with_their_urls(tmp_path: Path) -> None:
    spans = list(iter_record_spans(write_arc(tmp_path / "c.arc.gz")))
    assert [(span.rec_type, span.rec_headers.get_header("WARC-Target-URI")) for span in spans] == [
        ("warcinfo", None), ("response", "http://cafe.example.net/index.htm"),
        ("response", "http://cafe.example.net/menu.htm"), ("response", "http://cafe.example.net/img/logo.gif")]


def test_a_file_ending_inside_a_gzip_member_is_cut_short_there(tmp_path: Path) -> None:
    """What a writer killed mid-record leaves: warcio alone would take the half member for a record."""
    warc = write_crawler_warc(tmp_path / "c.warc.gz")
    spans = list(iter_record_spans(warc))
    last = spans[-1]
    for cut in (last.offset + 40, last.offset + last.length - 9):  # in the middle; only the gzip trailer missing
        half = tmp_path / "half.warc.gz"
        half.write_bytes(warc.read_bytes()[:cut])
        seen = []
        with pytest.raises(WarcReadError, match=f"ends inside the record at offset {last.offset}"):
            seen.extend(iter_record_spans(half))
        assert seen == spans[:-1]


def test_a_plain_file_ending_inside_a_block_is_cut_short(tmp_path: Path) -> None:
    warc = write_crawler_warc(tmp_path / "c.warc", gzip=False)
    data = warc.read_bytes()
    half = tmp_path / "half.warc"
    half.write_bytes(data[:len(data) - 10])  # the last block's end
    with pytest.raises(WarcReadError, match="cut short"):
        list(iter_record_spans(half))


def test_a_warc_gzipped_as_one_stream_is_named_as_such(tmp_path: Path) -> None:
    plain = write_crawler_warc(tmp_path / "c.warc", gzip=False)
    whole = tmp_path / "whole.warc.gz"
    whole.write_bytes(gzip.compress(plain.read_bytes()))
    with pytest.raises(WholeFileGzipError):
        list(iter_record_spans(whole))


def test_a_capture_chosen_by_its_head_is_loaded_at_its_offset(tmp_path: Path) -> None:
    warc = write_crawler_warc(tmp_path / "c.warc.gz")
    (span,) = [span for span in iter_record_spans(warc) if span.rec_type == "response"
               and span.rec_headers.get_header("WARC-Target-URI").endswith("/menu.htm")]
    chosen = [(capture.origin, capture.status, capture.body.open().read())
              for capture in iter_warc_captures(warc, only=lambda capture: capture.url.endswith("/menu.htm"))]
    ((origin, status, body),) = chosen
    assert (origin, status) == (f"{warc}#{span.offset}", 200) and b"Coffee, tea." in body
