"""The mirror's own description: ``_sunset/about.html`` and ``_sunset/index.html`` with search.

Someone who finds the mirror on a share in 2040 needs to know what it is, where the master
copy is and how to check and replay it, and to find a page without knowing the old menus.
Search runs in the browser from ``file://``: the page texts are in ``search-index.js``, a
plain script that sets a global (``fetch()`` is refused on ``file://``), and the search code
is sunset's own file, so nothing is loaded from elsewhere.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from html import escape
from importlib.resources import files
from pathlib import Path
from typing import TextIO

from archive.records_file import iter_page_records
from site_out.notice import format_date
from site_out.options import MirrorOptions
from site_out.pages import page_html

ABOUT_PAGE = "_sunset/about.html"
PAGES_INDEX = "_sunset/index.html"
SEARCH_INDEX = "_sunset/search-index.js"
SEARCH_SCRIPT = "_sunset/search.js"
SEARCH_TEXT_LIMIT = 20_000
"""Characters of each page's text kept for search: enough for the pages of the era."""


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    """One archived page as the index lists it. ``href`` is relative to ``_sunset/``."""

    href: str
    url: str
    title: str
    text: str


@dataclass(frozen=True, slots=True)
class ArchiveFacts:
    """What the about page tells: gathered while the mirror was written."""

    warc_name: str
    warc_sha256: str
    warc_size: int
    pages: int
    files: int
    redirects: int
    missing_links: int
    first_capture: datetime | None
    last_capture: datetime | None
    copy_signs: tuple[str, ...] = ()
    """Why the files' dates look like a copy's (:meth:`archive.dates.DateSpread.copy_signs`)."""


def search_script() -> str:
    return files("site_out").joinpath("templates/search.js").read_text(encoding="utf-8")


def iter_record_pages(records_path: Path) -> Iterator[tuple[str, str | None, str, str | None]]:
    """(url, title, text, lang) of every page record in ``records.jsonl``."""
    for record, _ in iter_page_records(records_path):
        if isinstance(record.get("url"), str):
            yield record["url"], record.get("title"), record.get("text") or "", record.get("lang")


def write_catalog(entries: Iterable[CatalogEntry], notice_html: str, site_name: str,
                  page_out: TextIO, index_out: TextIO) -> int:
    """Stream ``_sunset/index.html`` into ``page_out`` and ``search-index.js`` into ``index_out``."""
    title = f"All pages - {site_name} (archived)"
    head = '<style>.sunset-snippet{font-size:14px;color:#444444;margin:0.2em 0 0.6em 0}</style>\n'
    top, bottom = page_html(title, notice_html, "\x00", head_extra=head).split("\x00")
    page_out.write(top)
    page_out.write(
        f"<h1>All pages of {escape(site_name)}</h1>\n"
        '<form id="sunset-search-form" style="display:none" role="search" onsubmit="return false">'
        '<label for="sunset-search">Search the archived pages: </label>'
        '<input type="search" id="sunset-search" size="30" autocomplete="off">'
        '<p id="sunset-status" aria-live="polite"></p><ol id="sunset-results"></ol></form>\n'
        '<ul id="sunset-pages">\n'
    )
    index_out.write("/* The archived pages' titles and text, for search.js (written by sunset). */\n")
    index_out.write("window.SUNSET_PAGES = [\n")
    count = 0
    for entry in entries:
        label = entry.title.strip() or entry.url
        page_out.write(
            f'<li><a href="{escape(entry.href, quote=True)}">{escape(label)}</a> '
            f'<small style="color:#555555;word-break:break-all">{escape(entry.url)}</small></li>\n'
        )
        item = {"u": entry.href, "t": label, "o": entry.url, "x": entry.text[:SEARCH_TEXT_LIMIT]}
        index_out.write(("," if count else "") + json.dumps(item, ensure_ascii=True) + "\n")
        count += 1
    index_out.write("];\n")
    page_out.write(
        "</ul>\n"
        f'<script src="{SEARCH_INDEX.rsplit("/", 1)[1]}"></script>\n'
        f'<script src="{SEARCH_SCRIPT.rsplit("/", 1)[1]}"></script>\n'
    )
    page_out.write(bottom)
    return count


def _date(value: datetime | None) -> str:
    return format_date(value.date()) if value is not None else "an unknown date"


_DATE_SOURCES = {
    "fetched": "The dates are the days the pages were fetched from the live server.",
    "file_date": "The dates are the one date the configuration gives the files ([source] file_date), not "
                 "dates of their own.",
    "mtime": "The dates are the files' modification times in the folder they were read from.",
}


def _dates_line(options: MirrorOptions, facts: ArchiveFacts) -> str:
    """Where the copies' dates came from, and whether they look like a copy's (then: see the report)."""
    note = _DATE_SOURCES.get(options.date_source or "")
    if note is None:
        return ""
    if facts.copy_signs:
        note += (" <b>They look like the dates of a copy of the files, not the site's own</b>: "
                 '<a href="report.html#copy-dates">the report</a> says why and how to give the right date.')
    return f"<p>{note}</p>\n"


def about_page(notice_html: str, options: MirrorOptions, facts: ArchiveFacts, *, index_href: str,
               start_href: str | None) -> str:
    """``_sunset/about.html``: what this copy is, where its master is, and how to replay it."""
    name = escape(options.site_name)
    warc = escape(facts.warc_name)
    when = (f"on {_date(facts.first_capture)}" if facts.first_capture == facts.last_capture
            else f"between {_date(facts.first_capture)} and {_date(facts.last_capture)}")
    start = f' (<a href="{escape(start_href, quote=True)}">start page</a>)' if start_href else ""
    body = f"""<h1>About this archive</h1>
<h2>What was archived</h2>
<p>The web site {name} at <code style="word-break:break-all">{escape(options.base_url)}</code>{start},
retired on {escape(format_date(options.notice.date))}. The copies were taken {escape(when)}:
{facts.pages} pages and {facts.files} files in all, and {facts.redirects} addresses that forwarded to
other pages. <a href="{escape(index_href, quote=True)}">All pages, with search</a>.
<a href="report.html">The retirement report</a>: the site's files, dates and links in charts.</p>
{_dates_line(options, facts)}<h2>How this copy was made</h2>
<p>With {escape(options.software)}. The original bytes, exactly as the server sent them, are kept
in the archival master, a WARC file (ISO 28500), which is not part of this folder but is kept beside it:</p>
<table style="border-collapse:collapse" cellpadding="4">
<tr><th align="left">File</th><td><code>{warc}</code></td></tr>
<tr><th align="left">Size</th><td>{facts.warc_size:,} bytes</td></tr>
<tr><th align="left">SHA-256</th><td><code style="word-break:break-all">{escape(facts.warc_sha256)}</code></td></tr>
</table>
<p>This browsable copy was made from the WARC. Every page carries the retirement notice, is stored as
UTF-8 and links to the other pages of this copy; otherwise the markup is as it was written, so pages
look as they did. Links to pages that were not archived ({facts.missing_links} of them) lead to an
explanation, forms that sent answers to the old server are shown but can no longer be sent, and
links to other sites lead out of the archive and may no longer work.</p>
<h2>How to check and replay the master</h2>
<ul>
<li>Check the file: <code>sha256sum {warc}</code> must print the digest above;
<code>warcio check {warc}</code> verifies the digest of every record.</li>
<li>Replay it with the original bytes, without the notice, in
<a href="https://replayweb.page/">ReplayWeb.page</a> (choose the file; nothing is uploaded), or in pywb:
<code>wb-manager init {name} &amp;&amp; wb-manager add {name} {warc} &amp;&amp; wayback</code>,
then open <code>http://localhost:8080/{name}/{escape(options.base_url)}</code>.</li>
<li>List its records: <code>warcio index {warc}</code>.</li>
</ul>
"""
    return page_html(f"About this archive - {options.site_name}", notice_html, body)
