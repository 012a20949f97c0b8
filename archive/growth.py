"""A WARC still being written, read by another process as it grows.

``sunset run`` makes the records (and the mirror) of a crawl while the crawl fetches: a forked process reads the
master as the writer appends to it, with the same reader any later pass uses, so its records are
byte for byte those of a read of the finished file. It may read only what is whole: the writer
says, after each flush, how far the file holds complete records; the reader waits at that mark
and stops at the end once the writer says it is finished. The reader's handles are opened by the
writing process before it forks the reader (:func:`read_aside`), so the writer's rename of the
finished file cannot come first.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, TypeVar

from archive.errors import SunsetError
from archive.forking import fork_context
from archive.workers import Aside

Result = TypeVar("Result")

_GROWING, _FINISHED, _ABANDONED = 0, 1, 2


class WarcAbandoned(SunsetError, RuntimeError):
    """The writer stopped before finishing the WARC (the crawl failed): what was read is dropped."""


class WarcGrowth:
    """How far the master is written and flushed, shared with forked readers (make it before the fork).

    Two machine words in shared memory: the writer's thread sets them without a lock or a system
    call, and a reader polls them.
    """

    def __init__(self) -> None:
        fork = fork_context()
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

    Made in the writing process once the writer has opened the file, and handed to the reading
    process by fork (:func:`read_aside`): its handles are opened here and now, not by name in the
    reader. The writer renames ``NAME.warc.gz.open`` when it closes; a reader that opened the
    file by name found nothing if it was descheduled until then (a short crawl on a busy
    machine), and the run failed. An open descriptor follows its file through the rename, so a
    reader holding one cannot miss it, however the two processes are scheduled. (Falling back to
    the final name would also work, but only by reasoning about which file each name holds at
    each moment; the descriptor needs no such reasoning.) Nothing is read before the writer's
    first flush: a resumed crawl first cuts a half-written record off the end.
    """

    def __init__(self, path: Path, growth: WarcGrowth, *, poll: float = 0.02) -> None:
        self._growth = growth
        self._poll = poll
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


def read_aside(path: Path, growth: WarcGrowth, function: Callable[..., Result], *args: object) -> Aside[Result]:
    """``function(growing, *args)`` in a forked process, ``growing`` the :class:`GrowingFile` of the
    WARC being written at ``path`` (its ``.open`` name): opened here, before the fork, so the
    writer (in this process, not yet past its first records) cannot rename it first."""
    growing = GrowingFile(path, growth)
    try:
        return Aside(function, growing, *args)
    finally:
        growing.close()  # the reader has its own copies of the descriptors
