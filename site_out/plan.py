"""Pass 1 of the mirror: which capture becomes which file, decided before anything is written.

Links can point forward and backward, so every page's rewrite needs the whole URL -> file
map up front. It is built from the master's capture index (:mod:`archive.capture_index`: the
captures in order and the first of each URL, from headers only), which keeps it cheap; the map
holds paths, never page contents, and lives in SQLite (:mod:`site_out.plan_store`), so its
memory does not grow with the site.
"""
from __future__ import annotations

import posixpath
import sqlite3
from collections import Counter
from collections.abc import Callable, Container, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

from archive.capture import Capture, answered_ok
from archive.capture_index import CaptureIndex
from archive.served import SiteIndex
from archive.sniff import (
    GENERIC_TYPES,
    PAGE_SUFFIXES,
    guess_file_type,
    is_css,
    is_html,
    media_type,
)
from archive.sqlite_store import SqliteStore
from archive.urls import BadURL, absolute, lookup_key
from archive.withheld import withheld
from site_out.paths import UnmappableURL, mirror_path
from site_out.plan_store import (
    FileKind,
    PlanFiles,
    PlannedFile,
    PlanPaths,
    SqlSet,
    plan_store,
)
from site_out.resolve import FORM_CLOSED_PAGE, Resolver

_NEVER_PAGES = ("image/", "audio/", "video/", "application/java", "application/pdf",
                "application/zip", "application/gzip", "text/css")


def extension_says_not_a_page(path: str) -> bool:
    """``logo.gif`` sent as ``text/html`` (a misconfigured server) is still an image."""
    name = path.rsplit("/", 1)[-1]
    if "." not in name:
        return False
    return guess_file_type(name, b"").startswith(_NEVER_PAGES)


def classify(content_type: str | None, url: str) -> FileKind:
    """How the mirror treats a capture, from its type and name only (pass 1 has no bytes).

    Old servers sent pages as ``text/plain`` or with no type; a page-like extension with a
    generic type still counts as a page. Pass 2 falls back to a plain copy if the bytes
    prove a binary format.
    """
    path = urlsplit(url).path.lower()
    kind = media_type(content_type)
    if is_html(content_type) and not extension_says_not_a_page(path):
        return "html"
    if kind in GENERIC_TYPES and path.endswith(PAGE_SUFFIXES):
        return "html"
    if is_css(content_type, url):
        return "css"
    return "other"


@dataclass(frozen=True, slots=True)
class PlannedRedirect:
    """A 3xx answer of the old site: a small page at ``path`` that forwards to ``target``."""

    url: str
    path: str
    target: str
    captured: datetime


@dataclass(slots=True)
class MirrorPlan:
    """lookup key -> mirror path for every archived URL, and which capture writes each file.

    Both are kept in SQLite (:mod:`site_out.plan_store`): they grow with the site."""

    paths: PlanPaths
    files: PlanFiles
    """capture ordinal (position among the WARC's captures) -> the file it writes."""
    problems: list[str]
    store: SqliteStore
    redirects: list[PlannedRedirect] = field(default_factory=list)
    first_capture: datetime | None = None
    last_capture: datetime | None = None
    captures: int = 0
    """How many captures the WARC holds (the total a progress bar shows)."""
    left_out: list[str] = field(default_factory=list)
    """Error answers (a 404 page, a 500): kept in the WARC, no file in the mirror; for the log, not problems."""
    archived_by: list[str] = field(default_factory=list)
    """The web archives the captures were taken from (none: from the old server or its files)."""
    archived_months: Counter[str] = field(default_factory=Counter)
    """``YYYY-MM`` -> captures taken from a web archive in that month (the report's chart)."""
    answers: int = 0
    """Of the captures, the old server's answers sunset worked out (:mod:`archive.served`); the others
    are the files or fetches archived, which alone the capture dates count."""

    def explains(self, path: str) -> bool:
        """Whether a capture (a file or a forwarding page) has ``path`` in the mirror."""
        return self.files.has_path(path) or any(redirect.path == path for redirect in self.redirects)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> MirrorPlan:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def withheld_file(capture: Capture) -> str | None:
    """Why a file read from a docroot is never published (a program's source, a password file),
    or None; a server's answer (a crawl's, or a saved program's output with its query) is what
    readers got, and is published."""
    parts = urlsplit(capture.url)
    if capture.status is not None or parts.query:
        return None
    return withheld(unquote(parts.path).lstrip("/"))


def _successful(capture: Capture) -> bool:
    return answered_ok(capture.status)


def redirect_target(capture: Capture) -> str | None:
    if capture.status is None or not 300 <= capture.status < 400:
        return None
    location = capture.header("Location")
    if not location:
        return None
    try:
        return absolute(location, capture.url)
    except (BadURL, ValueError):
        return None


def planned_kind(capture: Capture) -> FileKind | None:
    """What the plan makes of a capture: its kind of file, ``redirect`` for a 3xx with a usable
    Location, None for an answer it leaves out (an error)."""
    if _successful(capture):
        return classify(capture.content_type, capture.url)
    return "redirect" if redirect_target(capture) is not None else None


def unique_path(path: str, taken: Container[str], folders: Container[str]) -> str:
    """A variant of ``path`` that clashes with no file or folder on a case-blind disk."""
    candidate, number = path, 1
    while candidate.casefold() in taken or candidate.casefold() in folders:
        number += 1
        stem, extension = posixpath.splitext(path)
        candidate = f"{stem}~{number}{extension}"
    return candidate


_WORK_TABLES = """
CREATE TABLE chosen (ordinal INTEGER PRIMARY KEY, key TEXT, url TEXT, kind TEXT, redirect INTEGER);
CREATE INDEX chosen_order ON chosen (redirect, ordinal);
CREATE TABLE planned (seq INTEGER PRIMARY KEY, ordinal INTEGER, key TEXT, url TEXT, kind TEXT, path TEXT);
CREATE TABLE folders (name TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE taken (folded TEXT PRIMARY KEY, path TEXT) WITHOUT ROWID;
CREATE TABLE exact (path TEXT PRIMARY KEY, final TEXT) WITHOUT ROWID;
"""


def build_plan(index: CaptureIndex | SiteIndex, *, case_insensitive: bool, store: Path | None = None) -> MirrorPlan:
    """Give each archived URL a file; the first capture of a URL (``index`` knows which) or a path wins.

    A redirect (3xx with a Location) gets a forwarding page at its own URL's path; links to
    it are pointed straight at the target later, by :func:`shortcut_redirects`. ``store``:
    the file to keep the plan in (the mirror's, which its workers read); None: in memory.
    """
    database = plan_store(store)
    db = database.db
    db.executescript(_WORK_TABLES)
    db.execute("BEGIN")
    problems: list[str] = []
    left_out: list[str] = []
    withheld: list[str] = []  # keys of server-side source read from a docroot (few)
    redirects: dict[int, tuple[str, datetime]] = {}  # ordinal -> target, capture date (few)
    first: datetime | None = None
    last: datetime | None = None
    archives: list[str] = []
    months: Counter[str] = Counter()
    count = answers = 0
    for ordinal, capture in enumerate(index.captures()):
        count = ordinal + 1
        if capture.reconstruction:
            answers += 1
        else:
            first = capture.date if first is None else min(first, capture.date)
            last = capture.date if last is None else max(last, capture.date)
        if capture.archived_by:
            months[capture.date.strftime("%Y-%m")] += 1
            if capture.archived_by not in archives:
                archives.append(capture.archived_by)
        try:
            key = lookup_key(capture.url, case_insensitive)
        except (BadURL, ValueError):
            problems.append(f"{capture.url}: not a usable URL, left out of the mirror")
            continue
        if urlsplit(key).scheme not in ("http", "https"):
            continue
        if index.first_ordinal(key, case_insensitive=case_insensitive) != ordinal:
            continue  # an earlier capture of this URL has it
        if withheld_file(capture) is not None:  # listed by the served step's notes (sunset.served)
            withheld.append(key)
            continue
        if _successful(capture):
            db.execute("INSERT INTO chosen VALUES (?, ?, ?, ?, 0)",
                       (ordinal, key, capture.url, classify(capture.content_type, capture.url)))
            continue
        target = redirect_target(capture)
        if target is None:
            left_out.append(f"{capture.url}: HTTP status {capture.status}, left out of the mirror")
            continue
        redirects[ordinal] = (target, capture.date)
        db.execute("INSERT INTO chosen VALUES (?, ?, ?, 'redirect', 1)", (ordinal, key, capture.url))

    # Archived files get their names before forwarding pages, which yield on a clash.
    # Folders first, so a file named like a folder (``/a/b`` beside ``/a/b/c``) is renamed.
    for ordinal, key, url, kind in _rows(db, "SELECT ordinal, key, url, kind FROM chosen ORDER BY redirect, ordinal"):
        try:
            path = mirror_path(url, is_html=kind in ("html", "redirect"), case_insensitive=case_insensitive)
        except UnmappableURL as error:
            problems.append(str(error))
            continue
        db.execute("INSERT INTO planned (ordinal, key, url, kind, path) VALUES (?, ?, ?, ?, ?)",
                   (ordinal, key, url, kind, path))
        parent = posixpath.dirname(path)
        while parent:
            db.execute("INSERT OR IGNORE INTO folders (name) VALUES (?)", (parent.casefold(),))
            parent = posixpath.dirname(parent)

    paths, files = PlanPaths(database), PlanFiles(database)
    taken, folders = SqlSet(database, "taken", "folded"), SqlSet(database, "folders", "name")
    forwarding: list[PlannedRedirect] = []
    for ordinal, key, url, kind, path in _rows(db, "SELECT ordinal, key, url, kind, path FROM planned ORDER BY seq"):
        earlier = db.execute("SELECT final FROM exact WHERE path = ?", (path,)).fetchone()
        if earlier is not None:  # same name: first wins
            paths[key] = earlier[0]
            problems.append(f"{url}: same mirror file as an earlier capture ({earlier[0]}); first kept")
            continue
        final = unique_path(path, taken, folders)
        if final != path:
            problems.append(f"{url}: renamed to {final} to avoid a clash with {_clashing(db, path)}")
        db.execute("INSERT INTO exact (path, final) VALUES (?, ?)", (path, final))
        db.execute("INSERT OR REPLACE INTO taken (folded, path) VALUES (?, ?)", (final.casefold(), final))
        paths[key] = final
        if kind == "redirect":
            target, captured = redirects[ordinal]
            forwarding.append(PlannedRedirect(url, final, target, captured))
        else:
            files.add(ordinal, PlannedFile(url, final, kind))
    for key in withheld:  # links to a program lead where a form's do: the service has closed
        paths[key] = FORM_CLOSED_PAGE
    db.execute("COMMIT")
    db.executescript("DROP TABLE chosen; DROP TABLE planned; DROP TABLE folders; DROP TABLE taken; "
                     "DROP TABLE exact;")
    return MirrorPlan(paths, files, problems, database, forwarding, first, last, count, left_out, archives, months,
                      answers)


def _clashing(db: sqlite3.Connection, path: str) -> str:
    """What already holds ``path`` (whatever its case) in the mirror: the file and its URL, or a folder."""
    row = db.execute("SELECT t.path, p.url FROM taken t LEFT JOIN exact e ON e.final = t.path "
                     "LEFT JOIN planned p ON p.path = e.path WHERE t.folded = ? LIMIT 1", (path.casefold(),)).fetchone()
    if row is None:
        return f"the folder {path}/"
    other, url = row
    return other + (f" ({url})" if url else "")


def _rows(db: sqlite3.Connection, query: str) -> Iterator[tuple]:
    """The rows of ``query``, read a batch at a time while the loop writes other tables."""
    cursor = db.execute(query)
    while batch := cursor.fetchmany(1024):
        yield from batch


_MAX_HOPS = 10
"""Redirects followed in a row before a chain is taken for a loop."""


def follow_redirects(target: str, path_of: Callable[[str], str | None],
                     forwarded: Callable[[str], str | None]) -> str | None:
    """The file a chain of redirects starting at ``target`` ends at, or None (not archived, or a loop):
    ``path_of`` names a URL's file, ``forwarded`` the target of the redirect whose forwarding page a
    file is (None: an archived file)."""
    for _ in range(_MAX_HOPS):
        path = path_of(target)
        if path is None:
            return None
        following = forwarded(path)
        if following is None:
            return path
        target = following
    return None


def final_target(redirect: PlannedRedirect, by_path: Mapping[str, PlannedRedirect], resolver: Resolver) -> str | None:
    """The archived file a redirect (or a chain of them) ends at, or None."""
    return follow_redirects(redirect.target, resolver.target_path,
                            lambda path: by_path[path].target if path in by_path else None)


def shortcut_redirects(plan: MirrorPlan, resolver: Resolver) -> None:
    """Point links to a redirected URL straight at the archived file it ended at.

    The forwarding pages stay, for whoever arrives at the old address itself; a redirect
    to a page that was not archived or to another site keeps its forwarding page as target.
    """
    by_path = {redirect.path: redirect for redirect in plan.redirects}
    updates: dict[str, str] = {}
    for redirect in plan.redirects:
        found = final_target(redirect, by_path, resolver)
        if found is not None:
            updates[lookup_key(redirect.url, resolver.case_insensitive)] = found
    plan.paths.update(updates)
