"""Scanning hostile markup and style sheets takes work proportional to their size.

No timings: each test counts the operations that used to grow with the square of the input
(entity-name lookups, rescans of a sheet, attribute lookups), or checks what browsers keep.
"""
from __future__ import annotations

import pytest

import normalize.css as css_module
import normalize.markup as markup
from normalize.css import iter_css_urls, rewrite_css
from normalize.linktable import iter_tag_urls
from normalize.markup import StartTag, iter_tokens, unescape_attribute


class _CountingNames(dict):
    lookups = 0

    def __contains__(self, key: object) -> bool:
        type(self).lookups += 1
        return super().__contains__(key)


def test_an_entity_run_without_semicolon_is_linear(monkeypatch: pytest.MonkeyPatch) -> None:
    counting = _CountingNames(markup.html5)
    monkeypatch.setattr(markup, "html5", counting)
    raw = "&" + "a" * 100_000
    assert unescape_attribute(raw) == raw
    assert _CountingNames.lookups <= 10  # was one lookup per prefix: 100,000
    _CountingNames.lookups = 0
    raw = "&aaaa" * 20_000
    assert unescape_attribute(raw) == raw
    assert _CountingNames.lookups <= 20_000 * 5


def test_entities_still_decode_as_browsers_do() -> None:
    assert unescape_attribute("a?x=1&copy=2&copyx&amp;&nbsp &eacute;t&#233;&#x41&#0000066;") == (
        "a?x=1&copy=2&copyx&\xa0 \xe9t\xe9AB")
    # Thousands of digits: one U+FFFD, as browsers give any reference past U+10FFFF (Python's
    # int() refuses more than 4300 digits: the page used to fail).
    assert unescape_attribute("&#" + "9" * 10_000 + ";x") == "\ufffdx"
    assert unescape_attribute("&#x" + "f" * 10_000 + "x") == "\ufffdx"


class _CountingFinder(css_module._NextFinder):
    scanned = 0

    def __call__(self, position: int) -> int:
        before = self.found
        found = super().__call__(position)
        if found != before:
            type(self).scanned += (found if found >= 0 else len(self.text)) - position
        return found


@pytest.mark.parametrize("sheet", ['url("' * 50_000, "url('" * 50_000, "url(" * 50_000, "URL( x" * 50_000,
                                   "@import '" * 30_000, "url(a.gif) url(\"b.gif" * 20_000])
def test_unclosed_url_is_scanned_once(monkeypatch: pytest.MonkeyPatch, sheet: str) -> None:
    monkeypatch.setattr(css_module, "_NextFinder", _CountingFinder)
    _CountingFinder.scanned = 0
    urls = list(iter_css_urls(sheet))
    assert _CountingFinder.scanned <= 3 * len(sheet)  # the regular expression rescanned the rest each time
    assert rewrite_css(sheet, lambda url: None) == sheet
    assert len(urls) <= sheet.count("(") + sheet.count("@")


def test_css_urls_are_found_as_before() -> None:
    sheet = ("BODY { background: url( 'a b.gif' ) } P { background:URL(\"c.gif\")} "
             "@import \"d.css\"; @IMPORT 'e.css'; url(data:x) url( f.gif ) url(\"g.gif) url(h.gif)")
    assert [url for _, _, url in iter_css_urls(sheet)] == ["a b.gif", "c.gif", "d.css", "e.css", "f.gif",
                                                           '"g.gif', "h.gif"]


def test_duplicate_attributes_keep_the_first_as_browsers_do() -> None:
    text = '<LINK REL=stylesheet HREF="a.css"' + ' HREF="b.css"' * 200_000 + ">after"
    tokens = list(iter_tokens(text))
    tag = tokens[0]
    assert isinstance(tag, StartTag) and tag.end == len(text) - len("after")
    assert [(attribute.name, attribute.value) for attribute in tag.attributes] == [
        ("rel", "stylesheet"), ("href", "a.css")]
    assert [tag_url.url for tag_url in iter_tag_urls(tag)] == ["a.css"]


def test_a_tag_with_many_distinct_attributes_is_read_in_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = {"get": 0}
    original = StartTag.get

    def counting_get(self: StartTag, name: str):  # type: ignore[no-untyped-def]
        calls["get"] += 1
        return original(self, name)

    monkeypatch.setattr(StartTag, "get", counting_get)
    text = "<APPLET CODE=a.class " + " ".join(f"x{number}=1" for number in range(50_000)) + ">"
    tag = next(iter(iter_tokens(text)))
    assert isinstance(tag, StartTag) and len(tag.attributes) == 50_001
    list(iter_tag_urls(tag))
    assert calls["get"] <= 5
