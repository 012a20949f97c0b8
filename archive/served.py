"""The site as its server served it: the master, with the old server's answers laid over its files.

A docroot's master holds each file as it lay on disk. What the server sent was sometimes other:
a page with its server-side includes done, a redirect, a refusal, and at URLs no file stands at,
a folder's index page or listing (:mod:`crawl.served.answers` says which). The run's ``served``
step writes those answers, as ``response`` records marked as sunset's reconstruction, into a WARC
beside the master, ``.NAME.warc.gz.served`` (as the master's writer leaves its heads and index
lines beside it): in the master's order, the answers that replace a file first, then the others.

The stages that show the site as it was served (records, mirror, the package's plan and pages,
the QA) read it through :func:`iter_site_captures` (bodies) and :class:`SiteIndex` (lookups, by
heads alone): every capture of the master, each replaced by the answer at its URL where there is
one, then the answers no file stands behind. A replacing answer takes its file's place, so the
master's captures keep their ordinals. Everything else reads the master alone (its index, its
checks): the master stays the docroot's bytes, and ``sunset package`` copies these records,
unchanged, into the reconstructed WARC that viewers replay.

A served file older than its master (the master made again without the step after it) is not
the master's: it is left aside, as a stale heads file is.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from archive.capture import Capture
from archive.capture_index import CaptureIndex, Original
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


def _overlaid(files: Iterator[Capture], answers: Iterator[Capture]) -> Iterator[Capture]:
    """``files`` in order, each replaced by the answer at its URL, then the other answers (the
    answers that replace files come first, in the files' order)."""
    pending = next(answers, None)
    for capture in files:
        if pending is not None and pending.url == capture.url:
            yield pending
            pending = next(answers, None)
        else:
            yield capture
    if pending is not None:
        yield pending
        yield from answers


def iter_site_captures(master: Path) -> Iterator[Capture]:
    """Every capture of ``master`` in order, each replaced by the served answer at its URL, then the
    served answers at URLs no file stands at (see the module's docstring), with their bodies.
    Without served answers: :func:`archive.reader.iter_warc_captures`."""
    served = served_answers(master)
    files = iter_warc_captures(master)
    if served is None:
        yield from files
        return
    yield from _overlaid(files, iter_warc_captures(served))


class SiteIndex:
    """The master's capture index (:class:`archive.capture_index.CaptureIndex`) with the served
    answers' over it: the same questions, answered for the site as served (an answer at a URL
    before the file there). Without served answers, the master's answers alone."""

    def __init__(self, master: CaptureIndex) -> None:
        self.master = master
        self.warc = master.warc
        served = served_answers(master.warc)
        self.served = CaptureIndex(served) if served is not None else None
        self._replacing = 0
        if self.served is not None:  # the leading answers stand at URLs the master has: in its files' places
            for original in self.served.originals():
                if master.first(original.url) is None:
                    break
                self._replacing += 1

    def _indexes(self) -> tuple[CaptureIndex, ...]:
        return (self.served, self.master) if self.served is not None else (self.master,)

    def captures(self) -> Iterator[Capture]:
        """The captures of :func:`iter_site_captures`, in its order, each with an empty body."""
        if self.served is None:
            return self.master.captures()
        return _overlaid(self.master.captures(), self.served.captures())

    def first_ordinal(self, key: str, *, case_insensitive: bool) -> int | None:
        """The ordinal (among :meth:`captures`) of the first capture whose URL has lookup ``key``."""
        found = self.master.first_ordinal(key, case_insensitive=case_insensitive)
        if found is not None or self.served is None:
            return found  # a file's place, whether the answer there replaced it or not
        answer = self.served.first_ordinal(key, case_insensitive=case_insensitive)
        if answer is None or answer < self._replacing:
            return None
        return self.master.count() + answer - self._replacing

    def first(self, url: str, *, revisits: bool = True) -> Original | None:
        for index in self._indexes():
            found = index.first(url, revisits=revisits)
            if found is not None:
                return found
        return None

    def first_by_key(self, key: str, *, case_insensitive: bool) -> Original | None:
        for index in self._indexes():
            found = index.first_by_key(key, case_insensitive=case_insensitive)
            if found is not None:
                return found
        return None

    def find(self, record_id: str | None, url: str) -> Original | None:
        """The original a page record names: by its record id (an answer's or a file's), else the
        first capture (not a revisit) of its URL, the answer there first."""
        for index in self._indexes() if record_id else ():
            found = index.by_record_id(record_id or "")
            if found is not None:
                return found
        return self.first(url, revisits=False)

    def dates(self) -> tuple[str, str] | None:
        spans = [span for index in self._indexes() if (span := index.dates()) is not None]
        if not spans:
            return None
        return min(first for first, _ in spans), max(last for _, last in spans)

    def close(self) -> None:
        """Close this process's connection to the answers' index (the master's is its owner's)."""
        if self.served is not None:
            self.served.close()

    def __enter__(self) -> SiteIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
