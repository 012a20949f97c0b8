"""archive/stamps.py: record ids and dates, random and current unless fixed for reproducible runs."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from archive.dates import parse_warc_date
from archive.stamps import RecordStamps

UUID = re.compile(r"^<urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}>$")


def test_unfixed_stamps_are_random_and_current() -> None:
    stamps = RecordStamps()
    assert not stamps.fixed
    first, second = stamps.record_id("response", "http://h/"), stamps.record_id("response", "http://h/")
    assert UUID.match(first) and first != second
    assert parse_warc_date(stamps.now()).year >= 2025  # the time of the run, not of the site


def test_a_seed_gives_the_same_ids_in_every_run() -> None:
    runs = []
    for _ in range(2):
        stamps = RecordStamps(seed="otpic")
        assert stamps.fixed
        runs.append([stamps.record_id("response", "http://h/a"), stamps.record_id("response", "http://h/a"),
                     stamps.record_id("request", "http://h/a"), stamps.record_id("response", "http://h/b")])
    assert runs[0] == runs[1]
    assert all(UUID.match(value) for value in runs[0])
    assert len(set(runs[0])) == 4  # a second capture of a URL, or another type, gets an id of its own
    assert RecordStamps(seed="other").record_id("response", "http://h/a") != runs[0][0]


def test_a_fixed_clock_is_every_record_date_in_utc() -> None:
    stamps = RecordStamps(datetime(2026, 1, 1, 1, 0, tzinfo=timezone(timedelta(hours=1))))
    assert stamps.fixed
    assert stamps.now() == stamps.now() == "2026-01-01T00:00:00Z"
    assert UUID.match(stamps.record_id("warcinfo", ""))  # a clock alone leaves the ids random
