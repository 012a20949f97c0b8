"""Every config key and option flag of sunset, each declared once.

From :data:`OPTIONS` come the config schema (``sunset.config.SCHEMA``: unknown keys, "did you
mean", required keys), the reading and checking of each value (its :class:`Kind`), the command-line
flags that override a key (``sunset.cli``), and the key tables of docs/config.md, which README.md
links (``python -m sunset.options_table --markdown``; ``tests/test_options_table.py`` fails when
docs/config.md and the table differ, ``python -m sunset.options_table --update`` rewrites them).

**Where a new option goes.** One line in :data:`OPTIONS`::

    Option("qa", "max_missing", whole(0), Into(QaOptions, "max_missing"), "no limit",
           "fail the run when more pages than this link to a page not archived", flag="--max-missing",
           commands=("run", "qa")),

- the field it fills must exist on the stage's option dataclass (``Into``); the stage keeps the
  default value there, and ``default`` here is only how docs/config.md and ``--help`` show it;
- the schema (unknown keys, "did you mean", required keys) and the check of the value (its
  :class:`Kind`: ``whole(minimum)``, ``seconds(minimum)``, ``STRING``, ``URL``, ``BOOLEAN``, ``STRINGS``,
  ``URLS``, ``HOSTS``, ``REGEXES``, ``DAY``, ``TIMESTAMP``, ``choice(...)``) need nothing else;
- a key of a dataclass the config does not build yet (a new section's ``QaOptions``): once, give
  ``sunset.config.SiteConfig`` a field for it, build it in ``parse_config`` from
  ``values.get(QaOptions, {})`` and add it to ``with_values`` (command-line overrides);
- ``flag`` (with ``commands``) adds the flag to those commands; its value is checked by the same
  :class:`Kind` as the key and overrides it (``sunset.cli.apply_option_flags``);
- then ``python -m sunset.options_table --update`` rewrites the tables of docs/config.md.

The stages' option dataclasses stay in their packages (a stage never imports ``sunset/``); the
declarations name the field each key fills, and ``tests/test_options_table.py`` checks that every field
the config sets is declared exactly once and really receives the key's value.
"""
from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from archive.errors import ConfigError
from archive.options import ArchiveOptions
from crawl.credentials import check_reference
from crawl.options import CrawlOptions, SourceOptions
from crawl.wayback.options import WaybackOptions, archive_timestamp
from normalize.options import NormalizeOptions
from site_out.options import EXTERNAL_LINK_MODES, MirrorOptions, NoticeOptions
from site_out.qa.options import QaThresholds
from site_out.words import LANGUAGES


class Invalid(ValueError):
    """A value a key or flag cannot take; the message says what was expected (no key, no place)."""


class Site:
    """Stands for ``sunset.config.SiteConfig``, which imports this table and so cannot be named here."""


@dataclass(frozen=True, slots=True)
class Into:
    """The dataclass field a key fills: ``Into(CrawlOptions, "max_pages")``."""

    owner: type
    field: str


@dataclass(frozen=True, slots=True)
class Kind:
    """A type of value: its name in messages and the schema, and the function that checks a value.

    ``check`` takes the value as TOML (or argparse, through ``cli_type``) gives it and returns it as
    the dataclass holds it, or raises :class:`Invalid`.
    """

    name: str
    check: Callable[[Any], Any]
    cli_type: Callable[[str], Any] = str
    metavar: str = "TEXT"
    choices: tuple[str, ...] | None = None
    repeated: bool = False
    """A list: on the command line, a flag given once per item."""


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise Invalid(f"expected a string in quotes, got {value!r}")
    return value


def _is_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _url(value: Any) -> str:
    if not _is_url(_string(value)):
        raise Invalid(f"expected an http:// or https:// URL with a host, got {value!r}")
    return value


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Invalid(f"expected true or false, got {value!r}")
    return value


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)) or not all(isinstance(item, str) for item in value):
        raise Invalid(f'expected a list of strings such as ["a", "b"], got {value!r}')
    return tuple(value)


def _urls(value: Any) -> tuple[str, ...]:
    items = _strings(value)
    for item in items:
        if not _is_url(item):
            raise Invalid(f"expected http:// or https:// URLs, got {item!r}")
    return items


_HOST = re.compile(r"[\w.-]+(:[0-9]{1,5})?")


def _hosts(value: Any) -> tuple[str, ...]:
    items = _strings(value)
    for item in items:
        if not _HOST.fullmatch(item) or item.startswith((".", "-")):
            raise Invalid(f"expected host names such as linuxgazette.net (no http://, no path), got {item!r}")
    return items


def _secret(value: Any) -> str:
    problem = check_reference(_string(value))
    if problem:
        raise Invalid(problem)
    return value


def _regexes(value: Any) -> tuple[str, ...]:
    items = _strings(value)
    for pattern in items:
        try:
            re.compile(pattern)
        except re.error as error:
            raise Invalid(f"{pattern!r} is not a regular expression: {error}{_glob_hint(pattern)}") from error
    return items


def _glob_hint(pattern: str) -> str:
    """For a file pattern written as a shell glob (``*.bak``), the regular expression it meant."""
    if not pattern.startswith("*"):
        return ""
    meant = re.escape(pattern.lstrip("*")).replace(r"\*", "[^/]*").replace(r"\?", "[^/]")
    return f" (patterns are regular expressions searched in the URL: for {pattern} write {meant}$)"


def _date_or_datetime(value: Any) -> date | datetime:
    if isinstance(value, (date, datetime)):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        except ValueError:
            pass
    raise Invalid(f"expected a date such as 2005-12-02, got {value!r}")


def _day(value: Any) -> date:
    parsed = _date_or_datetime(value)
    return parsed.date() if isinstance(parsed, datetime) else parsed


def _timestamp(value: Any) -> datetime:
    """A date (noon UTC) or a date and time (UTC unless it says otherwise)."""
    parsed = _date_or_datetime(value)
    if isinstance(parsed, datetime):
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    return datetime.combine(parsed, time(12, 0), tzinfo=timezone.utc)


def archive_time(*, latest: bool) -> Kind:
    """A moment as a web archive writes it (4 to 14 digits) or in ISO, held as 14 digits; a partial
    one stands for its first second, or with ``latest`` its last."""
    def check(value: Any) -> str:
        try:
            return archive_timestamp(value, latest=latest)
        except ValueError as error:
            raise Invalid(str(error)) from error
    return Kind("date", check, str, "DATE")


def _file_name(value: Any) -> str:
    if not re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", _string(value)):
        raise Invalid(f"expected up to 64 ASCII letters (a-z, A-Z, no accents), digits, '.', '_' or '-', starting "
                      f"with a letter or digit (it names files), got {value!r}")
    return value


def _publish_url(value: Any) -> str:
    parts = urlsplit(_string(value))
    if not (value.startswith("/") and not parts.netloc) and not _is_url(value):
        raise Invalid(f"expected a path such as / or /archive/, or an http(s) URL, got {value!r}")
    return value


def whole(minimum: int) -> Kind:
    """A whole number of at least ``minimum``."""
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid(f"expected a whole number, got {value!r}")
        if value < minimum:
            raise Invalid(f"must be at least {minimum:g}, got {value!r}")
        return value
    return Kind("whole number", check, int, "N")


def seconds(minimum: float) -> Kind:
    """A number of seconds (whole or not) of at least ``minimum``, held as a float."""
    def check(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise Invalid(f"expected a number, got {value!r}")
        if value < minimum:
            raise Invalid(f"must be at least {minimum:g}, got {value!r}")
        return float(value)
    return Kind("number of seconds", check, float, "SECONDS")


def fraction() -> Kind:
    """A number from 0 to 1 (a share or a similarity), held as a float."""
    def check(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise Invalid(f"expected a number, got {value!r}")
        if not 0 <= value <= 1:
            raise Invalid(f"expected a number from 0 to 1, got {value!r}")
        return float(value)
    return Kind("number from 0 to 1", check, float, "SHARE")


def choice(*values: str, name: str) -> Kind:
    """One of ``values``; ``name`` is how messages say it (``"obey" or "ignore"``)."""
    def check(value: Any) -> str:
        if _string(value) not in values:
            raise Invalid(f"expected {name}, got {value!r}")
        return value
    return Kind(name, check, str, "WORD", choices=values)


STRING = Kind("string", _string)
PATH = Kind("string", _string, metavar="PATH")
"""A file or folder; ``sunset.config`` resolves it (relative to the config, or the current folder)."""
FILE_NAME = Kind("string", _file_name, metavar="NAME")
URL = Kind("URL", _url, metavar="URL")
PUBLISH_URL = Kind("URL or path starting with /", _publish_url, metavar="URL")
BOOLEAN = Kind("boolean", _boolean)
STRINGS = Kind("list of strings", _strings, repeated=True)
URLS = Kind("list of URLs", _urls, metavar="URL", repeated=True)
SECRET = Kind("env:NAME or file:PATH", _secret, metavar="SECRET")
"""Where a secret is; never the secret (the config is copied into the output). A ``file:`` path is
relative to the config, as ``docroot`` is."""
HOSTS = Kind("list of host names", _hosts, metavar="HOST", repeated=True)
REGEXES = Kind("list of regular expressions", _regexes, metavar="REGEX", repeated=True)
DAY = Kind("date", _day, metavar="DATE")
TIMESTAMP = Kind("date", _timestamp, metavar="DATE")


@dataclass(frozen=True, slots=True)
class Option:
    """One config key: where it is written, what it takes, which field it fills, how it is shown."""

    section: str
    key: str
    kind: Kind
    into: Into
    default: str
    """As docs/config.md and --help show it; the value itself is the default of the field ``into`` names."""
    help: str
    flag: str | None = None
    """The command-line flag that overrides the key, on ``commands``."""
    commands: tuple[str, ...] = ()
    required: bool = False
    also: tuple[Into, ...] = ()
    """Other fields the same value reaches (``SiteConfig.normalize`` and ``.mirror`` copy it there)."""

    @property
    def dest(self) -> str:
        """The argparse destination of the flag."""
        return f"option_{self.section}_{self.key}"

    @property
    def group(self) -> str:
        """The table of docs/config.md the key is listed in: its section's, or ``crawl`` for the crawl keys."""
        return "crawl" if self.into.owner is CrawlOptions else "config"

    def flag_value(self, value: Any) -> Any:
        """A value given with :attr:`flag`, checked as the key's value is; a ConfigError otherwise."""
        try:
            return self.kind.check(tuple(value) if self.kind.repeated else value)
        except Invalid as error:
            raise ConfigError(f"{self.flag} {error}") from error


CRAWL = ("run", "crawl")
"""The commands that crawl, and so take the crawl flags."""
WRITERS = ("run", "ingest", "package")
"""The commands that write WARC records of sunset's own (warcinfo, derived)."""

WORKERS = Option("output", "workers", whole(1), Into(Site, "workers"), "one per core",
                 "processes that parse and rewrite pages (the crawl's link discovery, normalize, also of "
                 "`normalize --warc`, the mirror, the link check); 1 = one process", flag="--workers",
                 commands=("run", "crawl", "normalize", "mirror"))
"""Named because ``sunset normalize --warc`` reads the flag without a config."""

OPTIONS: tuple[Option, ...] = (
    Option("site", "name", FILE_NAME, Into(Site, "name"), "required",
           "names the output files (ASCII letters, digits, `.` `_` `-`)", required=True,
           also=(Into(MirrorOptions, "site_name"),)),
    Option("site", "base_url", URL, Into(Site, "base_url"), "required",
           "canonical URL of the old site; what is under it is the site", required=True,
           also=(Into(SourceOptions, "base_url"),
                 Into(NormalizeOptions, "base_url"), Into(MirrorOptions, "base_url"))),
    Option("site", "start_url", URL, Into(Site, "start_url"), "a crawl's first seed, else `base_url`",
           "the page that opens the site (`mirror/index.html`, the notice's start link); on base_url's host",
           also=(Into(MirrorOptions, "start_url"),)),
    Option("site", "aliases", HOSTS, Into(Site, "aliases"), "none",
           "other host names of the same site (`[\"linuxgazette.net\"]` beside `www.linuxgazette.net`): their "
           "URLs under base_url's path are in scope, fetched once under base_url's host, and local in the mirror",
           also=(Into(NormalizeOptions, "aliases"), Into(MirrorOptions, "aliases"))),
    Option("source", "docroot", PATH, Into(SourceOptions, "docroot"), "none: crawl",
           "the old server's document root, relative to the config file"),
    Option("source", "docroot_url", URL, Into(SourceOptions, "docroot_url"), "root of base_url's host",
           "the URL the docroot folder was served at"),
    Option("source", "case_insensitive", BOOLEAN, Into(SourceOptions, "case_insensitive"), "false",
           "the old server ignored case in names (Windows/IIS)",
           also=(Into(NormalizeOptions, "case_insensitive"), Into(MirrorOptions, "case_insensitive"))),
    Option("source", "index_files", STRINGS, Into(SourceOptions, "index_files"),
           "`index.html`, `index.htm`, ...", "what a folder URL served",
           also=(Into(MirrorOptions, "index_files"),)),
    Option("source", "server", choice("apache", "iis", name='"apache" or "iis"'), Into(SourceOptions, "server"),
           '`"iis"` if `case_insensitive`, else `"apache"`',
           "the kind of server the docroot was served by: how the served view answers its URLs (server-side "
           "includes, `.htaccess`, listings, redirects)"),
    Option("source", "server_config", PATH, Into(SourceOptions, "server_config"), "none",
           "an excerpt of the old Apache's `httpd.conf` (`Alias`, `<Directory>`, `AddType`...), relative to the "
           "config file; read before the `.htaccess` files"),
    Option("source", "file_date", TIMESTAMP, Into(SourceOptions, "file_date"), "each file's mtime",
           "the date ingested files carry; set it when their mtimes are a copy's (`cp -r`, a git checkout): "
           "sunset warns when all are recent, within an hour of each other or after the retirement date"),
    # The crawl keys of [source]: used when there is no docroot.
    Option("source", "seeds", URLS, Into(CrawlOptions, "seeds"), "`[base_url]`",
           "where to start (add orphan pages here); the first opens the mirror unless `start_url` is set",
           flag="--seed", commands=CRAWL),
    Option("source", "include", REGEXES, Into(CrawlOptions, "include"), "none",
           "regular expressions a URL must match one of (page requisites excepted)", flag="--include",
           commands=CRAWL),
    Option("source", "exclude", REGEXES, Into(CrawlOptions, "exclude"), "none",
           "regular expressions a URL must not match; a files run (docroot) searches them in each file's URL "
           "(a folder's ends in `/` and is not entered) and logs what they kept out; on a `case_insensitive` "
           "site whatever the case", flag="--exclude", commands=(*CRAWL, "ingest")),
    Option("source", "max_pages", whole(1), Into(CrawlOptions, "max_pages"), "no limit",
           "stop after this many fetches (run again with a higher limit to continue)", flag="--max-pages",
           commands=CRAWL),
    Option("source", "max_depth", whole(0), Into(CrawlOptions, "max_depth"), "100",
           "clicks from a seed (page requisites do not count); bounds a trap whose URLs share no pattern",
           flag="--max-depth", commands=CRAWL),
    Option("source", "max_per_pattern", whole(1), Into(CrawlOptions, "max_per_pattern"), "1000",
           "URLs per path pattern (digits and session-id-like runs of 16+ letters folded, query values "
           "dropped) before the rest count as a trap, e.g. a calendar CGI", flag="--max-per-pattern",
           commands=CRAWL),
    Option("source", "max_per_depth", whole(1), Into(CrawlOptions, "max_per_depth"), "20000",
           "URLs at one depth before the rest count as a trap (one that fans out wider at every click)",
           flag="--max-per-depth", commands=CRAWL),
    Option("source", "max_crawl_delay", seconds(0), Into(CrawlOptions, "max_crawl_delay"), "60",
           "longest robots.txt `Crawl-delay` obeyed, in seconds; a larger one is capped, with a log line",
           flag="--max-crawl-delay", commands=CRAWL),
    Option("source", "robots", choice("obey", "ignore", name='"obey" or "ignore"'), Into(CrawlOptions, "robots"),
           '`"obey"`', '`"ignore"` for an institution archiving its own site', flag="--robots", commands=CRAWL),
    Option("source", "user_agent", STRING, Into(CrawlOptions, "user_agent"), "`sunset/0.1 (...)`",
           "how the crawl identifies itself", flag="--user-agent", commands=CRAWL),
    Option("source", "concurrency", whole(1), Into(CrawlOptions, "concurrency"), "2",
           "simultaneous requests to the host", flag="--concurrency", commands=CRAWL),
    Option("source", "delay", seconds(0), Into(CrawlOptions, "delay"), "0.5",
           "seconds between requests on one connection (a larger robots.txt Crawl-delay wins)", flag="--delay",
           commands=CRAWL),
    Option("source", "retries", whole(1), Into(CrawlOptions, "retries"), "3",
           "tries in all for connection errors, timeouts and 5xx", flag="--retries", commands=CRAWL),
    Option("source", "retry_wait", seconds(0), Into(CrawlOptions, "retry_wait"), "1",
           "seconds before the first retry; doubles each time", flag="--retry-wait", commands=CRAWL),
    Option("source", "timeout", seconds(0.001), Into(CrawlOptions, "timeout"), "30",
           "seconds to wait for the server", flag="--timeout", commands=CRAWL),
    Option("source", "max_fetch_time", seconds(0.001), Into(CrawlOptions, "max_fetch_time"), "1200",
           "seconds for one whole response: a server trickling a byte at a time is cut there "
           "(`WARC-Truncated: time`)", flag="--max-fetch-time", commands=CRAWL),
    Option("source", "max_body_bytes", whole(1), Into(CrawlOptions, "max_body_bytes"), "200 MiB",
           "longer bodies are cut and the record marked `WARC-Truncated: length`", flag="--max-body-bytes",
           commands=CRAWL),
    Option("source", "max_url_length", whole(16), Into(CrawlOptions, "max_url_length"), "2048",
           "longer URLs are skipped", flag="--max-url-length", commands=CRAWL),
    Option("source", "fetch_from", URL, Into(CrawlOptions, "fetch_from"), "none",
           "fetch from this restored copy, record URLs under `base_url`", flag="--fetch-from", commands=CRAWL),
    Option("source", "proxy", URL, Into(CrawlOptions, "proxy"), "none",
           "HTTP proxy for every request (`http_proxy`/`https_proxy` are honoured too)", flag="--proxy",
           commands=CRAWL),
    Option("source", "auth", SECRET, Into(CrawlOptions, "auth"), "none",
           "`user:password` for a site behind HTTP authentication, read from `\"env:NAME\"` (an environment "
           "variable) or `\"file:PATH\"`, never written in the config; sent to the site's host only, left out of "
           "every output"),
    Option("source", "auth_scheme", choice("basic", "digest", name='"basic" or "digest"'),
           Into(CrawlOptions, "auth_scheme"), '`"basic"`', "how `auth` is sent: `\"basic\"` or `\"digest\"`"),
    Option("source", "headers", SECRET, Into(CrawlOptions, "headers"), "none",
           "extra request headers, one `Name: value` a line, read from `env:NAME` or `file:PATH` (an API token, "
           "`Accept-Language`); left out of every output, named in each request record's `WARC-Sunset-Redacted`"),
    Option("source", "cookies", SECRET, Into(CrawlOptions, "cookies"), "none",
           "cookies to send (a login session): `name=value; name2=value2`, or a Netscape cookies.txt as browsers "
           "export it, read from `env:NAME` or `file:PATH`; the `Cookie` header is then left out of every output"),
    # A web archive as the source (crawl/wayback/): used when [source] wayback is set.
    Option("source", "wayback", URL, Into(WaybackOptions, "replay"), "none",
           "rebuild the site from this web archive: the replay prefix of a Wayback-style archive, "
           "`https://web.archive.org/web/` or pywb's `http://HOST/COLLECTION/`"),
    Option("source", "as_of", archive_time(latest=False), Into(WaybackOptions, "as_of"), "required with `wayback`",
           "the date the site is rebuilt as of: each URL's capture nearest it (`1998`, `199811`, `19981116093000` "
           "or ISO `1998-11-16`; a partial date stands for its first second)", flag="--as-of", commands=CRAWL),
    Option("source", "from", archive_time(latest=False), Into(WaybackOptions, "window_from"), "none",
           "the earliest capture accepted (same forms)"),
    Option("source", "to", archive_time(latest=True), Into(WaybackOptions, "window_to"), "none",
           "the latest capture accepted (a partial date stands for its last second: `\"1999\"` is all of 1999)"),
    Option("source", "cdx_api", URL, Into(WaybackOptions, "cdx_api"), "derived from `wayback`",
           "the archive's CDX API: the Internet Archive's `https://web.archive.org/cdx/search/cdx`, pywb's "
           "`http://HOST/COLLECTION/cdx`"),
    Option("notice", "title", STRING, Into(NoticeOptions, "title"), "required",
           "the notice's heading", required=True),
    Option("notice", "date", DAY, Into(NoticeOptions, "date"), "required",
           "the retirement date", required=True),
    Option("notice", "text", STRING, Into(NoticeOptions, "text"), "required",
           "the notice (plain text; escaped)", required=True),
    Option("notice", "successor_name", STRING, Into(NoticeOptions, "successor_name"), "none",
           "the site that replaces this one"),
    Option("notice", "successor_url", URL, Into(NoticeOptions, "successor_url"), "none",
           "its address"),
    Option("notice", "language", choice(*LANGUAGES, name="one of " + ", ".join(LANGUAGES)),
           Into(NoticeOptions, "language"), "the notice's, else `en`",
           "the language of sunset's own words on the pages it writes (\"Retired on\", \"Archived on\", the "
           "links under the notice, the about page, the page list, the report, the QA page): "
           + ", ".join(f"`{lang}`" for lang in LANGUAGES) + "; by default told from the notice text"),
    Option("mirror", "external_links", choice(*EXTERNAL_LINK_MODES, name="one of keep, mark, wayback"),
           Into(MirrorOptions, "external_links"), '`"mark"`',
           'links to other sites: `"keep"` as written, `"mark"` with a title saying the link leaves the '
           'archive, `"wayback"` through the Internet Archive at the page\'s capture date'),
    Option("mirror", "drop", REGEXES, Into(MirrorOptions, "drop"), "none",
           "regular expressions (searched in the absolute URL) of images that meant something only on the "
           "live server (hit counters); shown as a transparent pixel"),
    Option("mirror", "publish_url", PUBLISH_URL, Into(MirrorOptions, "publish_url"), "`/`",
           "where the mirror's host folder will be published, for the redirect maps"),
    Option("output", "dir", PATH, Into(Site, "output_dir"), "`out/NAME`",
           "the output folder, relative to the current folder; `--out` overrides"),
    WORKERS,
    Option("output", "max_page_bytes", whole(1024), Into(Site, "max_page_bytes"), "8 MiB",
           "normalize, the mirror and verify read at most this much of one page or style sheet",
           also=(Into(NormalizeOptions, "max_page_bytes"), Into(MirrorOptions, "max_page_bytes"))),
    Option("archive", "description", STRING, Into(ArchiveOptions, "description"), "none",
           "what the archive holds (warcinfo, WACZ, bag)"),
    Option("archive", "operator", STRING, Into(ArchiveOptions, "operator"), "none",
           "who made the archive (warcinfo)"),
    Option("archive", "contact", STRING, Into(ArchiveOptions, "contact"), "none",
           "how to reach them (warcinfo)"),
    Option("archive", "bagit", BOOLEAN, Into(ArchiveOptions, "bagit"), "false",
           "also write `bag/`, a BagIt 1.0 bag (or `--bagit`); a bag already there is made again by every "
           "later package, so it never holds an earlier master (remove `bag/` to stop)"),
    Option("archive", "source_organization", STRING, Into(ArchiveOptions, "source_organization"), "`operator`",
           "bag-info.txt Source-Organization"),
    Option("archive", "contact_email", STRING, Into(ArchiveOptions, "contact_email"), "`contact`",
           "bag-info.txt Contact-Email"),
    Option("archive", "fixed_clock", TIMESTAMP, Into(ArchiveOptions, "fixed_clock"), "now",
           "date of every record sunset creates (warcinfo, derived), e.g. 2026-01-01T00:00:00Z: with "
           "`record_id_seed`, reruns give byte-identical WARCs", flag="--fixed-clock", commands=WRITERS),
    Option("archive", "record_id_seed", STRING, Into(ArchiveOptions, "record_id_seed"), "random ids",
           "derive record ids from this text instead of drawing random ones (reproducible output)",
           flag="--record-id-seed", commands=WRITERS),
    Option("qa", "min_visual", fraction(), Into(QaThresholds, "min_visual"), "0.9",
           "`sunset qa`: share of a page's drawn pixels (below the notice) that must look the same as the original's"),
    Option("qa", "min_text", fraction(), Into(QaThresholds, "min_text"), "0.95",
           "`sunset qa`: similarity of a page's visible text to the original's, whitespace normalised"),
    Option("qa", "max_failed", whole(0), Into(QaThresholds, "max_failed"), "0",
           "`sunset qa`: resources a mirror page may fail to load (missing files, broken images)"),
    Option("qa", "thumbnails", whole(0), Into(QaThresholds, "thumbnails"), "200",
           "`sunset qa`: pages, worst first, shown with pictures on the QA page"),
)

SECTIONS: tuple[str, ...] = tuple(dict.fromkeys(option.section for option in OPTIONS))


def in_section(section: str) -> Iterator[Option]:
    return (option for option in OPTIONS if option.section == section)


def flags_of(command: str) -> Iterator[Option]:
    """The options with a flag on ``command``."""
    return (option for option in OPTIONS if option.flag and command in option.commands)


def cli_help(option: Option) -> str:
    """The flag's help: the table's text without markdown, and the key it overrides."""
    text = option.help.replace("`", "")
    if option.kind.repeated:
        text += "; repeat for several"
    return f"{text} (default: {option.default.replace('`', '')}; [{option.section}] {option.key})"


def markdown(group: str) -> str:
    """The docs/config.md table of ``group``: ``crawl`` (the crawl keys of [source]) or ``config`` (the rest)."""
    rows = ["| key | default | meaning |", "|---|---|---|"]
    for option in OPTIONS:
        if option.group == group:
            key = f"`{option.key}`" if group == "crawl" else f"`[{option.section}] {option.key}`"
            flag = f" (`{option.flag}`)" if option.flag and group != "crawl" else ""
            rows.append(f"| {key} | {option.default} | {option.help}{flag} |")
    return "\n".join(rows) + "\n"


GROUPS = ("config", "crawl")


def _block(group: str) -> re.Pattern[str]:
    return re.compile(rf"(<!-- options:{group} [^\n]*-->\n)(.*?)(<!-- /options:{group} -->)", re.S)


TABLES = Path(__file__).resolve().parents[1] / "docs" / "config.md"
"""The page that holds the key tables (README.md links it: a reference is no walkthrough)."""


def doc_tables(text: str) -> dict[str, str]:
    """The generated tables as a page (docs/config.md) holds them, by group."""
    return {group: match.group(2) for group in GROUPS if (match := _block(group).search(text))}


def update_tables(text: str) -> str:
    for group in GROUPS:
        text = _block(group).sub(lambda match, g=group: match.group(1) + markdown(g) + match.group(3), text)
    return text


USAGE = "usage: python -m sunset.options_table --markdown [config|crawl] | --update [FILE]"


def _main(argv: list[str]) -> int:
    if argv[:1] == ["--markdown"] and len(argv) <= 2:
        for group in argv[1:] or GROUPS:
            print(markdown(group))
        return 0
    # --update-readme FILE: the spelling from when the tables were in README.md
    if argv[:1] in (["--update"], ["--update-readme"]) and len(argv) <= 2:
        from archive.durable import atomic_writer

        path = Path(argv[1]) if len(argv) == 2 else TABLES
        text = path.read_text(encoding="utf-8")
        if not doc_tables(text):
            print(f"{path} holds no <!-- options:GROUP --> block: the key tables are in {TABLES} "
                  "(python -m sunset.options_table --update)", file=sys.stderr)
            return 2
        with atomic_writer(path, "w", encoding="utf-8") as sink:
            sink.write(update_tables(text))
        return 0
    print(USAGE, file=sys.stderr)
    return 2


def declared_fields(owner: type) -> list[str]:
    """Every field of ``owner`` some key fills (a field named twice is listed twice)."""
    return [into.field for option in OPTIONS for into in (option.into, *option.also) if into.owner is owner]


def dataclass_fields(owner: type) -> list[str]:
    return [item.name for item in fields(owner)]


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
