"""The pages sunset adds to a mirror: the opening page, "not archived" and "form closed".

They use the same notice as the archived pages and only relative links, so the mirror still
works when copied anywhere. The missing page shows which address was wanted; it reads it from
its own ``?url=`` with a few lines of script that set ``textContent`` (never markup), so a
crafted link cannot inject anything.
"""
from __future__ import annotations

from html import escape
from urllib.parse import urlsplit

from site_out.words import ENGLISH, Words

INDEX_PAGE = "index.html"
OWN_PAGE_MARKER = '<meta name="generator" content="sunset">'
"""In the head of every page sunset writes itself, so ``verify`` knows which pages are its own."""

_PAGE_STYLE = "margin:0;padding:8px;font-family:sans-serif;font-size:16px;line-height:1.4;color:#222222;background:#ffffff"

_SHOW_URL_SCRIPT = """<script>
(function () {
  var match = /[?&]url=([^&#]*)/.exec(window.location.search);
  var target = document.getElementById("sunset-missing-url");
  if (!match || !target) { return; }
  var url;
  try { url = decodeURIComponent(match[1].replace(/\\+/g, " ")); } catch (error) { url = match[1]; }
  target.textContent = url;
  document.getElementById("sunset-missing-line").style.display = "block";
  if (/[?&]why=local(&|$)/.test(window.location.search)) {
    document.getElementById("sunset-missing-text").style.display = "none";
    document.getElementById("sunset-missing-local").style.display = "block";
  }
})();
</script>"""


def page_html(title: str, notice_html: str, body: str, head_extra: str = "", lang: str = "en") -> str:
    """A page of sunset's own: modern HTML (standards mode), the notice first in the body."""
    return (
        f'<!DOCTYPE html>\n<html lang="{escape(lang, quote=True)}">\n<head>\n'
        '<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"{OWN_PAGE_MARKER}\n"
        f"{head_extra}"
        f"<title>{escape(title)}</title>\n"
        "</head>\n"
        f'<body style="{_PAGE_STYLE}">\n'
        f"{notice_html}\n{body}\n"
        "</body>\n</html>\n"
    )


def _back_link(start_href: str | None, site_name: str, words: Words = ENGLISH) -> str:
    if not start_href:
        return ""
    return f'<p><a href="{escape(start_href, quote=True)}">{words("back_to_start", site=escape(site_name))}</a></p>'


def missing_page(notice_html: str, *, site_name: str, start_href: str | None, lang: str = "en") -> str:
    """``_sunset/missing.html`` (and ``missing.LANG.html``): the target of every link to a page
    that was not archived, in the language of the page that links to it (``lang``)."""
    words = Words(lang)
    site = escape(site_name)
    title = words("missing_title")
    body = (
        f"<h1>{escape(title)}</h1>\n"
        f'<p id="sunset-missing-text">{words("missing_text", site=site)}</p>\n'
        f'<p id="sunset-missing-local" style="display:none">{escape(words("missing_local"))}</p>\n'
        f'<p id="sunset-missing-line" style="display:none">{escape(words("missing_was"))} '
        '<code id="sunset-missing-url" style="word-break:break-all"></code></p>\n'
        f"{_SHOW_URL_SCRIPT}\n"
        f"<noscript><p>{escape(words('missing_noscript'))}</p></noscript>\n"
        f"{_back_link(start_href, site_name, words)}"
    )
    return page_html(f"{title} - {site_name}", notice_html, body, lang=lang)


def is_web_href(href: str) -> bool:
    """Whether sunset may make ``href`` a link or a refresh: relative, or http(s) only.

    ``javascript:``, ``file:``, ``data:`` and the rest would run script or open the reader's
    own files from a page sunset wrote. ``urlsplit`` drops tabs and newlines and leading
    controls as browsers do, so ``java\tscript:`` is caught too.
    """
    return urlsplit(href.strip()).scheme.lower() in ("", "http", "https")


def forwarding_page(notice_html: str, *, target_href: str | None, original_url: str, target_url: str,
                    words: Words = ENGLISH) -> str:
    """A redirect of the old site: forwards at once, and says where to when it cannot.

    A target that is not a web address (``Location: javascript:...``) is shown as text only:
    a browser following the original redirect would not have run or opened it.
    """
    heading = f"<h1>{words('moved_heading')}</h1>\n"
    if target_href is None or not is_web_href(target_href):
        shown = f'<code style="word-break:break-all">{escape(target_url)}</code>'
        body = heading + f"<p>{words('moved_not_web', url=escape(original_url), target=shown)}</p>"
        return page_html(words("moved_title"), notice_html, body, lang=words.lang)
    target = escape(target_href, quote=True)
    refresh = f'<meta http-equiv="refresh" content="0; url={target}">\n'
    link = f'<a href="{target}">{escape(target_url)}</a>'
    body = heading + f"<p>{words('moved_text', url=escape(original_url), target=link)}</p>"
    return page_html(words("moved_title"), notice_html, body, head_extra=refresh, lang=words.lang)


def form_closed_page(notice_html: str, *, site_name: str, start_href: str | None, words: Words = ENGLISH) -> str:
    """``_sunset/form-closed.html``: where every form of the old site now leads."""
    body = (
        f"<h1>{words('closed_heading')}</h1>\n"
        f"<p>{words('closed_text', site=escape(site_name))}</p>\n"
        f"{_back_link(start_href, site_name, words)}"
    )
    return page_html(words("closed_title", site=site_name), notice_html, body, lang=words.lang)


def index_page(notice_html: str, *, site_name: str, start_href: str, words: Words = ENGLISH) -> str:
    """The mirror's ``index.html``: opens the archived start page."""
    target = escape(start_href, quote=True)
    refresh = f'<meta http-equiv="refresh" content="0; url={target}">\n'
    body = (
        f"<h1>{words('index_heading', site=escape(site_name))}</h1>\n"
        f'<p><a href="{target}">{words("index_open")}</a></p>'
    )
    return page_html(words("archived_site_title", site=site_name), notice_html, body, head_extra=refresh,
                     lang=words.lang)

