"""Asking an archive politely (crawl/wayback/fetch.py): the pace it is owed and what Retry-After asks."""
from __future__ import annotations

from datetime import datetime, timezone

from crawl.options import CrawlOptions
from crawl.wayback.endpoints import Archive, derived_cdx_api
from crawl.wayback.fetch import DEFAULT_RETRY_AFTER, IA_MIN_DELAY, IA_MIN_RETRIES, IA_MIN_RETRY_WAIT, Pace, retry_after


def test_the_internet_archive_is_never_asked_faster_than_it_allows() -> None:
    eager = CrawlOptions(delay=0, retries=1, retry_wait=0.1)
    pace = Pace.for_archive(eager, Archive.at("https://web.archive.org/web/").is_internet_archive)
    assert (pace.delay, pace.retries, pace.retry_wait) == (IA_MIN_DELAY, IA_MIN_RETRIES, IA_MIN_RETRY_WAIT)
    patient = CrawlOptions(delay=5, retries=9, retry_wait=60)
    assert Pace.for_archive(patient, True).delay == 5  # asking for more patience is the user's right
    own = Pace.for_archive(eager, Archive.at("http://127.0.0.1:8080/coll/").is_internet_archive)
    assert (own.delay, own.retries, own.retry_wait) == (0, 1, 0.1)  # an archive of one's own: as configured


def test_retry_after_in_seconds_or_as_a_date() -> None:
    now = datetime(2026, 12, 6, 10, 0, 0, tzinfo=timezone.utc)
    assert retry_after("120", now) == 120
    assert retry_after("Sun, 06 Dec 2026 10:01:30 GMT", now) == 90
    assert retry_after("Sun, 06 Dec 2026 09:00:00 GMT", now) == 0
    assert retry_after(None, now) == retry_after("soon", now) == DEFAULT_RETRY_AFTER


def test_the_cdx_api_is_found_from_the_replay_prefix() -> None:
    assert derived_cdx_api("https://web.archive.org/web/") == "https://web.archive.org/cdx/search/cdx"
    assert derived_cdx_api("http://127.0.0.1:8080/my-coll") == "http://127.0.0.1:8080/my-coll/cdx"
    assert Archive.at("http://h/coll/", "http://h/other/cdx").cdx_api == "http://h/other/cdx"
