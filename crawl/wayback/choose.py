"""Which capture of a URL stands for the site "as of" a date.

Inside the window (``from``/``to``) only; a 200 (or a revisit, which repeats a payload) before a
redirect, a redirect before an error; among those, the capture nearest ``as_of``, the earlier on a
tie. The rest follow in the same order, so a capture the archive cannot serve gives way to the
next best.
"""
from __future__ import annotations

from collections.abc import Iterable

from crawl.wayback.cdx import CdxRow
from crawl.wayback.options import WaybackOptions, timestamp_datetime


def kind_rank(row: CdxRow) -> int:
    """0: the page itself (200, or a revisit); 1: an archived redirect; 2: anything else."""
    if row.status is None or row.status == 200 or (row.is_revisit and row.status < 300):
        return 0
    if 300 <= row.status < 400:
        return 1
    return 2


def ranked(rows: Iterable[CdxRow], options: WaybackOptions) -> list[CdxRow]:
    """The captures of one URL that may be used, best first (one per timestamp)."""
    wanted = timestamp_datetime(options.as_of)
    unique = {row.timestamp: row for row in rows if options.in_window(row.timestamp)}

    def order(row: CdxRow) -> tuple[int, float, str]:
        distance = abs((timestamp_datetime(row.timestamp) - wanted).total_seconds())
        return kind_rank(row), distance, row.timestamp

    return sorted(unique.values(), key=order)
