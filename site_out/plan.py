"""Pass 1 of the mirror: which capture becomes which file, decided before anything is written.

Links can point forward and backward, so every page's rewrite needs the whole URL -> file
map up front. It is built from WARC headers only (no bodies), which keeps it cheap; the map
holds paths, never page contents.
"""
from __future__ import annotations

import posixpath
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal
from urllib.parse import urlsplit

from archive.capture import Capture
from archive.sniff import (
    GENERIC_TYPES,
    PAGE_SUFFIXES,
    guess_file_type,
    is_css,
    is_html,
    media_type,
)
from archive.urls import BadURL, absolute, lookup_key
from site_out.paths import UnmappableURL, mirror_path
from site_out.resolve import Resolver

FileKind = Literal["html", "css", "other", "redirect"]

_NEVER_PAGES = ("image/", "audio/", "video/", "application/java", "application/pdf",
                "application/zip", "application/gzip", "text/css")


def _extension_says_not_a_page(path: str) -> bool:
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
    if is_html(content_type) and not _extension_says_not_a_page(path):
        return "html"
    if kind in GENERIC_TYPES and path.endswith(PAGE_SUFFIXES):
        return "html"
    if is_css(content_type, url):
        return "css"
    return "other"


@dataclass(frozen=True, slots=True)
class PlannedFile:
    url: str
    path: str
    kind: FileKind


@dataclass(frozen=True, slots=True)
class PlannedRedirect:
    """A 3xx answer of the old site: a small page at ``path`` that forwards to ``target``."""

    url: str
    path: str
    target: str
    captured: datetime


@dataclass(slots=True)
class MirrorPlan:
    """lookup key -> mirror path for every archived URL, and which capture writes each file."""

    paths: dict[str, str]
    files: dict[int, PlannedFile]
    """capture ordinal (position among the WARC's captures) -> the file it writes."""
    problems: list[str]
    redirects: list[PlannedRedirect] = field(default_factory=list)
    first_capture: datetime | None = None
    last_capture: datetime | None = None
    captures: int = 0
    """How many captures the WARC holds (the total a progress bar shows)."""


def _successful(capture: Capture) -> bool:
    return capture.status is None or 200 <= capture.status < 300


def _redirect_target(capture: Capture) -> str | None:
    if capture.status is None or not 300 <= capture.status < 400:
        return None
    location = capture.header("Location")
    if not location:
        return None
    try:
        return absolute(location, capture.url)
    except (BadURL, ValueError):
        return None


def _unique(path: str, taken: dict[str, str], folders: set[str]) -> str:
    """A variant of ``path`` that clashes with no file or folder on a case-blind disk."""
    candidate, number = path, 1
    while candidate.casefold() in taken or candidate.casefold() in folders:
        number += 1
        stem, extension = posixpath.splitext(path)
        candidate = f"{stem}~{number}{extension}"
    return candidate


def build_plan(captures: Iterable[Capture], *, case_insensitive: bool) -> MirrorPlan:
    """Give each archived URL a file; the first capture of a URL or a path wins.

    A redirect (3xx with a Location) gets a forwarding page at its own URL's path; links to
    it are pointed straight at the target later, by :func:`shortcut_redirects`.
    """
    problems: list[str] = []
    chosen: list[tuple[int, str, str, FileKind]] = []  # ordinal, key, url, kind
    redirects: dict[int, tuple[str, datetime]] = {}  # ordinal -> target, capture date
    seen: set[str] = set()
    first: datetime | None = None
    last: datetime | None = None
    count = 0
    for ordinal, capture in enumerate(captures):
        count = ordinal + 1
        first = capture.date if first is None else min(first, capture.date)
        last = capture.date if last is None else max(last, capture.date)
        try:
            key = lookup_key(capture.url, case_insensitive)
        except (BadURL, ValueError):
            problems.append(f"{capture.url}: not a usable URL, left out of the mirror")
            continue
        if key in seen or urlsplit(key).scheme not in ("http", "https"):
            continue
        seen.add(key)
        if _successful(capture):
            chosen.append((ordinal, key, capture.url, classify(capture.content_type, capture.url)))
            continue
        target = _redirect_target(capture)
        if target is None:
            problems.append(f"{capture.url}: HTTP status {capture.status}, left out of the mirror")
            continue
        redirects[ordinal] = (target, capture.date)
        chosen.append((ordinal, key, capture.url, "redirect"))
    # Archived files get their names before forwarding pages, which yield on a clash.
    chosen.sort(key=lambda item: item[3] == "redirect")

    # Folders first, so a file named like a folder (``/a/b`` beside ``/a/b/c``) is renamed.
    planned: list[tuple[int, str, str, FileKind, str]] = []
    folders: set[str] = set()
    for ordinal, key, url, kind in chosen:
        try:
            path = mirror_path(url, is_html=kind in ("html", "redirect"), case_insensitive=case_insensitive)
        except UnmappableURL as error:
            problems.append(str(error))
            continue
        planned.append((ordinal, key, url, kind, path))
        parent = posixpath.dirname(path)
        while parent:
            folders.add(parent.casefold())
            parent = posixpath.dirname(parent)

    paths: dict[str, str] = {}
    files: dict[int, PlannedFile] = {}
    forwarding: list[PlannedRedirect] = []
    taken: dict[str, str] = {}  # casefolded path -> path as written
    exact: dict[str, str] = {}  # path as mapped -> final path (same name: first wins)
    for ordinal, key, url, kind, path in planned:
        if path in exact:
            paths[key] = exact[path]
            problems.append(f"{url}: same mirror file as an earlier capture ({exact[path]}); first kept")
            continue
        final = _unique(path, taken, folders)
        if final != path:
            problems.append(f"{url}: renamed to {final} to avoid a clash with another file or folder")
        exact[path] = final
        taken[final.casefold()] = final
        paths[key] = final
        if kind == "redirect":
            target, captured = redirects[ordinal]
            forwarding.append(PlannedRedirect(url, final, target, captured))
        else:
            files[ordinal] = PlannedFile(url, final, kind)
    return MirrorPlan(paths, files, problems, forwarding, first, last, count)


_MAX_HOPS = 10


def final_target(redirect: PlannedRedirect, by_path: Mapping[str, PlannedRedirect], resolver: Resolver) -> str | None:
    """The archived file a redirect (or a chain of them) ends at, or None."""
    target = redirect.target
    for _ in range(_MAX_HOPS):
        path = resolver.target_path(target)
        if path is None:
            return None
        following = by_path.get(path)
        if following is None:
            return path
        target = following.target
    return None


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
