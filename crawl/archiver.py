"""The crawl's WARC writing on a thread of its own.

gzip (zlib releases the GIL) and the file writes then run beside the fetches and the link
discovery instead of in turn with them. The crawler commits a batch of completions to its
frontier only after :meth:`BackgroundArchiver.drain`, so a URL is never marked done before its
records are in the file; a kill in between leaves it to the resume, which finds the records.
"""
from __future__ import annotations

import queue
import threading
from typing import Protocol

from archive.capture import Fetched


class CaptureSink(Protocol):
    """Where fetches go (the WARC); returns the WARC-Date written, once the records are flushed."""

    def write_exchange(self, fetched: Fetched, revisit_of: tuple[str, str] | None = None) -> str: ...


class BackgroundArchiver:
    """Writes exchanges to ``sink`` in the order given; closes each body once written."""

    def __init__(self, sink: CaptureSink, backlog: int = 64) -> None:
        self.sink = sink
        self._queue: queue.Queue[tuple[Fetched, tuple[str, str] | None] | None] = queue.Queue(maxsize=backlog)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="crawl-warc", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                fetched, revisit_of = item
                try:
                    if self._error is None:
                        self.sink.write_exchange(fetched, revisit_of)
                except BaseException as error:  # a full disk: reported to the crawler at its next call
                    self._error = error
                finally:
                    fetched.body.close()
            finally:
                self._queue.task_done()

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    def submit(self, fetched: Fetched, revisit_of: tuple[str, str] | None) -> None:
        """Queue an exchange; its body belongs to the archiver from now on."""
        self._raise()
        self._queue.put((fetched, revisit_of))

    def drain(self) -> None:
        """Wait until everything submitted is in the file (flushed), or raise what stopped it."""
        self._queue.join()
        self._raise()

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
