"""Which capture stands for a URL as of a date (crawl/wayback/choose.py): inside the window, a 200
before a redirect before an error, then the nearest, the earlier on a tie."""
from __future__ import annotations

import pytest

from crawl.wayback.cdx import CdxRow
from crawl.wayback.choose import ranked
from crawl.wayback.options import WaybackOptions, archive_timestamp


def row(timestamp: str, status: int | None = 200) -> CdxRow:
    return CdxRow("k", timestamp, "http://old.example.org/a.htm", "warc/revisit" if status is None else "text/html",
                  status, "D")


def options(as_of: str, start: str | None = None, end: str | None = None) -> WaybackOptions:
    return WaybackOptions("http://127.0.0.1/coll/", archive_timestamp(as_of),
                          archive_timestamp(start) if start else None,
                          archive_timestamp(end, latest=True) if end else None)


@pytest.mark.parametrize(("rows", "wanted", "expected"), [
    ([row("19970601000000"), row("19981020000000"), row("20010301000000")], options("1998-11"),
     ["19981020000000", "19970601000000", "20010301000000"]),
    ([row("19981101000000", 302), row("19990601000000")], options("1998-11"), ["19990601000000", "19981101000000"]),
    ([row("19981101000000", 404), row("19981201000000", 301)], options("1998-11"), ["19981201000000", "19981101000000"]),
    ([row("19981120000000", None), row("19980101000000")], options("1998-11"), ["19981120000000", "19980101000000"]),
    ([row("19981021000000"), row("19981111000000")], options("1998-11-16"), ["19981111000000", "19981021000000"]),
    ([row("19981115000000"), row("19981016000000")], options("1998-10-31"),
     ["19981016000000", "19981115000000"]),  # 15 days either way: the earlier
    ([row("19970601000000"), row("20030101000000")], options("1998-11", "1998", "1999"), []),
    ([row("19990601000000"), row("19971231235959"), row("20000101000000")], options("1998-11", "1998", "1999"),
     ["19990601000000"]),
], ids=["nearest", "200-before-redirect", "redirect-before-error", "revisit-is-a-200", "nearest-after",
        "tie-earlier", "nothing-in-window", "window-edges"])
def test_the_captures_in_order_of_preference(rows: list[CdxRow], wanted: WaybackOptions, expected: list[str]) -> None:
    assert [chosen.timestamp for chosen in ranked(rows, wanted)] == expected
