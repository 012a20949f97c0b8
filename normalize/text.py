"""Title, headings, language, meta fields and visible text of a page, via lxml.

lxml's HTML parser recovers from anything a 1998 editor wrote; the walk below is iterative
(``iterwalk``) so that 10,000 nested tables cannot exhaust the Python stack.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass

from lxml import etree
from lxml import html as lxml_html

from archive.encoding import fix_c1_controls
from normalize.markup import EndTag, RawText, StartTag, iter_tokens
from normalize.record import Heading

_SPACE = re.compile(r"[ \t\r\n\f\v\u00a0]+")
_NEWLINES = re.compile(r"\n{2,}")
_COPYRIGHT = re.compile(r"(?:copyright|\u00a9|\(c\))[^\n]{0,20}?\b(1[89]\d\d|20\d\d)\b[^\n]*", re.IGNORECASE)

BLOCK_TAGS = frozenset({
    "address", "blockquote", "body", "br", "caption", "center", "dd", "dir", "div", "dl", "dt",
    "fieldset", "form", "frame", "frameset", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "html", "li",
    "listing", "map", "menu", "multicol", "ol", "p", "pre", "table", "td", "th", "tr", "ul", "xmp",
})
HIDDEN_TAGS = frozenset({"script", "style", "head", "title", "noscript", "noembed", "applet", "object",
                         "select", "option", "textarea", "map"})
META_NAMES = ("description", "keywords", "author", "generator")


@dataclass(frozen=True, slots=True)
class PageText:
    title: str | None
    headings: tuple[Heading, ...]
    text: str
    noframes_text: str | None
    lang: str | None
    meta: dict[str, str]
    copyright: str | None
    parsed: bool
    flattened: bool = False
    """True when the text came from :func:`flat_text` (nesting beyond the parser's limit)."""


def collapse(text: str) -> str:
    return _SPACE.sub(" ", fix_c1_controls(text)).strip()


def _tag(element: etree._Element) -> str | None:
    tag = element.tag
    return tag.lower() if isinstance(tag, str) else None


def _visible_text(root: etree._Element, skip: frozenset[str]) -> str:
    """Text in reading order, a newline at every block boundary.

    This walk runs over every element of every page: names are bound once, outside the loop."""
    pieces: list[str] = []
    append = pieces.append
    space = _SPACE.sub
    hidden_depth = 0
    for event, element in etree.iterwalk(root, events=("start", "end")):
        tag = element.tag
        tag = tag.lower() if isinstance(tag, str) else None
        if event == "start":
            if tag is None or tag in skip:
                hidden_depth += 1
                continue
            if hidden_depth == 0:
                if tag in BLOCK_TAGS:  # (td and th among them)
                    append("\n")
                text = element.text
                if text:
                    append(space(" ", text))
        else:
            if tag is None or tag in skip:
                hidden_depth -= 1
            elif hidden_depth == 0 and tag in BLOCK_TAGS:
                append("\n")
            if hidden_depth == 0:
                tail = element.tail
                if tail:
                    append(space(" ", tail))
    lines = (collapse(line) for line in "".join(pieces).split("\n"))
    return _NEWLINES.sub("\n", "\n".join(line for line in lines if line)).strip()


def _parse_checked(page: str) -> tuple[etree._Element, bool]:
    """The parsed page, and whether libxml2 gave up at its depth limit (2048) and dropped the rest."""
    parser = lxml_html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, huge_tree=True)
    root = lxml_html.document_fromstring(page.encode("utf-8", "surrogatepass"), parser=parser)
    return root, any("Excessive depth" in entry.message for entry in parser.error_log)


def _parse(page: str) -> etree._Element:
    return _parse_checked(page)[0]


# Elements whose content is not shown, for the scanner-only fallback (raw-text elements such
# as SCRIPT come as RawText tokens and are skipped there).
_FLAT_HIDDEN = frozenset({"head", "noscript", "noembed", "applet", "object", "select", "map", "noframes"})


def flat_text(page: str) -> str:
    """Visible text from the tag scanner alone, for pages nested deeper than libxml2 goes.

    No tree, so no limit: text between tags in document order, a newline at block tags.
    """
    pieces: list[str] = []
    hidden = position = 0
    for token in iter_tokens(page):
        if hidden == 0 and token.start > position:
            pieces.append(html.unescape(page[position : token.start]))
        position = token.end
        if isinstance(token, RawText):
            if token.parent in ("xmp", "plaintext") and hidden == 0:
                pieces.append(page[token.start : token.end])
            continue
        if not isinstance(token, (StartTag, EndTag)):
            continue
        if token.name in _FLAT_HIDDEN:
            hidden = hidden + 1 if isinstance(token, StartTag) else max(0, hidden - 1)
        elif token.name == "body":
            hidden = 0
        elif token.name in BLOCK_TAGS:
            pieces.append("\n")
        elif token.name in ("td", "th"):
            pieces.append(" ")
    if hidden == 0:
        pieces.append(html.unescape(page[position:]))
    lines = (collapse(line) for line in "".join(pieces).split("\n"))
    return "\n".join(line for line in lines if line)


def _noframes_text(element: etree._Element) -> str:
    """libxml2 keeps ``<NOFRAMES>`` content as raw text; parse it as the markup it is."""
    if len(element) == 0 and element.text and ("<" in element.text or "&" in element.text):
        try:
            return _visible_text(_parse(element.text), HIDDEN_TAGS)
        except (etree.ParserError, ValueError):
            return collapse(element.text)
    return _visible_text(element, HIDDEN_TAGS)


def extract_text(page: str) -> PageText:
    """Parse a decoded page; a page lxml cannot parse at all yields empty fields."""
    try:
        root, too_deep = _parse_checked(page)
    except (etree.ParserError, ValueError):
        return PageText(None, (), "", None, None, {}, None, parsed=False)
    title = None
    headings: list[Heading] = []
    meta: dict[str, str] = {}
    noframes: list[str] = []
    content_language = None
    for element in root.iter("title", "h1", "h2", "h3", "h4", "h5", "h6", "meta", "noframes"):
        tag = _tag(element)
        if tag == "title":
            if title is None:
                title = collapse(element.text_content()) or None
        elif tag == "meta":
            name = (element.get("name") or "").strip().lower()
            equiv = (element.get("http-equiv") or "").strip().lower()
            content = element.get("content")
            if content is not None:
                if name in META_NAMES and name not in meta:
                    meta[name] = collapse(content)
                elif equiv == "refresh" and "refresh" not in meta:
                    meta["refresh"] = collapse(content)
                elif equiv == "content-language" and content_language is None:
                    content_language = collapse(content) or None
        elif tag == "noframes":
            noframes.append(_noframes_text(element))
        else:
            text = collapse(element.text_content())
            if text:
                headings.append(Heading(int(tag[1]), text))
    text = flat_text(page) if too_deep else _visible_text(root, HIDDEN_TAGS | {"noframes"})
    lang = (root.get("lang") or "").strip() or content_language
    match = _COPYRIGHT.search(text) or (_COPYRIGHT.search("\n".join(noframes)) if noframes else None)
    return PageText(
        title=title,
        headings=tuple(headings),
        text=text,
        noframes_text="\n".join(part for part in noframes if part) or None,
        lang=lang,
        meta=meta,
        copyright=collapse(match.group(0)) if match else None,
        parsed=True,
        flattened=too_deep,
    )
