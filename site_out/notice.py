"""The retirement notice: one self-contained block put at the top of every mirror page.

It must read the same inside a 1998 table layout at 800x600 and on a phone, so all of its
styling is inline (a page's own style sheet can hardly reach it), it loads nothing remote
and runs no script. Every configured string is escaped: the notice text comes from a config
file, and a title such as ``<script>`` must show as text.
"""
from __future__ import annotations

from datetime import date
from html import escape
from urllib.parse import urlsplit

from site_out.frames import framed_marker
from site_out.options import NoticeOptions
from site_out.words import ENGLISH, Words

NOTICE_ID = "sunset-notice"
NOTICE_MARKER = 'data-sunset="notice"'
"""Exactly one element per mirror page carries this attribute; checks count it."""

_BOX_STYLE = (
    "display:block;clear:both;float:none;position:static;width:auto;max-width:none;"
    "box-sizing:border-box;margin:0 0 16px 0;padding:12px 16px;border:2px solid #8a6d3b;"
    "background:#fcf8e3;color:#222222;font-family:sans-serif;font-size:16px;line-height:22px;"
    "text-align:left;word-wrap:break-word;overflow-wrap:break-word"
)
# Whole pixels only: a fractional notice height would shift the page below by a fraction and
# change how its text snaps to pixels.
_LINE_STYLE = "display:block;margin:4px 0 0 0;padding:0;font-family:sans-serif;font-size:16px;line-height:22px"
_TITLE_STYLE = ("display:block;margin:0;padding:0;font-family:sans-serif;font-size:18px;line-height:24px;"
                "font-weight:bold")
_SMALL_STYLE = ("display:block;margin:8px 0 0 0;padding:0;font-family:sans-serif;font-size:14px;line-height:20px;"
                "color:#444444")
_LINK_STYLE = "color:#0645ad;text-decoration:underline"


def format_date(day: date, words: Words = ENGLISH) -> str:
    """``December 2, 2005``: written out, so no reader mistakes day for month."""
    return words.date(day)


def _retired_on(options: NoticeOptions, words: Words) -> str:
    """``Retired on December 2, 2005. `` unless the text already gives the date (not twice)."""
    written = words.date(options.date)
    if written in options.text or options.date.isoformat() in options.text:
        return ""
    return words("notice_retired_on", date=escape(written))


def _link(href: str, text: str) -> str:
    return f'<a href="{escape(href, quote=True)}" style="{_LINK_STYLE}">{escape(text)}</a>'


def _is_web_address(url: str) -> bool:
    """Only http(s) successors become links: a config typo must not create a javascript: link."""
    return urlsplit(url.strip()).scheme.lower() in ("http", "https")


def _successor_line(options: NoticeOptions, words: Words) -> str | None:
    name, url = options.successor_name, options.successor_url
    if not name and not url:
        return None
    label = name or url or ""
    target = _link(url.strip(), label) if url and _is_web_address(url) else escape(label)
    if url and name and not _is_web_address(url):
        target += f" ({escape(url)})"
    return words("notice_successor", target=target)


def render_notice(
    options: NoticeOptions,
    *,
    original_url: str | None = None,
    archived_on: date | None = None,
    start_href: str | None = None,
    about_href: str | None = None,
    index_href: str | None = None,
    file_dated: date | None = None,
    archived_by: str | None = None,
) -> str:
    """The notice as one ``<div>`` (a single root element), ready to splice into a page.

    ``original_url`` and ``archived_on`` add the "Archived on ... from ..." line (``file_dated``:
    the date a file read from disk carries, when the archive was made later; ``archived_by``: the
    web archive the page was taken from, whose capture date ``archived_on`` is: "Archived by ...");
    ``start_href`` (already relative and URL-encoded) adds a link to the site's start page,
    ``about_href`` one to the page about the archive, ``index_href`` one to the list of pages.
    """
    words = options.words
    lines = [
        f'<span style="{_TITLE_STYLE}">{escape(options.title)}</span>',
        f'<span style="{_LINE_STYLE}">{_retired_on(options, words)}{escape(options.text)}</span>',
    ]
    successor = _successor_line(options, words)
    if successor:
        lines.append(f'<span style="{_LINE_STYLE}">{successor}</span>')
    details: list[str] = []
    if archived_on is not None or original_url:
        dated = (words("notice_file_dated", date=escape(words.date(file_dated)))
                 if file_dated is not None and file_dated != archived_on else "")
        date_text = escape(words.date(archived_on)) if archived_on is not None else ""
        url_text = escape(original_url) if original_url else ""
        key = ("notice_archived_on_from" if archived_on is not None and original_url
               else "notice_archived_on" if archived_on is not None else "notice_archived_from")
        if archived_by and archived_on is not None and original_url:
            details.append(words("notice_archived_by", archive=escape(archived_by), date=date_text, url=url_text))
        else:
            details.append(words(key, date=date_text, url=url_text, file_dated=dated))
    links = [
        _link(href, words(label))
        for href, label in ((start_href, "notice_start"), (index_href, "notice_all_pages"),
                            (about_href, "notice_about"))
        if href
    ]
    if links:
        details.append(" | ".join(links))
    if details:
        lines.append(f'<span style="{_SMALL_STYLE}">{" ".join(details)}</span>')
    return (
        f'<div id="{NOTICE_ID}" {NOTICE_MARKER} role="note" style="{_BOX_STYLE}">'
        + framed_marker(NOTICE_ID)
        + "".join(lines)
        + "</div>"
    )
