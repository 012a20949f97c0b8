"""Every reference a page makes, found with the same scanner and table the mirror uses.

The crawler's link discovery (:func:`sunset.pipeline.crawl_link_extractor`) and the records
both use :func:`extract_page_references`, so they see exactly the links the mirror will rewrite.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from archive.urls import SHARED_LINKS, BadURL, Scope, absolute
from normalize.css import iter_css_urls
from normalize.linktable import PAGE_REQUISITE_KINDS, applet_base, iter_tag_urls
from normalize.markup import END, START, EndTag, RawText, StartTag, Tokens
from normalize.record import Form, FormField, Image, Link, ReferenceKind

_TAGS = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
_NON_FETCHABLE = ("mailto:", "javascript:", "news:", "data:", "about:", "tel:", "file:")
FORM_FIELDS = frozenset({"input", "select", "textarea", "button", "isindex"})


def collapse(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def markup_text(fragment: str) -> str:
    """Visible text of a small markup fragment (anchor text), entities decoded."""
    return collapse(html.unescape(_TAGS.sub(" ", fragment)))


@dataclass(frozen=True, slots=True)
class PageReferences:
    links: tuple[Link, ...]
    images: tuple[Image, ...]
    forms: tuple[Form, ...]


def find_base(text: str, page_url: str, tokens: Tokens | None = None) -> str:
    """The base URL of a page: its first ``<BASE HREF>`` (before its body) or its own URL.

    ``tokens`` are the page's tokens when the caller has scanned it already.
    """
    if tokens is None:
        tokens = Tokens(text)
    ends = [index for index in (tokens.find(START, "body"), tokens.find(START, "frameset")) if index is not None]
    index = tokens.find(START, "base")
    while index is not None and index < min(ends, default=len(tokens)):
        href = tokens.start_tag(index).value("href")
        if href and href.strip():
            try:
                return absolute(href, page_url)
            except (BadURL, ValueError):  # urllib's own complaint ("Invalid IPv6 URL") too
                return page_url
        index = tokens.find(START, "base", index + 1)
    return page_url


def classify(raw: str, url: str | None, kind: str, scope: Scope) -> tuple[ReferenceKind, bool]:
    """The record's kind for a reference and whether it is in the site's scope."""
    lowered = raw.strip().lower()
    if lowered.startswith("mailto:"):
        return "mailto", False
    if lowered.startswith("javascript:"):
        return "javascript", False
    if url is None:
        return "other", False
    return _classify_url(url, kind, scope)


@lru_cache(maxsize=SHARED_LINKS)
def _classify_url(url: str, kind: str, scope: Scope) -> tuple[ReferenceKind, bool]:
    """:func:`classify` of a URL (cached: the pages of a site link the same menus and images)."""
    if urlsplit(url).scheme not in ("http", "https"):
        return "other", False
    if not scope.same_host(url):
        return "external", False
    in_scope = scope.contains(url) or kind in PAGE_REQUISITE_KINDS
    return kind, in_scope  # type: ignore[return-value]


def _resolve(raw: str, base: str) -> str | None:
    value = raw.strip()
    if not value or value.lower().startswith(_NON_FETCHABLE):
        return None
    try:
        return absolute(value, base)
    except (BadURL, ValueError):
        return None


def _anchor_text(text: str, tokens: Tokens, index: int) -> str:
    """Text from an ``<A>`` up to its ``</A>`` (or the next ``<A>``: legacy pages forget)."""
    start = tokens.end(index)
    for following in range(index + 1, min(index + 200, len(tokens))):
        if tokens.kind(following) in (START, END) and tokens.name(following) == "a":
            return markup_text(text[start : tokens.start(following)])
    return markup_text(text[start : start + 300])


def extract_page_references(text: str, page_url: str, scope: Scope,
                            tokens: Tokens | None = None) -> PageReferences:
    """Links, images and forms of a decoded page, in document order.

    ``tokens`` are the page's tokens when the caller has scanned it already.
    """
    if tokens is None:
        tokens = Tokens(text)
    base = find_base(text, page_url, tokens)
    links: list[Link] = []
    images: list[Image] = []
    forms: list[Form] = []
    open_form: tuple[str | None, str | None, str, list[FormField]] | None = None

    def close_form() -> None:
        nonlocal open_form
        if open_form is not None:
            action, url, method, fields = open_form
            forms.append(Form(action, url, method, tuple(fields)))
            open_form = None

    # Navigation repeats the same links on a page; resolve each (value, base, kind) once.
    resolved: dict[tuple[str, str, str], tuple[str | None, ReferenceKind, bool]] = {}

    def add(raw: str, tag: str, attribute: str, kind: str, link_base: str, anchor: str | None) -> None:
        if raw.strip().startswith("#"):
            return
        key = (raw, link_base, kind)
        if key not in resolved:
            url = _resolve(raw, link_base)
            resolved[key] = (url, *classify(raw, url, kind, scope))
        url, record_kind, in_scope = resolved[key]
        links.append(Link(raw, url, tag, attribute, record_kind, anchor, in_scope))

    for index, token in enumerate(tokens):
        if isinstance(token, RawText) and token.parent == "style":
            for _, _, raw in iter_css_urls(text[token.start : token.end]):
                add(raw, "style", "url", "embed", base, None)
            continue
        if isinstance(token, EndTag) and token.name == "form":
            close_form()
            continue
        if not isinstance(token, StartTag):
            continue
        tag_base = applet_base(token, base) if token.name == "applet" else base
        anchor = None
        if token.name == "a":
            anchor = _anchor_text(text, tokens, index)
        elif token.name == "area":
            anchor = token.value("alt")
        for found in iter_tag_urls(token):
            link_base = base if found.attribute.name == "codebase" else tag_base
            add(found.url, token.name, found.attribute.name, found.kind, link_base, anchor)
        style = token.value("style")
        if style:
            for _, _, raw in iter_css_urls(style):
                add(raw, token.name, "style", "embed", base, None)
        if token.name == "img":
            src = token.value("src") or ""
            images.append(Image(src, _resolve(src, base), token.value("alt"),
                                token.value("width"), token.value("height")))
        elif token.name == "form":
            close_form()
            action = token.value("action")
            open_form = (action, _resolve(action, base) if action else page_url,
                         (token.value("method") or "get").strip().lower(), [])
        elif token.name in FORM_FIELDS and open_form is not None:
            kind = token.value("type") if token.name == "input" else token.name
            open_form[3].append(FormField(token.value("name"), (kind or "text").strip().lower()))
    close_form()
    return PageReferences(tuple(links), tuple(images), tuple(forms))

