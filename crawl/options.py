"""Options of the crawl stage (the ``[source]`` section of the config)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from archive.urls import DEFAULT_INDEX_FILES
from crawl.wayback.options import WaybackOptions


@dataclass(frozen=True, slots=True)
class SourceOptions:
    """Where the captures come from and how the old server named things."""

    base_url: str
    docroot: Path | None = None
    docroot_url: str | None = None
    """The URL the docroot folder was served at; default: the root of ``base_url``'s host."""
    case_insensitive: bool = False
    index_files: tuple[str, ...] = DEFAULT_INDEX_FILES
    file_date: datetime | None = None
    """The date ingested files carry; default: each file's modification time."""
    server: str | None = None
    """How the old server answered (the served view): ``apache`` or ``iis``; default: ``iis`` on a
    ``case_insensitive`` site, else ``apache``."""
    server_config: Path | None = None
    """An excerpt of the old server's ``httpd.conf`` (Apache), read before the ``.htaccess`` files."""
    exclude_names: tuple[str, ...] = field(default=(".git", ".svn", "CVS", ".DS_Store", "Thumbs.db"))
    crawl: "CrawlOptions" = field(default_factory=lambda: CrawlOptions())
    """Used when there is no docroot: the site is fetched over HTTP (or from a web archive)."""
    wayback: WaybackOptions = field(default_factory=WaybackOptions)
    """Where ``wayback.replay`` is set, the site is rebuilt from that web archive (:mod:`crawl.wayback`)."""


DEFAULT_USER_AGENT = "sunset/0.1 (archiving a retired website for its owner)"


@dataclass(frozen=True, slots=True)
class CrawlOptions:
    """How to fetch a site over HTTP (the crawl keys of ``[source]``); polite defaults."""

    seeds: tuple[str, ...] = ()
    """Where to start; default: ``base_url``."""
    include: tuple[str, ...] = ()
    """Regexes; when given, a URL must match one of them (requisites on the host excepted)."""
    exclude: tuple[str, ...] = ()
    max_pages: int | None = None
    max_depth: int | None = 100
    """Clicks from a seed: a trap whose URLs share no pattern (a session id of letters) still
    goes one click deeper with every page."""
    robots: str = "obey"
    user_agent: str = DEFAULT_USER_AGENT
    concurrency: int = 2
    delay: float = 0.5
    """Seconds between two requests of one connection."""
    retries: int = 3
    """Tries in all for a connection error, timeout or 5xx (1 = no retry)."""
    retry_wait: float = 1.0
    """First back-off in seconds; doubles after every failed try."""
    timeout: float = 30.0
    max_fetch_time: float = 1200.0
    """Seconds for one whole response: a server trickling bytes would otherwise never end."""
    max_body_bytes: int = 200 * 1024 * 1024
    max_url_length: int = 2048
    max_per_pattern: int = 1000
    """URLs admitted per path pattern (digits and session-id-like tokens folded, query values
    dropped): stops calendar and session-id traps."""
    max_per_depth: int = 20000
    """URLs admitted at one depth (clicks from a seed): stops a trap that fans out wider at every
    click faster than ``max_depth`` would."""
    max_crawl_delay: float = 60.0
    """The longest robots.txt ``Crawl-delay`` obeyed; a larger one is capped (and logged), as
    ``Crawl-delay: 86400`` would otherwise stop the crawl without a word."""
    max_redirects: int = 10
    fetch_from: str | None = None
    proxy: str | None = None
    auth: str | None = None
    """Where ``user:password`` is: ``env:NAME`` or ``file:PATH`` (:mod:`crawl.credentials`), never the secret."""
    auth_scheme: str = "basic"
    """``basic`` or ``digest``: how ``auth`` is sent."""
    headers: str | None = None
    """Where extra request headers are (``Name: value`` lines): ``env:NAME`` or ``file:PATH``."""
    cookies: str | None = None
    """Where cookies are (``name=value; ...`` or a Netscape cookies.txt): ``env:NAME`` or ``file:PATH``."""
