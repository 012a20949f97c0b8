"""crawl/archiver.py: the crawl's WARC writes, in order, on a thread of their own; a failure is
raised to the crawler at its next call, and every body is closed once written (or not)."""
from __future__ import annotations

import io
import threading
from datetime import datetime, timezone

import pytest

from archive.capture import Fetched, SpooledBody
from crawl.archiver import BackgroundArchiver


def _fetched(url: str) -> Fetched:
    return Fetched(url, url, datetime(1998, 1, 1, tzinfo=timezone.utc), f"GET {url} HTTP/1.0", (), "HTTP/1.0",
                   200, "OK", (("Content-Type", "text/html"),), SpooledBody(io.BytesIO(b"<P>" + url.encode())),
                   "sha1:X", None, None, 0.0)


class ListSink:
    """A sink that keeps what it is given (the crawl's sink is the WARC writer)."""

    def __init__(self, fail_at: str | None = None) -> None:
        self.written: list[tuple[str, bytes, tuple[str, str] | None]] = []
        self.threads: set[str] = set()
        self.fail_at = fail_at

    def write_exchange(self, fetched: Fetched, revisit_of: tuple[str, str] | None = None) -> str:
        self.threads.add(threading.current_thread().name)
        if fetched.url == self.fail_at:
            raise OSError(28, "No space left on device")
        with fetched.body.open() as stream:
            self.written.append((fetched.url, stream.read(), revisit_of))
        return "1998-01-01T00:00:00Z"


def test_exchanges_are_written_in_order_off_the_callers_thread() -> None:
    sink = ListSink()
    archiver = BackgroundArchiver(sink, backlog=2)
    fetches = [_fetched(f"http://h/{number}.htm") for number in range(20)]
    for number, fetched in enumerate(fetches):
        archiver.submit(fetched, ("http://h/0.htm", "1998-01-01T00:00:00Z") if number == 5 else None)
    archiver.drain()
    assert [url for url, _, _ in sink.written] == [fetched.url for fetched in fetches]
    assert sink.written[3][1] == b"<P>http://h/3.htm"
    assert [revisit for _, _, revisit in sink.written if revisit] == [("http://h/0.htm", "1998-01-01T00:00:00Z")]
    assert sink.threads == {"crawl-warc"}
    archiver.close()
    for fetched in fetches:  # each body closed once written
        with pytest.raises(ValueError):
            fetched.body.open()


def test_a_failed_write_is_raised_to_the_crawler_and_nothing_after_it_is_written() -> None:
    sink = ListSink(fail_at="http://h/1.htm")
    archiver = BackgroundArchiver(sink)
    fetches = [_fetched(f"http://h/{number}.htm") for number in range(4)]
    for fetched in fetches:
        archiver.submit(fetched, None)
    with pytest.raises(OSError, match="No space left"):
        archiver.drain()
    with pytest.raises(OSError, match="No space left"):
        archiver.submit(_fetched("http://h/late.htm"), None)
    archiver.close()
    assert [url for url, _, _ in sink.written] == ["http://h/0.htm"]
    for fetched in fetches:  # the bodies of those never written are closed as well
        with pytest.raises(ValueError):
            fetched.body.open()
