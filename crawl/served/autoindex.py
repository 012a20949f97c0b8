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


def _compare(settings: IndexSettings, first: tuple[str, bool], second: tuple[str, bool]) -> int:
    (name1, folder1), (name2, folder2) = first, second
    if settings.folders_first and folder1 != folder2:
        return -1 if folder1 else 1
    if settings.ignore_case:
        lower1, lower2 = name1.lower().encode("latin-1"), name2.lower().encode("latin-1")
        if lower1 != lower2:
            return -1 if lower1 < lower2 else 1
    bytes1, bytes2 = name1.encode("latin-1"), name2.encode("latin-1")
    return (bytes1 > bytes2) - (bytes1 < bytes2)


def listing(uri: str, entries: Iterable[Entry], settings: IndexSettings) -> bytes:
    """The page for the folder ``uri`` (decoded, ending in ``/``) listing ``entries`` (already filtered)."""
    rows = sorted(((entry.name + "/" if entry.folder else entry.name, entry) for entry in entries),
                  key=functools.cmp_to_key(lambda a, b: _compare(settings, (a[0], a[1].folder), (b[0], b[1].folder))))
    parent = parent_of(uri)
    named: list[tuple[str, Entry | None]] = ([(parent, None)] if parent else []) + list(rows)
    title = escape(uri.rstrip("/") or "/", quote=True)
    out = [f"{_DOCTYPE}<html>\n <head>\n  <title>Index of {title}</title>\n </head>\n <body>\n"
           f"<h1>Index of {title}</h1>\n"]
    if settings.fancy:
        out.append(_fancy(named, settings))
    else:
        out.append("<ul>")
        for index, (name, _) in enumerate(named):
            shown = "Parent Directory" if index == 0 and parent else name
            out.append(f'<li><a href="{escape(escape_path(name), quote=True)}"> {escape(shown, quote=True)}</a></li>\n')
        out.append("</ul>\n")
    out.append("</body></html>\n")
    return "".join(out).encode("latin-1")


def _column(anchor: str, column: str, settings: IndexSettings) -> str:
    if settings.suppress_column_sorting:
        return anchor
    order = "D" if column == "N" else "A"
    return f'<a href="?C={column};O={order}">{anchor}</a>'


def _fancy(named: list[tuple[str, Entry | None]], settings: IndexSettings) -> str:
    width = settings.name_width if settings.name_width is not None else max([len(n) for n, _ in named] or [0])
    width = max(width, 5)
    out = ["<pre>      ", _column("Name", "N", settings), " " * (width - 4), " "]
    if not settings.suppress_last_modified:
        out += [_column("Last modified", "M", settings), "      "]
    if not settings.suppress_size:
        out += [_column("Size", "S", settings), "  "]
    if not settings.suppress_description:
        out.append(_column("Description", "D", settings))
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
