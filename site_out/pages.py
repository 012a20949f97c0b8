"""The pages sunset adds to a mirror: the opening page, "not archived" and "form closed".

They use the same notice as the archived pages and only relative links, so the mirror still
works when copied anywhere. The missing page shows which address was wanted; it reads it from
its own ``?url=`` with a few lines of script that set ``textContent`` (never markup), so a
crafted link cannot inject anything.
"""
from __future__ import annotations

from html import escape
from urllib.parse import urlsplit

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


def _back_link(start_href: str | None, site_name: str) -> str:
    if not start_href:
        return ""
    return f'<p><a href="{escape(start_href, quote=True)}">Back to the start page of {escape(site_name)}</a></p>'


_MISSING_TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Page not archived",
        "text": "This page of {site} was not available when the site was archived, so it is not part of this copy.",
        "was": "The page was:",
        "noscript": "The address of the missing page follows url= in your browser's address bar.",
        "back": "Back to the start page of {site}",
    },
    "de": {
        "title": "Seite nicht archiviert",
        "text": "Diese Seite von {site} war bei der Archivierung der Website nicht verfügbar und ist "
                "daher nicht Teil dieser Kopie.",
        "was": "Die Seite war:",
        "noscript": "Die Adresse der fehlenden Seite steht in der Adresszeile Ihres Browsers hinter url=.",
        "back": "Zurück zur Startseite von {site}",
    },
    "fr": {
        "title": "Page non archivée",
        "text": "Cette page de {site} n'était pas disponible lors de l'archivage du site ; elle ne fait "
                "donc pas partie de cette copie.",
        "was": "La page était :",
        "noscript": "L'adresse de la page manquante suit url= dans la barre d'adresse de votre navigateur.",
        "back": "Retour à la page d'accueil de {site}",
    },
    "es": {
        "title": "Página no archivada",
        "text": "Esta página de {site} no estaba disponible cuando se archivó el sitio, por lo que no "
                "forma parte de esta copia.",
        "was": "La página era:",
        "noscript": "La dirección de la página que falta sigue a url= en la barra de direcciones de su navegador.",
        "back": "Volver a la página de inicio de {site}",
    },
}
"""One entry per language of :data:`site_out.resolve.MISSING_LANGUAGES`."""


def missing_page(notice_html: str, *, site_name: str, start_href: str | None, lang: str = "en") -> str:
    """``_sunset/missing.html`` (and ``missing.LANG.html``): the target of every link to a page
    that was not archived, in the language of the page that links to it."""
    texts = _MISSING_TEXTS.get(lang, _MISSING_TEXTS["en"])
    site = escape(site_name)
    back = ""
    if start_href:
        back = f'<p><a href="{escape(start_href, quote=True)}">{texts["back"].format(site=site)}</a></p>'
    body = (
        f"<h1>{escape(texts['title'])}</h1>\n"
        f"<p>{texts['text'].format(site=site)}</p>\n"
        f'<p id="sunset-missing-line" style="display:none">{escape(texts["was"])} '
        '<code id="sunset-missing-url" style="word-break:break-all"></code></p>\n'
        f"{_SHOW_URL_SCRIPT}\n"
        f"<noscript><p>{escape(texts['noscript'])}</p></noscript>\n"
        f"{back}"
    )
    return page_html(f"{texts['title']} - {site_name}", notice_html, body, lang=lang)


def is_web_href(href: str) -> bool:
    """Whether sunset may make ``href`` a link or a refresh: relative, or http(s) only.

    ``javascript:``, ``file:``, ``data:`` and the rest would run script or open the reader's
    own files from a page sunset wrote. ``urlsplit`` drops tabs and newlines and leading
    controls as browsers do, so ``java\tscript:`` is caught too.
    """
    return urlsplit(href.strip()).scheme.lower() in ("", "http", "https")


def forwarding_page(notice_html: str, *, target_href: str | None, original_url: str, target_url: str) -> str:
    """A redirect of the old site: forwards at once, and says where to when it cannot.

    A target that is not a web address (``Location: javascript:...``) is shown as text only:
    a browser following the original redirect would not have run or opened it.
    """
    if target_href is None or not is_web_href(target_href):
        body = (
            "<h1>This page has moved</h1>\n"
            f"<p>On the old site, {escape(original_url)} forwarded to "
            f"<code style=\"word-break:break-all\">{escape(target_url)}</code>, which is not a web "
            "address; it is shown here as text and not followed.</p>"
        )
        return page_html("Page moved", notice_html, body)
    target = escape(target_href, quote=True)
    refresh = f'<meta http-equiv="refresh" content="0; url={target}">\n'
    body = (
        "<h1>This page has moved</h1>\n"
        f"<p>On the old site, {escape(original_url)} forwarded to "
        f'<a href="{target}">{escape(target_url)}</a>.</p>'
    )
    return page_html("Page moved", notice_html, body, head_extra=refresh)


def form_closed_page(notice_html: str, *, site_name: str, start_href: str | None) -> str:
    """``_sunset/form-closed.html``: where every form of the old site now leads."""
    body = (
        "<h1>This service has closed</h1>\n"
        f"<p>The form you used sent its answers to {escape(site_name)}'s server, which has "
        "been retired. Nothing was sent, and the service is no longer available.</p>\n"
        f"{_back_link(start_href, site_name)}"
    )
    return page_html(f"Service closed - {site_name}", notice_html, body)


def index_page(notice_html: str, *, site_name: str, start_href: str) -> str:
    """The mirror's ``index.html``: opens the archived start page."""
    target = escape(start_href, quote=True)
    refresh = f'<meta http-equiv="refresh" content="0; url={target}">\n'
    body = (
        f"<h1>{escape(site_name)} (archived copy)</h1>\n"
        f'<p><a href="{target}">Open the archived site</a></p>'
    )
    return page_html(f"{site_name} (archived)", notice_html, body, head_extra=refresh)

