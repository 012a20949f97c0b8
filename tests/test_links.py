"""normalize/links.py: every reference a page makes, with the mirror's own scanner and link table
(as pywb's rewriter tests do: a table of markup and what is found in it)."""
from __future__ import annotations

import pytest

from archive.urls import Scope
from normalize.links import classify, collapse, extract_page_references, find_base, markup_text

BASE = "http://www.oldsite.test/site/"
PAGE = BASE + "dir/page.htm"
SCOPE = Scope(BASE, False)


def _links(markup: str) -> list[tuple[str | None, str, str, str, bool]]:
    return [(link.url, link.tag, link.attribute, link.kind, link.in_scope)
            for link in extract_page_references(markup, PAGE, SCOPE).links]


@pytest.mark.parametrize(("markup", "expected"), [
    ('<A HREF="other.htm">x</A>', [(BASE + "dir/other.htm", "a", "href", "page", True)]),
    ("<a href=../Up.HTM>x</a>", [(BASE + "Up.HTM", "a", "href", "page", True)]),
    ('<IMG SRC="/images/logo.gif">', [("http://www.oldsite.test/images/logo.gif", "img", "src", "embed", True)]),
    ('<A HREF="/elsewhere/x.htm">x</A>', [("http://www.oldsite.test/elsewhere/x.htm", "a", "href", "page", False)]),
    ('<A HREF="http://other.test/">x</A>', [("http://other.test/", "a", "href", "external", False)]),
    ('<A HREF="mailto:web@oldsite.test">x</A>', [(None, "a", "href", "mailto", False)]),
    ("<A HREF=\"javascript:go('a.htm')\">x</A>", [(None, "a", "href", "javascript", False)]),
    ('<A HREF="#top">x</A>', []),  # a place on the same page is no reference
    ('<FRAMESET><FRAME SRC="menu.htm"></FRAMESET>', [(BASE + "dir/menu.htm", "frame", "src", "frame", True)]),
    ('<BODY BACKGROUND="paper.gif">', [(BASE + "dir/paper.gif", "body", "background", "embed", True)]),
    ('<P STYLE="background: url(\'dots.gif\')">', [(BASE + "dir/dots.gif", "p", "style", "embed", True)]),
    ("<STYLE>BODY { background: url(bg.gif) }</STYLE>", [(BASE + "dir/bg.gif", "style", "url", "embed", True)]),
    ('<BASE HREF="http://www.oldsite.test/site/other/"><A HREF="x.htm">x</A>',
     [(BASE + "other/x.htm", "a", "href", "page", True)]),
])
def test_links(markup: str, expected: list) -> None:
    assert _links(markup) == expected


def test_anchor_text_ends_at_the_next_anchor_when_a_page_forgets_to_close() -> None:
    links = extract_page_references('<A HREF="a.htm">First &amp; <B>best</B><A HREF="b.htm">Second</A>',
                                    PAGE, SCOPE).links
    assert [link.text for link in links] == ["First & best", "Second"]


def test_a_repeated_link_is_listed_each_time() -> None:
    links = extract_page_references('<A HREF="a.htm">1</A> <A HREF="a.htm">2</A>', PAGE, SCOPE).links
    assert [link.url for link in links] == [BASE + "dir/a.htm"] * 2


def test_images_keep_alt_and_size() -> None:
    images = extract_page_references('<IMG SRC="a.gif" ALT="A logo" WIDTH=10 HEIGHT="20">', PAGE, SCOPE).images
    assert [(image.src, image.url, image.alt, image.width, image.height) for image in images] == [
        ("a.gif", BASE + "dir/a.gif", "A logo", "10", "20")]


def test_forms_with_their_fields() -> None:
    forms = extract_page_references(
        '<FORM ACTION="/cgi-bin/search.pl" METHOD=POST><INPUT NAME=q><INPUT TYPE=SUBMIT>'
        '<SELECT NAME=where></SELECT></FORM><FORM><TEXTAREA NAME=note></TEXTAREA>', PAGE, SCOPE).forms
    assert [(form.action, form.url, form.method, [(field.name, field.type) for field in form.fields])
            for form in forms] == [
        ("/cgi-bin/search.pl", "http://www.oldsite.test/cgi-bin/search.pl", "post",
         [("q", "text"), (None, "submit"), ("where", "select")]),
        (None, PAGE, "get", [("note", "textarea")]),  # unclosed at the end: closed there; no action: the page
    ]


@pytest.mark.parametrize(("markup", "base"), [
    ('<HEAD><BASE HREF="http://mirror.test/a/"></HEAD>', "http://mirror.test/a/"),
    ('<BASE HREF="sub/">', BASE + "dir/sub/"),
    ('<BASE HREF="  ">', PAGE),
    ('<BASE HREF="http://[bad">', PAGE),
    ('<BODY><BASE HREF="http://late.test/">', PAGE),  # after the body starts: too late
])
def test_find_base(markup: str, base: str) -> None:
    assert find_base(markup, PAGE) == base


@pytest.mark.parametrize(("raw", "url", "kind", "expected"), [
    ("MAILTO:x@y", None, "page", ("mailto", False)),
    (" javascript:void(0)", None, "page", ("javascript", False)),
    ("ftp://oldsite.test/f", "ftp://oldsite.test/f", "page", ("other", False)),
    ("x", None, "page", ("other", False)),
    ("http://other.test/", "http://other.test/", "page", ("external", False)),
    ("/up.htm", "http://www.oldsite.test/up.htm", "page", ("page", False)),
    ("/up.gif", "http://www.oldsite.test/up.gif", "embed", ("embed", True)),  # a requisite of the host
    ("in.htm", BASE + "in.htm", "page", ("page", True)),
])
def test_classify(raw: str, url: str | None, kind: str, expected: tuple[str, bool]) -> None:
    assert classify(raw, url, kind, SCOPE) == expected


def test_text_helpers() -> None:
    assert collapse("  a \r\n\t b  ") == "a b"
    assert markup_text("<B>Fish</B> &amp;\n<I>chips</I>") == "Fish & chips"
