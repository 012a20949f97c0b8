"""The pages sunset adds to a mirror: the opening page, "not archived" and "form closed".

They use the same notice as the archived pages and only relative links, so the mirror still
works when copied anywhere. The missing page shows which address was wanted; it reads it from
its own ``?url=`` with a few lines of script that set ``textContent`` (never markup), so a
crafted link cannot inject anything.
"""
from __future__ import annotations

from html import escape

from site_out.resolve import FORM_CLOSED_PAGE, MISSING_PAGE

INDEX_PAGE = "index.html"

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
})();
</script>"""


def _page(title: str, notice_html: str, body: str, head_extra: str = "") -> str:
    return (
        "<!DOCTYPE html>\n<html>\n<head>\n"
        '<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"{head_extra}"
        f"<title>{escape(title)}</title>\n"
        "</head>\n"
        f'<body style="{_PAGE_STYLE}">\n'
        f"{notice_html}\n{body}\n"
        "</body>\n</html>\n"
    )


def _back_link(start_href: str | None, site_name: str) -> str:
    if not start_href:
        return ""
    return f'<p><a href="{escape(start_href, quote=True)}">Back to the start page of {escape(site_name)}</a></p>'


def missing_page(notice_html: str, *, site_name: str, start_href: str | None) -> str:
    """``_sunset/missing.html``: the target of every link to a page that was not archived."""
    body = (
        "<h1>Page not archived</h1>\n"
        f"<p>This page of {escape(site_name)} was not available when the site was archived, "
        "so it is not part of this copy.</p>\n"
        '<p id="sunset-missing-line" style="display:none">The page was: '
        '<code id="sunset-missing-url" style="word-break:break-all"></code></p>\n'
        f"{_SHOW_URL_SCRIPT}\n"
        "<noscript><p>The address of the missing page follows <code>url=</code> in your "
        "browser's address bar.</p></noscript>\n"
        f"{_back_link(start_href, site_name)}"
    )
    return _page(f"Page not archived - {site_name}", notice_html, body)


def form_closed_page(notice_html: str, *, site_name: str, start_href: str | None) -> str:
    """``_sunset/form-closed.html``: where every form of the old site now leads."""
    body = (
        "<h1>This service has closed</h1>\n"
        f"<p>The form you used sent its answers to {escape(site_name)}'s server, which has "
        "been retired. Nothing was sent, and the service is no longer available.</p>\n"
        f"{_back_link(start_href, site_name)}"
    )
    return _page(f"Service closed - {site_name}", notice_html, body)


def index_page(notice_html: str, *, site_name: str, start_href: str) -> str:
    """The mirror's ``index.html``: opens the archived start page."""
    target = escape(start_href, quote=True)
    refresh = f'<meta http-equiv="refresh" content="0; url={target}">\n'
    body = (
        f"<h1>{escape(site_name)} (archived copy)</h1>\n"
        f'<p><a href="{target}">Open the archived site</a></p>'
    )
    return _page(f"{site_name} (archived)", notice_html, body, head_extra=refresh)


SPECIAL_PAGES = (INDEX_PAGE, MISSING_PAGE, FORM_CLOSED_PAGE)
