"""archive.growth: a WARC read by another process while it is written, however the two are scheduled."""
from __future__ import annotations

import os
import signal
from datetime import datetime, timezone
from pathlib import Path

import pytest

from archive.capture import BytesBody, Capture
from archive.growth import GrowingFile, WarcGrowth
from archive.reader import follow_warc_captures
from archive.warc_writer import WarcArchive
from archive.workers import Aside

URLS = [f"http://old.example.org/site/p{number}.htm" for number in range(3)]


def _read_growing(open_path: Path, growth: WarcGrowth, warc: Path) -> list[str]:
    with GrowingFile(open_path, growth) as growing:
        return [capture.url for capture in follow_warc_captures(warc, growing)]


@pytest.mark.xfail(strict=True, raises=FileNotFoundError, reason="issue 25's race: the reader opens the"
                   " .open file by name after the writer renamed it")
def test_a_reader_descheduled_while_a_short_crawl_finishes_still_reads_every_record(tmp_path: Path) -> None:
    """The reader process is stopped (as a busy machine may deschedule it) before it opens the
    file; the writer writes a few records, closes and renames the WARC; then the reader goes on."""
    warc = tmp_path / "short.warc.gz"
    growth = WarcGrowth()
    with Aside(_read_growing, warc.with_name(warc.name + ".open"), growth, warc) as reader:
        pid = reader._process.pid  # type: ignore[union-attr]
        os.kill(pid, signal.SIGSTOP)
        try:
            with WarcArchive(warc, software="test", info={}, growth=growth) as archive:
                for url in URLS:
                    archive.write_capture(Capture(url, datetime(1998, 11, 16, tzinfo=timezone.utc), "text/html",
                                                  BytesBody(b"<HTML><TITLE>page</TITLE></HTML>")))
            growth.finish(warc.stat().st_size)
        finally:
            os.kill(pid, signal.SIGCONT)
        assert reader.result() == URLS
