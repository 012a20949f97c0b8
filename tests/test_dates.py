"""archive/dates.py: one spelling of WARC-Date, written and read back."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from archive.dates import parse_warc_date, warc_date

UTC = timezone.utc


@pytest.mark.parametrize(("date", "text"), [
    (datetime(1998, 3, 4, 5, 6, 7, tzinfo=UTC), "1998-03-04T05:06:07Z"),
    (datetime(1998, 3, 4, 5, 6, 7, 250000, tzinfo=UTC), "1998-03-04T05:06:07.250000Z"),  # finer kept
    (datetime(1998, 3, 4, 0, 30, tzinfo=timezone(timedelta(hours=2))), "1998-03-03T22:30:00Z"),  # in UTC
    (datetime(2000, 1, 1, tzinfo=timezone(timedelta(hours=-7))), "2000-01-01T07:00:00Z"),
])
def test_warc_date(date: datetime, text: str) -> None:
    assert warc_date(date) == text
    assert parse_warc_date(text) == date


@pytest.mark.parametrize(("text", "date"), [
    ("1998-03-04T05:06:07Z", datetime(1998, 3, 4, 5, 6, 7, tzinfo=UTC)),
    (" 1998-03-04T05:06:07Z\r\n", datetime(1998, 3, 4, 5, 6, 7, tzinfo=UTC)),
    ("1998-03-04T05:06:07", datetime(1998, 3, 4, 5, 6, 7, tzinfo=UTC)),  # no zone: UTC, as WARC says
    ("1998-03-04T05:06:07+01:00", datetime(1998, 3, 4, 4, 6, 7, tzinfo=UTC)),
    ("1998-03-04", datetime(1998, 3, 4, tzinfo=UTC)),  # WARC 1.1 allows a day alone
])
def test_parse_warc_date(text: str, date: datetime) -> None:
    parsed = parse_warc_date(text)
    assert parsed == date and parsed.tzinfo is not None


def test_a_bad_date_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        parse_warc_date("yesterday")
