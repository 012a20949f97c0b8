"""WARC-Date in both directions (one spelling for every writer and reader of the archive), and
whether the dates files carry look like a copy's."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date as date_type
from datetime import datetime, timedelta, timezone


def warc_date(date: datetime) -> str:
    """WARC 1.1 dates: UTC, second precision unless the capture had finer."""
    utc = date.astimezone(timezone.utc)
    if utc.microsecond:
        return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return utc.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_warc_date(value: str) -> datetime:
    text = value.strip().replace("Z", "+00:00")
    date = datetime.fromisoformat(text)
    return date if date.tzinfo else date.replace(tzinfo=timezone.utc)


SHORT_SPAN = timedelta(hours=1)
"""Files all dated within this of each other were dated by a copy (cp, git checkout, unzip), not
written over the months a site lived."""
RECENT = timedelta(days=7)
"""Files all dated within this before the archive was made were dated by a recent copy."""


@dataclass(slots=True)
class DateSpread:
    """The dates a site's files carry, added up one at a time: enough to tell a site's own dates
    from a copy's (the default ``file_date`` is each file's mtime, which ``cp -r`` or a git
    checkout sets to the day of the copy)."""

    count: int = 0
    first: datetime | None = None
    last: datetime | None = None

    def add(self, date: datetime) -> None:
        self.count += 1
        self.first = date if self.first is None else min(self.first, date)
        self.last = date if self.last is None else max(self.last, date)

    def copy_signs(self, retired: date_type, made: datetime | None) -> tuple[str, ...]:
        """Why the dates look like a copy's, as codes: ``after-retirement`` (every file is dated
        after the site was retired), ``recent`` (every file within :data:`RECENT` before the
        archive was made, or later), ``short-span`` (two or more files, all within :data:`SHORT_SPAN`).
        Empty when they look like a site's own."""
        if self.first is None or self.last is None:
            return ()
        signs = []
        if self.first.date() > retired:
            signs.append("after-retirement")
        if made is not None and self.first >= made - RECENT:
            signs.append("recent")
        if self.count > 1 and self.last - self.first < SHORT_SPAN:
            signs.append("short-span")
        return tuple(signs)
