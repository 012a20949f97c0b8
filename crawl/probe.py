"""One request as the crawl would send it, kept nowhere: what ``sunset plan`` asks the live site.

Before a crawl of hours an archivist wants to know that the server answers, what its robots.txt
allows and where the start page leads. The request goes through the crawl's own session
(:func:`crawl.crawler.crawl_session`: its user agent, proxy and ``fetch_from`` mapping), with
no retry; the answer is read up to a small limit and dropped: no WARC, no log, no frontier.
"""
from __future__ import annotations

from dataclasses import dataclass

from archive.urls import BadURL, absolute, canonicalize
from crawl.crawler import crawl_session, proxies_for
from crawl.credentials import fetch_authenticated, load_credentials
from crawl.http_fetch import FetchFailed, fetch, readable_head
from crawl.options import CrawlOptions
from crawl.rules import FetchMap

PROBE_BYTES = 512 * 1024
"""What is read of an answer: robots.txt whole (the crawl reads as much), a page's head."""


@dataclass(frozen=True, slots=True)
class Probe:
    """What the server answered for ``url`` (``status`` None: no answer, ``error`` says why)."""

    url: str
    status: int | None = None
    content_type: str | None = None
    location: str | None = None
    """A redirect's target, absolute, as the site's URL (``fetch_from`` mapped back)."""
    head: bytes = b""
    """The first bytes of the body, Content-Encoding undone."""
    error: str | None = None


def probe(options: CrawlOptions, base_url: str, url: str) -> Probe:
    """Ask for ``url`` once, as the crawl would (``fetch_from`` applied, the site's credentials
    sent), and keep nothing; a :class:`archive.errors.ConfigError` when a secret cannot be read."""
    fetch_map = FetchMap(base_url, options.fetch_from)
    target = fetch_map.to_fetch(url)
    session = crawl_session(options, load_credentials(options), target)
    try:
        fetched = fetch_authenticated(session, lambda: fetch(
            session, url, target, timeout=options.timeout, max_body_bytes=min(options.max_body_bytes, PROBE_BYTES),
            proxies=proxies_for(options), max_fetch_time=min(options.max_fetch_time, options.timeout * 2)))
    except FetchFailed as failure:
        if failure.partial is not None:
            failure.partial.body.close()
        return Probe(url, error=str(failure))
    finally:
        session.close()
    try:
        location = fetched.header("Location")
        if location and 300 <= fetched.status < 400:
            try:
                location = canonicalize(fetch_map.to_recorded(absolute(location, fetched.fetched_url)))
            except (BadURL, ValueError):
                pass
        return Probe(url, fetched.status, fetched.content_type, location, readable_head(fetched, PROBE_BYTES))
    finally:
        fetched.body.close()
