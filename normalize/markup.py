"""A forgiving, position-keeping scanner for legacy HTML tags.

The mirror rewrites attribute values in place instead of re-serializing pages through a
parser (which would change how 1998 markup renders), and the link extractor must see the
same links the mirror rewrites. Both walk the tokens produced here. Text between tokens is
never interpreted: callers copy it by offset.
"""
from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from html.entities import html5

RAW_TEXT_TAGS = frozenset({"script", "style", "xmp", "textarea", "title", "plaintext"})

_OPEN = re.compile(r"<(?:(!--)|(/)([A-Za-z][^\s/>]*)|([A-Za-z][^\s/>]*)|([!?]))")
_ATTRIBUTE = re.compile(
    r"""[\s/]*([^\s"'>/=][^\s"'>/=]*)(?:\s*=\s*(?:"([^"]*)"?|'([^']*)'?|([^\s>]*)))?"""
)
_TAG_REST = re.compile(r"[^>]*>?")
_COMMENT_END = re.compile(r"--!?>")
_CHARREF = re.compile(r"&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[A-Za-z][A-Za-z0-9]*;?)")
_LEGACY_ENTITY_LENGTH = max(len(name) for name in html5 if not name.endswith(";"))
"""The longest entity valid without ``;`` (``yacute``): no longer prefix needs trying."""
_MAX_CODE_DIGITS = {"": 7, "x": 6}
"""Digits beyond which a numeric reference is past U+10FFFF (U+FFFD, as browsers decode it)."""


@dataclass(slots=True)
class Attribute:
    """One attribute of a start tag, with the span of its value in the page text."""

    name: str
    raw: str
    value_start: int
    value_end: int
    quote: str
    """``"``, ``'`` or "" (unquoted, or no value at all)."""

    @property
    def value(self) -> str:
        return unescape_attribute(self.raw)


@dataclass(slots=True)
class StartTag:
    name: str
    start: int
    end: int
    attributes: list[Attribute] = field(default_factory=list)

    def get(self, name: str) -> Attribute | None:
        for attribute in self.attributes:
            if attribute.name == name:
                return attribute
        return None

    def value(self, name: str) -> str | None:
        attribute = self.get(name)
        return attribute.value if attribute is not None else None


@dataclass(slots=True)
class EndTag:
    name: str
    start: int
    end: int


@dataclass(slots=True)
class RawText:
    """The contents of ``<SCRIPT>``, ``<STYLE>``, ``<TITLE>`` and the like, not markup."""

    parent: str
    start: int
    end: int


@dataclass(slots=True)
class Comment:
    start: int
    end: int


Token = StartTag | EndTag | RawText | Comment


def unescape_attribute(raw: str) -> str:
    """Decode character references in an attribute value as HTML5 does.

    Unlike :func:`html.unescape`, a legacy entity without ``;`` followed by ``=`` or a letter
    or digit stays as written, so ``cgi?a=1&copy=2`` keeps its ``&copy`` and ``&copy1998``
    its digits; ``&nbsp`` before a space is a no-break space.
    """
    if "&" not in raw:
        return raw

    def decode(match: re.Match[str]) -> str:
        ref = match.group(1)
        if ref.startswith("#"):
            return _numeric_reference(ref)
        if ref.endswith(";") and ref in html5:
            return html.unescape(match.group(0))
        name = ref.rstrip(";")
        for length in range(min(len(name), _LEGACY_ENTITY_LENGTH), 1, -1):
            if name[:length] in html5:  # a legacy entity, valid without ";"
                following = name[length : length + 1] or raw[match.end() : match.end() + 1]
                if following == "=" or following.isalnum():
                    return match.group(0)
                return html5[name[:length]] + ref[length:]
        return match.group(0)

    return _CHARREF.sub(decode, raw)


def _numeric_reference(ref: str) -> str:
    """``#65;`` or ``#x41`` decoded; a reference of thousands of digits is one U+FFFD (Python's
    ``int`` refuses more than 4300 digits, and converting them would take time for nothing)."""
    hex_digits = ref[1:2] in ("x", "X")
    digits = ref[2 if hex_digits else 1 :].rstrip(";").lstrip("0")
    if len(digits) > _MAX_CODE_DIGITS["x" if hex_digits else ""]:
        return "\ufffd"
    return html.unescape("&" + ref)


def escape_attribute(value: str, quote: str = '"') -> str:
    """The text to put between ``quote`` characters for ``value``."""
    escaped = value.replace("&", "&amp;")
    return escaped.replace('"', "&quot;") if quote != "'" else escaped.replace("'", "&#39;")


def _parse_attributes(text: str, position: int, tag: StartTag) -> int:
    """Read attributes from ``position`` up to the closing ``>``; return the tag's end."""
    length = len(text)
    seen: set[str] = set()
    while position < length:
        if text[position] == ">":
            return position + 1
        match = _ATTRIBUTE.match(text, position)
        if match is None or match.end() == position:
            # Stray characters such as a lone "/" or "=" before ">": skip one.
            position += 1
            continue
        name = match.group(1).lower()
        if name in seen:
            # Browsers keep the first of duplicate attributes and drop the rest; keeping them
            # all made every lookup on a tag of 200,000 ``href=`` quadratic.
            position = match.end()
            continue
        seen.add(name)
        if match.group(2) is not None:
            quote, group = '"', 2
        elif match.group(3) is not None:
            quote, group = "'", 3
        elif match.group(4) is not None:
            quote, group = "", 4
        else:
            quote, group = "", 0
        if group:
            tag.attributes.append(
                Attribute(name, match.group(group), match.start(group), match.end(group), quote)
            )
        else:
            tag.attributes.append(Attribute(name, "", match.end(1), match.end(1), ""))
        position = match.end()
    return length


def _comment_end(text: str, body: int) -> int:
    """Where a comment whose ``<!--`` ends at ``body`` closes, as browsers parse it.

    ``<!-->`` and ``<!--->`` are whole (empty) comments and ``--!>`` closes one too: reading
    on to the next ``-->`` would hide the links that follow from the rewriter while the
    browser shows and follows them.
    """
    if text.startswith(">", body):
        return body + 1
    if text.startswith("->", body):
        return body + 2
    close = _COMMENT_END.search(text, body)
    return len(text) if close is None else close.end()


@lru_cache(maxsize=None)
def _closing(name: str) -> re.Pattern[str]:
    """The end tag of a raw-text element (one of :data:`RAW_TEXT_TAGS`)."""
    return re.compile(r"</" + name + r"(?=[\s/>])", re.IGNORECASE)


def iter_tokens(text: str) -> Iterator[Token]:
    """Yield tags, comments and raw-text blocks in document order, with their offsets."""
    position = 0
    length = len(text)
    while position < length:
        match = _OPEN.search(text, position)
        if match is None:
            return
        start = match.start()
        if match.group(1):
            end = _comment_end(text, match.end())
            yield Comment(start, end)
            position = end
        elif match.group(2):
            rest = _TAG_REST.match(text, match.end())
            end = rest.end() if rest else match.end()
            yield EndTag(match.group(3).lower(), start, end)
            position = end
        elif match.group(4):
            tag = StartTag(match.group(4).lower(), start, start)
            tag.end = _parse_attributes(text, match.end(), tag)
            yield tag
            position = tag.end
            if tag.name in RAW_TEXT_TAGS:
                if tag.name == "plaintext":
                    yield RawText(tag.name, position, length)
                    return
                found = _closing(tag.name).search(text, position)
                content_end = found.start() if found else length
                yield RawText(tag.name, position, content_end)
                position = content_end
        else:
            rest = _TAG_REST.match(text, match.end())
            end = rest.end() if rest else match.end()
            yield Comment(start, end)
            position = end


# Elements whose end tag is required and whose absence changes how the rest of the page
# renders (a table or font that never ends swallows what follows). Optional end tags
# (</P>, </LI>, </TD>) are not markup errors and are not counted.
CHECKED_CONTAINERS = frozenset({"a", "b", "blockquote", "center", "div", "font", "form", "frameset", "i",
                                "noframes", "ol", "select", "table", "ul"})


def unclosed_elements(tokens: Iterable[Token]) -> list[str]:
    """Names of checked elements left open at the end of the page, ``html`` for a missing ``</HTML>``.

    A cheap count, not a tree build: an end tag closes one open element of its name, a stray
    end tag closes nothing.
    """
    open_count: dict[str, int] = {}
    html_opened = html_closed = False
    for token in tokens:
        if isinstance(token, StartTag):
            if token.name in CHECKED_CONTAINERS:
                open_count[token.name] = open_count.get(token.name, 0) + 1
            elif token.name == "html":
                html_opened = True
        elif isinstance(token, EndTag):
            if open_count.get(token.name):
                open_count[token.name] -= 1
            elif token.name == "html":
                html_closed = True
    unclosed = sorted(name for name, count in open_count.items() if count > 0)
    if html_opened and not html_closed:
        unclosed.append("html")
    return unclosed
