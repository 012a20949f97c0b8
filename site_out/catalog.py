"""The mirror's own description: ``_sunset/about.html`` and ``_sunset/index.html`` with search.

Someone who finds the mirror on a share in 2040 needs to know what it is, where the master
copy is and how to check and replay it, and to find a page without knowing the old menus.
Search runs in the browser from ``file://``: the page texts are in ``search-index.js``, a
plain script that sets a global (``fetch()`` is refused on ``file://``), and the search code
is sunset's own file, so nothing is loaded from elsewhere.
"""
from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from html import escape
from importlib.resources import files
from pathlib import Path
from typing import BinaryIO, TextIO

from archive.durable import atomic_writer
from archive.records_file import iter_page_records, listed
from site_out.options import DATE_SOURCES, MirrorOptions, PastRun
from site_out.pages import page_html
from site_out.paths import safe_destination
from site_out.words import ENGLISH, Words

ABOUT_PAGE = "_sunset/about.html"
PAGES_INDEX = "_sunset/index.html"
SEARCH_INDEX = "_sunset/search-index.js"
SEARCH_SCRIPT = "_sunset/search.js"
SEARCH_TEXT_LIMIT = 20_000
"""Characters of each page's text kept for search: enough for the pages of the era."""
PART_SIZE = 2_000
"""Pages one part of the page list holds (``index.html``, then ``index-2.html``...). One page
listing every page of a 50,000-page site is 11 MB of HTML: slow for a reader's browser, and the
link check decodes each page whole (22 MB of str for it, the run's largest process). 2,000 links
are about 450 KB, which a browser of any age opens at once; most sites of the era have fewer
pages and keep their one list, byte for byte as before parts existed."""


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
    archived_by: tuple[str, ...] = ()
    """The web archives the captures were taken from (none: from the old server or its files)."""


def search_script(words: Words = ENGLISH) -> str:
    """search.js, its two messages in ``words``' language (as the template has them in English)."""
    script = files("site_out").joinpath("templates/search.js").read_text(encoding="utf-8")
    for key in ("search_found_one", "search_found_other"):
        script = script.replace(json.dumps(ENGLISH(key)), json.dumps(words(key), ensure_ascii=True))
    return script


def iter_record_pages(records_path: Path) -> Iterator[tuple[str, str | None, str, str | None]]:
    """(url, title, text, lang) of every page record in ``records.jsonl``."""
    for record, _ in iter_page_records(records_path):
        if isinstance(record.get("url"), str) and listed(record):
            yield record["url"], record.get("title"), record.get("text") or "", record.get("lang")


def part_path(number: int) -> str:
    """The mirror path of part ``number`` (from 1) of the page list: ``index.html``, ``index-2.html``..."""
    return PAGES_INDEX if number == 1 else f"{PAGES_INDEX[:-len('.html')]}-{number}.html"


def _parts_nav(number: int, parts: int, count: int, words: Words) -> str:
    """Links to every part of the page list by the pages it holds ("1–2,000 · 2,001–4,000 · …"),
    the current one in bold; plain links, so they work from ``file://`` with JavaScript off."""
    size, separator = PART_SIZE, " \u00b7 "
    links = []
    for other in range(1, parts + 1):
        span = f"{words.number((other - 1) * size + 1)}\u2013{words.number(min(other * size, count))}"
        href = escape(part_path(other).rsplit("/", 1)[1], quote=True)
        links.append(f"<strong>{span}</strong>" if other == number else f'<a href="{href}">{span}</a>')
    return (f'<nav class="sunset-parts" aria-label="{escape(words("pages_parts_label"), quote=True)}">'
            f'<p>{words("pages_parts")} {separator.join(links)}</p></nav>\n')


def write_catalog(entries: Iterable[CatalogEntry], notice_html: str, site_name: str,
                  root: Path, index_out: TextIO, words: Words = ENGLISH) -> int:
    """Stream the page list into ``root``'s ``_sunset/index.html`` (and ``index-2.html``... when it
    has over :data:`PART_SIZE` pages) and ``search-index.js`` into ``index_out``; return the pages.

    The list items go to an unnamed temporary file first: how many parts there are (which every
    part's navigation names) is known only at the end, and the list is never held in memory.
    A site of up to :data:`PART_SIZE` pages gets one part without navigation."""
    title = words("pages_title", site=site_name)
    head = '<style>.sunset-snippet{font-size:14px;color:#444444;margin:0.2em 0 0.6em 0}</style>\n'
    top, bottom = page_html(title, notice_html, "\x00", head_extra=head, lang=words.lang).split("\x00")
    heading = (
        f"<h1>{words('pages_heading', site=escape(site_name))}</h1>\n"
        '<form id="sunset-search-form" style="display:none" role="search" onsubmit="return false">'
        f'<label for="sunset-search">{words("pages_search")}</label>'
        '<input type="search" id="sunset-search" size="30" autocomplete="off">'
        '<p id="sunset-status" aria-live="polite"></p><ol id="sunset-results"></ol></form>\n'
    )
    end = (
        f'<script src="{SEARCH_INDEX.rsplit("/", 1)[1]}"></script>\n'
        f'<script src="{SEARCH_SCRIPT.rsplit("/", 1)[1]}"></script>\n'
    )
    index_out.write("/* The archived pages' titles and text, for search.js (written by sunset). */\n")
    index_out.write("window.SUNSET_PAGES = [\n")
    folder = safe_destination(root, PAGES_INDEX).parent
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile(dir=folder) as items:
        starts = [0]  # where each part's items begin in ``items``
        count = 0
        for entry in entries:
            if count and count % PART_SIZE == 0:
                starts.append(items.tell())
            label = entry.title.strip() or entry.url
            items.write(
                f'<li><a href="{escape(entry.href, quote=True)}">{escape(label)}</a> '
                f'<small style="color:#555555;word-break:break-all">{escape(entry.url)}</small></li>\n'
                .encode("utf-8")
            )
            item = {"u": entry.href, "t": label, "o": entry.url, "x": entry.text[:SEARCH_TEXT_LIMIT]}
            index_out.write(("," if count else "") + json.dumps(item, ensure_ascii=True) + "\n")
            count += 1
        index_out.write("];\n")
        starts.append(items.tell())
        parts = len(starts) - 1
        for number in range(1, parts + 1):
            nav = _parts_nav(number, parts, count, words) if parts > 1 else ""
            with atomic_writer(safe_destination(root, part_path(number)), "wb") as page_out:
                page_out.write((top + heading + nav + '<ul id="sunset-pages">\n').encode("utf-8"))
                items.seek(starts[number - 1])
                _copy(items, page_out, starts[number] - starts[number - 1])
                page_out.write(("</ul>\n" + nav + end + bottom).encode("utf-8"))
    _remove_parts_after(root, parts)
    return count


def _copy(source: BinaryIO, target: BinaryIO, size: int) -> None:
    while size > 0:
        chunk = source.read(min(size, 1 << 20))
        if not chunk:
            raise OSError(f"the page list's temporary file ended {size} bytes early")
        target.write(chunk)
        size -= len(chunk)


def _remove_parts_after(root: Path, parts: int) -> None:
    """The parts an earlier run of a larger site left (``index-7.html`` when there are 6 now)."""
    number = parts + 1
    while (path := safe_destination(root, part_path(number))).exists():
        path.unlink()
        number += 1


def _date(value: datetime | None, words: Words) -> str:
    return words.date(value.date()) if value is not None else words("date_unknown")


def _dates_line(options: MirrorOptions, facts: ArchiveFacts, words: Words) -> str:
    """Where the copies' dates came from, and whether they look like a copy's (then: see the report)."""
    if options.date_source not in DATE_SOURCES:
        return ""
    archives = ", ".join(f"<code>{escape(name)}</code>" for name in facts.archived_by)
    note = words(f"about_dates_{options.date_source}", archives=archives)
    if facts.copy_signs:
        note += words("about_dates_copy")
    return f"<p>{note}</p>\n"


def _history(runs: tuple[PastRun, ...], words: Words) -> str:
    """The runs that made the archive, oldest first: when, with which sunset, the command, the run id."""
    if not runs:
        return ""
    rows = "".join(
        f'<tr><td style="white-space:nowrap">{escape(words.date(run.started.date()))} '
        f'{run.started.strftime("%H:%M:%S")}</td><td style="white-space:nowrap">{escape(run.software)}</td>'
        f'<td><code style="word-break:break-all">{escape(run.command)}</code></td>'
        f"<td><code>{escape(run.id)}</code></td>"
        "</tr>\n" for run in runs)
    return (f'<h2>{words("about_history_heading")}</h2>\n<p>{words("about_history")}</p>\n'
            '<table style="border-collapse:collapse" cellpadding="4">\n'
            f'<tr><th align="left">{words("about_history_when")}</th><th align="left">sunset</th>'
            f'<th align="left">{words("about_history_command")}</th><th align="left">{words("about_history_run")}</th>'
            f"</tr>\n{rows}</table>\n")


def about_page(notice_html: str, options: MirrorOptions, facts: ArchiveFacts, *, index_href: str,
               start_href: str | None) -> str:
    """``_sunset/about.html``: what this copy is, where its master is, and how to replay it."""
    words = options.notice.words
    name = escape(options.site_name)
    warc = escape(facts.warc_name)
    first, last = _date(facts.first_capture, words), _date(facts.last_capture, words)
    when = (words("when_on", date=first) if facts.first_capture == facts.last_capture
            else words("when_between", first=first, last=last))
    start = (f' (<a href="{escape(start_href, quote=True)}">{words("about_start_link")}</a>)'
             if start_href else "")
    site = words("about_site", name=name, url=f'<code style="word-break:break-all">{escape(options.base_url)}</code>',
                 start=start, retired=escape(words.date(options.notice.date)), when=escape(when),
                 pages=facts.pages, files=facts.files, redirects=facts.redirects,
                 index_href=escape(index_href, quote=True))
    body = f"""<h1>{words("notice_about")}</h1>
<h2>{words("about_what")}</h2>
<p>{site}</p>
{_dates_line(options, facts, words)}<h2>{words("about_how_heading")}</h2>
<p>{words("about_how", software=escape(options.software))}</p>
<table style="border-collapse:collapse" cellpadding="4">
<tr><th align="left">{words("about_file")}</th><td><code>{warc}</code></td></tr>
<tr><th align="left">{words("about_size")}</th><td>{words("unit_bytes", size=words.number(facts.warc_size))}</td></tr>
<tr><th align="left">SHA-256</th><td><code style="word-break:break-all">{escape(facts.warc_sha256)}</code></td></tr>
</table>
<p>{words("about_copy", missing=facts.missing_links)}</p>
<h2>{words("about_check_heading")}</h2>
<ul>
<li>{words("about_check_file", warc=warc)}</li>
<li>{words("about_replay", name=name, warc=warc, url=escape(options.base_url))}</li>
<li>{words("about_list", warc=warc)}</li>
</ul>
{_history(options.history, words)}"""
    return page_html(words("about_title", site=options.site_name), notice_html, body, lang=words.lang)
