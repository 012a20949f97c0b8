"""archive/warc_writer.py: the file's life (``.open``, rename, resume) and what its plug-ins are told."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from archive.capture import BytesBody, Capture
from archive.package.verify import verify_warc
from archive.reader import iter_record_spans
from archive.stamps import RecordStamps
from archive.warc_writer import WarcArchive, WriterPlugin, cut_partial_record

DATE = datetime(1998, 11, 16, 9, 30, tzinfo=timezone.utc)


def capture(number: int) -> Capture:
    return Capture(f"http://old.example/p{number}.htm", DATE, "text/html",
                   BytesBody(b"<P>page %d " % number + b"x" * 3000))


class Told(WriterPlugin):
    def __init__(self) -> None:
        self.said: list[tuple] = []

    def on_open(self, warc: Path, appending: bool) -> None:
        self.said.append(("open", warc.name, appending))

    def on_record(self, record, offset: int, length: int) -> None:  # type: ignore[no-untyped-def]
        self.said.append(("record", record.rec_type, offset, length))

    def on_flush(self, size: int) -> None:
        self.said.append(("flush", size))

    def on_close(self, warc: Path | None) -> None:
        self.said.append(("close", warc.name if warc else None))


def write(path: Path, count: int, plugins: list[WriterPlugin], *, resume: bool = False) -> WarcArchive:
    with WarcArchive(path, software="test", info={}, stamps=RecordStamps(DATE, "t"), resume=resume,
                     plugins=plugins) as archive:
        for number in range(count):
            archive.write_capture(capture(number))
    return archive


def test_plugins_hear_every_record_where_the_reader_finds_it(tmp_path: Path) -> None:
    told = Told()
    write(tmp_path / "site.warc.gz", 2, [told])
    spans = list(iter_record_spans(tmp_path / "site.warc.gz"))
    assert told.said[0] == ("open", "site.warc.gz", False)
    assert told.said[1:] == [("record", "warcinfo", spans[0].offset, spans[0].length),
                             ("flush", spans[1].offset),
                             ("record", "resource", spans[1].offset, spans[1].length),
                             ("record", "resource", spans[2].offset, spans[2].length),
                             ("close", "site.warc.gz")]
    assert not (tmp_path / "site.warc.gz.open").exists()


def test_a_failed_write_stays_open_and_plugins_hear_it(tmp_path: Path) -> None:
    told = Told()
    with pytest.raises(RuntimeError), WarcArchive(tmp_path / "site.warc.gz", software="test", info={},
                                                  plugins=[told]) as archive:
        archive.write_capture(capture(1))
        raise RuntimeError("the crawl failed")
    assert told.said[-1] == ("close", None)
    assert (tmp_path / "site.warc.gz.open").exists() and not (tmp_path / "site.warc.gz").exists()


def test_a_kill_inside_a_record_is_cut_off_and_the_file_resumed(tmp_path: Path) -> None:
    """The writer killed while it wrote a gzip member: the half member goes, the rest stays, and
    the resumed file reads whole (appending after half a member would lose everything after it)."""
    write(tmp_path / "whole.warc.gz", 3, [])
    spans = list(iter_record_spans(tmp_path / "whole.warc.gz"))
    killed = tmp_path / "site.warc.gz.open"
    killed.write_bytes((tmp_path / "whole.warc.gz").read_bytes()[:spans[-1].offset + spans[-1].length // 2])
    assert cut_partial_record(killed) == spans[-1].offset
    told = Told()
    archive = write(tmp_path / "site.warc.gz", 1, [told], resume=True)
    assert archive.resumed_at == spans[-1].offset and told.said[0] == ("open", "site.warc.gz", True)
    assert [span.rec_type for span in iter_record_spans(tmp_path / "site.warc.gz")] == ["warcinfo"] + ["resource"] * 3
    assert verify_warc(tmp_path / "site.warc.gz").problems == ()


def test_a_request_without_its_response_is_cut_off(tmp_path: Path) -> None:
    path = tmp_path / "site.warc.gz.open"
    with WarcArchive(tmp_path / "site.warc.gz", software="test", info={}) as archive:
        archive.write(archive.builder.warcio.create_warc_record("http://old.example/", "request"))
    whole = (tmp_path / "site.warc.gz").read_bytes()
    (tmp_path / "site.warc.gz").rename(path)
    assert cut_partial_record(path) == next(iter_record_spans(path)).length < len(whole)
