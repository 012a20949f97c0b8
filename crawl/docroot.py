"""Ingest a document root: every regular file under it becomes a capture, linked or not.

No link is followed to find files (orphans are part of the site too). Symlinks are not
followed, and special files (FIFOs, devices) are skipped, so nothing outside the docroot is
ever read; each skip is reported through ``on_skip``. One walker finds the files, for the checks
before a run, the progress total and the ingest alike (:func:`list_docroot`).

``[source] exclude`` keeps files out (backups, private folders): the crawl's own patterns
(:class:`crawl.rules.UrlPatterns`), searched in the URL each file would be archived at. A folder
whose URL (with its slash) matches is not entered at all.
"""
from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from archive.capture import Capture, FileBody
from archive.errors import SourceError
from archive.sniff import guess_file_type
from archive.urls import canonicalize
from crawl.options import SourceOptions
from crawl.rules import UrlPatterns

SkipReporter = Callable[[Path, str], None]


class DocrootError(SourceError, OSError):
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


Skip = tuple[Path, str]
"""A path the walk left out, and why (a link, a special file, a folder it cannot list)."""


@dataclass(frozen=True, slots=True)
class Excluded:
    """A file or folder ``[source] exclude`` kept out: its path relative to the docroot (a folder's
    ends in ``/``; what is inside it was not read) and the pattern its URL matched."""

    path: str
    pattern: str

    @property
    def folder(self) -> bool:
        return self.path.endswith("/")

    def __str__(self) -> str:
        """As the log names it."""
        return f"{'folder (not read)' if self.folder else 'file'} {self.path}: matches [source] exclude pattern " \
               f"{self.pattern!r}"


class _Exclusions:
    """``[source] exclude`` applied to docroot paths: the crawl's patterns, on each file's URL."""

    def __init__(self, root: Path, options: SourceOptions) -> None:
        self.root = root
        self.base = docroot_base(options)
        self.patterns = UrlPatterns.compile(options.crawl.exclude, "exclude",
                                            case_insensitive=options.case_insensitive)

    def of(self, path: Path, *, folder: bool) -> Excluded | None:
        if not self.patterns:
            return None
        relative = path.relative_to(self.root).as_posix() + ("/" if folder else "")
        pattern = self.patterns.first_match(url_for_file(relative, self.base))
        return None if pattern is None else Excluded(relative, pattern)


def _walk(root: Path, options: SourceOptions) -> Iterator[Path | Skip | Excluded]:
    """Regular files under ``root`` in a stable order (sorted by name at every level), and what
    was left out, in the order met.

    A stack of folder listings rather than recursion: a docroot nested a thousand folders
    deep is a file system's right and must not end in ``RecursionError``.
    """
    exclusions = _Exclusions(root, options)
    stack: list[Iterator[os.DirEntry[str]]] = []
    listing = _listing(root)
    if isinstance(listing, tuple):
        yield listing
    else:
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
            yield path, f"cannot read: {error.strerror or error}"
            continue
        excluded = exclusions.of(path, folder=stat.S_ISDIR(mode)) if not stat.S_ISLNK(mode) else None
        if excluded is not None:
            yield excluded
        elif stat.S_ISLNK(mode):
            yield path, "symbolic link, not followed"
        elif stat.S_ISDIR(mode):
            listing = _listing(path)
            if isinstance(listing, tuple):
                yield listing
            else:
                stack.append(listing)
        elif stat.S_ISREG(mode):
            yield path
        else:
            yield path, "not a regular file (FIFO, socket or device), skipped"


def _listing(folder: Path) -> Iterator[os.DirEntry[str]] | Skip:
    try:
        with os.scandir(folder) as entries:
            return iter(sorted(entries, key=lambda entry: entry.name))
    except OSError as error:
        return folder, f"cannot list folder: {error.strerror or error}"


def _docroot(options: SourceOptions) -> Path:
    if options.docroot is None:
        raise DocrootError("no docroot is configured")
    if not options.docroot.is_dir():
        raise DocrootError(f"docroot {options.docroot} is not a folder (check [source] docroot in the config)")
    return options.docroot


@dataclass(frozen=True, slots=True)
class DocrootFiles:
    """One walk of a docroot: its files (POSIX paths relative to it, in ingest order) and what the
    walk left out. A run walks its docroot once: the checks before the run, the progress total
    (``len``) and the ingest (:func:`iter_docroot` with ``files``) all read this."""

    root: Path
    files: tuple[str, ...]
    skipped: tuple[Skip, ...] = ()
    excluded: tuple[Excluded, ...] = ()
    """What ``[source] exclude`` kept out, for the log (not problems: the config asked for it)."""

    def __len__(self) -> int:
        return len(self.files)


def list_docroot(options: SourceOptions) -> DocrootFiles:
    """Walk the docroot once; the skips are reported when the files are ingested."""
    root = _docroot(options)
    files: list[str] = []
    skipped: list[Skip] = []
    excluded: list[Excluded] = []
    for found in _walk(root, options):
        if isinstance(found, tuple):
            skipped.append(found)
        elif isinstance(found, Excluded):
            excluded.append(found)
        else:
            files.append(found.relative_to(root).as_posix())
    return DocrootFiles(root, tuple(files), tuple(skipped), tuple(excluded))


def _walked(root: Path, options: SourceOptions, files: DocrootFiles | None) -> Iterator[str | Skip]:
    """Relative paths and skips: from ``files``, or from a walk as it goes (nothing held)."""
    if files is not None:
        yield from files.skipped
        yield from files.files
        return
    for found in _walk(root, options):
        if not isinstance(found, Excluded):
            yield found if isinstance(found, tuple) else found.relative_to(root).as_posix()


def iter_docroot(options: SourceOptions, on_skip: SkipReporter | None = None,
                 files: DocrootFiles | None = None) -> Iterator[Capture]:
    """Yield one capture per file under ``options.docroot``: of ``files`` when the docroot was
    already walked (:func:`list_docroot`), else found as the walk goes."""
    root = _docroot(options) if files is None else files.root
    report = on_skip or (lambda path, reason: None)
    base = docroot_base(options)
    for found in _walked(root, options, files):
        if isinstance(found, tuple):
            report(*found)
            continue
        relative = found
        path = root / relative
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
