"""Write the offline mirror from a WARC: every capture as a file, pages rewritten, notice added.

Two passes: the first asks the master's capture index (headers only) and decides every file name
(links need the whole map), the second streams each capture to its file. :class:`MirrorWriter` is
the interface of both: :func:`write_mirror` drives it alone, and a caller that reads the
captures for other work too (:mod:`sunset.content_pass`, which makes the records in the same
read) drives it the same way. Only one page body is in memory at a time; other files are
copied in chunks. Each file appears atomically and only after
:func:`site_out.paths.safe_destination` has approved its path.
"""
from __future__ import annotations

import itertools
import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import partial
from pathlib import Path

from archive.capture import Capture, file_sha256
from archive.capture_index import CaptureIndex
from archive.dates import DateSpread
from archive.durable import atomic_writer, is_disk_error
from archive.encoding import decode_css, decode_page
from archive.errors import SunsetError
from archive.reader import warcinfo_date
from archive.served import SiteIndex, iter_site_captures
from archive.sniff import magic_type, proves_not_a_page
from archive.urls import Scope
from archive.workers import Task, capture_task, map_ordered
from normalize.page import PageTokens
from site_out.catalog import (
    ABOUT_PAGE,
    PAGES_INDEX,
    SEARCH_INDEX,
    SEARCH_SCRIPT,
    ArchiveFacts,
    CatalogEntry,
    about_page,
    iter_record_pages,
    search_script,
    write_catalog,
)
from site_out.frames import FRAME_NOTICE_PAGE, frame_notice_page
from site_out.inventory import remove_unexplained
from site_out.notice import render_notice
from site_out.options import MirrorOptions
from site_out.pages import (
    INDEX_PAGE,
    form_closed_page,
    forwarding_page,
    index_page,
    missing_page,
)
from site_out.paths import UnsafePathError, href_between, safe_destination
from site_out.plan import (
    MirrorPlan,
    PlannedFile,
    PlannedRedirect,
    build_plan,
    shortcut_redirects,
)
from site_out.plan_store import sorted_pairs
from site_out.redirects import build_entries, write_redirect_maps
from site_out.report import REPORT_PAGE, write_report
from site_out.resolve import (
    BLANK_IMAGE,
    FORM_CLOSED_PAGE,
    Resolver,
    missing_languages,
    missing_page_for,
)
from site_out.rewrite import IssueLog, LinkIssue, PageRewriter

MIRROR_FOLDER = "mirror"
PLAN_FILE = ".mirror-plan.sqlite"
"""The mirror's plan while it is written (removed after): :mod:`site_out.plan_store`."""
_CSS_CHARSET = re.compile(r"""^\s*@charset\s+["'][^"']*["']\s*;""", re.IGNORECASE)
BLANK_GIF = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
             b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class MissingLink:
    """A reference on an archived page to a page of the site that was not archived."""

    page: str
    url: str | None
    raw: str


@dataclass(frozen=True, slots=True)
class LeftoverLink:
    """A reference on an archived page that no reader could ever open (the author's own disk,
    network or machine, or no address at all): inert in the mirror."""

    page: str
    raw: str
    tag: str
    why: str


@dataclass(frozen=True, slots=True)
class MirrorSummary:
    pages: int
    files: int
    """Every file written from the WARC, pages included (sunset's own pages excluded)."""
    missing_links: int
    problems: tuple[str, ...]
    index_path: Path
    missing: tuple[MissingLink, ...] = ()
    root: Path | None = None
    redirects: int = 0
    """Forwarding pages written for the old site's redirects."""
    scripts_left: int = 0
    """Script navigations that could not be pointed into the mirror (details in problems)."""
    redirect_maps: tuple[Path, ...] = ()
    left_out: tuple[str, ...] = ()
    """Error answers the WARC keeps and the mirror has no file for (for the log; not problems)."""
    leftovers: tuple[LeftoverLink, ...] = ()
    """Links and pictures that pointed where no reader can go, made inert (the site's own mistakes)."""


class MirrorError(SunsetError, RuntimeError):
    """The mirror could not be written at all (unreadable WARC, unwritable folder)."""


def _write_bytes(root: Path, relative: str, data: bytes) -> Path:
    destination = safe_destination(root, relative)
    with atomic_writer(destination, durable=False) as handle:
        handle.write(data)
    return destination


def _discard(piece: str) -> None:
    """Where a page goes that cannot be written (its notes are still wanted)."""


def _copy_body(root: Path, relative: str, capture: Capture) -> None:
    destination = safe_destination(root, relative)
    with atomic_writer(destination, durable=False) as handle, capture.body.open() as stream:
        shutil.copyfileobj(stream, handle, 1024 * 1024)


def archive_dates(capture: Capture | PlannedRedirect | None, made_on: date | None) -> tuple[date | None, date | None]:
    """(archived on, file dated) for the notice. A crawl's capture date is the day it was
    archived; a file read from disk (no HTTP status) carries its own date, and the archive was
    made on ``made_on``."""
    captured = capture.date if isinstance(capture, Capture) else capture.captured if capture else None
    if captured is None:
        return None, None
    if isinstance(capture, Capture) and capture.status is None and made_on is not None:
        return made_on, captured.date()
    return captured.date(), None


class CaptureWriter:
    """Writes one capture's file of the mirror (:meth:`write`), its links pointed into the mirror by
    ``resolver``: what the mirror written after the master (:class:`MirrorWriter`) and the one written
    while a crawl grows it (:mod:`site_out.along`) share. A file is a function of its capture, its
    path, its language and the resolver's answers (:meth:`site_out.resolve.Resolver.target_path`),
    the start page's among them."""

    def __init__(self, resolver: Resolver, options: MirrorOptions, root: Path, made: datetime | None = None) -> None:
        self.options = options
        self.root = root
        self.words = options.notice.words
        self.resolver = resolver
        self.rewriter = PageRewriter(resolver, external_links=options.external_links, drop=options.drop,
                                     words=self.words)
        self.langs: dict[str, str] = {}
        self.start_url = options.start_url or resolver.scope.base_url
        self.made: datetime | None = made
        """When the master was made (its warcinfo's date)."""
        self.made_on: date | None = made.date() if made is not None else None

    def start_page(self) -> str | None:
        """The start page's file (None: not archived)."""
        return self.resolver.target_path(self.start_url)

    def start_href(self, from_path: str) -> str:
        start_path = self.start_page()
        if start_path is not None:
            return href_between(from_path, start_path)
        return self.resolver.missing_href(from_path, self.start_url)

    def notice(self, from_path: str, capture: Capture | PlannedRedirect | None = None) -> str:
        archived_on, file_dated = archive_dates(capture, self.made_on)
        return render_notice(
            self.options.notice,
            original_url=capture.url if capture is not None else None,
            archived_on=archived_on,
            file_dated=file_dated,
            archived_by=capture.archived_by if isinstance(capture, Capture) else None,
            start_href=self.start_href(from_path),
            about_href=href_between(from_path, ABOUT_PAGE),
            index_href=href_between(from_path, PAGES_INDEX),
        )

    def write(self, capture: Capture, planned: PlannedFile, lang: str | None = None,
              page: PageTokens | None = None) -> FileWritten:
        """Write one capture's file; what it adds to the tallies comes back for :meth:`add`.

        ``lang``: the page's language from its record (else from :meth:`languages_from`).
        ``page``: the text and tokens normalize read, used when the mirror decodes the same text.
        A file that cannot be written is a problem of the mirror; a full disk or a read-only
        folder stops it (the next file would fail too).
        """
        written = FileWritten(capture.url)
        try:
            self._write_file(capture, planned, written, lang, page)
        except (OSError, UnsafePathError) as error:
            if is_disk_error(error):
                raise
            written.problems.append(f"{capture.url}: cannot write {planned.path}: {error}")
        return written

    def _record(self, page: str, issues: tuple[LinkIssue, ...], out: FileWritten) -> None:
        """One note per target, not per occurrence: the issues come one per reason and target with
        their count, and a page missing under an alias host is the site's page missing."""
        seen: set[tuple[str, str]] = set()
        local = self.resolver.scope.local
        for issue in issues:
            if issue.reason == "missing" and issue.url:
                issue = replace(issue, url=local(issue.url))
            if (issue.reason, issue.url or issue.raw) in seen:
                if issue.reason == "script":
                    out.scripts_left += issue.count
                continue
            seen.add((issue.reason, issue.url or issue.raw))
            if issue.reason == "missing":
                out.missing.append(MissingLink(page, issue.url, issue.raw))
            elif issue.reason == "leftover":
                out.leftovers.append(LeftoverLink(page, issue.raw, issue.tag, issue.note or ""))
            elif issue.reason == "script":
                out.scripts_left += issue.count
                out.problems.append(f"{page}: script in <{issue.tag}> left as written: {issue.raw}")
            else:
                out.problems.append(f"{page}: cannot read link {issue.raw!r} on <{issue.tag}>")

    def _write_file(self, capture: Capture, planned: PlannedFile, out: FileWritten, lang: str | None,
                    page: PageTokens | None) -> None:
        if planned.kind == "html":
            self._write_page(capture, planned, out, lang or self.langs.get(capture.url), page)
        elif planned.kind == "css":
            self._write_css(capture, planned, out)
        else:
            _copy_body(self.root, planned.path, capture)
        out.files += 1

    def _read_capped(self, capture: Capture, out: FileWritten, *, binary_ok: bool = False) -> bytes:
        """The body up to ``max_page_bytes``; a longer one is cut in the mirror, and said so
        (not when ``binary_ok`` and it proves binary: that is copied whole)."""
        limit = self.options.max_page_bytes
        with capture.body.open() as stream:
            data = stream.read(limit + 1)
        if len(data) > limit and not (binary_ok and magic_type(data[:16]) is not None):
            out.problems.append(f"{capture.url}: {capture.body.size} bytes, over max_page_bytes ({limit}): "
                                f"only the first {limit} bytes are in the mirror (the WARC keeps it whole)")
            data = data[:limit]
        return data

    def _write_page(self, capture: Capture, planned: PlannedFile, out: FileWritten, lang: str | None,
                    page: PageTokens | None) -> None:
        data = self._read_capped(capture, out, binary_ok=True)
        if proves_not_a_page(data):
            out.problems.append(f"{capture.url}: served as a page but is {magic_type(data[:16])}; copied as is")
            _copy_body(self.root, planned.path, capture)
            return
        decoded = decode_page(data, capture.content_type)
        for problem in decoded.problems:
            out.problems.append(f"{capture.url}: {problem} (decoded as {decoded.charset})")
        tokens = page.tokens if page is not None and page.text == decoded.text else None
        rewrite = partial(self.rewriter.rewrite_to, text=decoded.text, page_url=capture.url, page_path=planned.path,
                          notice_html=self.notice(planned.path, capture), lang=lang, captured=capture.date.date(),
                          tokens=tokens)
        try:  # written as it is rewritten: a page is never whole in memory
            with atomic_writer(safe_destination(self.root, planned.path), "w", durable=False, encoding="utf-8",
                               errors="replace", newline="") as handle:
                issues = rewrite(handle.write)
        except (OSError, UnsafePathError):
            self._record(capture.url, rewrite(_discard), out)  # its notes all the same, as for a page written
            raise
        self._record(capture.url, issues, out)
        out.pages += 1
        out.page_path = planned.path

    def _write_css(self, capture: Capture, planned: PlannedFile, out: FileWritten) -> None:
        css = decode_css(self._read_capped(capture, out), capture.content_type)
        issues = IssueLog()
        css = self.rewriter.rewrite_css(css, capture.url, planned.path, issues)
        css = _CSS_CHARSET.sub('@charset "utf-8";', css, count=1)
        self._record(capture.url, issues.issues(), out)
        _write_bytes(self.root, planned.path, css.encode("utf-8", errors="replace"))


class MirrorWriter(CaptureWriter):
    """Writes ``mirror/`` from one WARC: :meth:`open` plans every file (pass 1, from the master's
    capture index: no body read); :meth:`write` writes one capture's file (pass 2), in this process or in a forked
    worker, which inherits the writer; :meth:`add` takes what each write reports, in WARC order;
    :meth:`finish` writes sunset's own pages, the catalog, the report and the redirect maps.
    """

    def __init__(self, plan: MirrorPlan, options: MirrorOptions, root: Path, warc_path: Path, out_dir: Path,
                 made: datetime | None = None) -> None:
        scope = Scope(options.base_url, options.case_insensitive, options.aliases)
        resolver = Resolver(plan.paths, scope, index_files=options.index_files, language=options.notice.words.lang)
        shortcut_redirects(plan, resolver)
        super().__init__(resolver, options, root, made)
        self.plan = plan
        self.warc_path = warc_path
        self.out_dir = out_dir
        self.scripts_left = 0
        self.start_path = self.resolver.target_path(self.start_url)
        self.problems: list[str] = list(plan.problems)
        self.missing: list[MissingLink] = []
        self.leftovers: list[LeftoverLink] = []
        self.pages = 0
        self.files = 0

    def start_page(self) -> str | None:
        return self.start_path

    @classmethod
    def open(cls, index: CaptureIndex, options: MirrorOptions, out_dir: Path, *,
             stale: str = "left by an earlier run") -> MirrorWriter:
        """The mirror's folder and its plan (pass 1: the master's capture index, ``index``, asked,
        with the old server's answers over it, :class:`archive.served.SiteIndex`; no body read),
        ready to write each capture of the site as served (:func:`archive.served.iter_site_captures`).
        A file already there that no capture explains is removed first (``stale``: how it came to be
        there, for the log): a file of a killed run may stand where a folder of this plan must go."""
        root = out_dir / MIRROR_FOLDER
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise MirrorError(f"cannot create the mirror folder {root}: {error}") from error
        with SiteIndex(index) as site:  # the site as served: the old server's answers over its files
            plan = build_plan(site, case_insensitive=options.case_insensitive, store=out_dir / PLAN_FILE)
        remove_unexplained(root, plan, stale)
        return cls(plan, options, root, index.warc, out_dir, warcinfo_date(index.warc))

    @property
    def captures(self) -> int:
        """Captures in the WARC (what a pass over all of them counts to)."""
        return self.plan.captures

    @property
    def planned_files(self) -> int:
        """Captures that become a file (what a pass over those alone counts to)."""
        return len(self.plan.files)

    def languages_from(self, records_path: Path) -> None:
        """Page languages for :meth:`write` from ``records.jsonl``, when the caller has no record at hand."""
        langs: dict[str, str | None] = {}
        for url, _, _, lang in iter_record_pages(records_path):
            langs.setdefault(url, lang)  # the first capture of a URL is the one the plan keeps
        self.langs = {url: lang for url, lang in langs.items() if lang}

    def planned(self, ordinal: int, capture: Capture) -> PlannedFile | None:
        """The file capture ``ordinal`` (counted in WARC order) becomes, if any; the WARC must not
        have changed since the plan."""
        planned = self.plan.files.get(ordinal)
        if planned is not None and planned.url != capture.url:
            raise MirrorError(
                f"{self.warc_path} changed while the mirror was being written "
                f"(capture {ordinal} is {capture.url}, expected {planned.url}); run the mirror again"
            )
        return planned

    def add(self, written: FileWritten) -> None:
        """Count one file's :meth:`write` (in WARC order, so the problem list is the same with any workers)."""
        self.problems.extend(written.problems)
        self.missing.extend(written.missing)
        self.leftovers.extend(written.leftovers)
        self.scripts_left += written.scripts_left
        if written.page_path is not None:
            self.plan.files.mark_page(written.page_path)
        self.pages += written.pages
        self.files += written.files

    def finish(self, records_path: Path | None) -> MirrorSummary:
        """Everything after the captures: sunset's own pages, forwarding pages, catalog, report,
        redirect maps. ``records_path`` (``records.jsonl``) titles the pages in the catalog."""
        plan, options, root, warc_path, out_dir = self.plan, self.options, self.root, self.warc_path, self.out_dir
        index_path = self.write_special_pages()
        self.write_forwarding_pages()
        dates = DateSpread(plan.captures - plan.answers, plan.first_capture, plan.last_capture)
        signs = dates.copy_signs(options.notice.date, self.made) if options.date_source == "mtime" else ()
        facts = ArchiveFacts(
            warc_name=options.warc_name or warc_path.name,
            warc_sha256=options.warc_sha256 or file_sha256(warc_path),
            warc_size=warc_path.stat().st_size,
            pages=self.pages,
            files=self.files,
            redirects=len(plan.redirects),
            missing_links=len(self.missing),
            first_capture=plan.first_capture,
            last_capture=plan.last_capture,
            copy_signs=signs,
            archived_by=tuple(plan.archived_by),
        )
        self.write_catalog(records_path, facts)
        remove_unexplained(root, plan)
        write_report(root, out_dir, records_path, warc_path, ((link.page, link.url or link.raw) for link in self.missing),
                     notice_html=self.notice(REPORT_PAGE), options=options, dates=dates, copy_signs=signs,
                     archived_months=plan.archived_months,
                     leftovers=[(link.page, link.raw, link.why) for link in self.leftovers])
        entries = build_entries(self.redirect_pairs(), options.publish_url)
        maps = write_redirect_maps(out_dir, entries, options.case_insensitive)
        plan.close()
        return MirrorSummary(
            pages=self.pages,
            files=self.files,
            missing_links=len(self.missing),
            problems=tuple(self.problems),
            index_path=index_path,
            missing=tuple(self.missing),
            root=root,
            redirects=len(plan.redirects),
            scripts_left=self.scripts_left,
            redirect_maps=tuple(maps),
            left_out=tuple(plan.left_out),
            leftovers=tuple(self.leftovers),
        )

    def write_special_pages(self) -> Path:
        name = self.options.site_name
        words = self.words
        for lang in missing_languages(words.lang):
            path = missing_page_for(lang, words.lang)
            html = missing_page(self.notice(path), site_name=name, start_href=self.start_href(path), lang=lang)
            _write_bytes(self.root, path, html.encode("utf-8"))
        html = form_closed_page(self.notice(FORM_CLOSED_PAGE), site_name=name,
                                start_href=self.start_href(FORM_CLOSED_PAGE), words=words)
        _write_bytes(self.root, FORM_CLOSED_PAGE, html.encode("utf-8"))
        _write_bytes(self.root, BLANK_IMAGE, BLANK_GIF)
        _write_bytes(self.root, FRAME_NOTICE_PAGE, frame_notice_page(
            self.notice(FRAME_NOTICE_PAGE), site_name=name, words=words).encode("utf-8"))
        _write_bytes(self.root, SEARCH_SCRIPT, search_script(words).encode("utf-8"))
        if self.start_path is None:
            self.problems.append(f"start page {self.start_url} is not in the archive")
        html = index_page(self.notice(INDEX_PAGE), site_name=name, start_href=self.start_href(INDEX_PAGE),
                          words=words)
        return _write_bytes(self.root, INDEX_PAGE, html.encode("utf-8"))

    def write_forwarding_pages(self) -> None:
        """Each redirect of the old site as a page at the old address that forwards to the target."""
        for redirect in self.plan.redirects:
            resolution = self.resolver.resolve(redirect.target, redirect.url, redirect.path)
            # A target no reader can open (file:, a drive letter) is shown as text, as any non-web target.
            href = (resolution.href if resolution.outcome != "leftover" else None) or redirect.target
            html = forwarding_page(self.notice(redirect.path, redirect), target_href=href,
                                   original_url=redirect.url, target_url=redirect.target, words=self.words)
            try:
                _write_bytes(self.root, redirect.path, html.encode("utf-8"))
            except (OSError, UnsafePathError) as error:
                if is_disk_error(error):
                    raise
                self.problems.append(f"{redirect.url}: cannot write {redirect.path}: {error}")

    def catalog_entries(self, records_path: Path | None) -> Iterator[CatalogEntry]:
        """The pages for the index, titled from the records (from the plan when there are none)."""
        if records_path is None or not records_path.exists():
            for planned in self.plan.files.pages():
                yield CatalogEntry(href_between(PAGES_INDEX, planned.path), planned.url, "", "")
            return
        for url, title, text, _ in iter_record_pages(records_path):
            path = self.resolver.target_path(url)
            if path is not None and self.plan.files.is_page(path):
                yield CatalogEntry(href_between(PAGES_INDEX, path), url, title or "", text)

    def write_catalog(self, records_path: Path | None, facts: ArchiveFacts) -> None:
        notice = self.notice(PAGES_INDEX)
        with atomic_writer(safe_destination(self.root, SEARCH_INDEX), "w", encoding="utf-8") as index_out:
            write_catalog(self.catalog_entries(records_path), notice, self.options.site_name, self.root, index_out,
                          self.words)
        html = about_page(self.notice(ABOUT_PAGE), self.options, facts,
                          index_href=href_between(ABOUT_PAGE, PAGES_INDEX),
                          start_href=self.start_href(ABOUT_PAGE) if self.start_path else None)
        _write_bytes(self.root, ABOUT_PAGE, html.encode("utf-8"))

    def redirect_pairs(self) -> Iterator[tuple[str, str]]:
        """(old URL, mirror path) for every URL of the old host that has a place in the mirror,
        sorted by old URL."""
        return sorted_pairs(self.plan.store, self._redirect_pairs())

    def _redirect_pairs(self) -> Iterator[tuple[str, str]]:
        urls = itertools.chain((planned.url for planned in self.plan.files.values()),
                               [redirect.url for redirect in self.plan.redirects])
        for url in urls:
            if self.resolver.scope.same_host(url):
                path = self.resolver.target_path(url)
                if path is not None:
                    yield url, path


@dataclass(slots=True)
class FileWritten:
    """What writing one capture added to the mirror's tallies (filled in a worker, sent back to
    :meth:`MirrorWriter.add`)."""

    url: str
    problems: list[str] = field(default_factory=list)
    missing: list[MissingLink] = field(default_factory=list)
    leftovers: list[LeftoverLink] = field(default_factory=list)
    scripts_left: int = 0
    page_path: str | None = None
    pages: int = 0
    files: int = 0


def _mirror_tasks(writer: MirrorWriter) -> Iterator[Task[tuple[Capture, object]]]:
    for ordinal, capture in enumerate(iter_site_captures(writer.warc_path)):
        planned = writer.planned(ordinal, capture)
        if planned is None:
            continue
        if planned.kind in ("html", "css"):
            yield capture_task(capture, planned)
        else:  # copied as is: no parsing to share out, and no need to hold the body in memory
            yield Task((capture, planned), local=True)


def _write_task(writer: MirrorWriter, task: tuple[Capture, PlannedFile]) -> FileWritten:
    """One task of :func:`write_mirror`, in a worker process (or here for local tasks)."""
    return writer.write(*task)


def write_mirror(
    warc_path: Path,
    records_path: Path | None,
    options: MirrorOptions,
    out_dir: Path,
    *,
    progress: Progress | None = None,
    workers: int = 1,
    index: CaptureIndex | None = None,
) -> MirrorSummary:
    """Write ``out_dir/mirror/`` from the captures in ``warc_path``.

    ``records_path`` (``records.jsonl``, optional) gives page languages, titles and text for
    ``_sunset/index.html`` and its search. The redirect maps go into ``out_dir``.
    ``progress`` is called with each capture's URL as it is written. ``workers`` > 1
    rewrites pages in that many processes; every output is the same as with one.
    ``index``: ``warc_path``'s capture index, when the caller has it (else opened here).
    """
    with nullcontext(index) if index is not None else CaptureIndex(warc_path) as captures:
        writer = MirrorWriter.open(captures, options, out_dir)
    if hasattr(progress, "set_total"):  # a bar that can show the total and the time left
        progress.set_total(writer.planned_files)  # type: ignore[union-attr]
    if records_path is not None and records_path.exists():
        writer.languages_from(records_path)
    # Forked workers inherit the writer (plan, resolver) instead of unpickling it per chunk.
    for written in map_ordered(_write_task, _mirror_tasks(writer), workers, context=writer):
        writer.add(written)
        if progress is not None:
            progress(written.url)
    return writer.finish(records_path)
