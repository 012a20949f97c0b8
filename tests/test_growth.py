"""archive.growth: a WARC read by another process while it is written, however the two are scheduled."""
from __future__ import annotations

import os
import signal
from datetime import datetime, timezone
from pathlib import Path

import pytest

from archive.capture import BytesBody, Capture
from archive.growth import GrowingFile, WarcAbandoned, WarcGrowth, read_aside
from archive.reader import follow_warc_captures
from archive.side_outputs import GrowthSignal
from archive.warc_writer import WarcArchive

URLS = [f"http://old.example.org/site/p{number}.htm" for number in range(3)]


def _capture(url: str) -> Capture:
    return Capture(url, datetime(1998, 11, 16, tzinfo=timezone.utc), "text/html",
                   BytesBody(b"<HTML><TITLE>page</TITLE></HTML>"))


def _urls(growing: GrowingFile, warc: Path) -> list[str]:
    with growing:
        return [capture.url for capture in follow_warc_captures(warc, growing)]


def test_a_reader_descheduled_while_a_short_crawl_finishes_still_reads_every_record(tmp_path: Path) -> None:
    """The reader process is stopped (as a busy machine may deschedule it) as soon as it is forked;
    the writer writes a few records, closes and renames the WARC; then the reader goes on. Before
    the reader's file was opened ahead of the fork, this died with FileNotFoundError on
    ``short.warc.gz.open``."""
    warc = tmp_path / "short.warc.gz"
    growth = WarcGrowth()
    archive = WarcArchive(warc, software="test", info={}, plugins=[GrowthSignal(growth)])
    with archive:
        reader = read_aside(archive.open_path, growth, _urls, warc)
        assert reader.pid is not None
        os.kill(reader.pid, signal.SIGSTOP)
        try:
            for url in URLS:
                archive.write_capture(_capture(url))
        except BaseException:
            os.kill(reader.pid, signal.SIGCONT)
            raise
    growth.finish(warc.stat().st_size)
    assert not archive.open_path.exists()  # renamed while the reader was stopped
    os.kill(reader.pid, signal.SIGCONT)
    with reader:
        assert reader.result() == URLS


def test_a_reader_whose_writer_gives_up_stops_with_an_error(tmp_path: Path) -> None:
    warc = tmp_path / "failed.warc.gz"
    growth = WarcGrowth()
    with pytest.raises(RuntimeError, match="crawl failed"), \
            WarcArchive(warc, software="test", info={}, plugins=[GrowthSignal(growth)]) as archive:
        reader = read_aside(archive.open_path, growth, _urls, warc)
        archive.write_capture(_capture(URLS[0]))
        raise RuntimeError("crawl failed")
    growth.abandon()
    with reader, pytest.raises(WarcAbandoned, match="not finished"):
        reader.result()


def test_the_reader_file_must_exist_when_it_is_made(tmp_path: Path) -> None:
    """Made by the writing process once the writer has opened its file: a missing file fails there,
    at once, not later in a forked reader."""
    with pytest.raises(FileNotFoundError):
        GrowingFile(tmp_path / "never.warc.gz.open", WarcGrowth())
