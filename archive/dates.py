"""WARC-Date in both directions: one spelling for every writer and reader of the archive."""
from __future__ import annotations

from datetime import datetime, timezone


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
