"""The mirror is a function of the master WARC: every file in it is explained by a capture
(its page or file, or the forwarding page of a captured redirect) or is one of sunset's own
pages (``index.html``, ``_sunset/``).

Anything else (a page deleted from the docroot since the last run, a ``.part`` left by a
killed writer, a file copied in by hand) would be published as if it had been archived:
the mirror stage removes it and ``verify`` reports it.
"""
from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path

from site_out.pages import INDEX_PAGE
from site_out.plan import MirrorPlan

log = logging.getLogger("sunset")

OWN_FOLDER = "_sunset/"


def _explained(plan: MirrorPlan, relative: str) -> bool:
    """Whether the WARC's captures account for a mirror path (relative, POSIX)."""
    return relative == INDEX_PAGE or plan.explains(relative)


def _is_own(relative: str) -> bool:
    """sunset's own pages; never a temporary file (hidden name) even there."""
    return relative.startswith(OWN_FOLDER) and not relative.rsplit("/", 1)[-1].startswith(".")


def iter_unexplained(root: Path, plan: MirrorPlan) -> Iterator[str]:
    """Files under ``root`` that no capture explains, in a stable order."""
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            relative = Path(folder, name).relative_to(root).as_posix()
            if not _is_own(relative) and not _explained(plan, relative):
                yield relative


def remove_unexplained(root: Path, plan: MirrorPlan, why: str = "left by an earlier run") -> list[str]:
    """Delete the files no capture explains (and the folders they leave empty); return them.
    ``why``: how such a file came to be there, for the log."""
    removed = []
    for relative in list(iter_unexplained(root, plan)):
        with contextlib.suppress(FileNotFoundError):
            (root / relative).unlink()
        removed.append(relative)
        log.info("mirror: removed %s: no capture in the WARC explains it (%s)", relative, why)
    for folder, _, _ in sorted(os.walk(root), key=lambda entry: -len(entry[0])):
        if Path(folder) != root:
            with contextlib.suppress(OSError):
                os.rmdir(folder)  # only succeeds when empty
    return removed
