"""Asking an archive, politely: one keep-alive connection per archive host, a steady pace, 429
and ``Retry-After`` honoured, back-off on 5xx, resets and refused connections.

The downloaders' trackers (wayback-machine-downloader, waybackpack) are full of "Connection
refused" after 15 to 20 files from the Internet Archive: it refuses new TCP connections from a
client that opens many. What fixed it there was one persistent connection for the whole job, not
sleeps; so every request of a run goes through one ``requests.Session`` holding one connection
(``pool_maxsize=1``), from one thread. A fetch that fails gives no answer at all (never an empty
or half body): the caller records the failure and a later run tries again.
"""
from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

import requests
import urllib3

from archive.capture import SpooledBody
from archive.errors import SunsetError
from crawl.options import CrawlOptions

log = logging.getLogger("sunset.wayback")

CHUNK = 65536
IA_MIN_DELAY = 1.0
"""Seconds between two requests to the Internet Archive, at least (``delay`` may ask for more):
about 60 a minute, within what its CDX API and replay accept from one client."""
IA_MIN_RETRY_WAIT = 10.0
"""The Internet Archive's refusals (429, refused connections) last minutes, not seconds."""
IA_MIN_RETRIES = 5
DEFAULT_RETRY_AFTER = 60.0
"""Seconds to wait after a 429 that names no ``Retry-After``."""
MAX_RATE_LIMITS = 20
"""429s in a row on one request before the run stops (a later run resumes)."""
MAX_DELAY_AFTER_429 = 30.0


class ArchiveUnavailable(SunsetError):
    """The archive did not answer, or kept refusing, after every retry: the run stops (and resumes
    where it stopped when run again)."""


@dataclass(frozen=True, slots=True)
class Pace:
    """How fast and how stubbornly one archive is asked."""

    delay: float
    retries: int
    retry_wait: float
    timeout: float
    max_fetch_time: float
    max_body_bytes: int

    @classmethod
    def for_archive(cls, options: CrawlOptions, internet_archive: bool) -> "Pace":
        """The crawl's own keys; for the Internet Archive, never faster or less patient than it asks."""
        delay, retries, wait = options.delay, options.retries, options.retry_wait
        if internet_archive:
            delay, retries, wait = max(delay, IA_MIN_DELAY), max(retries, IA_MIN_RETRIES), max(wait, IA_MIN_RETRY_WAIT)
        return cls(delay, retries, wait, options.timeout, options.max_fetch_time, options.max_body_bytes)


@dataclass(frozen=True, slots=True)
class Answer:
    """What the archive answered to one request: status, headers, body (spooled, whole or cut)."""

    address: str
    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]
    body: SpooledBody
    truncated: str | None
    """``length`` when the body was longer than ``max_body_bytes`` and cut there."""

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)


def retry_after(value: str | None, now: datetime | None = None) -> float:
    """Seconds a ``Retry-After`` asks for: a number of seconds or an HTTP date."""
    if not value:
        return DEFAULT_RETRY_AFTER
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


class _Retry(Exception):
    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


class ArchiveClient:
    """Every request of a run to one archive host, through one persistent connection."""

    def __init__(self, pace: Pace, *, user_agent: str, proxy: str | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.pace = pace
        self._delay = pace.delay
        self._sleep = sleep
        self._last = 0.0
        self.requests = 0
        self.session = requests.Session()
        self.session.headers["User-Agent"] = user_agent
        # The bytes as archived: any Content-Encoding in the answer is then the archived one.
        self.session.headers["Accept-Encoding"] = "identity"
        adapter = requests.adapters.HTTPAdapter(pool_connections=1, pool_maxsize=1, max_retries=0)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        if proxy:
            self.session.proxies.update({"http": proxy, "https": proxy})

    def close(self) -> None:
        self.session.close()

    def get(self, address: str, *, params: dict[str, str] | None = None) -> Answer:
        """GET ``address`` (redirects not followed); 429s waited out, failures retried with back-off.

        Returns the first answer that is neither a 429 nor a 5xx; raises
        :class:`ArchiveUnavailable` when the retries run out.
        """
        attempt = limited = 0
        while True:
            self._wait_turn()
            try:
                answer = self._once(address, params)
            except _Retry as failure:
                problem = failure.problem
            else:
                if answer.status == 429:
                    limited += 1
                    wait = retry_after(answer.header("Retry-After"))
                    answer.body.close()
                    if limited >= MAX_RATE_LIMITS:
                        raise ArchiveUnavailable(f"{address}: the archive answered 429 (too many requests) "
                                                 f"{limited} times in a row; run the same command later to resume")
                    self._delay = min(self._delay * 2, max(MAX_DELAY_AFTER_429, self.pace.delay))
                    log.warning("wayback: the archive asks to slow down (429); waiting %g s, then one request "
                                "every %g s", wait, self._delay)
                    self._sleep(wait)
                    continue
                if answer.status < 500:
                    return answer
                problem = f"HTTP {answer.status} from the archive"
                answer.body.close()
            attempt += 1
            if attempt >= self.pace.retries:
                raise ArchiveUnavailable(f"{address}: {problem} (after {attempt} tries); the archive may be down "
                                         "or refusing this client: run the same command later to resume")
            pause = self.pace.retry_wait * (2 ** (attempt - 1))
            log.info("wayback: %s: %s; retrying in %g s", address, problem, pause)
            self._sleep(pause)

    def _wait_turn(self) -> None:
        wait = self._last + self._delay - time.monotonic()
        if self._last and wait > 0:
            self._sleep(wait)
        self._last = time.monotonic()

    def _once(self, address: str, params: dict[str, str] | None) -> Answer:
        self.requests += 1
        request = self.session.prepare_request(requests.Request("GET", address, params=params))
        try:
            # The adapter itself: Session.send reads a redirect's body to find where it leads, even
            # when told not to follow it, and that body is part of the capture.
            response = self.session.get_adapter(request.url).send(
                request, stream=True, timeout=self.pace.timeout, proxies=self.session.proxies)
        except (requests.ConnectionError, requests.Timeout) as error:
            raise _Retry(_problem(error)) from error
        try:
            body, truncated = self._read(response)
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError, TimeoutError) as error:
            response.close()
            raise _Retry(f"the answer broke off ({_problem(error)})") from error
        finally:
            self._last = time.monotonic()
        return Answer(response.url, response.status_code, response.reason or "",
                      tuple(response.raw.headers.items()), body, truncated)

    def _read(self, response: requests.Response) -> tuple[SpooledBody, str | None]:
        """The body as sent (Content-Encoding kept), whole: a short read raises, never saves."""
        deadline = time.monotonic() + self.pace.max_fetch_time
        limit = self.pace.max_body_bytes
        reader = _Bounded(response.raw, deadline)
        body = SpooledBody(reader, limit=limit)  # type: ignore[arg-type]
        truncated = None
        if body.size >= limit and response.raw.read(1, decode_content=False):
            truncated = "length"
        response.close()
        return body, truncated


class _Bounded:
    """urllib3's raw stream read as sent (no decoding), stopped when ``deadline`` passes."""

    def __init__(self, raw: urllib3.response.BaseHTTPResponse, deadline: float) -> None:
        self.raw, self.deadline = raw, deadline

    def read(self, size: int = -1) -> bytes:
        if time.monotonic() > self.deadline:
            raise TimeoutError("max_fetch_time ran out")
        return self.raw.read(CHUNK if size < 0 else size, decode_content=False)


def _problem(error: BaseException) -> str:
    """A connection failure in a few words (urllib3 nests the cause several levels deep)."""
    text = str(error)
    for words, plain in (("Connection refused", "connection refused"), ("Connection reset", "connection reset"),
                         ("timed out", "timed out"), ("RemoteDisconnected", "the archive closed the connection"),
                         ("IncompleteRead", "the answer was cut short"), ("Name or service", "unknown host")):
        if words in text:
            return plain
    return text[:200] or type(error).__name__
