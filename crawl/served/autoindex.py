"""The listing Apache's mod_autoindex wrote for a folder without an index page.

Apache 2.4's markup, byte for byte as the tests' Apache writes it: the plain ``<ul>`` list, or
with ``IndexOptions FancyIndexing`` the ``<pre>`` table of names, dates and sizes (sizes as
``apr_strfsize`` wrote them, names cut at ``NameWidth`` with ``..>``). No icons: sunset does not
know the old server's ``AddIcon`` lines (they are reported as not emulated).
"""
from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from html import escape

from crawl.served.htaccess import IndexSettings
from crawl.served.ssi import strfsize

LISTING_TYPE = "text/html;charset=ISO-8859-1"
_DOCTYPE = '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN" "http://www.w3.org/TR/html4/strict.dtd">\n'
_PATH_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789$-_.+!*'(),:@&=/~")


@dataclass(frozen=True, slots=True)
class Entry:
    """One name in a folder (Latin-1 text: one character per byte of the name)."""

    name: str
    folder: bool
    size: int
    date: datetime


def escape_path(path: str) -> str:
    """``ap_os_escape_path``: bytes outside a path's safe set as ``%XX``; ``./`` before a first ``a:b``."""
    escaped = "".join(char if char in _PATH_SAFE else f"%{ord(char):02x}" for char in path)
    first = path.split("/", 1)[0]
    return "./" + escaped if ":" in first else escaped


def parent_of(uri: str) -> str | None:
    """The folder above ``uri`` (which ends in ``/``), or None at the root."""
    trimmed = uri.rstrip("/")
    if not trimmed:
        return None
    return trimmed[: trimmed.rfind("/") + 1] or "/"


@dataclass(frozen=True, slots=True)
class Sort:
    """The order a listing was asked for (``?C=M;O=D``): its column (``N``ame, last ``M``odified,
    ``S``ize, ``D``escription) and direction (``A``scending, ``D``escending)."""

    column: str = "N"
    order: str = "A"


def sort_of(query: str | None) -> Sort:
    """The ``C=`` and ``O=`` of a listing's query as mod_autoindex read them (``;`` or ``&`` apart;
    anything else skipped)."""
    column, order = "N", "A"
    rest = query or ""
    while rest:
        if rest[:2] == "C=" and rest[2:3] and rest[2] in "NMSD" and rest[3:4] in ("", "&", ";"):
            column, rest = rest[2], rest[4:]
        elif rest[:2] == "O=" and rest[2:3] in ("A", "D") and rest[3:4] in ("", "&", ";"):
            order, rest = rest[2], rest[4:]
        else:
            cut = min((found for found in (rest.find("&"), rest.find(";")) if found >= 0), default=len(rest))
            rest = rest[cut + 1:]
    return Sort(column, order)


def _compare(settings: IndexSettings, first: tuple[str, Entry], second: tuple[str, Entry], sort: Sort) -> int:
    """mod_autoindex's ``dsortf``: folders first if asked, then the column (reversed for ``O=D``),
    then the names."""
    (name1, entry1), (name2, entry2) = first, second
    if settings.folders_first and entry1.folder != entry2.folder:
        return -1 if entry1.folder else 1
    if sort.order == "D":
        (name1, entry1), (name2, entry2) = (name2, entry2), (name1, entry1)
    if sort.column == "M" and entry1.date != entry2.date:
        return -1 if entry1.date < entry2.date else 1
    if sort.column == "S":
        size1, size2 = (-1 if entry1.folder else entry1.size), (-1 if entry2.folder else entry2.size)
        if size1 != size2:
            return -1 if size1 < size2 else 1
    if settings.ignore_case:
        lower1, lower2 = name1.lower().encode("latin-1"), name2.lower().encode("latin-1")
        if lower1 != lower2:
            return -1 if lower1 < lower2 else 1
    bytes1, bytes2 = name1.encode("latin-1"), name2.encode("latin-1")
    return (bytes1 > bytes2) - (bytes1 < bytes2)


def listing(uri: str, entries: Iterable[Entry], settings: IndexSettings, query: str | None = None) -> bytes:
    """The page for the folder ``uri`` (decoded, ending in ``/``) listing ``entries`` (already filtered),
    in the order its ``query`` asked for (:func:`sort_of`)."""
    sort = sort_of(query) if not settings.suppress_column_sorting else Sort()
    rows = sorted(((entry.name + "/" if entry.folder else entry.name, entry) for entry in entries),
                  key=functools.cmp_to_key(lambda a, b: _compare(settings, a, b, sort)))
    parent = parent_of(uri)
    named: list[tuple[str, Entry | None]] = ([(parent, None)] if parent else []) + list(rows)
    title = escape(uri.rstrip("/") or "/", quote=True)
    out = [f"{_DOCTYPE}<html>\n <head>\n  <title>Index of {title}</title>\n </head>\n <body>\n"
           f"<h1>Index of {title}</h1>\n"]
    if settings.fancy:
        out.append(_fancy(named, settings, sort))
    else:
        out.append("<ul>")
        for index, (name, _) in enumerate(named):
            shown = "Parent Directory" if index == 0 and parent else name
            out.append(f'<li><a href="{escape(escape_path(name), quote=True)}"> {escape(shown, quote=True)}</a></li>\n')
        out.append("</ul>\n")
    out.append("</body></html>\n")
    return "".join(out).encode("latin-1")


def _column(anchor: str, column: str, settings: IndexSettings, sort: Sort) -> str:
    """A column's heading: a link to the listing sorted by it (the other way round when it is the order shown)."""
    if settings.suppress_column_sorting:
        return anchor
    order = "D" if column == sort.column and sort.order == "A" else "A"
    return f'<a href="?C={column};O={order}">{anchor}</a>'


def _fancy(named: list[tuple[str, Entry | None]], settings: IndexSettings, sort: Sort) -> str:
    width = settings.name_width if settings.name_width is not None else max([len(n) for n, _ in named] or [0])
    width = max(width, 5)
    out = ["<pre>      ", _column("Name", "N", settings, sort), " " * (width - 4), " "]
    if not settings.suppress_last_modified:
        out += [_column("Last modified", "M", settings, sort), "      "]
    if not settings.suppress_size:
        out += [_column("Size", "S", settings, sort), "  "]
    if not settings.suppress_description:
        out.append(_column("Description", "D", settings, sort))
    out.append("\n" if settings.suppress_rules else "<hr>")
    for index, (name, entry) in enumerate(named):
        shown = "Parent Directory" if entry is None else name
        if len(shown) > width:
            shown = shown[: width - 3] + "..>"
        out.append(f'      <a href="{escape(escape_path(name), quote=True)}">{escape(shown, quote=True)}</a>')
        out.append(" " * (width - len(shown)) + " ")
        if not settings.suppress_last_modified:
            out.append(entry.date.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M") + "  " if entry
                       else " " * 19)
        if not settings.suppress_size:
            out.append(strfsize(entry.size if entry and not entry.folder else -1) + "  ")
        out.append("\n")
    out.append("</pre>\n" if settings.suppress_rules else "<hr></pre>\n")
    return "".join(out)
