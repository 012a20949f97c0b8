"""Write the offline mirror from a WARC: every capture as a file, pages rewritten, notice added.

Two passes over the WARC: the first reads headers only and decides every file name (links
need the whole map), the second streams each capture to its file. Only one page body is in
memory at a time; other files are copied in chunks. Each file appears atomically and only
after :func:`site_out.paths.safe_destination` has approved its path.
"""
from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from crawl.atomic import atomic_writer
from crawl.capture import Capture, read_body
from crawl.sniff import magic_type
from crawl.urls import Scope
from crawl.warc_source import iter_warc_captures
from normalize.encoding import decode_page
from site_out.notice import render_notice
from site_out.options import MirrorOptions
from site_out.pages import INDEX_PAGE, form_closed_page, index_page, missing_page
from site_out.paths import UnsafePathError, href_between, safe_destination
from site_out.plan import MirrorPlan, PlannedFile, build_plan
from site_out.resolve import FORM_CLOSED_PAGE, MISSING_PAGE, Resolver
from site_out.rewrite import LinkIssue, PageRewriter

MIRROR_FOLDER = "mirror"
_CSS_CHARSET = re.compile(r"""^\s*@charset\s+["'][^"']*["']\s*;""", re.IGNORECASE)

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class MissingLink:
    """A reference on an archived page to a page of the site that was not archived."""

    page: str
    url: str | None
    raw: str


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


class MirrorError(RuntimeError):
    """The mirror could not be written at all (unreadable WARC, unwritable folder)."""


def _write_bytes(root: Path, relative: str, data: bytes) -> Path:
    destination = safe_destination(root, relative)
    with atomic_writer(destination) as handle:
        handle.write(data)
    return destination


def _copy_body(root: Path, relative: str, capture: Capture) -> None:
    destination = safe_destination(root, relative)
    with atomic_writer(destination) as handle, capture.body.open() as stream:
        shutil.copyfileobj(stream, handle, 1024 * 1024)


def decode_css(data: bytes) -> str:
    """Style sheets of the era: UTF-8 if it decodes, else Windows-1252 (the browsers' default)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


class _MirrorWriter:
    def __init__(self, plan: MirrorPlan, options: MirrorOptions, root: Path) -> None:
        self.plan = plan
        self.options = options
        self.root = root
        scope = Scope(options.base_url, options.case_insensitive)
        self.resolver = Resolver(plan.paths, scope, index_files=options.index_files)
        self.rewriter = PageRewriter(self.resolver)
        self.start_path = self.resolver.target_path(scope.base_url)
        self.start_url = scope.base_url
        self.problems: list[str] = list(plan.problems)
        self.missing: list[MissingLink] = []
        self.pages = 0
        self.files = 0

    def start_href(self, from_path: str) -> str:
        if self.start_path is not None:
            return href_between(from_path, self.start_path)
        return self.resolver.missing_href(from_path, self.start_url)

    def notice(self, from_path: str, capture: Capture | None = None) -> str:
        return render_notice(
            self.options.notice,
            original_url=capture.url if capture is not None else None,
            archived_on=capture.date.date() if capture is not None else None,
            start_href=self.start_href(from_path),
        )

    def _record(self, page: str, issues: tuple[LinkIssue, ...]) -> None:
        for issue in issues:
            if issue.reason == "missing":
                self.missing.append(MissingLink(page, issue.url, issue.raw))
            else:
                self.problems.append(f"{page}: cannot read link {issue.raw!r} on <{issue.tag}>")

    def write(self, capture: Capture, planned: PlannedFile) -> None:
        if planned.kind == "html":
            self._write_page(capture, planned)
        elif planned.kind == "css":
            self._write_css(capture, planned)
        else:
            _copy_body(self.root, planned.path, capture)
        self.files += 1

    def _write_page(self, capture: Capture, planned: PlannedFile) -> None:
        data = read_body(capture.body)
        if magic_type(data[:16]) is not None:
            self.problems.append(f"{capture.url}: served as a page but is {magic_type(data[:16])}; copied as is")
            _write_bytes(self.root, planned.path, data)
            return
        decoded = decode_page(data, capture.content_type)
        for problem in decoded.problems:
            self.problems.append(f"{capture.url}: {problem} (decoded as {decoded.charset})")
        result = self.rewriter.rewrite(
            decoded.text,
            page_url=capture.url,
            page_path=planned.path,
            notice_html=self.notice(planned.path, capture),
        )
        self._record(capture.url, result.issues)
        _write_bytes(self.root, planned.path, result.text.encode("utf-8", errors="replace"))
        self.pages += 1

    def _write_css(self, capture: Capture, planned: PlannedFile) -> None:
        css = decode_css(read_body(capture.body))
        issues: list[LinkIssue] = []
        css = self.rewriter.rewrite_css(css, capture.url, planned.path, issues)
        css = _CSS_CHARSET.sub('@charset "utf-8";', css, count=1)
        self._record(capture.url, tuple(issues))
        _write_bytes(self.root, planned.path, css.encode("utf-8", errors="replace"))

    def write_special_pages(self) -> Path:
        name = self.options.site_name
        for path, render in ((MISSING_PAGE, missing_page), (FORM_CLOSED_PAGE, form_closed_page)):
            html = render(self.notice(path), site_name=name, start_href=self.start_href(path))
            _write_bytes(self.root, path, html.encode("utf-8"))
        if self.start_path is None:
            self.problems.append(f"start page {self.start_url} is not in the archive")
        html = index_page(self.notice(INDEX_PAGE), site_name=name, start_href=self.start_href(INDEX_PAGE))
        return _write_bytes(self.root, INDEX_PAGE, html.encode("utf-8"))


def write_mirror(
    warc_path: Path,
    records_path: Path | None,
    options: MirrorOptions,
    out_dir: Path,
    *,
    progress: Progress | None = None,
) -> MirrorSummary:
    """Write ``out_dir/mirror/`` from the captures in ``warc_path``.

    ``records_path`` is accepted for the stage interface; the mirror does not need it yet.
    ``progress`` is called with each capture's URL as it is written.
    """
    del records_path  # reserved: titles for the missing page and an index, later
    root = out_dir / MIRROR_FOLDER
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise MirrorError(f"cannot create the mirror folder {root}: {error}") from error
    plan = build_plan(
        iter_warc_captures(warc_path, read_bodies=False), case_insensitive=options.case_insensitive
    )
    writer = _MirrorWriter(plan, options, root)
    for ordinal, capture in enumerate(iter_warc_captures(warc_path)):
        planned = plan.files.get(ordinal)
        if planned is None:
            continue
        if planned.url != capture.url:
            raise MirrorError(
                f"{warc_path} changed while the mirror was being written "
                f"(capture {ordinal} is {capture.url}, expected {planned.url}); run the mirror again"
            )
        try:
            writer.write(capture, planned)
        except (OSError, UnsafePathError) as error:
            writer.problems.append(f"{capture.url}: cannot write {planned.path}: {error}")
        if progress is not None:
            progress(capture.url)
    index_path = writer.write_special_pages()
    return MirrorSummary(
        pages=writer.pages,
        files=writer.files,
        missing_links=len(writer.missing),
        problems=tuple(writer.problems),
        index_path=index_path,
        missing=tuple(writer.missing),
        root=root,
    )
