"""Ingest a document root: every regular file under it becomes a capture, linked or not.

No link is followed to find files (orphans are part of the site too). Symlinks are not
followed, and special files (FIFOs, devices) are skipped, so nothing outside the docroot is
ever read; each skip is reported through ``on_skip``.
"""
from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from archive.capture import Capture, FileBody
from archive.errors import SunsetError
from archive.sniff import guess_file_type
from archive.urls import canonicalize
from crawl.options import SourceOptions

SkipReporter = Callable[[Path, str], None]


class DocrootError(SunsetError, OSError):
    """The docroot cannot be read at all."""


def docroot_base(options: SourceOptions) -> str:
    """The URL of the docroot folder itself, ending in a slash."""
    if options.docroot_url:
        url = canonicalize(options.docroot_url)
        return url if url.endswith("/") else url + "/"
    parts = urlsplit(canonicalize(options.base_url))
    return urlunsplit((parts.scheme, parts.netloc, "/", "", ""))


def url_for_file(relative: str, base: str) -> str:
    """The URL a server would have given the file at ``relative`` (a POSIX path).

    The name's own bytes are percent-encoded: a Latin-1 name from an old server (not UTF-8,
    held by Python as surrogates) is served as %E9, as the server sent it.
    """
    return canonicalize(base + quote(os.fsencode(relative), safe="/!$&'()*+,;=:@~"))


def _walk(root: Path, options: SourceOptions, on_skip: SkipReporter) -> Iterator[Path]:
    """Regular files under ``root`` in a stable order (sorted by name at every level).

    A stack of folder listings rather than recursion: a docroot nested a thousand folders
    deep is a file system's right and must not end in ``RecursionError``.
    """
    stack: list[Iterator[os.DirEntry[str]]] = []
    listing = _listing(root, on_skip)
    if listing is not None:
        stack.append(listing)
    while stack:
        entry = next(stack[-1], None)
        if entry is None:
            stack.pop()
            continue
        path = Path(entry.path)
        if entry.name in options.exclude_names:
            continue
        try:
            mode = entry.stat(follow_symlinks=False).st_mode
        except OSError as error:
            on_skip(path, f"cannot read: {error.strerror or error}")
            continue
        if stat.S_ISLNK(mode):
            on_skip(path, "symbolic link, not followed")
        elif stat.S_ISDIR(mode):
            listing = _listing(path, on_skip)
            if listing is not None:
                stack.append(listing)
        elif stat.S_ISREG(mode):
            yield path
        else:
            on_skip(path, "not a regular file (FIFO, socket or device), skipped")


def _listing(folder: Path, on_skip: SkipReporter) -> Iterator[os.DirEntry[str]] | None:
    try:
        with os.scandir(folder) as entries:
            return iter(sorted(entries, key=lambda entry: entry.name))
    except OSError as error:
        on_skip(folder, f"cannot list folder: {error.strerror or error}")
        return None


def iter_docroot(options: SourceOptions, on_skip: SkipReporter | None = None) -> Iterator[Capture]:
    """Yield one capture per file under ``options.docroot``."""
    if options.docroot is None:
        raise DocrootError("no docroot is configured")
    root = options.docroot
    if not root.is_dir():
        raise DocrootError(f"docroot {root} is not a folder (check [source] docroot in the config)")
    report = on_skip or (lambda path, reason: None)
    base = docroot_base(options)
    for path in _walk(root, options, report):
        relative = path.relative_to(root).as_posix()
        try:
            with FileBody(path).open() as handle:
                head = handle.read(512)
            mtime = path.stat().st_mtime
        except OSError as error:
            report(path, f"cannot read: {error.strerror or error}")
            continue
        date = options.file_date or datetime.fromtimestamp(mtime, tz=timezone.utc)
        yield Capture(
            url=url_for_file(relative, base),
            date=date,
            content_type=guess_file_type(relative, head),
            body=FileBody(path),
            origin=str(path),
        )
