"""Framesets show the retirement notice once: in a row of its own above the original frames.

A frameset window holds several pages, and each framed page carries the notice so that it
still shows when the page is opened alone. Repeated in every frame, the notice filled a
180-pixel menu frame and pushed the menu off the screen. So the mirror's frameset pages get a
notice row (``_sunset/frame-notice.html``) above the original frames, and their FRAME/IFRAME
sources carry the fragment ``#sunset-framed``: a page loaded that way hides its own notice
with a style rule (``:target``), no script. The same page opened by its own address (no
fragment) shows the notice as every other page does.
"""
from __future__ import annotations

from html import escape

from site_out.paths import href_between
from site_out.words import ENGLISH, Words

FRAME_NOTICE_PAGE = "_sunset/frame-notice.html"
FRAMED_ID = "sunset-framed"
FRAMED_FRAGMENT = "#" + FRAMED_ID
FRAMED_TAGS = frozenset({"frame", "iframe"})
BANNER_FRAME = "sunset-banner"
"""The name of the notice row's frame (sunset qa takes the row out to compare what is below it)."""
NOTICE_ROW_HEIGHT = 164
"""Pixels of the notice row (it scrolls if the notice is taller on a narrow screen)."""


def framed_marker(notice_id: str) -> str:
    """Put first inside the notice: hides it when the page was opened as a frame."""
    return (f'<span id="{FRAMED_ID}"></span>'
            f"<style>#{notice_id}:has(#{FRAMED_ID}:target){{display:none!important}}</style>")


def framed_href(href: str) -> str:
    """A FRAME/IFRAME source: the page is opened as a frame, so its notice stays hidden."""
    return href if "#" in href else href + FRAMED_FRAGMENT


def notice_row(page_path: str, words: Words = ENGLISH) -> tuple[str, str]:
    """(before the outermost FRAMESET, after its end): the notice row around the original frames."""
    source = escape(href_between(page_path, FRAME_NOTICE_PAGE), quote=True)
    before = (f'<frameset rows="{NOTICE_ROW_HEIGHT},*" frameborder="0" border="0" framespacing="0">'
              f'<frame src="{source}" name="{BANNER_FRAME}" title="{escape(words("frame_title"), quote=True)}" '
              'scrolling="auto" marginwidth="0" marginheight="0">')
    return before, "</frameset>"


def frame_notice_page(notice_html: str, *, site_name: str, words: Words = ENGLISH) -> str:
    """The notice row's page: the notice alone; its links open in the whole window."""
    from site_out.pages import page_html

    return page_html(words("frame_page_title", site=site_name), notice_html, "",
                     head_extra='<base target="_top">\n<style>body{padding:4px 8px!important}'
                                '#sunset-notice{margin:0!important}</style>\n', lang=words.lang)
