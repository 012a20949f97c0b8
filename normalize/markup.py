"""A forgiving, position-keeping scanner for legacy HTML tags.

The mirror rewrites attribute values in place instead of re-serializing pages through a
parser (which would change how 1998 markup renders), and the link extractor must see the
same links the mirror rewrites. Both walk the tokens produced here. Text between tokens is
never interpreted: callers copy it by offset.

Normalize scans a page once and the mirror rewrites it from the same scan (:class:`Tokens`),
so a page's tokens live from one to the other. As objects, a page dense with links held about
27 bytes of them per byte of page; a long page's are kept as offsets into its text instead.
"""
from __future__ import annotations

import html
import re
from array import array
from collections.abc import Iterator
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
    return _scan(text, None, {})


def _scan(text: str, codes: array | None, ids: dict[str, int]) -> Iterator[Token]:
    """:func:`iter_tokens`; each token's code (see :class:`Tokens`) appended to ``codes`` too, when given."""
    position = 0
    length = len(text)
    while position < length:
        match = _OPEN.search(text, position)
        if match is None:
            return
        start = match.start()
        if match.group(1):
            end = _comment_end(text, match.end())
            if codes is not None:
                codes.append(COMMENT)
            yield Comment(start, end)
            position = end
        elif match.group(2):
            rest = _TAG_REST.match(text, match.end())
            end = rest.end() if rest else match.end()
            name = match.group(3).lower()
            if codes is not None:
                codes.append(ids.setdefault(name, len(ids)) * 4 + END)
            yield EndTag(name, start, end)
            position = end
        elif match.group(4):
            tag = StartTag(match.group(4).lower(), start, start)
            tag.end = _parse_attributes(text, match.end(), tag)
            if codes is not None:
                codes.append(ids.setdefault(tag.name, len(ids)) * 4 + START)
            yield tag
            position = tag.end
            if tag.name in RAW_TEXT_TAGS:
                if tag.name == "plaintext":
                    content_end = length
                else:
                    found = _closing(tag.name).search(text, position)
                    content_end = found.start() if found else length
                if codes is not None:
                    codes.append(ids[tag.name] * 4 + RAW)
                yield RawText(tag.name, position, content_end)
                position = content_end
        else:
            rest = _TAG_REST.match(text, match.end())
            end = rest.end() if rest else match.end()
            if codes is not None:
                codes.append(COMMENT)
            yield Comment(start, end)
            position = end


START, END, RAW, COMMENT = 0, 1, 2, 3
"""A token's kind, as :class:`Tokens` answers it."""
_QUOTES = ("", '"', "'")
_QUOTE_CODES = {quote: code for code, quote in enumerate(_QUOTES)}
KEPT_OBJECTS = 256 * 1024
"""Characters of a page up to which :class:`Tokens` keeps its tokens as objects (about 30 bytes a
character at most: 8 MiB); a longer page's are kept as offsets."""


class Tokens:
    """A page's tokens (:func:`iter_tokens`), scanned once and walked as often as callers need.

    Iterating or indexing gives the token objects; :meth:`kind`, :meth:`name`, :meth:`start`,
    :meth:`end` and :meth:`find` answer from a code per token (its name's number times four
    plus its kind, in an array) without making any. A page of up to ``kept`` characters (the
    usual page) keeps the objects its scan made: made again for each walk, they cost more time
    than they take memory. A longer page keeps four integers a token in arrays (its code, start,
    end and how many attributes came before it) and four an attribute (its name's number, the
    start and end of its value, its quote), each name once, and its objects are made as they
    are walked and dropped after: memory follows the page's length, not its tokens' objects.
    """

    __slots__ = ("text", "_objects", "_codes", "_names", "_ids", "_starts", "_ends", "_firsts", "_attributes")

    def __init__(self, text: str, kept: int = KEPT_OBJECTS) -> None:
        self.text = text
        offsets = "i" if len(text) < 2**31 else "q"
        self._codes = array(offsets)
        self._ids: dict[str, int] = {"": 0}
        self._starts, self._ends, self._firsts, self._attributes = (array(offsets) for _ in range(4))
        self._objects: list[Token] | None = None
        tokens = _scan(text, self._codes, self._ids)
        if len(text) <= kept:
            self._objects = list(tokens)
        else:
            self._keep_offsets(tokens)
        self._names = list(self._ids)

    def _keep_offsets(self, tokens: Iterator[Token]) -> None:
        starts, ends, firsts, attributes, ids = self._starts, self._ends, self._firsts, self._attributes, self._ids
        for token in tokens:
            starts.append(token.start)
            ends.append(token.end)
            firsts.append(len(attributes) >> 2)
            if isinstance(token, StartTag):
                for attribute in token.attributes:  # raw is text[value_start:value_end]: not kept
                    attributes.extend((ids.setdefault(attribute.name, len(ids)), attribute.value_start,
                                       attribute.value_end, _QUOTE_CODES[attribute.quote]))
        firsts.append(len(attributes) >> 2)

    def __len__(self) -> int:
        return len(self._codes)

    def kind(self, index: int) -> int:
        return self._codes[index] & 3

    def name(self, index: int) -> str:
        """A tag's name, lower case (a raw-text block's: its element's); "" for a comment."""
        return self._names[self._codes[index] >> 2]

    def start(self, index: int) -> int:
        return self._objects[index].start if self._objects is not None else self._starts[index]

    def end(self, index: int) -> int:
        return self._objects[index].end if self._objects is not None else self._ends[index]

    def find(self, kind: int, name: str, begin: int = 0, stop: int | None = None) -> int | None:
        """The index of the first token of ``kind`` named ``name`` in ``begin``..``stop``, or None."""
        number = self._ids.get(name)
        if number is None:
            return None
        try:
            return self._codes.index(number * 4 + kind, begin, len(self._codes) if stop is None else stop)
        except ValueError:
            return None

    def find_last(self, kind: int, name: str) -> int | None:
        """The index of the last token of ``kind`` named ``name``, or None."""
        found = self.find(kind, name)
        return None if found is None else len(self._codes) - 1 - self._codes[::-1].index(self._codes[found])

    def start_tag(self, index: int) -> StartTag:
        """Token ``index``, a start tag."""
        token = self[index]
        assert isinstance(token, StartTag)
        return token

    def __getitem__(self, index: int) -> Token:
        if self._objects is not None:
            return self._objects[index]
        return self._made(index, self._codes[index], self._starts[index], self._ends[index])

    def __iter__(self) -> Iterator[Token]:
        if self._objects is not None:
            return iter(self._objects)
        return map(self._made, range(len(self._codes)), self._codes, self._starts, self._ends)

    def _made(self, index: int, code: int, start: int, end: int) -> Token:
        """A token of a long page, as an object."""
        kind, name = code & 3, self._names[code >> 2]
        if kind == START:
            text, names, attributes = self.text, self._names, self._attributes
            return StartTag(name, start, end, [
                Attribute(names[attributes[at]], text[attributes[at + 1] : attributes[at + 2]], attributes[at + 1],
                          attributes[at + 2], _QUOTES[attributes[at + 3]])
                for at in range(self._firsts[index] * 4, self._firsts[index + 1] * 4, 4)])
        if kind == END:
            return EndTag(name, start, end)
        return RawText(name, start, end) if kind == RAW else Comment(start, end)


# Elements whose end tag is required and whose absence changes how the rest of the page
# renders (a table or font that never ends swallows what follows). Optional end tags
# (</P>, </LI>, </TD>) are not markup errors and are not counted.
CHECKED_CONTAINERS = frozenset({"a", "b", "blockquote", "center", "div", "font", "form", "frameset", "i",
                                "noframes", "ol", "select", "table", "ul"})


def unclosed_elements(tokens: Tokens) -> list[str]:
    """Names of checked elements left open at the end of the page, ``html`` for a missing ``</HTML>``.

    A cheap count, not a tree build: an end tag closes one open element of its name, a stray
    end tag closes nothing.
    """
    open_count: dict[str, int] = {}
    html_opened = html_closed = False
    names = tokens._names
    for code in tokens._codes:
        kind = code & 3
        if kind == START:
            name = names[code >> 2]
            if name in CHECKED_CONTAINERS:
                open_count[name] = open_count.get(name, 0) + 1
            elif name == "html":
                html_opened = True
        elif kind == END:
            name = names[code >> 2]
            if open_count.get(name):
                open_count[name] -= 1
            elif name == "html":
                html_closed = True
    unclosed = sorted(name for name, count in open_count.items() if count > 0)
    if html_opened and not html_closed:
        unclosed.append("html")
    return unclosed
