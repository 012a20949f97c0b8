"""The site as a web archive holds it on a date, as :class:`archive.capture.Capture` objects.

First the archive's CDX API lists every capture under ``base_url`` inside the window (kept in
:mod:`crawl.wayback.state`, so the total is known and a killed listing continues). Then each URL
in turn: the capture nearest ``as_of`` (:mod:`crawl.wayback.choose`) is fetched raw over the
run's one connection (:mod:`crawl.wayback.fetch`), its head rebuilt and its payload checked
(:mod:`crawl.wayback.rebuild`), and handed on as a capture dated by its ``Memento-Datetime``,
marked with the archive's URL for it. Archived redirects and the links of pages and style sheets
(found with the crawler's link extractor, so the mirror's own link table) bring in what the
listing missed, each looked up in the archive by itself; what the archive does not hold is
reported as missing, as a crawl reports a 404.

Resuming: a URL is marked done only once its record is in the WARC and flushed (the consumer
flushes before asking for the next capture); a kill in between leaves the record in the WARC and
the URL to do, and :meth:`WaybackSource.recover` believes the WARC.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from archive.capture import (
    ARCHIVED_AT,
    HTTP_HEAD,
    REPAIRED,
    BytesBody,
    Capture,
    Fetched,
    SpooledBody,
    find_header,
    read_body,
)
from archive.limits import MAX_PAGE_BYTES
from archive.sniff import is_css, is_html
from archive.urls import BadURL, Scope, absolute, canonicalize, lookup_key
from crawl.crawler import LinkExtractor
from crawl.options import SourceOptions
from crawl.robots import Robots
from crawl.rules import CrawlRules
from crawl.wayback import choose
from crawl.wayback.cdx import CdxClient, CdxRow
from crawl.wayback.endpoints import Archive
from crawl.wayback.fetch import Answer, ArchiveClient, Pace
from crawl.wayback.options import TIMESTAMP_FORMAT, shown
from crawl.wayback.rebuild import (
    Contaminated,
    NotAMemento,
    Rebuilt,
    check_payload,
    memento_original,
    rebuild_response,
)
from crawl.wayback.state import Entry, State, WaybackState

log = logging.getLogger("sunset.wayback")

TRIES_PER_URL = 3
"""Captures of one URL tried, best first, before the URL counts as failed."""
MAX_ARCHIVE_REDIRECTS = 5
"""Redirects of the archive's own (to the capture's exact timestamp) followed per fetch."""
CHECKED_TYPES = ("text/html", "application/xhtml+xml", "text/css", "application/javascript",
                 "application/x-javascript", "text/javascript")


@dataclass(frozen=True, slots=True)
class WaybackProgress:
    done: int
    total: int
    """URLs of this run: those done and those still to do (grows as links are found)."""
    last: str


@dataclass(frozen=True, slots=True)
class WaybackSummary:
    archive: str
    """The archive's replay prefix, as the config gives it."""
    archived: int
    missing: int
    errors: int
    skipped: int
    failures: tuple[str, ...]
    """One line per URL not archived (missing from the archive, or unusable), for the report."""

    def line(self) -> str:
        """What was archived, in words (the run's summary, the stage command's last line, the log)."""
        return (f"{self.archived} captures from {self.archive} ({self.missing} not in the archive, {self.errors} "
                f"unusable, {self.skipped} left out)")


@dataclass(slots=True)
class _Outcome:
    state: State
    capture: Capture | None = None
    note: str | None = None
    links: list[tuple[str, bool]] | None = None
    location: str | None = None
    timestamp: str | None = None


class _Unusable(Exception):
    """One capture that cannot stand for its URL (the next best is tried)."""


class _ServedElsewhere(_Unusable):
    """The archive answers for this URL with another URL's capture: a redirect to the URL's own
    other spelling (``dir`` to ``dir/``), which Wayback-style archives do not replay. The other
    URL is fetched in its own right; no other capture of this one is tried."""

    def __init__(self, served: str) -> None:
        super().__init__(f"the archive answers with its capture of {served} (it does not replay a redirect "
                         "between two spellings of one URL)")
        self.served = served


class WaybackSource:
    """Captures of the site (``scope``: base_url, its host and aliases) from the archive
    ``options.wayback`` names."""

    def __init__(self, options: SourceOptions, *, scope: Scope, state: Path, extract: LinkExtractor,
                 on_progress: Callable[[WaybackProgress], None] | None = None,
                 client: ArchiveClient | None = None) -> None:
        wayback = options.wayback
        assert wayback.replay, "not a web-archive source"
        self.options = wayback
        self.crawl = options.crawl
        self.archive = Archive.at(wayback.replay, wayback.cdx_api)
        self.scope = scope
        self.rules = CrawlRules(self.scope, options.crawl)
        self.client = client or ArchiveClient(Pace.for_archive(options.crawl, self.archive.is_internet_archive),
                                              user_agent=options.crawl.user_agent, proxy=options.crawl.proxy)
        self.cdx = CdxClient(self.archive, self.client, wayback)
        self.state = WaybackState(state)
        self.extract = extract
        self.on_progress = on_progress or (lambda progress: None)
        self.robots = Robots(None, options.crawl.user_agent, obey=False)
        self.reports: list[str] = []
        self._resolved_now = 0

    def close(self) -> None:
        self.client.close()
        self.state.close()

    @property
    def robots_url(self) -> str:
        return self.scope.origin + "/robots.txt"

    def warcinfo(self) -> dict[str, str]:
        """What the master's warcinfo says of this source: the archive, the date wanted, the window."""
        options = self.options
        return {"sunset-source": "web archive", "sunset-archive": self.archive.replay,
                "sunset-cdx-api": self.archive.cdx_api, "sunset-as-of": options.as_of,
                "sunset-window": f"{options.window_from or ''}-{options.window_to or ''}"}

    # -- resuming -------------------------------------------------------------------------------
    def finished(self) -> bool:
        """An earlier run went through the whole site and left nothing to do (``max_pages`` raised
        since leaves more: the run continues)."""
        if self.state.get_meta("complete") != "1":
            return False
        limit = self.crawl.max_pages
        return not (self.state.count(State.TODO) > 0
                    and (limit is None or limit > self.state.count(State.DONE, State.ERROR)))

    def needs_recovery(self, url: str) -> bool:
        """Whether a record of ``url`` in the open WARC may be a capture whose completion was lost."""
        try:
            return self.state.state_of(self._key(url)) == State.TODO
        except (BadURL, ValueError):
            return False

    def recover(self, records: Iterable[Fetched]) -> int:
        """URLs whose record reached the WARC before a kill: done, with the links they hold."""
        recovered = 0
        for fetched in records:
            try:
                key = self._key(fetched.url)
                entry = self.state.entry(key)
                if entry is None or self.state.state_of(key) != State.TODO:
                    continue
                if entry.url == self.robots_url:
                    self._obey_robots(fetched.status, fetched.body)
                outcome = _Outcome(State.DONE, timestamp=capture_timestamp(fetched.date),
                                   links=self._links(entry.url, fetched.content_type, fetched.status, fetched.body),
                                   location=fetched.header("Location") if 300 <= fetched.status < 400 else None)
                self._settle(entry, outcome)
                recovered += 1
            finally:
                fetched.body.close()
        if recovered:
            log.info("wayback: resumed; %d captures were already in the WARC", recovered)
        return recovered

    # -- the captures -------------------------------------------------------------------------------
    def captures(self) -> Iterator[Capture]:
        """Every capture of the site, in turn; each URL is marked done when the next is asked for,
        so write and flush each capture before that."""
        self._seed()
        self.list_site()
        robots_text = self.state.get_meta("robots")
        if robots_text is not None:
            self.robots = Robots(robots_text, self.crawl.user_agent, obey=True)
        while True:
            if self.crawl.max_pages is not None and self.state.count(State.DONE, State.ERROR) >= self.crawl.max_pages:
                left = self.state.count(State.TODO)
                if left:
                    self.reports.append(f"max_pages ({self.crawl.max_pages}) reached; {left} URLs not fetched")
                break
            entry = self.state.next_todo()
            if entry is None:
                break
            outcome = self._resolve(entry)
            capture = outcome.capture
            if capture is not None:
                try:
                    yield capture
                    if entry.url == self.robots_url:
                        self._obey_robots(capture.status or 0, capture.body)
                finally:
                    if isinstance(capture.body, SpooledBody):
                        capture.body.close()
            self._settle(entry, outcome)
            self._resolved_now += 1
            self.on_progress(WaybackProgress(self._resolved_now, self._resolved_now + self.state.count(State.TODO),
                                             entry.url))
        self.state.set_meta("complete", "1")

    def summary(self) -> WaybackSummary:
        failures = [f"{url}: {note}" for state, url, note in self.state.problems()
                    if state in (State.MISSING.value, State.ERROR.value)]
        return WaybackSummary(self.archive.replay, self.state.count(State.DONE), self.state.count(State.MISSING),
                              self.state.count(State.ERROR), self.state.count(State.SKIPPED),
                              tuple(failures + self.reports))

    def _seed(self) -> None:
        if self.state.get_meta("seeded"):
            return
        with self.state.transaction():
            if self.crawl.robots == "obey":
                self._admit(self.robots_url, depth=0, referrer=None, requisite=True)
            for seed in self.crawl.seeds or (self.scope.base_url,):
                self._admit(seed, depth=0, referrer=None, requisite=True)
            self.state.set_meta("seeded", "1")

    def list_site(self) -> None:
        """The archive's listing of everything under ``base_url`` inside the window, into the state."""
        if self.state.get_meta("listed") == "1":
            return
        resume_key = self.state.get_meta("listing_resume")
        rows = 0
        for page in self.cdx.listing(self.scope.base_url, resume_key):
            with self.state.transaction():
                self._admit_listed(page.rows)
                if page.resume_key:
                    self.state.set_meta("listing_resume", page.resume_key)
            rows += len(page.rows)
            log.info("wayback: the archive lists %d captures so far", rows)
        self.state.set_meta("listed", "1")
        log.info("wayback: %s lists %d URLs of %s (captures from %s)", self.archive.cdx_api,
                 self.state.count(State.TODO), self.scope.base_url, self.options.describe_window())

    def _admit_listed(self, rows: Iterable[CdxRow]) -> None:
        by_key: dict[str, tuple[str, list[CdxRow]]] = {}
        for row in rows:
            url = self._recorded_url(row.original)
            if url is None or not self.options.in_window(row.timestamp):
                continue
            by_key.setdefault(self._key(url), (url, []))[1].append(row)
        known = self.state.known(by_key)
        for key, (url, found) in by_key.items():
            if key not in known:
                reason = self.rules.refuse(url, requisite=False)
                self.state.add(key, url, state=State.SKIPPED if reason else State.TODO, looked_up=True, note=reason)
            else:
                self.state.mark_looked_up(key)
            self.state.add_captures(key, found)

    # -- one URL ------------------------------------------------------------------------------------
    def _resolve(self, entry: Entry) -> _Outcome:
        if entry.url != self.robots_url and not self.robots.allowed(entry.url):
            return _Outcome(State.SKIPPED, note="excluded by robots.txt (as archived)")
        if not entry.looked_up:
            rows = [row for row in self.cdx.lookup(entry.url) if self._key_of(row.original) == entry.key]
            with self.state.transaction():
                self.state.add_captures(entry.key, rows)
                self.state.mark_looked_up(entry.key)
        candidates = choose.ranked(self.state.captures(entry.key), self.options)
        if not candidates:
            window = self.options.describe_window()
            return _Outcome(State.MISSING, note="not in the archive" + ("" if window == "any date" else
                                                                         f" between {window}"))
        problems = []
        for row in candidates[:TRIES_PER_URL]:
            try:
                return self._take(entry, row)
            except _ServedElsewhere as elsewhere:
                return _Outcome(State.ERROR, note=str(elsewhere), location=elsewhere.served)
            except _Unusable as problem:
                problems.append(f"capture {row.timestamp}: {problem}")
                log.info("wayback: %s: capture %s: %s", entry.url, row.timestamp, problem)
        return _Outcome(State.ERROR, note="; ".join(problems))

    def _take(self, entry: Entry, row: CdxRow) -> _Outcome:
        answer = self._raw(self.archive.raw_url(row.original, row.timestamp))
        try:
            rebuilt = rebuild_response(answer, self.archive)
            served = memento_original(answer)
            if served is not None and self._key_of(served) != entry.key:
                raise _ServedElsewhere(served)
            timestamp = capture_timestamp(rebuilt.date)
            if not self.options.in_window(timestamp):
                raise _Unusable(f"the archive served a capture of {shown(timestamp)}, outside the window")
            body, repairs = self._checked_body(answer, rebuilt)
        except (NotAMemento, Contaminated) as problem:
            answer.body.close()
            raise _Unusable(str(problem)) from problem
        except BaseException:  # _ServedElsewhere and _Unusable too
            answer.body.close()
            raise
        capture = self._capture(entry, answer, rebuilt, body, repairs)
        return _Outcome(State.DONE, capture, location=rebuilt.location, timestamp=timestamp,
                        links=self._links(entry.url, capture.content_type, rebuilt.status, body))

    def _raw(self, address: str) -> Answer:
        """The archive's answer for a capture; its own redirects (to the exact timestamp) followed."""
        for _ in range(MAX_ARCHIVE_REDIRECTS):
            answer = self.client.get(address)
            location = answer.header("Location")
            if answer.header("Memento-Datetime") or not (300 <= answer.status < 400 and location):
                return answer
            inner = self.archive.original_of(location, address)
            if inner is None:
                return answer
            answer.body.close()
            address = self.archive.raw_url(*inner)
        raise _Unusable(f"the archive redirected more than {MAX_ARCHIVE_REDIRECTS} times")

    def _checked_body(self, answer: Answer, rebuilt: Rebuilt) -> tuple[SpooledBody | BytesBody, list[str]]:
        media = (find_header(rebuilt.headers, "Content-Type") or "").split(";")[0].strip().lower()
        if media not in CHECKED_TYPES or find_header(rebuilt.headers, "Content-Encoding"):
            return answer.body, []
        data = read_body(answer.body)
        site_host = urlsplit(self.scope.base_url).hostname or ""
        repaired, cut = check_payload(data, self.archive, site_host)
        if not cut:
            return answer.body, []
        answer.body.close()
        return BytesBody(repaired), cut

    def _capture(self, entry: Entry, answer: Answer, rebuilt: Rebuilt, body: SpooledBody | BytesBody,
                 repairs: list[str]) -> Capture:
        how = "; ".join(rebuilt.notes) or "the original headers as the archive replays them"
        provenance = [(ARCHIVED_AT, answer.address),
                      (HTTP_HEAD, f"rebuilt from the web archive's replay: {how}")]
        if answer.truncated:
            provenance.append(("WARC-Truncated", answer.truncated))
        if repairs:
            provenance.append((REPAIRED, f"the archive's replay inserts were cut out ({len(repairs)} kinds)"))
        return Capture(url=entry.url, date=rebuilt.date, content_type=find_header(rebuilt.headers, "Content-Type"),
                       body=body, status=rebuilt.status, reason=rebuilt.reason, http_headers=rebuilt.headers,
                       origin=answer.address, truncated=answer.truncated, warc_headers=tuple(provenance))

    def _links(self, url: str, content_type: str | None, status: int,
               body: SpooledBody | BytesBody) -> list[tuple[str, bool]]:
        if not 200 <= status < 300 or body.size == 0:
            return []
        data = read_body(body, MAX_PAGE_BYTES)
        if not (is_html(content_type, data[:1024]) or is_css(content_type, url)):
            return []
        try:
            return list(self.extract(data, content_type, url))
        except Exception as error:  # one unparseable page must not stop the run
            log.warning("wayback: cannot read links of %s: %s", url, error)
            return []

    def _settle(self, entry: Entry, outcome: _Outcome) -> None:
        """The URL's outcome, the links it brought and its redirect's target, together."""
        with self.state.transaction():
            for url, requisite in outcome.links or ():
                self._admit(url, depth=entry.depth + (0 if requisite else 1), referrer=entry.url,
                            requisite=requisite)
            if outcome.location:
                self._follow(entry, outcome.location)
            self.state.settle(entry.key, outcome.state, capture=outcome.timestamp, note=outcome.note)
        if outcome.state in (State.MISSING, State.ERROR):
            log.info("wayback: %s: %s", entry.url, outcome.note)

    def _follow(self, entry: Entry, location: str) -> None:
        try:
            target = absolute(location, entry.url)
        except (BadURL, ValueError):
            self.reports.append(f"{entry.url}: archived redirect to an unusable URL {location!r}")
            return
        if entry.hops + 1 > self.crawl.max_redirects:
            self.reports.append(f"{entry.url}: redirect chain longer than {self.crawl.max_redirects}")
            return
        self._admit(target, depth=entry.depth, referrer=entry.url, requisite=not self.scope.contains(entry.url),
                    hops=entry.hops + 1)

    def _admit(self, url: str, *, depth: int, referrer: str | None, requisite: bool, hops: int = 0) -> None:
        try:
            url = canonicalize(url)
            key = self._key(url)
        except (BadURL, ValueError):
            return
        if urlsplit(url).scheme not in ("http", "https") or self.state.known((key,)):
            return
        reason = self.rules.refuse(url, requisite=requisite)
        if reason is None and self.rules.too_deep(depth):
            reason = f"deeper than max_depth ({self.crawl.max_depth})"
        self.state.add(key, url, state=State.SKIPPED if reason else State.TODO, depth=depth, hops=hops,
                       referrer=referrer, note=reason)

    def _obey_robots(self, status: int, body: SpooledBody | BytesBody) -> None:
        """The robots.txt of the time, as archived, decides for the rest (an error status: none)."""
        text = read_body(body, 512 * 1024).decode("utf-8", "replace") if 200 <= status < 300 else ""
        with self.state.transaction():
            self.state.set_meta("robots", text)
        self.robots = Robots(text, self.crawl.user_agent, obey=True)

    # -- URLs -----------------------------------------------------------------------------------------
    def _key(self, url: str) -> str:
        return lookup_key(url, self.scope.case_insensitive)

    def _key_of(self, original: str) -> str | None:
        url = self._recorded_url(original)
        return None if url is None else self._key(url)

    def _recorded_url(self, original: str) -> str | None:
        """The URL a capture is recorded under: the archive's ``original``, canonical, spelled with
        the site's own scheme and host when the archive filed another spelling of the host under
        the same key (``colorado.edu`` for ``www.colorado.edu``, https for http); None for another site."""
        try:
            url = canonicalize(original)
            parts = urlsplit(url)
        except (BadURL, ValueError):
            return None
        if parts.scheme not in ("http", "https"):
            return None
        if self.scope.same_host(url):
            return url
        site = urlsplit(self.scope.base_url)
        if _bare_host(parts.netloc) != _bare_host(site.netloc):
            return None
        return urlunsplit((site.scheme, site.netloc, parts.path, parts.query, ""))


def _bare_host(netloc: str) -> str:
    host = netloc.lower().rsplit(":", 1)[0] if netloc.count(":") == 1 else netloc.lower()
    return host.removeprefix("www.")


def capture_timestamp(date: datetime) -> str:
    return date.astimezone(timezone.utc).strftime(TIMESTAMP_FORMAT)
