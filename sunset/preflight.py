"""Checks that stop a run which would archive the wrong thing, before it writes anything.

A docroot one level too deep, an empty docroot or a start page that was never archived
used to give a mirror that opens on "Page not archived" and a summary saying "passed".
Each check raises :class:`archive.errors.ConfigError` saying what is wrong and what to change.
A source's own checks are here (``check_*_source``), named by its line in
:data:`sunset.sources.SOURCES`, which runs them with the checks every command has
(:func:`sunset.sources.check_command`).
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from archive.capture import Capture
from archive.capture_index import CaptureIndex
from archive.errors import ConfigError
from archive.urls import BadURL, lookup_key
from crawl.credentials import load_credentials
from crawl.docroot import DocrootFiles, docroot_base, iter_docroot, list_docroot, url_for_file
from crawl.served.view import ServedView
from site_out.plan import planned_kind
from site_out.resolve import Resolver
from sunset.config import SiteConfig
from sunset.options_table import CRAWL

_START_NAMES = ("index", "default", "home", "welcome", "main", "start", "toc", "contents")


def check_docroot(config: SiteConfig) -> DocrootFiles:
    """The docroot's files, found by the ingest's own walker (:func:`crawl.docroot.list_docroot`),
    once the docroot is known to exist, to hold files, and some of them under ``base_url``."""
    root = config.source.docroot
    assert root is not None
    where = f"{config.path}: [source] docroot"
    if not root.exists():
        raise ConfigError(f"{where}: {root} does not exist: point docroot at a copy of the old server's files "
                          "(relative to the config file)")
    if not root.is_dir():
        raise ConfigError(f"{where}: {root} is not a folder: point docroot at the old server's document root")
    scope = config.scope
    base = docroot_base(config.source)
    listing = list_docroot(config.source)
    if any(scope.contains(url_for_file(relative, base)) for relative in listing.files):
        return listing
    if not listing.files:
        raise ConfigError(f"{where}: {root} holds no files: copy the old site's files into it, or point docroot "
                          "at the folder that holds them")
    hint = _docroot_url_hint(config)
    fix = (f"set [source] docroot_url = \"{hint}\" (the URL this folder was served at)" if hint else
           "point docroot at the server's document root, or set [source] docroot_url to the URL that folder was "
           "served at")
    raise ConfigError(f"{where}: none of the {len(listing)} files in {root} is under base_url {config.base_url} "
                      f"(read as served at {base}, the first is {url_for_file(listing.files[0], base)}): {fix}")


def _docroot_url_hint(config: SiteConfig) -> str | None:
    """The docroot_url at which the docroot's files fall under base_url: the docroot is a folder
    of the site (``conflict/peace/``) rather than the server root."""
    root = config.source.docroot
    assert root is not None
    parts = urlsplit(config.base_url)
    segments = [unquote(segment) for segment in parts.path.split("/")[1:-1]]
    for depth in range(len(segments), 0, -1):
        rest = segments[depth:]
        if (root.joinpath(*rest) if rest else root).is_dir():
            path = "/" + "".join(segment + "/" for segment in segments[:depth])
            return urlunsplit((parts.scheme, parts.netloc, path, "", ""))
    return None


def check_start_page(config: SiteConfig, index: CaptureIndex | None = None,
                     files: DocrootFiles | None = None) -> None:
    """The start page (``[site] start_url``, default: a crawl's first seed, else ``base_url``) is in the
    master WARC (``index``: its capture index), or, before ingest, among the docroot's files
    (``files`` when it was walked already).

    One pass over the captures (the master's capture index, or the docroot's files), holding only
    the start page's few spellings and the best page to suggest: a site of 50,000 pages must not
    need its whole plan in memory to be checked.
    """
    if index is None:
        _check_start(config, iter_docroot(config.source, files=files), config.source.docroot)
        return
    _check_start(config, index.captures(), index.warc)


def _check_start(config: SiteConfig, captures: Iterable[Capture], source: Path | None) -> None:
    scope = config.scope
    case_insensitive = config.source.case_insensitive
    resolver = Resolver({}, scope, index_files=config.source.index_files)
    spellings: dict[str, bool | None] = {}  # lookup key -> whether its first capture is in the mirror
    for candidate in resolver.candidates(config.start):
        try:
            spellings.setdefault(lookup_key(candidate, case_insensitive), None)
        except (BadURL, ValueError):
            continue
    archived_any = False
    suggestion: str | None = None
    seeds = {}  # a crawl's seeds on the site's host, by lookup key -> their place in [source] seeds
    if config.source.docroot is None:
        for number, seed in enumerate(config.source.crawl.seeds):
            with contextlib.suppress(BadURL, ValueError):
                seeds.setdefault(lookup_key(seed, case_insensitive), number)
    seed_found: tuple[int, str] | None = None  # the first seed archived as a page: where the crawl began
    for capture in captures:
        try:
            key = lookup_key(capture.url, case_insensitive)
        except (BadURL, ValueError):
            continue
        if urlsplit(key).scheme not in ("http", "https"):
            continue
        kind = planned_kind(capture)
        archived_any = archived_any or kind is not None
        if key in spellings and spellings[key] is None:  # the first capture of a URL is the one planned
            spellings[key] = kind is not None
        if kind == "html" and key in seeds and (seed_found is None or seeds[key] < seed_found[0]):
            seed_found = (seeds[key], capture.url)
        if kind == "html" and scope.contains(capture.url) and (
                suggestion is None or _start_rank(capture.url) < _start_rank(suggestion)):
            suggestion = capture.url
    if any(spellings.values()) or _opened_by_its_server(config):
        return
    if not archived_any:
        raise ConfigError(f"{source} holds nothing of {config.base_url}: check "
                          f"[source] in {config.path}")
    if seed_found is not None:
        suggestion = seed_found[1]
    hint = f" such as \"{suggestion}\"" if suggestion else ""
    index = ", ".join(config.source.index_files)
    key = ("[site] start_url" if config.start_url else "[source] seeds" if config.first_seed
           else "[site] base_url")
    raise ConfigError(
        f"{config.path}: {key}: the start page {config.start} is not in the archive (nor any of {index} "
        f"there), so the mirror would open on \"Page not archived\": set [site] start_url to the page that opens "
        f"the site{hint}")


def _opened_by_its_server(config: SiteConfig) -> bool:
    """Whether the old server answered the start page with a page of its files although none of
    ``index_files`` is there: a folder opened by the ``DirectoryIndex`` of its ``.htaccess``
    (``index.shtml``), asked of the docroot's served view (:mod:`crawl.served.view`)."""
    if config.source.docroot is None:
        return False
    served = ServedView(config.source).answer(config.start)
    return served.status == 200 and served.kind in ("file", "parsed")


def _start_rank(url: str) -> tuple[int, int, str]:
    """Shallow pages first, and among them the names that usually open a site."""
    path = urlsplit(url).path
    name = path.rsplit("/", 1)[-1].lower().split(".")[0]
    return path.count("/"), 0 if name in _START_NAMES else 1, url


def check_docroot_source(config: SiteConfig, command: str) -> DocrootFiles | None:
    """The docroot's own checks (its line in :data:`sunset.sources.SOURCES`): before ``sunset run`` or
    ``sunset ingest``, its files (the run's one walk of it, for the ingest to read) and, before a
    run, the start page among them; nothing to check before a command that reads the master."""
    if command not in ("run", "ingest"):
        return None
    files = check_docroot(config)
    if command == "run":
        check_start_page(config, files=files)
    return files


def check_wayback_source(config: SiteConfig, command: str) -> None:
    """A web archive's own check: nothing is fetched from a staging copy (``fetch_from`` is the
    crawl's), so a config that names one asks for two sources, whatever the command."""
    if config.source.crawl.fetch_from is not None:
        raise ConfigError(f"{config.path}: [source] wayback and fetch_from are both set: the site comes from the "
                          "web archive or from a staging copy; remove one of them")


def check_crawl_source(config: SiteConfig, command: str) -> None:
    """The crawl's own check: before it fetches (``sunset run``, ``sunset crawl``), the secrets it
    sends (``auth``, ``headers``, ``cookies``) can be read, or the crawl stops before it starts."""
    if command in CRAWL:
        load_credentials(config.source.crawl)
