"""Files appear under their final name only when complete: write, fsync, rename.

Every stage writes through here, so a run killed at any moment leaves either the old file
or the new one, never half of one. (It lives in ``crawl`` because every stage may import
``crawl``, the root of the stage graph.)
"""
from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any


@contextlib.contextmanager
def atomic_writer(path: Path, mode: str = "wb", *, durable: bool = True, **open_args: Any) -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path``; on success it replaces ``path``.

    ``durable=False`` skips the fsync: the rename alone already hides a half-written file
    from a killed process. It is for files that can be made again from the WARC (the
    mirror's thousands of pages), where an fsync each would cost more than the work.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".part")
    try:
        os.fchmod(descriptor, 0o666 & ~current_umask())  # mkstemp's 0600 would hide the mirror from a web server
        with os.fdopen(descriptor, mode, **open_args) as handle:
            yield handle
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def current_umask() -> int:
    """The process's umask: from /proc (no race with other threads), else by setting it and back."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_copy(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` so that ``target`` is never half a copy."""
    with atomic_writer(target) as handle, source.open("rb") as stream:
        shutil.copyfileobj(stream, handle, 1024 * 1024)


def remove_leftovers(folder: Path) -> int:
    """Delete the temporary files of writers that were killed before their rename.

    Only safe while no other process writes under ``folder`` (sunset holds the output lock).
    """
    removed = 0
    for leftover in folder.rglob(".*.part"):
        with contextlib.suppress(OSError):
            leftover.unlink()
            removed += 1
    return removed


DISK_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG})


def is_disk_error(error: BaseException) -> bool:
    """A full, over-quota or read-only disk: the run must stop, not note it and go on."""
    return isinstance(error, OSError) and error.errno in DISK_ERRNOS
