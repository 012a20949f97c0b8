"""Which attribute of which tag holds a URL: one table for the crawler, records and mirror.

A kind says what the reference is for: ``page`` (navigation), ``frame``, ``embed`` (an
image, applet, sound or object the page shows), ``style``, ``script``, ``form`` (where a
form posts). ``map`` is an image-map reference (``USEMAP``).
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from normalize.markup import Attribute, StartTag

LinkKind = Literal["page", "frame", "embed", "style", "script", "form", "map"]

URL_ATTRIBUTES: dict[str, dict[str, LinkKind]] = {
    "a": {"href": "page"},
    "area": {"href": "page"},
    "frame": {"src": "frame", "longdesc": "page"},
    "iframe": {"src": "frame", "longdesc": "page"},
    "layer": {"src": "frame", "background": "embed"},
    "ilayer": {"src": "frame", "background": "embed"},
    "img": {"src": "embed", "lowsrc": "embed", "dynsrc": "embed", "usemap": "map", "longdesc": "page"},
    "input": {"src": "embed", "usemap": "map"},
    "body": {"background": "embed"},
    "table": {"background": "embed"},
    "tr": {"background": "embed"},
    "td": {"background": "embed"},
    "th": {"background": "embed"},
    "link": {"href": "style"},
    "script": {"src": "script"},
    "applet": {"code": "embed", "codebase": "embed", "archive": "embed", "object": "embed"},
    "embed": {"src": "embed", "pluginspage": "page"},
    "bgsound": {"src": "embed"},
    "sound": {"src": "embed"},
    "object": {"data": "embed", "codebase": "embed"},
    "form": {"action": "form"},
    "blockquote": {"cite": "page"},
    "q": {"cite": "page"},
    "ins": {"cite": "page"},
    "del": {"cite": "page"},
}
"""tag -> attribute -> kind. ``meta refresh``, ``style`` attributes and ``<BASE>`` are
handled by :func:`iter_tag_urls` because their URL is not the whole attribute value."""

PAGE_REQUISITE_KINDS = frozenset({"frame", "embed", "style", "script"})

_REFRESH = re.compile(
    r"""^\s*[0-9.]*\s*[;,]?\s*(?:url\s*=\s*)?(["']?)(?P<url>[^"']*?)\1\s*$""", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class TagURL:
    """A URL held by one attribute of a tag.

    ``start``/``end`` locate the URL inside the attribute's *decoded* value (the whole value
    except for meta refresh, whose URL follows ``5; URL=``).
    """

    tag: str
    attribute: Attribute
    kind: LinkKind
    url: str
    start: int
    end: int


def refresh_target(content: str) -> tuple[int, int] | None:
    """The span of the URL in a meta-refresh ``CONTENT`` value, or None if it has none."""
    match = _REFRESH.match(content)
    if match is None or not match.group("url").strip():
        return None
    return match.start("url"), match.end("url")


def link_kind(tag: StartTag, attribute: str) -> LinkKind | None:
    kinds = URL_ATTRIBUTES.get(tag.name)
    if kinds is None or attribute not in kinds:
        return None
    if tag.name == "link":
        rel = (tag.value("rel") or "").lower()
        return "style" if "stylesheet" in rel or "icon" in rel else "page"
    return kinds[attribute]


def iter_tag_urls(tag: StartTag) -> Iterator[TagURL]:
    """The URLs a start tag refers to (inline ``STYLE`` attributes excepted: see css)."""
    if tag.name == "meta":
        if (tag.value("http-equiv") or "").strip().lower() == "refresh":
            content = tag.get("content")
            if content is not None:
                value = content.value
                span = refresh_target(value)
                if span:
                    yield TagURL("meta", content, "page", value[span[0] : span[1]], *span)
        return
    kinds = URL_ATTRIBUTES.get(tag.name)
    if not kinds:
        return
    for attribute in tag.attributes:
        if attribute.name not in kinds:
            continue
        kind = link_kind(tag, attribute.name)
        value = attribute.value
        if kind is None or not value.strip():
            continue
        if tag.name == "applet" and attribute.name == "archive":
            # A comma-separated list: each entry is its own URL.
            offset = 0
            for entry in value.split(","):
                stripped = entry.strip()
                if stripped:
                    start = offset + entry.index(stripped)
                    yield TagURL(tag.name, attribute, kind, stripped, start, start + len(stripped))
                offset += len(entry) + 1
            continue
        yield TagURL(tag.name, attribute, kind, value, 0, len(value))


def applet_base(tag: StartTag, page_base: str) -> str:
    """Applet ``CODE`` and ``ARCHIVE`` are relative to ``CODEBASE`` when it is given."""
    from urllib.parse import urljoin

    codebase = (tag.value("codebase") or "").strip()
    if not codebase:
        return page_base
    try:
        return urljoin(page_base, codebase if codebase.endswith("/") else codebase + "/")
    except ValueError:  # http://[bad: urllib cannot read it; nor could a browser load from it
        return page_base
