"""A WARC still being written, read by another process as it grows.

``sunset run`` makes the records of a crawl while the crawl fetches: a forked process reads the
master as the writer appends to it, with the same reader any later pass uses, so its records are
byte for byte those of a read of the finished file. It may read only what is whole: the writer
says, after each flush, how far the file holds complete records; the reader waits at that mark
and stops at the end once the writer says it is finished.
"""
from __future__ import annotations

import multiprocessing
import time
from pathlib import Path
from typing import BinaryIO

from archive.errors import SunsetError

_GROWING, _FINISHED, _ABANDONED = 0, 1, 2


class WarcAbandoned(SunsetError, RuntimeError):
    """The writer stopped before finishing the WARC (the crawl failed): what was read is dropped."""


class WarcGrowth:
    """How far the master is written and flushed, shared with forked readers (make it before the fork).

    Two machine words in shared memory: the writer's thread sets them without a lock or a system
    call, and a reader polls them.
    """

    def __init__(self) -> None:
        fork = multiprocessing.get_context("fork")
        self._size = fork.RawValue("q", 0)
        self._state = fork.RawValue("b", _GROWING)

    def advance(self, size: int) -> None:
        """The file now holds whole records up to ``size`` bytes, flushed."""
        self._size.value = size

    def finish(self, size: int) -> None:
        """The WARC is complete at ``size`` bytes."""
        self._size.value = size
        self._state.value = _FINISHED

    def abandon(self) -> None:
        self._state.value = _ABANDONED

    def readable(self) -> tuple[int, bool]:
        """(bytes that may be read, whether that is the end); raises when the writer gave up."""
        state = self._state.value  # the state first: a finished writer set its size before it
        if state == _ABANDONED:
            raise WarcAbandoned("the WARC was not finished (its writer stopped)")
        return self._size.value, state == _FINISHED


class GrowingFile:
    """A read-only file over a WARC being written, for warcio: ``read`` waits for whole records.

    Opened once the writer has flushed its first record (a resumed crawl first cuts a half-written
    record off the end, and nothing before that may be read); the handle stays valid when the
    finished file is renamed.
    """

    def __init__(self, path: Path, growth: WarcGrowth, *, poll: float = 0.02) -> None:
        self._growth = growth
        self._poll = poll
        while growth.readable() == (0, False):
            time.sleep(poll)
        self._handle: BinaryIO = path.open("rb")
        self.payloads: BinaryIO = path.open("rb")
        """A handle of its own for reading earlier records at their offsets (a revisit's payload)."""
        self._position = 0

    def read(self, size: int = -1) -> bytes:
        while True:
            readable, finished = self._growth.readable()
            if self._position < readable:
                wanted = readable - self._position if size is None or size < 0 else min(size, readable - self._position)
                data = self._handle.read(wanted)
                self._position += len(data)
                return data
            if finished:
                return b""
            time.sleep(self._poll)

    def tell(self) -> int:
        return self._position

    def close(self) -> None:
        self._handle.close()
        self.payloads.close()

    def __enter__(self) -> "GrowingFile":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
