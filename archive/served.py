"""The site as its server served it: the master, with the old server's answers laid over its files.

A docroot's master holds each file as it lay on disk. What the server sent was sometimes other:
a page with its server-side includes done, a redirect, a refusal, and at URLs no file stands at,
a folder's index page or listing (:mod:`crawl.served.answers` says which). The run's ``served``
step writes those answers, as ``response`` records marked as sunset's reconstruction, into a WARC
beside the master, ``.NAME.warc.gz.served`` (as the master's writer leaves its heads and index
lines beside it): in the master's order, the answers that replace a file first, then the others.

The stages that show the site as it was served (records, mirror, the package's plan and pages,
the QA) read :func:`iter_site_captures`: every capture of the master, each replaced by the answer
at its URL where there is one, then the answers no file stands behind. One pass over both files
side by side, nothing held. Everything else reads the master alone (its index, its checks): the
master stays the docroot's bytes, and ``sunset package`` copies these records, unchanged, into
the reconstructed WARC that viewers replay.

A served file older than its master (the master made again without the step after it) is not
the master's: it is left aside, as a stale heads file is.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from archive.capture import Capture
from archive.index_lines import lines_path
from archive.reader import iter_warc_captures

SERVED_ANSWERS = "served"
"""The served answers' file beside the master: ``.NAME.warc.gz.served`` (a WARC, gzipped per record)."""


def served_path(master: Path) -> Path:
    """Where the served answers of ``master`` are kept."""
    return lines_path(master, SERVED_ANSWERS)


def served_answers(master: Path) -> Path | None:
    """The served answers of ``master``, if there are any and they were made from this master."""
    path = served_path(master)
    try:
        return path if path.stat().st_mtime >= master.stat().st_mtime else None
    except OSError:
        return None


def iter_site_captures(master: Path, *, read_bodies: bool = True) -> Iterator[Capture]:
    """Every capture of ``master`` in order, each replaced by the served answer at its URL, then the
    served answers at URLs no file stands at (see the module's docstring). Without served answers:
    :func:`archive.reader.iter_warc_captures`."""
    served = served_answers(master)
    if served is None:
        yield from iter_warc_captures(master, read_bodies=read_bodies)
        return
    answers = iter_warc_captures(served, read_bodies=read_bodies)
    pending = next(answers, None)
    for capture in iter_warc_captures(master, read_bodies=read_bodies):
        if pending is not None and pending.url == capture.url:
            yield pending  # the answers that replace files come in the master's order
            pending = next(answers, None)
        else:
            yield capture
    if pending is not None:
        yield pending
        yield from answers
