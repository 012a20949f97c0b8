"""One writer per output folder: ``<out>/.sunset.lock``, held with ``flock`` for the whole command.

Two ``sunset run`` on one folder would interleave WARC records and race on every rename. The
kernel drops an ``flock`` when its process and the workers it forked have died, so a crashed or
killed run never leaves a stale lock behind: the next run takes it (and resumes), waiting a moment
for a killed run's workers to finish first.
"""
from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import re
import shutil
import time
from collections.abc import Iterator
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
def output_lock(lock_path: Path, command: str, marker: str | None = None) -> Iterator[None]:
    """Hold ``lock_path`` exclusively, or raise :class:`OutputLocked` naming the holder at once.

    ``marker`` (the run's first log line) is logged once the lock is held: a run refused here
    must not put its marker amid the lines of the run that holds the folder."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if not _take(descriptor):
            holder = os.pread(descriptor, 200, 0).decode("utf-8", "replace").strip() or "another sunset process"
            if not _alive(holder):
                holder += (", which has ended; its worker processes are still finishing what they were given: "
                           "run this command again in a moment")
            raise OutputLocked(f"{lock_path.parent} is in use by {holder}; wait for it to finish (or stop it) "
                               "and run this command again. Two runs on one folder would mix their output.") \
                from None
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"`sunset {command}` (pid {os.getpid()})\n".encode(), 0)
        if marker:
            log.info("%s", marker)
        _sweep(lock_path.parent)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock; the file stays (removing it would race)


def _take(descriptor: int, patience: float = 15.0) -> bool:
    """The lock, at once; or, when the run that holds it has died (killed), once the worker processes
    it forked have finished too. They share its lock, and keeping it until they are gone is what keeps
    a new run from writing beside them."""
    deadline = time.monotonic() + patience
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            holder = os.pread(descriptor, 200, 0).decode("utf-8", "replace")
            if _alive(holder) or time.monotonic() > deadline:
                return False
            time.sleep(0.05)


def _alive(holder: str) -> bool:
    """Whether the process named in the lock file (``… (pid N)``) is still running."""
    found = re.search(r"\(pid (\d+)\)", holder)
    if found is None:
        return True
    pid = int(found.group(1))
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a killed run its parent has not reaped yet is a zombie: ended
        return "\nState:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True


def _sweep(folder: Path) -> None:
    """Temporary files a killed run left (never under a final name): safe to drop while locked."""
    removed = remove_leftovers(folder)
    for staging in folder.glob("sunset-wacz-*"):
        shutil.rmtree(staging, ignore_errors=True)
        removed += 1
    if removed:
        log.info("removed %d temporary files left by an interrupted run", removed)


def lock_for(command: str, lock_path: Path, marker: str | None = None) -> contextlib.AbstractContextManager[None]:
    """The output folder's lock for a command that writes; nothing for one that only reads.
    ``marker``: the run's first line in the log (see :func:`output_lock`)."""
    if command in WRITING_COMMANDS:
        return output_lock(lock_path, command, marker)
    if marker:
        log.info("%s", marker)
    return contextlib.nullcontext()
