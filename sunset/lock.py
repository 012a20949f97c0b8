"""One writer per output folder: ``<out>/.sunset.lock``, held with ``flock`` for the whole command.

Two ``sunset run`` on one folder would interleave WARC records and race on every rename. The
kernel drops an ``flock`` when its process dies, so a crashed or killed run never leaves a
stale lock behind: the next run simply takes it (and resumes).
"""
from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

from archive.durable import remove_leftovers
from archive.errors import SunsetError

log = logging.getLogger("sunset")

WRITING_COMMANDS = frozenset({"run", "crawl", "ingest", "normalize", "mirror", "package"})
"""Commands that write into the output folder. ``verify`` and ``serve`` only read; ``replay``
writes its own replay/ folder (atomically) and then serves for hours, which must not lock out
a run."""


class OutputLocked(SunsetError):
    """Another sunset process is writing into the same output folder."""


@contextlib.contextmanager
def output_lock(lock_path: Path, command: str, marker: str | None = None,
                first: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold ``lock_path`` exclusively, or raise :class:`OutputLocked` naming the holder at once.

    ``marker`` (the run's first log line) is logged once the lock is held: a run refused here
    must not put its marker amid the lines of the run that holds the folder. ``first``: what to
    do with the folder before that line (``--force`` empties it: :func:`sunset.folder_site.replace_contents`)."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(descriptor, 200, 0).decode("utf-8", "replace").strip() or "another sunset process"
            raise OutputLocked(f"{lock_path.parent} is in use by {holder}; wait for it to finish (or stop it) "
                               "and run this command again. Two runs on one folder would mix their output.") \
                from None
        _close_in_children(descriptor)
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"`sunset {command}` (pid {os.getpid()})\n".encode(), 0)
        if first is not None:
            first()
        if marker:
            log.info("%s", marker)
        _sweep(lock_path.parent)
        yield
    finally:
        _held.discard(descriptor)
        os.close(descriptor)  # closing releases the lock; the file stays (removing it would race)


_held: set[int] = set()
_closing_in_children = False


def _close_in_children(descriptor: int) -> None:
    """A forked worker shares the lock's open file; killed with its parent, it would keep the folder
    locked until it noticed. Each child closes its copy, so the lock dies with the process that took it."""
    global _closing_in_children
    if not _closing_in_children:
        os.register_at_fork(after_in_child=_close_held)
        _closing_in_children = True
    _held.add(descriptor)


def _close_held() -> None:
    for descriptor in _held:
        with contextlib.suppress(OSError):
            os.close(descriptor)
    _held.clear()


def _sweep(folder: Path) -> None:
    """Temporary files a killed run left (never under a final name): safe to drop while locked."""
    removed = remove_leftovers(folder)
    for staging in folder.glob("sunset-wacz-*"):
        shutil.rmtree(staging, ignore_errors=True)
        removed += 1
    if removed:
        log.info("removed %d temporary files left by an interrupted run", removed)


def lock_for(command: str, lock_path: Path, marker: str | None = None,
             first: Callable[[], None] | None = None) -> contextlib.AbstractContextManager[None]:
    """The output folder's lock for a command that writes; nothing for one that only reads.
    ``marker``, ``first``: the run's first line in the log, and what to do before it (see :func:`output_lock`)."""
    if command in WRITING_COMMANDS:
        return output_lock(lock_path, command, marker, first)
    if marker:
        log.info("%s", marker)
    return contextlib.nullcontext()
