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
from datetime import date
from urllib.parse import urlsplit

from normalize.css import rewrite_css
from normalize.links import FORM_FIELDS
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
from site_out.frames import FRAMED_TAGS, framed_href, notice_row
from site_out.options import ExternalLinks
from site_out.paths import href_between
from site_out.resolve import BLANK_IMAGE, FORM_CLOSED_PAGE, Resolution, Resolver
from site_out.scripts import ScriptNavigation, iter_script_navigation
from site_out.words import ENGLISH, Words

META_CHARSET = '<meta charset="utf-8">'
EXTERNAL_LINK_TITLE = ENGLISH("link_external")
WAYBACK_LINK_TITLE = ENGLISH("link_wayback")
WAYBACK_PREFIX = "https://web.archive.org/web/"
FORM_CLOSED_MARKER = 'data-sunset="form-closed"'
_FORM_LINE_STYLE = (
    "display:block;margin:4px 0;padding:4px 8px;border:1px solid #8a6d3b;background:#fcf8e3;"
    "color:#222222;font-family:sans-serif;font-size:14px;line-height:20px;text-align:left"
)
_WAYBACK_TAGS = frozenset({"a", "area", "frame", "iframe"})
LEFTOVER_LINK_TITLE = ENGLISH("link_leftover")
_IMAGE_ATTRIBUTES = frozenset({("img", "src"), ("img", "lowsrc"), ("input", "src"), ("body", "background"),
                               ("table", "background"), ("td", "background"), ("th", "background"),
                               ("tr", "background"), ("embed", "src"), ("image", "src")})
"""Where a picture is drawn: an address no reader can open becomes the transparent pixel there."""
_DROPPABLE_TAGS = frozenset({"img", "input", "embed"})

# Tags that may come before the body without starting it (pywb's list, plus comments).
_HEAD_TAGS = frozenset({"html", "head", "title", "meta", "link", "style", "script", "base", "noscript"})
_CHARSET_IN_CONTENT = re.compile(r"""(charset\s*=\s*["']?)([^\s;"']*)""", re.IGNORECASE)
_NEEDS_QUOTES = re.compile(r"""[\s"'=<>`]""")
_TITLED_TAGS = frozenset({"a", "area"})


@dataclass(frozen=True, slots=True)
class LinkIssue:
    """A reference the mirror could not keep: ``missing`` (not archived), ``leftover`` (an address
    no reader can open: the author's own disk, network or machine, or no address at all; made
    inert), or ``script`` (a script navigation left as written)."""

    reason: str
    raw: str
    url: str | None
    tag: str
    note: str | None = None
    """For a ``leftover``: why no reader can open it."""


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
    from urllib.parse import urljoin, urlsplit

    for token in tokens:
        if isinstance(token, StartTag) and token.name == "base":
            href = token.value("href")
            if href is not None and href.strip():
                base = urljoin(page_url, href.strip())
                # A file: or javascript: base would turn every relative link into one that
                # leaves the mirror (file:///etc/...); the page's own URL is the safe base.
                if urlsplit(base).scheme.lower() in ("http", "https"):
                    return base
                return page_url
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


def _add_notice_row(page: "_Page", tokens: list[Token], words: Words) -> None:
    """A frameset page: the notice row above its outermost FRAMESET (see site_out.frames)."""
    framesets = [token for token in tokens if isinstance(token, (StartTag, EndTag)) and token.name == "frameset"]
    if not framesets or not isinstance(framesets[0], StartTag):
        return
    before, after = notice_row(page.path, words)
    page.edits.add(framesets[0].start, framesets[0].start, before)
    ends = [token for token in framesets if isinstance(token, EndTag)]
    if ends:
        page.edits.add(ends[-1].end, ends[-1].end, after)


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


@dataclass(slots=True)
class _Page:
    """What the rewrite of one page needs at every tag."""

    text: str
    base: str
    path: str
    lang: str | None
    captured: date | None
    edits: _Edits = field(default_factory=_Edits)
    issues: list[LinkIssue] = field(default_factory=list)
    in_closed_form: bool = False


def page_language(tokens: list[Token]) -> str | None:
    """The ``LANG`` of the page's ``<HTML>`` tag, if it says one."""
    for token in tokens:
        if isinstance(token, StartTag) and token.name == "html":
            lang = (token.value("lang") or "").strip()
            return lang or None
    return None


def wayback_url(url: str, captured: date | None) -> str:
    """The Internet Archive's copy of ``url`` nearest to the day the page was captured."""
    stamp = f"{captured:%Y%m%d}/" if captured is not None else ""
    return f"{WAYBACK_PREFIX}{stamp}{url}"


def _attribute_span(text: str, tag: StartTag, attribute: Attribute) -> tuple[int, int] | None:
    """The span of ``name=value`` with the space before it, to remove an attribute whole."""
    prefix = text[tag.start : attribute.value_start]
    pattern = rf"\s+{re.escape(attribute.name)}\s*(?:=\s*{re.escape(attribute.quote)})?$"
    match = re.search(pattern, prefix, re.IGNORECASE)
    if match is None:
        return None
    end = attribute.value_end
    if attribute.quote and text[end : end + 1] == attribute.quote:
        end += 1
    return tag.start + match.start(), end


class PageRewriter:
    """Rewrites pages of one mirror; holds what is the same for every page."""

    def __init__(
        self,
        resolver: Resolver,
        *,
        external_links: ExternalLinks = "mark",
        drop: tuple[str, ...] = (),
        words: Words = ENGLISH,
    ) -> None:
        self.resolver = resolver
        self.words = words
        self.external_links = external_links
        self.drop = tuple(re.compile(pattern) for pattern in drop)
        self._resolved: dict[tuple[str, str, str, str | None], Resolution] = {}

    def rewrite(
        self,
        text: str,
        *,
        page_url: str,
        page_path: str,
        notice_html: str,
        lang: str | None = None,
        captured: date | None = None,
        tokens: list[Token] | None = None,
    ) -> RewriteResult:
        """The page with links pointing into the mirror, UTF-8 declared and the notice added.

        ``page_url`` is the URL the page was captured at; ``page_path`` its mirror path;
        ``lang`` its language (default: its ``<HTML LANG>``); ``captured`` the capture day;
        ``tokens`` the text's tokens when they were made already (by normalize).
        """
        if tokens is None:
            tokens = list(iter_tokens(text))
        page = _Page(text, _document_base(tokens, page_url), page_path, lang or page_language(tokens), captured)
        meta_at = _meta_position(tokens)
        page.edits.add(meta_at, meta_at, META_CHARSET)
        for token in tokens:
            if isinstance(token, StartTag):
                self._rewrite_tag(page, token)
            elif isinstance(token, EndTag) and token.name == "form":
                page.in_closed_form = False
            elif isinstance(token, RawText) and token.parent == "style":
                css = text[token.start : token.end]
                new = self.rewrite_css(css, page.base, page_path, page.issues, "style")
                if new != css:
                    page.edits.add(token.start, token.end, new)
            elif isinstance(token, RawText) and token.parent == "script":
                script = text[token.start : token.end]
                new = self._rewrite_script(page, script, "script")
                if new != script:
                    page.edits.add(token.start, token.end, new)
        offset, before, after = _notice_position(text, tokens)
        page.edits.add(offset, offset, before + notice_html + after)
        _add_notice_row(page, tokens, self.words)
        return RewriteResult(page.edits.apply(text), tuple(page.issues))

    def rewrite_css(
        self, css: str, base: str, from_path: str, issues: list[LinkIssue], where: str = "css"
    ) -> str:
        """``css`` with each ``url()``/``@import`` pointing into the mirror."""

        def replace(url: str) -> str | None:
            resolution = self._resolve(url, base, from_path, issues, where)
            if resolution.outcome == "leftover":  # url() in a style sheet is a picture
                return href_between(from_path, BLANK_IMAGE)
            return resolution.href

        return rewrite_css(css, replace)

    def _resolve(
        self, raw: str, base: str, from_path: str, issues: list[LinkIssue], tag: str, lang: str | None = None
    ) -> Resolution:
        key = (raw, base, from_path, lang)
        resolution = self._resolved.get(key)
        if resolution is None:  # a dense page repeats its links: each is resolved once
            if len(self._resolved) >= 4096:
                self._resolved.clear()
            resolution = self._resolved[key] = self.resolver.resolve(raw, base, from_path, lang)
        if resolution.outcome in ("missing", "leftover"):
            issues.append(LinkIssue(resolution.outcome, raw, resolution.url, tag, resolution.note))
        return resolution

    def _rewrite_script(self, page: _Page, script: str, where: str) -> str:
        """Plain literal targets of ``window.open``/``location`` that were archived point into
        the mirror; everything else stays as written and is reported."""
        pieces: list[str] = []
        position = 0
        for found in iter_script_navigation(script):
            if isinstance(found, ScriptNavigation):
                page.issues.append(LinkIssue("script", found.snippet, None, where))
                continue
            resolution = self.resolver.resolve(found.url, page.base, page.path, page.lang)
            if resolution.outcome == "archived" and resolution.href is not None:
                pieces.append(script[position : found.start])
                pieces.append(resolution.href)
                position = found.end
            elif resolution.outcome in ("missing", "leftover"):
                page.issues.append(LinkIssue("script", found.url, resolution.url, where))
        if not pieces:
            return script
        pieces.append(script[position:])
        return "".join(pieces)

    def _rewrite_tag(self, page: _Page, tag: StartTag) -> None:
        text, edits = page.text, page.edits
        if tag.name == "base":
            href = tag.get("href")
            if href is not None and href.raw:
                # Links are now relative to the page's own file; an empty BASE is a no-op.
                edits.add(*splice_value(text, href, ""))
            return
        if tag.name == "meta":
            self._rewrite_meta_charset(text, tag, edits)
        if tag.name == "form":
            self._rewrite_form(page, tag)
        else:
            self._rewrite_urls(page, tag)
        if page.in_closed_form and tag.name in FORM_FIELDS and tag.get("disabled") is None:
            edits.add(*_new_attribute(tag, "disabled", "disabled"))
        for attribute in tag.attributes:
            if attribute.name.startswith("on") and attribute.raw:
                value = attribute.value
                new = self._rewrite_script(page, value, f"{tag.name} {attribute.name}")
                if new != value:
                    edits.add(*splice_value(text, attribute, new))
        style = tag.get("style")
        if style is not None:
            value = style.value
            new = self.rewrite_css(value, page.base, page.path, page.issues, tag.name)
            if new != value:
                edits.add(*splice_value(text, style, new))

    def _dropped(self, tag: StartTag, attribute: Attribute, raw: str, base: str) -> bool:
        if not self.drop or tag.name not in _DROPPABLE_TAGS or attribute.name not in ("src", "lowsrc"):
            return False
        url = self.resolver.absolute_url(raw, base)
        return url is not None and any(pattern.search(url) for pattern in self.drop)

    def _rewrite_urls(self, page: _Page, tag: StartTag) -> None:
        text, base = page.text, page.base
        external = False
        leftover: str | None = None
        codebase_local = tag.name == "applet" and self._is_local_codebase(tag, base)
        for attribute, urls in _group_by_attribute(iter_tag_urls(tag)):
            if tag.name == "applet" and attribute.name == "codebase":
                if codebase_local:
                    # CODE and ARCHIVE now hold paths relative to the page itself.
                    page.edits.add(*splice_value(text, attribute, "./"))
                elif attribute.value.strip():
                    # Another host's: written out whole, since the mirror drops the <BASE> a relative
                    # value leaned on (left relative, it would point into, or out of, the mirror).
                    absolute = self.resolver.absolute_url(attribute.value, base)
                    page.edits.add(*splice_value(text, attribute, absolute or ""))
                continue
            value = attribute.value
            pieces: list[str] = []
            position = 0
            changed = False
            for tag_url in urls:
                url_base = base
                if tag.name == "applet" and attribute.name in ("code", "archive"):
                    url_base = applet_base(tag, base)
                if self._dropped(tag, attribute, tag_url.url, url_base):
                    href: str | None = href_between(page.path, BLANK_IMAGE)
                else:
                    resolution = self._resolve(tag_url.url, url_base, page.path, page.issues, tag.name, page.lang)
                    external = external or resolution.outcome == "external"
                    href = resolution.href
                    if resolution.outcome == "leftover":
                        if (tag.name, attribute.name) in _IMAGE_ATTRIBUTES:
                            href = href_between(page.path, BLANK_IMAGE)
                        else:
                            leftover = leftover or tag_url.url.strip()
                    if (resolution.outcome == "external" and self.external_links == "wayback"
                            and tag.name in _WAYBACK_TAGS and resolution.url is not None):
                        href = wayback_url(resolution.url, page.captured)
                    if tag.name in FRAMED_TAGS and attribute.name == "src" and resolution.outcome == "archived" \
                            and href is not None:
                        href = framed_href(href)
                if href is None:
                    continue
                pieces.append(value[position : tag_url.start])
                pieces.append(href)
                position = tag_url.end
                changed = True
            if changed:
                pieces.append(value[position:])
                page.edits.add(*splice_value(text, attribute, "".join(pieces)))
        if leftover and tag.name in _TITLED_TAGS and tag.get("title") is None:
            page.edits.add(*_new_attribute(tag, "title", f"{self.words('link_leftover')} {leftover}"))
        elif external and self.external_links != "keep" and tag.name in _TITLED_TAGS and tag.get("title") is None:
            title = self.words("link_wayback" if self.external_links == "wayback" else "link_external")
            page.edits.add(*_new_attribute(tag, "title", title))

    def _is_local_codebase(self, tag: StartTag, base: str) -> bool:
        codebase = tag.value("codebase")
        return bool(codebase and codebase.strip()) and self.resolver.is_own_host(codebase or "", base)

    def _rewrite_form(self, page: _Page, tag: StartTag) -> None:
        """A form that posted to the retired server loses its action, its fields become
        read-only (see :meth:`_rewrite_tag`) and a line says the service has closed."""
        action = tag.get("action")
        raw = action.value if action is not None else ""
        if action is not None and raw.strip() and not self.resolver.is_own_host(raw, page.base):
            if not urlsplit(raw.strip()).scheme:
                # Relative to an external <BASE>, which the mirror does not keep: written as
                # the address it went to (or dropped when it names none), never left to be
                # read against the mirror's own folders.
                target = self.resolver.absolute_url(raw, page.base)
                page.edits.add(*splice_value(page.text, action, target or ""))
            return
        page.in_closed_form = True
        if action is not None:
            span = _attribute_span(page.text, tag, action)
            if span is not None:
                page.edits.add(span[0], span[1], "")
            else:
                page.edits.add(*splice_value(page.text, action, ""))
        closed = href_between(page.path, FORM_CLOSED_PAGE)
        page.edits.add(tag.end, tag.end, form_closed_line(closed, self.words))

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


def form_closed_line(href: str, words: Words = ENGLISH) -> str:
    """The line put right after a closed form's ``<FORM>`` tag."""
    return (
        f'<div {FORM_CLOSED_MARKER} style="{_FORM_LINE_STYLE}">{words("form_closed_line")} '
        f'<a href="{escape_attribute(href)}">{words("form_closed_why")}</a></div>'
    )


def _group_by_attribute(urls: Iterator[TagURL]) -> list[tuple[Attribute, list[TagURL]]]:
    groups: list[tuple[Attribute, list[TagURL]]] = []
    for tag_url in urls:
        if groups and groups[-1][0] is tag_url.attribute:
            groups[-1][1].append(tag_url)
        else:
            groups.append((tag_url.attribute, [tag_url]))
    return groups

