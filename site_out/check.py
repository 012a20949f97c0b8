"""Check a finished mirror from disk: every local link opens a file, every page has the notice.

It reads the mirror with the same scanner, link table and CSS finder as the rewriter, but
knows nothing of the WARC: it judges the files a user will actually open, so the tests, the
end-to-end run and ``sunset verify`` can all trust it.
"""
from __future__ import annotations

import logging
import os
import posixpath
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from archive.sniff import MIRROR_PAGE_SUFFIXES, PAGE_PROOF_BYTES, proves_not_a_page
from archive.urls import SHARED_LINKS
from archive.workers import Task, map_ordered
from normalize.css import iter_css_urls
from normalize.linktable import iter_tag_urls
from normalize.markup import RawText, StartTag, iter_tokens
from site_out.notice import NOTICE_MARKER
from site_out.pages import OWN_PAGE_MARKER, is_web_href

MAX_CHECKED_BYTES = 64 * 1024 * 1024
"""How much of one mirror file is read for links: a rewritten page is bounded by the mirror's
``max_page_bytes`` (its links grow when rewritten), but a file copied as is may be any size."""
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BrokenLink:
    """A local reference in ``page`` (mirror-relative) whose file does not exist."""

    page: str
    href: str
    reason: str


@dataclass(frozen=True, slots=True)
class PageProblem:
    page: str
    problem: str


@lru_cache(maxsize=SHARED_LINKS)
def _is_local(href: str) -> bool:
    value = href.strip()
    if not value or value.startswith("#"):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:  # http://[bad: not a file of the mirror
        return False
    return not parts.scheme and not parts.netloc


class _TargetCheck:
    """Why a resolved path opens nothing, cached per path: thousands of pages link the same files.

    Plain ``os.path`` strings rather than ``pathlib``: this runs for every link of the mirror.
    The cache is bounded (:data:`KNOWN_LIMIT` paths), so a huge mirror does not grow it without end:
    the paths many pages share stay in it; the mirror's catalog of a 50,000-page site, which links
    every page once, filled 65,536 entries (8 MB in each worker, kept to its end).
    """

    KNOWN_LIMIT = 8192

    def __init__(self, root: str) -> None:
        self.root = root
        self.inside = root.rstrip(os.sep) + os.sep
        self.known: dict[str, str | None] = {}

    def __call__(self, page_folder: str, href: str, *, folder_ok: bool = False) -> str | None:
        """Why ``href`` (relative, from a page in ``page_folder``) does not open a file, or None.

        ``folder_ok`` for references that name a folder by design (an applet's CODEBASE).
        """
        path_part = href.strip().split("#", 1)[0].split("?", 1)[0]
        if not path_part:
            return None  # a link to the page itself
        decoded = unquote(path_part)
        if "\\" in decoded or "\x00" in decoded:
            return "unsafe characters in path"
        if decoded.startswith("/"):
            return "absolute path: the mirror must be relocatable"
        target = os.path.normpath(os.path.join(page_folder, decoded))
        if target != self.root and not target.startswith(self.inside):
            return "points outside the mirror"
        try:
            reason = self.known[target]
        except KeyError:
            if not os.path.exists(target):
                reason = "no such file"
            elif os.path.isdir(target):
                reason = "a folder, not a file (file:// browsers show a listing)"
            else:
                reason = None
            if len(self.known) >= self.KNOWN_LIMIT:
                self.known.clear()
            self.known[target] = reason
        if folder_ok and reason is not None and reason.startswith("a folder"):
            return None
        return reason


class _PageScan:
    """(href, whether it may name a folder) for every URL a page refers to, read as it is walked
    (a page dense with links made a list of them, 40 MiB for a 5 MB page), and whether it says
    ``<meta charset="utf-8">`` (once walked): one scan of the page for both."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.has_charset = False

    def __iter__(self) -> Iterator[tuple[str, bool]]:
        text = self.text
        for token in iter_tokens(text):
            if isinstance(token, StartTag):
                if token.name == "base":
                    continue
                if token.name == "meta" and (token.value("charset") or "").strip().lower() == "utf-8":
                    self.has_charset = True
                yield from _tag_hrefs(token)
            elif isinstance(token, RawText) and token.parent == "style":
                yield from ((url, False) for _, _, url in iter_css_urls(text[token.start : token.end]))


def _tag_hrefs(token: StartTag) -> Iterator[tuple[str, bool]]:
    """The hrefs of one start tag, for :class:`_PageScan`."""
    for tag_url in iter_tag_urls(token):
        codebase = (token.value("codebase") or "").strip()
        if (
            token.name == "applet"
            and tag_url.attribute.name in ("code", "archive")
            and codebase
            and _is_local(codebase)
            and _is_local(tag_url.url)
        ):
            # Applet classes load relative to CODEBASE.
            yield posixpath.join(codebase.split("?", 1)[0].split("#", 1)[0], tag_url.url), False
        else:
            yield tag_url.url, token.name == "applet" and tag_url.attribute.name == "codebase"
    style = token.value("style")
    if style:
        yield from ((url, False) for _, _, url in iter_css_urls(style))


def _read_text(path: Path) -> str:
    with path.open("rb") as handle:
        data = handle.read(MAX_CHECKED_BYTES + 1)
    if len(data) > MAX_CHECKED_BYTES:
        log.warning("verify: %s is over %d bytes: only its first %d bytes were checked",
                    path, MAX_CHECKED_BYTES, MAX_CHECKED_BYTES)
        data = data[:MAX_CHECKED_BYTES]
    return data.decode("utf-8", errors="replace")


def iter_mirror_files(root: Path) -> Iterator[Path]:
    for folder, folders, files in os.walk(root):
        folders.sort()
        for name in sorted(files):
            yield Path(folder) / name


MirrorProblem = BrokenLink | PageProblem


def iter_mirror_problems(mirror_root: Path, *, workers: int = 1) -> Iterator[MirrorProblem]:
    """Every local href/src/url() in the mirror's pages and style sheets that opens nothing, and
    every page without exactly one retirement notice or without ``<meta charset="utf-8">``.

    Each file is read and scanned once for both. Query strings and fragments are ignored
    (file:// drops them); external links are not followed. ``workers`` > 1 reads the files in
    that many processes (same order of results).
    """
    root = os.path.abspath(mirror_root)
    tasks = (Task(str(path)) for path in iter_mirror_files(Path(root))
             if path.name.lower().endswith((*MIRROR_PAGE_SUFFIXES, ".css")))
    # A new check (and cache) per call: the mirror may have been rewritten since an earlier one.
    for problems in map_ordered(_check_file, tasks, workers, chunk_size=32, context=_TargetCheck(root)):
        yield from problems


def iter_broken_links(mirror_root: Path, *, workers: int = 1) -> Iterator[BrokenLink]:
    """The links of :func:`iter_mirror_problems` that open nothing."""
    for problem in iter_mirror_problems(mirror_root, workers=workers):
        if isinstance(problem, BrokenLink):
            yield problem


def iter_page_problems(mirror_root: Path, *, workers: int = 1) -> Iterator[PageProblem]:
    """The pages of :func:`iter_mirror_problems` without their one notice or their charset."""
    for problem in iter_mirror_problems(mirror_root, workers=workers):
        if isinstance(problem, PageProblem):
            yield problem


def _check_file(check: _TargetCheck, path: str) -> list[MirrorProblem]:
    """The problems of one mirror file; runs in a worker process."""
    root = check.root
    if not path.lower().endswith(".css"):
        with open(path, "rb") as handle:
            if proves_not_a_page(handle.read(PAGE_PROOF_BYTES)):
                return []  # a binary body under a page's name: the mirror copied it as it is
    text = _read_text(Path(path))
    relative = os.path.relpath(path, root).replace(os.sep, "/")
    problems: list[MirrorProblem] = []
    page = None if path.lower().endswith(".css") else _PageScan(text)
    hrefs = ((url, False) for _, _, url in iter_css_urls(text)) if page is None else page
    folder = os.path.dirname(path)
    own_page = OWN_PAGE_MARKER in text[:4096]
    for href, folder_ok in hrefs:
        if not _is_local(href):
            if href.strip().lower().startswith("file:"):
                problems.append(BrokenLink(relative, href, "file: URL points off the mirror"))
            elif own_page and not is_web_href(href):
                # An archived page keeps its own javascript: links (they ran on the old site
                # too); a page sunset wrote must never carry one.
                problems.append(BrokenLink(relative, href, "not a web address in a page sunset wrote"))
            continue
        reason = check(folder, href, folder_ok=folder_ok)
        if reason:
            problems.append(BrokenLink(relative, href, reason))
    if page is None:
        return problems
    notes: list[MirrorProblem] = []  # the page's own problems come before its links'
    count = text.count(NOTICE_MARKER)
    if count != 1:
        notes.append(PageProblem(relative, f"has {count} retirement notices, expected 1"))
    if not page.has_charset:
        notes.append(PageProblem(relative, 'no <meta charset="utf-8">'))
    return notes + problems
