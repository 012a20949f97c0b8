"""One writer per output folder: ``<out>/.sunset.lock``, held with ``flock`` for the whole command.

Two ``sunset run`` on one folder would interleave WARC records and race on every rename. The
kernel drops an ``flock`` when its process and the workers it forked have died, so a crashed or
killed run never leaves a stale lock behind: the next run takes it (and resumes), waiting a moment
for a killed run's workers to finish first. The holder also sweeps the folder of temporary files:
those a killed run left, when it takes the lock, and its own, when it stops early (Ctrl-C, an
error), before it lets the lock go.
"""
from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import re
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from archive.durable import remove_leftovers
from archive.errors import SunsetError
from archive.sqlite_store import remove_store_files
from sunset.layout import OutputLayout

log = logging.getLogger("sunset")

WRITING_COMMANDS = frozenset({"run", "crawl", "ingest", "normalize", "mirror", "package"})
"""Commands that write into the output folder. ``verify`` and ``serve`` only read; ``replay``
writes its own replay/ folder (atomically) and then serves for hours, which must not lock out
a run."""


class OutputLocked(SunsetError):
    """Another sunset process is writing into the same output folder."""


@contextlib.contextmanager
def output_lock(lock_path: Path, command: str, marker: str | None = None,
                first: Callable[[], None] | None = None,
                temporary: Callable[[], Iterable[Path]] = lambda: ()) -> Iterator[None]:
    """Hold ``lock_path`` exclusively, or raise :class:`OutputLocked` naming the holder at once.

    ``marker`` (the run's first log line) is logged once the lock is held: a run refused here
    must not put its marker amid the lines of the run that holds the folder. ``first``: what to
    do with the folder before that line (``--force`` empties it: :func:`sunset.folder_site.replace_contents`).
    ``temporary``: files of the folder besides the usual temporary ones (``.part`` files, SQLite
    stores, WACZ staging) that a command stopped early leaves and no later one continues; removed,
    with those, on the way out of a command that did not finish."""
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
        if first is not None:
            first()
        if marker:
            log.info("%s", marker)
        removed = _sweep(lock_path.parent)
        if removed:
            log.info("removed %d temporary files left by an interrupted run", removed)
        try:
            yield
        except BaseException:
            removed = _sweep(lock_path.parent, temporary())
            if removed:
                log.info("%s stopped early: removed its %d temporary files", command, removed)
            raise
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


def _sweep(folder: Path, others: Iterable[Path] = ()) -> int:
    """Temporary files (never under a final name): safe to drop while locked, once this process's
    workers are gone."""
    removed = remove_leftovers(folder) + remove_store_files(folder)
    for staging in folder.glob("sunset-wacz-*"):
        shutil.rmtree(staging, ignore_errors=True)
        removed += 1
    for other in others:
        with contextlib.suppress(OSError):
            other.unlink()
            removed += 1
    return removed


def lock_for(command: str, layout: OutputLayout, marker: str | None = None,
             first: Callable[[], None] | None = None) -> contextlib.AbstractContextManager[None]:
    """The output folder's lock for a command that writes; nothing for one that only reads.
    ``marker``, ``first``: the run's first line in the log, and what to do before it (see :func:`output_lock`)."""
    if command in WRITING_COMMANDS:
        return output_lock(layout.lock, command, marker, first, layout.unfinished_warcs)
    if marker:
        log.info("%s", marker)
    return contextlib.nullcontext()
