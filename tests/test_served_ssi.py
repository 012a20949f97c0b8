"""crawl.served.ssi: mod_include's scanner, directives and legacy expressions, case by case.

The same behaviour is checked against a real Apache in tests/test_served_apache.py; these tables
pin each rule on its own, with a stub for the sub-requests.
"""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from crawl.served import ssi

DATE = datetime(1998, 11, 16, 9, 30, tzinfo=timezone.utc)
FILES = {"inc/nav.html": "<NAV>", "foot.html": "<FOOT>", "pic.gif": "GIF89a"}


class Host:
    """Sub-requests answered from a dictionary (path -> text); ``prog.cgi`` is a program."""

    def include(self, kind: str, value: str, parent: ssi.Document, env: ssi.Env, depth: int) -> ssi.Included:
        key = value.lstrip("/")
        if key == "prog.cgi":
            return ssi.Included(True, program="/prog.cgi (cgi-script)")
        if key in FILES:
            kind_of = "image/gif" if key.endswith(".gif") else "text/html"
            return ssi.Included(True, FILES[key], kind_of, (key,))
        return ssi.Included(False)

    def facts(self, kind: str, value: str, parent: ssi.Document) -> ssi.FileFacts | None:
        key = value.lstrip("/")
        return ssi.FileFacts(len(FILES[key]) * 1000, DATE, key) if key in FILES else None

    def accessible(self, uri: str, parent: ssi.Document) -> bool:
        return uri.lstrip("/") in FILES


def run(text: str, **settings: object) -> ssi.Result:
    env = ssi.Env({"DOCUMENT_NAME": "page.shtml", "DOCUMENT_URI": "/page.shtml", "LAST_MODIFIED": ssi.LAZY,
                   "DATE_LOCAL": ssi.LAZY, "DATE_GMT": ssi.LAZY}, DATE, DATE)
    return ssi.run(text, ssi.Document("/page.shtml", "page.shtml"), env, Host(), ssi.Settings(**settings))  # type: ignore[arg-type]


def out(text: str, **settings: object) -> str:
    return "".join(run(text, **settings).text)


ERR = ssi.DEFAULT_ERRMSG


@pytest.mark.parametrize("page, expected", [
    ('a<!--#include virtual="/inc/nav.html" -->b', "a<NAV>b"),
    ('<!--#include file="foot.html"-->', "<FOOT>"),
    ('<!--#include virtual="missing.html" -->', ERR),
    ('<!--#include virtual="missing.html" onerror="/foot.html" -->', "<FOOT>"),
    ('<!--#include virtual="foot.html" virtual="inc/nav.html" -->', "<FOOT><NAV>"),
    ('<!--#include bogus="x" -->', ERR),
    ('<!--#include -->', ERR),
    ('<!--#INCLUDE VIRTUAL="foot.html" -->', "<FOOT>"),
    ('<!--#include virtual=\'foot.html\' -->', "<FOOT>"),
    ('<!--#include virtual=`foot.html` -->', "<FOOT>"),
    ('<!--# include virtual="foot.html" -->', ERR),
    ('<!-- #include virtual="foot.html" -->', '<!-- #include virtual="foot.html" -->'),
    ('<!--#nosuch -->', ERR),
    ('<!--#echo var="DOCUMENT_NAME"-->', "page.shtml"),
    ('<!--#echo var="DOCUMENT_NAME', ERR),
    ('x <!--#echo var=DOCUMENT_NAME -->', "x page.shtml"),
    ('<!--#echo "DOCUMENT_NAME" -->', ERR),
    ('<!--#comment anything -->ok', "ok"),
    ('<!--#include virtual="pic.gif" -->', "GIF89a"),
])
def test_directives(page: str, expected: str) -> None:
    assert out(page) == expected


def test_includes_without_exec_refuse_what_is_not_text() -> None:
    assert out('<!--#include virtual="pic.gif" -->', no_exec=True) == ERR


def test_exec_and_included_programs_are_never_run_and_say_what_stood_there() -> None:
    result = run('<!--#exec cmd="/usr/games/fortune" -->|<!--#include virtual="/prog.cgi" -->')
    text = "".join(result.text)
    assert "fortune" in text and "/prog.cgi" in text and "not in the archive" in text
    assert len(result.programs) == 2
    assert out('<!--#exec cmd="date" -->', no_exec=True) == ERR


def test_iis_reads_a_space_after_the_comment_and_knows_no_if() -> None:
    assert out('<!-- #include file="foot.html" -->', leading_space=True, if_directives=False) == "<FOOT>"
    assert out('<!--#if expr="x" -->y<!--#endif -->', if_directives=False) == ERR + "y" + ERR


@pytest.mark.parametrize("page, expected", [
    ('<!--#config timefmt="%B %d, %Y" --><!--#echo var="LAST_MODIFIED" -->', "November 16, 1998"),
    ('<!--#echo var="LAST_MODIFIED" -->', "Monday, 16-Nov-1998 09:30:00 UTC"),
    ('<!--#config timefmt="%H:%M %Z" --><!--#echo var="DATE_GMT" -->', "09:30 GMT"),
    ('<!--#config timefmt="%H:%M %Z" --><!--#echo var="DATE_LOCAL" -->', "09:30 UTC"),
    ('<!--#flastmod file="foot.html" -->', "Monday, 16-Nov-1998 09:30:00 UTC"),
    ('<!--#fsize file="foot.html" -->', "5.9K"),
    ('<!--#config sizefmt="bytes" --><!--#fsize file="foot.html" -->', "6,000"),
    ('<!--#fsize file="nothere" -->', ERR),
    ('<!--#config sizefmt="huge" -->', ERR),
    ('<!--#config errmsg="[oops]" --><!--#nosuch -->', "[oops]"),
    ('<!--#config echomsg="?" --><!--#echo var="unset" -->', "?"),
    ('<!--#echo var="unset" -->', "(none)"),
    ('<!--#set var="x" value="<b>" --><!--#echo var="x" -->', "&lt;b&gt;"),
    ('<!--#set var="x" value="<b>" --><!--#echo encoding="none" var="x" -->', "<b>"),
    ('<!--#set var="x" value="a b?" --><!--#echo encoding="url" var="x" -->', "a%20b%3f"),
    ('<!--#set var="x" value="a b/" --><!--#echo encoding="urlencoded" var="x" -->', "a+b%2f"),
    ('<!--#set var="x" value="&lt;" --><!--#echo decoding="entity" encoding="none" var="x" -->', "<"),
    ('<!--#set var="x" value="ab" --><!--#echo encoding="base64" var="x" -->', "YWI="),
    ('<!--#set var="x" value="v" --><!--#set var="y" value="${x}-$x-\\$x" --><!--#echo var="y" -->', "v-v-$x"),
    ('<!--#set var="x" value="say \\"hi\\"" --><!--#echo encoding="none" var="x" -->', 'say "hi"'),
    ('<!--#set value="v" var="x" -->', ERR),
    ('<!--#set var="x" -->', ERR),
    ('<!--#echo encoding="rot13" var="DOCUMENT_NAME" -->', ERR),
])
def test_variables_times_and_sizes(page: str, expected: str) -> None:
    assert out(page) == expected


@pytest.mark.parametrize("size, shown", [
    (-1, "  - "), (0, "  0 "), (972, "972 "), (973, "1.0K"), (1024, "1.0K"), (9 * 1024 - 1, "9.0K"),
    (10 * 1024, " 10K"), (123456, "121K"), (972 * 1024, "972K"), (1024 * 1024, "1.0M"), (5 * 1024 ** 3, "5.0G"),
])
def test_strfsize(size: int, shown: str) -> None:
    assert ssi.strfsize(size) == shown


@pytest.mark.parametrize("encoded, decoded", [
    ("&lt;&gt;&amp;&quot;", '<>&"'), ("&eacute;&Uuml;", "\xe9\xdc"), ("&#65;&#7;&#233;", "A\xe9"),
    ("&nbsp;", "&nbsp;"), ("a & b", "a & b"), ("&unknown;x", "&unknown;x"), ("&#300;", ""),
])
def test_decode_html(encoded: str, decoded: str) -> None:
    assert ssi.decode_html(encoded) == decoded


VARS = '<!--#set var="a" value="apple" --><!--#set var="b" value="banana" --><!--#set var="e" value="" -->'


@pytest.mark.parametrize("expr, truth", [
    ("$a = apple", True), ("$a = pear", False), ("$a != pear", True), ("$a == apple", True),
    ("$a = apple && $b = banana", True), ("$a = pear || $b = banana", True), ("$a = pear && $b = banana", False),
    ("!($a = apple)", False), ("!$e", True), ("$e", False), ("$undefined", False), ("0", True), ("", False),
    ("$a < $b", True), ("$b > $a", True), ("$a >= apple", True), ("$a <= apple", True), ("B < a", True),
    ("$a = /^ap+le$/", True), ("$a = /^AP/", False), ("$a != /an/", True),
    ("'two words' = 'two words'", True), ("two words = 'two words'", True), ("${a}x = applex", True),
    ("\\$a = \\$a", True), ("-A /foot.html", True), ("-A /nothere", False),
    ("($a = apple) && ($b = pear || $b = banana)", True), ("$a = apple || $x = /(/", True),
])
def test_legacy_expressions(expr: str, truth: bool) -> None:
    assert out(f'{VARS}<!--#if expr="{expr}" -->T<!--#else -->F<!--#endif -->') == ("T" if truth else "F")


def test_regex_captures_are_variables() -> None:
    echoes = "".join(f'[<!--#echo var="{index}" -->]' for index in range(5))
    assert out(f'{VARS}<!--#if expr="$a = /(x)?(pp)(l)/" -->{echoes}<!--#endif -->') == \
        "[ppl][(none)][pp][l][(none)]"
    assert out(f'{VARS}<!--#if expr="$a = /(x)?(pp)(l)/" -->$0<!--#endif -->') == "$0"  # text is not expanded


@pytest.mark.parametrize("page, expected", [
    ('<!--#if expr="1" -->A<!--#elif expr="1" -->B<!--#else -->C<!--#endif -->.', "A."),
    ('<!--#if expr="" -->A<!--#elif expr="1" -->B<!--#else -->C<!--#endif -->.', "B."),
    ('<!--#if expr="" -->A<!--#elif expr="" -->B<!--#else -->C<!--#endif -->.', "C."),
    ('<!--#if expr="1" --><!--#if expr="" -->x<!--#else -->y<!--#endif -->z<!--#else -->w<!--#endif -->.', "yz."),
    ('<!--#if expr="" --><!--#if expr="1" -->x<!--#endif -->z<!--#elif expr="1" -->e<!--#endif -->.', "e."),
    ('<!--#if expr="= broken" -->A<!--#else -->C<!--#endif -->after', ERR + "after"),
    ('<!--#if -->x<!--#endif -->after', ERR + "after"),
    ('<!--#if expr="($a" -->x<!--#endif -->.', ERR + "."),
    ('<!--#else -->stray<!--#endif -->.', "."),
    ('<!--#if expr="" -->never closed', ""),
])
def test_conditionals(page: str, expected: str) -> None:
    assert out(page) == expected


def test_notes_name_what_went_wrong() -> None:
    notes = run('<!--#include virtual="gone.html" --><!--#nosuch --><!--#if expr="" -->').notes
    assert any("gone.html" in note for note in notes)
    assert any("nosuch" in note for note in notes)
    assert any("endif" in note for note in notes)


def test_bytes_of_any_encoding_pass_through_unchanged() -> None:
    page = "caf\xe9 \x93quoted\x94 \xa0<!--#echo var=\"DOCUMENT_NAME\" -->"
    assert out(page) == "caf\xe9 \x93quoted\x94 \xa0page.shtml"
