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


def format_date(day: date) -> str:
    """``December 2, 2005``: written out, so no reader mistakes day for month."""
    return f"{day:%B} {day.day}, {day.year}"


def _retired_on(options: NoticeOptions) -> str:
    """``Retired on December 2, 2005. `` unless the text already gives the date (not twice)."""
    written = format_date(options.date)
    if written in options.text or options.date.isoformat() in options.text:
        return ""
    return f"Retired on {escape(written)}. "


def _link(href: str, text: str) -> str:
    return f'<a href="{escape(href, quote=True)}" style="{_LINK_STYLE}">{escape(text)}</a>'


def _is_web_address(url: str) -> bool:
    """Only http(s) successors become links: a config typo must not create a javascript: link."""
    return urlsplit(url.strip()).scheme.lower() in ("http", "https")


def _successor_line(options: NoticeOptions) -> str | None:
    name, url = options.successor_name, options.successor_url
    if not name and not url:
        return None
    label = name or url or ""
    target = _link(url.strip(), label) if url and _is_web_address(url) else escape(label)
    if url and name and not _is_web_address(url):
        target += f" ({escape(url)})"
    return f"Its successor: {target}"


def render_notice(
    options: NoticeOptions,
    *,
    original_url: str | None = None,
    archived_on: date | None = None,
    start_href: str | None = None,
    about_href: str | None = None,
    index_href: str | None = None,
    file_dated: date | None = None,
) -> str:
    """The notice as one ``<div>`` (a single root element), ready to splice into a page.

    ``original_url`` and ``archived_on`` add the "Archived on ... from ..." line (``file_dated``:
    the date a file read from disk carries, when the archive was made later);
    ``start_href`` (already relative and URL-encoded) adds a link to the site's start page,
    ``about_href`` one to the page about the archive, ``index_href`` one to the list of pages.
    """
    lines = [
        f'<span style="{_TITLE_STYLE}">{escape(options.title)}</span>',
        f'<span style="{_LINE_STYLE}">{_retired_on(options)}{escape(options.text)}</span>',
    ]
    successor = _successor_line(options)
    if successor:
        lines.append(f'<span style="{_LINE_STYLE}">{successor}</span>')
    details: list[str] = []
    if archived_on is not None or original_url:
        archived = "Archived"
        if archived_on is not None:
            archived += f" on {escape(format_date(archived_on))}"
        if original_url:
            archived += f" from {escape(original_url)}"
        if file_dated is not None and file_dated != archived_on:
            archived += f"; the file is dated {escape(format_date(file_dated))}"
        details.append(archived + ".")
    links = [
        _link(href, label)
        for href, label in ((start_href, "Start page of the archived site"), (index_href, "All pages"),
                            (about_href, "About this archive"))
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
