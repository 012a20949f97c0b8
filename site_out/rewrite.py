"""Rewrite one decoded page for the mirror by splicing attribute values in place.

Re-serializing a 1998 page through a parser changes how it renders (quirks, unclosed tags,
misnested tables). So the text between tokens is copied untouched and only the values of
URL attributes, charset declarations, ``BASE``, forms and CSS are replaced; the notice and a
``<meta charset="utf-8">`` are inserted at chosen offsets.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from normalize.css import rewrite_css
from normalize.linktable import TagURL, applet_base, iter_tag_urls
from normalize.markup import (
    Attribute,
    Comment,
    EndTag,
    RawText,
    StartTag,
    Token,
    escape_attribute,
    iter_tokens,
)
from site_out.paths import href_between
from site_out.resolve import FORM_CLOSED_PAGE, Resolution, Resolver

META_CHARSET = '<meta charset="utf-8">'
EXTERNAL_LINK_TITLE = "This link leaves the archived site and may no longer work."

# Tags that may come before the body without starting it (pywb's list, plus comments).
_HEAD_TAGS = frozenset({"html", "head", "title", "meta", "link", "style", "script", "base", "noscript"})
_CHARSET_IN_CONTENT = re.compile(r"""(charset\s*=\s*["']?)([^\s;"']*)""", re.IGNORECASE)
_NEEDS_QUOTES = re.compile(r"""[\s"'=<>`]""")
_TITLED_TAGS = frozenset({"a", "area"})


@dataclass(frozen=True, slots=True)
class LinkIssue:
    """A reference the mirror could not keep: ``missing`` (not archived) or ``invalid``."""

    reason: str
    raw: str
    url: str | None
    tag: str


@dataclass(frozen=True, slots=True)
class RewriteResult:
    text: str
    issues: tuple[LinkIssue, ...] = ()

    @property
    def missing(self) -> tuple[LinkIssue, ...]:
        return tuple(issue for issue in self.issues if issue.reason == "missing")


@dataclass(slots=True)
class _Edits:
    """Replacements keyed by offset; insertions are edits of an empty span."""

    items: list[tuple[int, int, int, str]] = field(default_factory=list)

    def add(self, start: int, end: int, text: str) -> None:
        self.items.append((start, end, len(self.items), text))

    def apply(self, text: str) -> str:
        pieces: list[str] = []
        position = 0
        for start, end, _, replacement in sorted(self.items):
            if start < position:  # overlapping edit: keep the first one, never corrupt text
                continue
            pieces.append(text[position:start])
            pieces.append(replacement)
            position = end
        pieces.append(text[position:])
        return "".join(pieces)


def splice_value(text: str, attribute: Attribute, value: str) -> tuple[int, int, str]:
    """(start, end, replacement) that gives ``attribute`` the (unescaped) ``value``.

    Keeps the original quote character; an unquoted value that now needs quotes gets double
    quotes; an attribute written without ``=`` gets ``="value"``.
    """
    if attribute.quote:
        return attribute.value_start, attribute.value_end, escape_attribute(value, attribute.quote)
    has_equals = text[: attribute.value_start].rstrip().endswith("=")
    escaped = escape_attribute(value, '"')
    if not has_equals:
        return attribute.value_start, attribute.value_start, f'="{escaped}"'
    if not value or _NEEDS_QUOTES.search(value):
        return attribute.value_start, attribute.value_end, f'"{escaped}"'
    return attribute.value_start, attribute.value_end, escaped


def _name_end(tag: StartTag) -> int:
    """Where new attributes go: right after the tag name (works for unclosed tags too)."""
    return tag.start + 1 + len(tag.name)


def _new_attribute(tag: StartTag, name: str, value: str) -> tuple[int, int, str]:
    position = _name_end(tag)
    return position, position, f' {name}="{escape_attribute(value)}"'


def _document_base(tokens: list[Token], page_url: str) -> str:
    """Browsers resolve every link of a page against its first ``<BASE HREF>``."""
    from urllib.parse import urljoin

    for token in tokens:
        if isinstance(token, StartTag) and token.name == "base":
            href = token.value("href")
            if href is not None and href.strip():
                return urljoin(page_url, href.strip())
    return page_url


def _meta_position(tokens: list[Token]) -> int:
    """Right after ``<HEAD>``, else after ``<HTML>``, else after a leading doctype/comments.

    Never before the doctype: that would drop the page out of the mode it renders in.
    """
    html_end: int | None = None
    leading_end = 0
    leading = True
    for token in tokens:
        if isinstance(token, StartTag):
            if token.name == "head":
                return token.end
            if token.name == "html" and html_end is None:
                html_end = token.end
            if token.name in ("body", "frameset"):
                break
            leading = False
        elif isinstance(token, Comment):
            if leading:
                leading_end = token.end
        else:
            leading = False
    return html_end if html_end is not None else leading_end


def _notice_position(text: str, tokens: list[Token]) -> tuple[int, str, str]:
    """(offset, before, after): where the notice goes and what wraps it.

    In a frameset page it goes into ``<NOFRAMES>`` (after its ``<BODY>`` if it has one); a
    frameset without NOFRAMES gets one. Without ``<BODY>`` it goes before the first thing
    that starts the body: a tag that is not a head tag, or text.
    """
    start_tags = [token for token in tokens if isinstance(token, StartTag)]
    if any(tag.name == "frameset" for tag in start_tags):
        noframes = next((tag for tag in start_tags if tag.name == "noframes"), None)
        if noframes is not None:
            for token in tokens:
                if token.start < noframes.end:
                    continue
                if isinstance(token, EndTag) and token.name == "noframes":
                    break
                if isinstance(token, StartTag) and token.name == "body":
                    return token.end, "", ""
            return noframes.end, "", ""
        frameset = next(tag for tag in start_tags if tag.name == "frameset")
        return frameset.end, "<noframes>", "</noframes>"
    body = next((tag for tag in start_tags if tag.name == "body"), None)
    if body is not None:
        return body.end, "", ""
    position = 0
    for token in tokens:
        gap = text[position : token.start]
        if gap.strip():
            return position + (len(gap) - len(gap.lstrip())), "", ""
        if isinstance(token, StartTag) and token.name not in _HEAD_TAGS:
            return token.start, "", ""
        position = token.end
    gap = text[position:]
    if gap.strip():
        return position + (len(gap) - len(gap.lstrip())), "", ""
    return len(text), "", ""


class PageRewriter:
    """Rewrites pages of one mirror; holds what is the same for every page."""

    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver

    def rewrite(self, text: str, *, page_url: str, page_path: str, notice_html: str) -> RewriteResult:
        """The page with links pointing into the mirror, UTF-8 declared and the notice added.

        ``page_url`` is the URL the page was captured at; ``page_path`` its mirror path.
        """
        tokens = list(iter_tokens(text))
        base = _document_base(tokens, page_url)
        edits = _Edits()
        issues: list[LinkIssue] = []
        meta_at = _meta_position(tokens)
        edits.add(meta_at, meta_at, META_CHARSET)
        for token in tokens:
            if isinstance(token, StartTag):
                self._rewrite_tag(text, token, base, page_path, edits, issues)
            elif isinstance(token, RawText) and token.parent == "style":
                css = text[token.start : token.end]
                new = self.rewrite_css(css, base, page_path, issues, "style")
                if new != css:
                    edits.add(token.start, token.end, new)
        offset, before, after = _notice_position(text, tokens)
        edits.add(offset, offset, before + notice_html + after)
        return RewriteResult(edits.apply(text), tuple(issues))

    def rewrite_css(
        self, css: str, base: str, from_path: str, issues: list[LinkIssue], where: str = "css"
    ) -> str:
        """``css`` with each ``url()``/``@import`` pointing into the mirror."""

        def replace(url: str) -> str | None:
            resolution = self._resolve(url, base, from_path, issues, where)
            return resolution.href

        return rewrite_css(css, replace)

    def _resolve(
        self, raw: str, base: str, from_path: str, issues: list[LinkIssue], tag: str
    ) -> Resolution:
        resolution = self.resolver.resolve(raw, base, from_path)
        if resolution.outcome in ("missing", "invalid"):
            issues.append(LinkIssue(resolution.outcome, raw, resolution.url, tag))
        return resolution

    def _rewrite_tag(
        self,
        text: str,
        tag: StartTag,
        base: str,
        page_path: str,
        edits: _Edits,
        issues: list[LinkIssue],
    ) -> None:
        if tag.name == "base":
            href = tag.get("href")
            if href is not None and href.raw:
                # Links are now relative to the page's own file; an empty BASE is a no-op.
                edits.add(*splice_value(text, href, ""))
            return
        if tag.name == "meta":
            self._rewrite_meta_charset(text, tag, edits)
        if tag.name == "form":
            self._rewrite_form(text, tag, base, page_path, edits)
        else:
            self._rewrite_urls(text, tag, base, page_path, edits, issues)
        style = tag.get("style")
        if style is not None:
            value = style.value
            new = self.rewrite_css(value, base, page_path, issues, tag.name)
            if new != value:
                edits.add(*splice_value(text, style, new))

    def _rewrite_urls(
        self,
        text: str,
        tag: StartTag,
        base: str,
        page_path: str,
        edits: _Edits,
        issues: list[LinkIssue],
    ) -> None:
        external = False
        codebase_local = tag.name == "applet" and self._is_local_codebase(tag, base)
        for attribute, urls in _group_by_attribute(iter_tag_urls(tag)):
            if tag.name == "applet" and attribute.name == "codebase":
                if codebase_local:
                    # CODE and ARCHIVE now hold paths relative to the page itself.
                    edits.add(*splice_value(text, attribute, "./"))
                continue
            value = attribute.value
            pieces: list[str] = []
            position = 0
            changed = False
            for tag_url in urls:
                url_base = base
                if tag.name == "applet" and attribute.name in ("code", "archive"):
                    url_base = applet_base(tag, base)
                resolution = self._resolve(tag_url.url, url_base, page_path, issues, tag.name)
                external = external or resolution.outcome == "external"
                if resolution.href is None:
                    continue
                pieces.append(value[position : tag_url.start])
                pieces.append(resolution.href)
                position = tag_url.end
                changed = True
            if changed:
                pieces.append(value[position:])
                edits.add(*splice_value(text, attribute, "".join(pieces)))
        if external and tag.name in _TITLED_TAGS and tag.get("title") is None:
            edits.add(*_new_attribute(tag, "title", EXTERNAL_LINK_TITLE))

    def _is_local_codebase(self, tag: StartTag, base: str) -> bool:
        codebase = tag.value("codebase")
        return bool(codebase and codebase.strip()) and self.resolver.is_own_host(codebase or "", base)

    def _rewrite_form(self, text: str, tag: StartTag, base: str, page_path: str, edits: _Edits) -> None:
        """Forms posting to the retired server go to a page saying the service has closed."""
        action = tag.get("action")
        raw = action.value if action is not None else ""
        if action is not None and raw.strip() and not self.resolver.is_own_host(raw, base):
            return
        closed = href_between(page_path, FORM_CLOSED_PAGE)
        if action is None:
            edits.add(*_new_attribute(tag, "action", closed))
        else:
            edits.add(*splice_value(text, action, closed))
        method = tag.get("method")
        if method is not None:
            edits.add(*splice_value(text, method, "GET"))

    @staticmethod
    def _rewrite_meta_charset(text: str, tag: StartTag, edits: _Edits) -> None:
        """The mirror is UTF-8: old charset declarations are changed to say so."""
        charset = tag.get("charset")
        if charset is not None:
            edits.add(*splice_value(text, charset, "utf-8"))
        content = tag.get("content")
        if content is None or (tag.value("http-equiv") or "").strip().lower() != "content-type":
            return
        value = content.value
        new = _CHARSET_IN_CONTENT.sub(lambda match: match.group(1) + "utf-8", value, count=1)
        if new != value:
            edits.add(*splice_value(text, content, new))


def _group_by_attribute(urls: Iterator[TagURL]) -> list[tuple[Attribute, list[TagURL]]]:
    groups: list[tuple[Attribute, list[TagURL]]] = []
    for tag_url in urls:
        if groups and groups[-1][0] is tag_url.attribute:
            groups[-1][1].append(tag_url)
        else:
            groups.append((tag_url.attribute, [tag_url]))
    return groups


def rewrite_page(
    text: str, *, page_url: str, page_path: str, resolver: Resolver, notice_html: str
) -> RewriteResult:
    """Convenience wrapper around :class:`PageRewriter` for a single page."""
    return PageRewriter(resolver).rewrite(
        text, page_url=page_url, page_path=page_path, notice_html=notice_html
    )
