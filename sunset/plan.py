"""``sunset plan CONFIG``: what a run would archive, said before anything is archived.

A dry run, as wget's ``--spider`` or HTTrack's ``--testscan``: for files, every file the ingest
would read (counted and sized by the type the ingest gives it), what ``[source] exclude`` keeps
out, and what looks like a backup or a private file that it does not; for a crawl, where it
starts, what is in scope, and what the live server says to two requests (robots.txt and the
start page, sent as the crawl sends them: :mod:`crawl.probe`); then the start page, the output
folder and anything that would make the run refuse or mix two sites. It writes nothing: not in
the output folder (not even the log), not anywhere else.

Exit status: 0 when ``sunset run`` would go ahead, 2 when it would refuse (the same checks, same
words), 1 when the server cannot be reached.
"""
from __future__ import annotations

import argparse
import heapq
import re
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

from archive.dates import DateSpread
from archive.errors import ConfigError
from crawl.docroot import docroot_base, iter_docroot
from crawl.probe import Probe, probe
from crawl.robots import Robots, polite_delay
from crawl.soft404 import page_title
from crawl.wayback.endpoints import Archive
from crawl.wayback.fetch import Pace
from crawl.wayback.options import shown as shown_moment
from site_out.report import size_text
from sunset.config import SiteConfig
from sunset.console import say, shown, without_userinfo
from sunset.file_dates import copy_dates_warning
from sunset.folder_site import check_output_folder, other_site
from sunset.layout import OutputLayout
from sunset.preflight import check_crawl_source, check_docroot, check_start_page, check_wayback_source

SUMMARY = "say what a run would archive (a dry run: writes nothing)"
DESCRIPTION = ("Say what `sunset run CONFIG` would do, without doing it: for a docroot, the files it would "
               "archive (count and size by type), those [source] exclude keeps out and those that look like "
               "backups or private files; for a crawl, base_url, the seeds, the scope, and what the live server "
               "answers for robots.txt and the start page (two requests, as the crawl sends them; no WARC); then "
               "the start page, the output folder and warnings. Writes nothing, not even the log. Exit status "
               "0: a run would go ahead; 2: it would refuse (and why); 1: the server cannot be reached.")

LOOKS_PRIVATE = re.compile(
    r"(~|\.(bak|old|orig|save|sav|swp|tmp|sql|dump|mdb|pst)|(^|/)\.ht(passwd|group)|(^|/)(core|\.DS_Store))$"
    r"|(^|/)(_vti_pvt|_private|private|backups?|old|tmp|temp)/",
    re.IGNORECASE)
"""Paths that often hold what a site never served: editors' and admins' copies, password files,
database dumps, FrontPage's private folder. Only named, for the archivist to decide."""

SHOWN = 5
"""Examples listed per line (excluded files, look-alikes, largest files)."""
LABEL_WIDTH = len("would archive")


@dataclass(slots=True)
class Report:
    """The plan as it is printed: labelled lines, warnings, and why a run would stop."""

    lines: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    stop: str | None = None
    exit_code: int = 0

    def add(self, label: str, text: str) -> None:
        self.lines.append((label, text))

    def refuse(self, message: str, exit_code: int = 2) -> None:
        if self.stop is None:
            self.stop, self.exit_code = message, exit_code

    def text(self, config: SiteConfig) -> str:
        head = f"sunset plan: {config.name} ({config.base_url}); a dry run, nothing was written"
        body = [f"  {label.ljust(LABEL_WIDTH)}  {text}" for label, text in self.lines]
        body += [f"  warning: {warning}" for warning in self.warnings]
        verdict = (f"  `sunset run` would stop: {self.stop}" if self.stop else
                   f"  `sunset run {shown(config.path)}` would go ahead")
        return "\n".join([head, *body, verdict])


def _examples(items: list[str], count: int | None = None) -> str:
    count = len(items) if count is None else count
    shown = ", ".join(items[:SHOWN])
    return shown + (f" and {count - SHOWN} more" if count > SHOWN else "")


def plan_docroot(config: SiteConfig, report: Report) -> None:
    """The files the ingest would read, by the type it would give each (its own walk and reader)."""
    source = config.source
    assert source.docroot is not None
    report.add("source", f"the files under {shown(source.docroot)} (served at {docroot_base(source)})")
    try:
        listing = check_docroot(config)
    except ConfigError as error:
        report.refuse(str(error))
        return
    scope = config.scope
    by_type: Counter[str] = Counter()
    bytes_by_type: Counter[str] = Counter()
    largest: list[tuple[int, str]] = []
    pages = outside = 0
    suspects: list[str] = []
    dates = DateSpread()
    for capture in iter_docroot(source, files=listing):
        dates.add(capture.date)
        relative = Path(capture.origin or "").relative_to(listing.root).as_posix()
        kind = capture.media_type or "unknown"
        size = capture.body.size
        by_type[kind] += 1
        bytes_by_type[kind] += size
        heapq.heappush(largest, (size, relative))
        if len(largest) > SHOWN:
            heapq.heappop(largest)
        if not scope.contains(capture.url):
            outside += 1
        elif kind == "text/html":
            pages += 1
        if LOOKS_PRIVATE.search(relative):
            suspects.append(relative)
    total = sum(bytes_by_type.values())
    report.add("would archive", f"{sum(by_type.values())} files, {size_text(total)}; {pages} HTML "
                                f"page{'' if pages == 1 else 's'} under base_url"
                                + (f"; {outside} files outside base_url (archived too)" if outside else ""))
    report.add("by type", "; ".join(f"{kind} {by_type[kind]} ({size_text(bytes_by_type[kind])})"
                                    for kind in sorted(by_type, key=lambda k: (-bytes_by_type[k], k))))
    if largest:
        report.add("largest", ", ".join(f"{name} ({size_text(size)})" for size, name in sorted(largest, reverse=True)))
    if listing.excluded:
        report.add("excluded", f"{len(listing.excluded)} by [source] exclude: " + _examples(
            [f"{item.path} ({item.pattern!r})" for item in listing.excluded]))
    elif source.crawl.exclude:
        report.add("excluded", "nothing matches [source] exclude")
    if listing.skipped:
        report.add("skipped", f"{len(listing.skipped)}: " + _examples(
            [f"{path.relative_to(listing.root) if path.is_relative_to(listing.root) else path} ({why})"
             for path, why in listing.skipped]))
    if suspects:
        report.warnings.append(f"{len(suspects)} files look like backups or private files and would be archived: "
                               f"{_examples(suspects)} (keep them out with [source] exclude)")
    made = config.archive.fixed_clock or datetime.now(timezone.utc)
    if dates_warning := copy_dates_warning(config, dates, made):
        report.warnings.append(dates_warning)
    try:
        check_start_page(config, files=listing)
        report.add("start page", f"{config.start} (among the files)")
    except ConfigError as error:
        report.add("start page", f"{config.start} (not among the files)")
        report.refuse(str(error))


def plan_crawl(config: SiteConfig, report: Report) -> None:
    """Where the crawl starts, what it may fetch, and what the live server says to two requests."""
    options = config.source.crawl
    scope = config.scope
    fetching = f", fetched from {options.fetch_from}" if options.fetch_from else ""
    proxy = f", through the proxy {without_userinfo(options.proxy)}" if options.proxy else ""
    report.add("source", f"a crawl over HTTP of {config.base_url}{fetching}{proxy}")
    seeds = _plan_scope(config, report)
    limit = f"at most {options.max_pages} fetches" if options.max_pages else "no limit on fetches"
    report.add("limits", f"{limit}, {options.max_depth} clicks deep, {options.concurrency} at a time, "
                         f"{options.delay:g} s apart")
    sent = [f"{options.auth_scheme} authentication (user:password from {options.auth})" if options.auth else "",
            f"the headers in {options.headers}" if options.headers else "",
            f"the cookies in {options.cookies}" if options.cookies else ""]
    if any(sent):
        report.add("credentials", ", ".join(filter(None, sent)) + "; left out of every output")
    try:
        check_crawl_source(config, "run")  # the crawl's own check, as `sunset run` makes it
    except ConfigError as error:
        report.refuse(str(error))
        return
    robots = Robots(None, options.user_agent, obey=False)
    if options.robots == "obey":
        robots = _plan_robots(config, report)
    else:
        report.add("robots.txt", 'not read ([source] robots = "ignore")')
    for seed in seeds:
        if not robots.allowed(scope.local(seed)):
            report.warnings.append(f"robots.txt does not let {options.user_agent!r} fetch the seed {seed}: the "
                                   'crawl would skip it (robots = "ignore" is for a site you own)')
    _plan_start_page(config, report)


def _plan_robots(config: SiteConfig, report: Report) -> Robots:
    options = config.source.crawl
    url = config.scope.origin + "/robots.txt"
    answer = probe(options, config.base_url, url)
    if answer.status is None:
        report.add("robots.txt", f"{url}: no answer ({answer.error})")
        return Robots(None, options.user_agent, obey=False)
    if not 200 <= answer.status < 300:
        report.add("robots.txt", f"{url}: HTTP {answer.status}, so everything is allowed")
        return Robots(None, options.user_agent, obey=False)
    text = answer.head.decode("utf-8", "replace")
    robots = Robots(text, options.user_agent, obey=True)
    rules = [line.strip() for line in text.splitlines() if line.strip().lower().startswith("disallow:")
             and line.split(":", 1)[1].strip()]
    delay, note = polite_delay(robots.crawl_delay(), options.delay, options.max_crawl_delay)
    said = f"{len(rules)} Disallow lines" + (f" ({_examples(rules)})" if rules else "")
    report.add("robots.txt", f"{url}: HTTP {answer.status}, obeyed: {said}" +
               (f"; {note.removeprefix('crawl: ')}" if note else ""))
    return robots


def _plan_scope(config: SiteConfig, report: Report) -> tuple[str, ...]:
    """The seeds and the scope, as a crawl (and a rebuild from a web archive) keeps to them;
    returns the seeds."""
    options = config.source.crawl
    scope = config.scope
    hosts = [urlsplit(scope.base_url).netloc, *scope.aliases]
    seeds = options.seeds or (config.base_url,)
    report.add("seeds", ", ".join(seeds))
    scope_text = f"URLs under {scope.base_url}, on {' or '.join(hosts)}; page requisites anywhere on those hosts"
    if options.include:
        scope_text += f"; only URLs matching {', '.join(map(repr, options.include))}"
    if options.exclude:
        scope_text += f"; none matching {', '.join(map(repr, options.exclude))}"
    report.add("scope", scope_text)
    return seeds


def plan_wayback(config: SiteConfig, report: Report) -> None:
    """Which web archive, which date and window, and the crawl's scope it keeps to; asks the
    archive nothing (its listing is the rebuild's first step, and resumable)."""
    wayback = config.source.wayback
    archive = Archive.at(wayback.replay or "", wayback.cdx_api)
    report.add("source", f"the web archive {archive.replay} (its CDX API: {archive.cdx_api}), each URL's capture "
                         f"nearest {shown_moment(wayback.as_of)}, captures from {wayback.describe_window()}")
    _plan_scope(config, report)
    options = config.source.crawl
    pace = Pace.for_archive(options, archive.is_internet_archive)
    limit = f"at most {options.max_pages} URLs" if options.max_pages else "no limit on URLs"
    report.add("limits", f"{limit}, {options.max_depth} clicks deep, one request at a time over one connection, "
                         f"{pace.delay:g} s apart")
    report.add("start page", f"{config.start}: looked for in the archive when the rebuild is done")
    try:
        check_wayback_source(config, "run")  # the web archive's own check, as `sunset run` makes it
    except ConfigError as error:
        report.refuse(str(error))


def _plan_start_page(config: SiteConfig, report: Report) -> None:
    start = config.start
    answer: Probe = probe(config.source.crawl, config.base_url, config.scope.local(start))
    if answer.status is None:
        report.add("start page", f"{start}: no answer")
        report.refuse(f"the server does not answer for the start page {start} ({answer.error}): check base_url, "
                      "fetch_from or the proxy", exit_code=1)
        return
    described = f"{start}: HTTP {answer.status}" + (f", {answer.content_type}" if answer.content_type else "")
    title = page_title(answer.head)
    if title:
        described += f', "{title}"'
    if answer.location:
        described += f", to {answer.location}"
    report.add("start page", described)
    if answer.location:
        target = answer.location
        if config.scope.local(target) != target and config.scope.local(target) == config.scope.local(start):
            report.warnings.append(f"the start page redirects to {target}, its spelling on an alias: the server "
                                   "prefers that host, so make it base_url (and this one an alias)")
        elif not config.scope.contains(target):
            report.warnings.append(f"the start page redirects to {target}, outside the scope: the crawl would "
                                   "archive the redirect alone (is base_url the address the server prefers?)")
    elif answer.status >= 400:
        report.warnings.append(f"the start page answers HTTP {answer.status}: check base_url (or set "
                               "[site] start_url, [source] seeds)")


def plan_output(config: SiteConfig, report: Report) -> None:
    """The output folder: new, an earlier run of this site, or another site's (a run would mix them)."""
    layout = OutputLayout(config.output_dir, config.name)
    root = shown(layout.root)
    if layout.root.exists() and not layout.root.is_dir():
        report.add("output", f"{root} (a file)")
        report.refuse(f"the output folder {root} is a file: give --out a folder (it is created if missing)")
        return
    docroot = config.source.docroot
    if docroot is not None and layout.root.resolve().is_relative_to(docroot.resolve()):
        report.warnings.append(f"the output folder {root} is inside the docroot: a later run would archive "
                               "this run's output as the site's files; choose a folder outside it")
    if not layout.root.exists():
        report.add("output", f"{root} (new)")
        return
    other = other_site(config)
    if other:
        report.add("output", f"{root} (holds a run of another site: {other.named})")
        try:
            check_output_folder(config, force=False)  # what `sunset run` would say
        except ConfigError as error:
            report.refuse(str(error))
    elif layout.warc.exists() or layout.config_copy.exists():
        again = (" (the crawl would resume; --fresh starts over)" if layout.crawl_db.exists() else "")
        report.add("output", f"{root} (an earlier run of this site: a run updates it{again})")
    elif any(layout.root.iterdir()):
        report.add("output", f"{root} (not empty)")
        report.warnings.append(f"{root} holds files of something else: sunset would write among them")
    else:
        report.add("output", f"{root} (empty)")


SourcePlan = Callable[[SiteConfig, Report], None]
"""A source's part of the dry run (:attr:`sunset.sources.Source.plan`): what it would read or
fetch, said in ``report``, and what would make the run refuse, without writing anything."""


def command_plan(config: SiteConfig, args: argparse.Namespace, source_plan: SourcePlan | None) -> int:
    """The dry run: the config's source's own part (``source_plan``), then the output folder."""
    report = Report()
    if source_plan is None:
        report.add("source", "one with no dry run of its own: `sunset run` would archive what it yields")
    else:
        source_plan(config, report)
    plan_output(config, report)
    say(args.quiet, report.text(config))
    if report.stop and args.quiet:
        print(f"sunset: plan: `sunset run` would stop: {report.stop}", file=sys.stderr)
    return report.exit_code
