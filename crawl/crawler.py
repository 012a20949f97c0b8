"""The crawl loop: fetch the site politely, archive each response as it arrives, resume after a kill.

Fetch threads (``concurrency`` of them, one :class:`crawl.http_fetch.CrawlSession` each, so one
connection each, ``delay`` seconds between their requests) talk HTTP and hand each page to a
worker process that finds its links
(parsing is CPU-bound: in a thread it held the interpreter lock the fetches need). The main
thread owns the frontier and the log, and a writer thread the WARC: a response is written and
flushed before its URL is committed as done with its links, so a crash loses nothing and a
resumed crawl fetches nothing twice.
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from archive.capture import Fetched
from archive.dates import warc_date
from archive.limits import MAX_PAGE_BYTES
from archive.sniff import is_css, is_html
from archive.urls import BadURL, Scope, absolute, canonicalize, lookup_key
from archive.workers import CallPool
from crawl.archiver import BackgroundArchiver, CaptureSink
from crawl.crawl_log import CrawlLog
from crawl.credentials import Credentials, fetch_authenticated, load_credentials
from crawl.frontier import Entry, Frontier, Status
from crawl.http_fetch import CrawlSession, FetchFailed, fetch, readable_head
from crawl.options import CrawlOptions
from crawl.robots import Robots, polite_delay
from crawl.rules import CrawlRules, FetchMap, url_pattern
from crawl.soft404 import error_page_title

log = logging.getLogger("sunset.crawl")

LinkExtractor = Callable[[bytes, str | None, str], Iterable[tuple[str, bool]]]
"""(body, content type, page URL) -> (absolute URL, is a page requisite) for each link."""


@dataclass(frozen=True, slots=True)
class CrawlStats:
    done: int
    queued: int
    errors: int
    skipped: int
    rate: float
    last: str


@dataclass(frozen=True, slots=True)
class CrawlSummary:
    fetched: int
    errors: int
    skipped: int
    revisits: int
    complete: bool
    failures: tuple[str, ...]
    """One line per URL that failed and per trap or redirect loop, for the final report."""
    aliases: dict[str, str] = field(default_factory=dict)


COMMIT_EVERY = 64
"""Completions per frontier transaction (one per URL cost more than the fetch on a fast server)."""
COMMIT_IDLE = 0.25
"""Seconds without a completion before the completed URLs are committed anyway. A commit waits
for the WARC writer: made whenever the queue of results was empty for a moment, a fast crawl of
5,110 URLs committed 935 times; now about 80."""


@dataclass(slots=True)
class _Outcome:
    entry: Entry
    fetched: Fetched | None
    error: str | None
    retries: list[str]
    links: list[tuple[str, bool]] | None = None
    """Found by the fetch thread, off the main thread; None: not looked for yet."""
    problems: list[str] | None = None


def _find_links(extract: LinkExtractor, page: tuple[bytes, str | None, str]) -> list[tuple[str, bool]]:
    return list(extract(*page))


class Crawler:
    def __init__(self, options: CrawlOptions, scope: Scope, *, frontier: Path, log_path: Path,
                 sink: CaptureSink, extract: LinkExtractor,
                 on_progress: Callable[[CrawlStats], None] | None = None, workers: int = 1) -> None:
        """``workers``: processes that find links while the crawl runs (1: its own threads do)."""
        self.options = options
        self.scope = scope
        self.rules = CrawlRules(scope, options)
        self.fetch_map = FetchMap(scope.base_url, options.fetch_from)
        self.credentials = load_credentials(options)
        self.frontier = Frontier(frontier)
        self.log = CrawlLog(log_path)
        self.sink = sink
        self.extract = extract
        self.workers = workers
        self._links: CallPool[tuple[bytes, str | None, str], list[tuple[str, bool]]] | None = None
        """The link workers while :meth:`run` runs (else links are found in the calling thread)."""
        self.on_progress = on_progress or (lambda stats: None)
        self.robots = Robots(None, options.user_agent, obey=False)
        self.reports: list[str] = []
        self.revisits = 0
        self._started_at = time.monotonic()
        self._fetched_now = 0
        self._delay = options.delay
        self._last_tick = 0.0
        self._archiver: BackgroundArchiver | None = None

    # -- set-up ------------------------------------------------------------------------
    @property
    def robots_url(self) -> str:
        return self.scope.origin + "/robots.txt"

    def close(self) -> None:
        self.frontier.close()
        self.log.close()

    def seed(self) -> None:
        """Queue the seeds once; a resumed crawl keeps its own frontier."""
        if self.frontier.get_meta("seeded"):
            return
        with self.frontier.transaction():
            for seed in self.options.seeds or (self.scope.base_url,):
                self._admit(seed, depth=0, referrer=None, requisite=True)
            self.frontier.set_meta("seeded", "1")

    def needs_recovery(self, url: str) -> bool:
        """Whether a record of ``url`` in the open WARC may be a completion the frontier lost."""
        try:
            status = self.frontier.status_of(lookup_key(url, self.scope.case_insensitive))
        except (BadURL, ValueError):
            return False
        return status in (Status.IN_PROGRESS, Status.TODO)

    def recover(self, records: Iterable[Fetched]) -> int:
        """Finish URLs whose records reached the WARC but whose completion the frontier lost.

        ``records`` are the responses read back from the open WARC, in order. Completions are
        committed in batches, so a kill can lose the last batch: its URLs are ``in_progress``,
        or ``todo`` or not yet known (links found by a lost completion, which this replay adds
        again before their own records come). The ``in_progress`` URLs without records go back
        to ``todo``: their records never got written.
        """
        recovered = 0
        pending = {entry.key: entry for entry in self.frontier.entries(Status.IN_PROGRESS)}
        with self.frontier.transaction():
            for fetched in records:
                key = lookup_key(fetched.url, self.scope.case_insensitive)
                entry = pending.pop(key, None)
                if entry is None and self.frontier.status_of(key) == Status.TODO:
                    entry = self.frontier.entry(key)
                if entry is not None:
                    self._complete(_Outcome(entry, fetched, None, []), write=False)
                    recovered += 1
                fetched.body.close()
        for entry in pending.values():
            self.frontier.set_status(entry.key, Status.TODO)
        if recovered or pending:
            log.info("crawl: resumed; %d interrupted fetches were already archived, %d will be fetched again",
                     recovered, len(pending))
        return recovered

    def load_robots(self) -> None:
        """Fetch robots.txt first (it is archived like any response) and obey it."""
        obey = self.options.robots == "obey"
        if not obey:
            return
        text = self.frontier.get_meta("robots")
        if text is None:
            key = lookup_key(self.robots_url, self.scope.case_insensitive)
            self.frontier.add(key, self.robots_url, depth=0, referrer=None, status=Status.IN_PROGRESS)
            entry = self.frontier.entry(key)
            assert entry is not None
            session = self._session()
            self._complete(self._fetch_with_retries(session, entry, [0.0]))
            session.close()
            text = self.frontier.get_meta("robots") or ""
        self.robots = Robots(text, self.options.user_agent, obey=True)
        self._delay, note = polite_delay(self.robots.crawl_delay(), self.options.delay,
                                         self.options.max_crawl_delay)
        if note:
            log.info("%s", note)

    # -- the loop ----------------------------------------------------------------------
    def run(self) -> CrawlSummary:
        """Crawl until the frontier is empty or max_pages is reached."""
        tasks: queue.Queue[Entry | None] = queue.Queue()
        results: queue.Queue[_Outcome] = queue.Queue()
        self._links = CallPool(_find_links, self.extract, self.workers)  # forked before the threads start
        workers = [threading.Thread(target=self._worker, args=(tasks, results), daemon=True,
                                    name=f"crawl-{number}") for number in range(max(1, self.options.concurrency))]
        for worker in workers:
            worker.start()
        dispatched = self.frontier.count(Status.DONE) + self.frontier.count(Status.ERROR)
        in_flight = 0
        limit_reached = False
        self._archiver = BackgroundArchiver(self.sink)
        completed = 0
        try:
            self.frontier.begin()
            while True:
                while in_flight < 2 * len(workers):
                    if self.options.max_pages is not None and dispatched >= self.options.max_pages:
                        limit_reached = True
                        break
                    batch = self.frontier.next_todo(1)
                    if not batch:
                        break
                    self.frontier.set_status(batch[0].key, Status.IN_PROGRESS)
                    tasks.put(batch[0])
                    in_flight += 1
                    dispatched += 1
                if in_flight == 0:
                    break
                if completed >= COMMIT_EVERY:
                    self._commit()
                    completed = 0
                try:
                    outcome = results.get(timeout=COMMIT_IDLE if completed else None)
                except queue.Empty:  # the network is slow: what is done goes on disk while it works
                    self._commit()
                    completed = 0
                    outcome = results.get()
                in_flight -= 1
                self._complete(outcome)
                completed += 1
            self._commit(reopen=False)
        finally:
            for _ in workers:
                tasks.put(None)
            archiver, self._archiver = self._archiver, None
            archiver.close()
            links, self._links = self._links, None
            links.close()
            if links.broken:
                log.warning("crawl: links were found in the main process after %s", links.broken)
        for worker in workers:  # each is idle and takes its None at once: none is left running beside a later fork
            worker.join()
        if limit_reached and self.frontier.count(Status.TODO):
            self.reports.append(f"max_pages ({self.options.max_pages}) reached; "
                                f"{self.frontier.count(Status.TODO)} URLs not fetched")
        self.frontier.set_meta("complete", "1")
        return self.summary(complete=True)

    def _commit(self, *, reopen: bool = True) -> None:
        """Records first, then the frontier: a URL is never done before its records are in the WARC."""
        if self._archiver is not None:
            self._archiver.drain()
        self.frontier.commit()
        if reopen:
            self.frontier.begin()

    def summary(self, *, complete: bool) -> CrawlSummary:
        return summarize(self.frontier, complete=complete, reports=self.reports, revisits=self.revisits)

    # -- workers (HTTP only) -----------------------------------------------------------
    def _session(self) -> CrawlSession:
        return crawl_session(self.options, self.credentials, self.fetch_map.to_fetch(self.scope.base_url))

    def _worker(self, tasks: queue.Queue[Entry | None], results: queue.Queue[_Outcome]) -> None:
        session = self._session()
        last = [0.0]
        while True:
            entry = tasks.get()
            if entry is None:
                session.close()
                return
            try:
                outcome = self._fetch_with_retries(session, entry, last)
                if outcome.fetched is not None:  # parsed here, beside the other fetches, not on the main thread
                    outcome.links = self._discover(entry, outcome.fetched)
                    outcome.problems = self._response_problems(outcome.fetched)
            except Exception as error:  # a bug must not hang the crawl: report it as this URL's failure
                outcome = _Outcome(entry, None, f"internal error: {error!r}", [])
            results.put(outcome)

    def _fetch_with_retries(self, session: CrawlSession, entry: Entry, last: list[float]) -> _Outcome:
        options = self.options
        proxies = proxies_for(options)
        target = self.fetch_map.to_fetch(entry.url)
        notes: list[str] = []
        tries = max(1, options.retries)
        for attempt in range(tries):
            wait = last[0] + self._delay - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            try:
                fetched = fetch_authenticated(session, lambda: fetch(
                    session, entry.url, target, timeout=options.timeout, max_body_bytes=options.max_body_bytes,
                    proxies=proxies, max_fetch_time=options.max_fetch_time))
                problem, retryable, partial = None, fetched.status >= 500, fetched
                if retryable:
                    problem = f"HTTP {fetched.status}"
            except FetchFailed as failure:
                problem, retryable, partial = str(failure), failure.retryable, failure.partial
            finally:
                last[0] = time.monotonic()
            if problem is None:
                return _Outcome(entry, partial, None, notes)
            if not retryable or attempt == tries - 1:
                return _Outcome(entry, partial, f"{problem} (after {attempt + 1} tries)" if attempt else problem,
                                notes)
            if partial is not None:
                partial.body.close()
            pause = options.retry_wait * (2 ** attempt)
            notes.append(f"try {attempt + 1} of {tries} failed ({problem}); retrying in {pause:g} s")
            time.sleep(pause)
        raise AssertionError("unreachable")

    # -- the main thread: archive, then record ------------------------------------------
    def _complete(self, outcome: _Outcome, *, write: bool = True) -> None:
        entry, fetched = outcome.entry, outcome.fetched
        for note in outcome.retries:
            self.log.write(status=None, size=None, url=entry.url, referrer=entry.referrer, content_type=None,
                           duration=None, note=note)
        if fetched is None:
            with self.frontier.transaction():
                self.frontier.set_status(entry.key, Status.ERROR, note=f"failed: {outcome.error}", attempt=True)
            self.log.write(status=None, size=None, url=entry.url, referrer=entry.referrer, content_type=None,
                           duration=None, note=f"failed: {outcome.error}")
            log.info("crawl: %s failed: %s", entry.url, outcome.error)
            self._tick(entry.url)
            return
        revisit_of = None
        if fetched.body.size > 0 and fetched.truncated is None and not fetched.unparsed:
            revisit_of = self.frontier.first_capture(fetched.payload_digest)
        # Everything that reads the body comes before it goes to the archiver thread.
        links = outcome.links if outcome.links is not None else self._discover(entry, fetched)
        problems = outcome.problems if outcome.problems is not None else self._response_problems(fetched)
        robots_text = None
        if entry.url == self.robots_url:
            ok = 200 <= fetched.status < 300
            robots_text = readable_head(fetched, 512 * 1024).decode("utf-8", "replace") if ok else ""
        size = fetched.body.size
        if not write:
            date = fetched.date.isoformat()
        elif self._archiver is not None:
            date = warc_date(fetched.date)  # what write_exchange writes
            self._archiver.submit(fetched, revisit_of)
        else:
            date = self.sink.write_exchange(fetched, revisit_of)
        if revisit_of is not None:
            self.revisits += 1
        notes = []
        if fetched.truncated:
            notes.append(f"truncated ({fetched.truncated})")
        if revisit_of is not None:
            notes.append(f"revisit of {revisit_of[0]}")
        if outcome.error:
            notes.append(f"failed: {outcome.error}")
        for problem in problems:
            notes.append(problem)
            self.reports.append(f"{entry.url}: {problem}")
        with self.frontier.transaction():
            self._admit_links(entry, links)
            redirect_note = self._follow_redirect(entry, fetched)
            if redirect_note:
                notes.append(redirect_note)
            if revisit_of is None and fetched.body.size > 0 and fetched.truncated is None and not fetched.unparsed:
                self.frontier.remember_payload(fetched.payload_digest, entry.url, date)
            if robots_text is not None:
                self.frontier.set_meta("robots", robots_text)
            status = Status.ERROR if outcome.error else Status.DONE
            self.frontier.set_status(entry.key, status, http_status=fetched.status, attempt=True,
                                     note="; ".join(notes) or None)
        self.log.write(status=fetched.status or None, size=size, url=entry.url, referrer=entry.referrer,
                       content_type=fetched.content_type, duration=fetched.duration, note="; ".join(notes))
        if outcome.error:
            log.info("crawl: %s failed: %s", entry.url, outcome.error)
        if not (write and self._archiver is not None):
            fetched.body.close()  # else the archiver closes it once written
        self._fetched_now += 1
        self._tick(entry.url)

    def _tick(self, url: str) -> None:
        now = time.monotonic()
        if now - self._last_tick < 0.5:
            return  # counting rows on every fetch would slow a crawl of 100,000 URLs
        self._last_tick = now
        elapsed = max(now - self._started_at, 1e-6)
        self.on_progress(CrawlStats(
            done=self.frontier.count(Status.DONE), queued=self.frontier.count(Status.TODO),
            errors=self.frontier.count(Status.ERROR), skipped=self.frontier.count(Status.SKIPPED),
            rate=self._fetched_now / elapsed, last=url))

    @staticmethod
    def _response_problems(fetched: Fetched) -> list[str]:
        """Malformed headers, and error pages sent as 200 OK (archived as sent all the same)."""
        problems = list(fetched.problems)
        if fetched.status == 200 and fetched.truncated is None and is_html(fetched.content_type, b""):
            title = error_page_title(readable_head(fetched, 4096))
            if title:
                problems.append(f"soft 404: 200 OK with an error page titled {title!r}")
        return problems

    def _discover(self, entry: Entry, fetched: Fetched) -> list[tuple[str, bool]]:
        if not 200 <= fetched.status < 300 or fetched.body.size == 0:
            return []
        head = readable_head(fetched, 1024)
        if not (is_html(fetched.content_type, head) or is_css(fetched.content_type, entry.url)):
            return []
        try:
            page = (readable_head(fetched, MAX_PAGE_BYTES), fetched.content_type, entry.url)
            return self._links.call(page) if self._links is not None else _find_links(self.extract, page)
        except Exception as error:  # one unparseable page must not stop the crawl
            log.warning("crawl: cannot read links of %s: %s", entry.url, error)
            return []

    def _follow_redirect(self, entry: Entry, fetched: Fetched) -> str | None:
        """Queue a redirect's target as the next hop of its chain; a note when the chain loops."""
        location = fetched.header("Location")
        if not 300 <= fetched.status < 400 or not location:
            return None
        try:
            target = canonicalize(self.fetch_map.to_recorded(absolute(location, fetched.fetched_url)))
            key = lookup_key(self.scope.local(target), self.scope.case_insensitive)
        except (BadURL, ValueError):
            self.reports.append(f"{entry.url}: redirect to an unusable URL {location!r}")
            return f"redirect to an unusable URL {location!r}"
        if key == entry.key and self.scope.local(target) != target:
            note = (f"redirects to {target}, its spelling on a [site] aliases host: the server prefers that host, "
                    "so make it base_url (and this one an alias)")
            self.reports.append(f"{entry.url}: {note}")
            return note
        if self.frontier.known(key):
            if self.frontier.chain_of(key) == entry.chain:
                self.reports.append(f"{entry.url}: redirect loop (back to {target})")
                return f"redirect loop: back to {target}"
            return None
        requisite = not self.scope.contains(entry.url)
        self._admit(target, depth=entry.depth, referrer=entry.url, requisite=requisite,
                    hops=entry.hops + 1, chain=entry.chain)
        return None

    def _admit_links(self, entry: Entry, links: Iterable[tuple[str, bool]]) -> None:
        """A page's links, the URLs already known looked up together.

        One query per page, not one per link (every page repeats its menus): py-spy found the
        main thread in those single lookups for two fifths of its time.
        """
        found = [(*located, requisite) for url, requisite in links if (located := self._locate(url))]
        known = self.frontier.urls_of({key for _, key, _ in found})
        for url, key, requisite in found:
            self._admit_located(url, key, known, depth=entry.depth + (0 if requisite else 1), referrer=entry.url,
                                requisite=requisite)

    def _admit(self, url: str, *, depth: int, referrer: str | None, requisite: bool, hops: int = 0,
               chain: str | None = None) -> None:
        located = self._locate(url)
        if located is None:
            return
        url, key = located
        known = self.frontier.urls_of({key})
        self._admit_located(url, key, known, depth=depth, referrer=referrer, requisite=requisite, hops=hops,
                            chain=chain)

    def _locate(self, url: str) -> tuple[str, str] | None:
        """(canonical URL, frontier key) of a link worth admitting; None for mailto: and the unusable."""
        try:
            url = self.scope.local(canonicalize(url))  # an alias host's page is fetched once, under base_url's
            key = lookup_key(url, self.scope.case_insensitive)
        except (BadURL, ValueError):
            return None
        if urlsplit(url).scheme not in ("http", "https"):
            return None
        return url, key

    def _admit_located(self, url: str, key: str, known: dict[str, str], *, depth: int, referrer: str | None,
                       requisite: bool, hops: int = 0, chain: str | None = None) -> None:
        """``known``: key -> URL of the frontier's keys among this batch's; the URL admitted is added."""
        if key in known:
            if known[key] != url:
                self.frontier.add_alias(url, key)
            return
        known[key] = url
        reason = self.rules.refuse(url, requisite=requisite)
        if reason is None and not self.robots.allowed(url):
            reason = "excluded by robots.txt"
        if reason is None and self.rules.too_deep(depth):
            reason = f"deeper than max_depth ({self.options.max_depth})"
            if self.frontier.count_pattern("#deeper") == 1:  # once per crawl, resumed or not
                self.reports.append(f"max_depth ({self.options.max_depth}) reached: links deeper were skipped "
                                    "(raise max_depth to fetch them)")
        if reason is None and hops > self.options.max_redirects:
            reason = f"redirect chain longer than {self.options.max_redirects}"
            self.reports.append(f"{referrer}: {reason}")
        if reason is None and not requisite:
            reason = self._too_wide(depth)
        if reason is None:
            pattern = url_pattern(url)
            count = self.frontier.count_pattern(pattern)
            if count > self.options.max_per_pattern:
                reason = f"trap: more than {self.options.max_per_pattern} URLs like {pattern}"
                if count == self.options.max_per_pattern + 1:
                    self.reports.append(f"possible trap: more than {self.options.max_per_pattern} URLs like "
                                        f"{pattern}; the rest were skipped (raise max_per_pattern to fetch them)")
        status = Status.SKIPPED if reason else Status.TODO
        self.frontier.add(key, url, depth=depth, referrer=referrer, hops=hops, chain=chain, status=status,
                          note=reason)
        if reason and reason != "another host":
            self.log.write(status=None, size=None, url=url, referrer=referrer, content_type=None, duration=None,
                           note=f"skipped: {reason}")

    def _too_wide(self, depth: int) -> str | None:
        """The per-depth limit; counted in the frontier's pattern table (under a key no path can
        spell), so a resumed crawl keeps its count."""
        limit = self.options.max_per_depth
        count = self.frontier.count_pattern(f"#depth {depth}")
        if count <= limit:
            return None
        if count == limit + 1:
            self.reports.append(f"possible trap: more than {limit} URLs at depth {depth}; the rest were skipped "
                                "(raise max_per_depth to fetch them)")
        return f"trap: more than {limit} URLs at depth {depth}"


def crawl_session(options: CrawlOptions, credentials: Credentials, fetched_from: str) -> CrawlSession:
    """A session that sends what the crawl sends (its user agent, the encodings link discovery can
    undo, the site's credentials to ``fetched_from``'s host): the one set-up of the crawl's
    requests, for the crawl and for ``sunset plan``."""
    session = CrawlSession()
    session.headers["User-Agent"] = options.user_agent
    session.headers["Accept-Encoding"] = "gzip, deflate"
    credentials.apply(session, urlsplit(fetched_from).hostname or "")
    return session


def proxies_for(options: CrawlOptions) -> dict[str, str] | None:
    """``[source] proxy`` for both schemes (None: the environment's ``http_proxy``, if any)."""
    return {"http": options.proxy, "https": options.proxy} if options.proxy else None


def summarize(frontier: Frontier, *, complete: bool, reports: Iterable[str] = (), revisits: int = 0) -> CrawlSummary:
    """The crawl's result from its frontier: counts, and every failure by name."""
    failures = [f"{url}: {note}" for status, url, note in frontier.problems() if status == Status.ERROR.value]
    return CrawlSummary(frontier.count(Status.DONE) + frontier.count(Status.ERROR), frontier.count(Status.ERROR),
                        frontier.count(Status.SKIPPED), revisits, complete, tuple(failures + list(reports)),
                        frontier.aliases())
