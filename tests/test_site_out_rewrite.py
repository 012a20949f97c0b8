"""Page rewriting, table-driven like pywb's HTML rewriter tests: input -> expected output.

The page is ``http://h/dir/page.htm`` (mirror file ``h/dir/page.htm``). ``[N]`` stands for
the notice and ``[M]`` for the inserted ``<meta charset="utf-8">``.
"""
from __future__ import annotations

import pytest

from archive.urls import Scope, lookup_key
from site_out.frames import notice_row
from site_out.resolve import Resolver
from site_out.rewrite import (
    EXTERNAL_LINK_TITLE,
    META_CHARSET,
    WAYBACK_LINK_TITLE,
    PageRewriter,
    form_closed_line,
    splice_value,
)

ARCHIVED = {
    "http://h/index.html": "h/index.html",
    "http://h/dir/page.htm": "h/dir/page.htm",
    "http://h/dir/other.htm": "h/dir/other.htm",
    "http://h/dir/sub/": "h/dir/sub/index.html",
    "http://h/glossary.htm": "h/glossary.htm",
    "http://h/images/paper.gif": "h/images/paper.gif",
    "http://h/images/low.gif": "h/images/low.gif",
    "http://h/style.css": "h/style.css",
    "http://h/nav.js": "h/nav.js",
    "http://h/classes/Nav.class": "h/classes/Nav.class",
    "http://h/classes/nav.jar": "h/classes/nav.jar",
    "http://h/sound.mid": "h/sound.mid",
    "http://h/a b.htm": "h/a b.htm",
    "http://h/print.pl?page=x%2Fy": "h/print.pl@page=x%2Fy.html",
    "http://h/docs/index.htm": "h/docs/index.htm",
}
PAGE_URL = "http://h/dir/page.htm"
PAGE_PATH = "h/dir/page.htm"
MISSING = "../../_sunset/missing.html?url="
TITLE = f' title="{EXTERNAL_LINK_TITLE}"'


FORM_LINE = form_closed_line("../../_sunset/form-closed.html")


def make_rewriter(case_insensitive: bool = False, **options) -> PageRewriter:
    paths = {lookup_key(url, case_insensitive): path for url, path in ARCHIVED.items()}
    scope = Scope("http://h/", case_insensitive)
    return PageRewriter(Resolver(paths, scope, index_files=("index.html", "index.htm")), **options)


def rewrite(html: str, case_insensitive: bool = False, **options) -> str:
    """The rewritten page; ``[M]`` is the charset meta, ``[F]`` the closed-form line, ``[R]`` the
    start of a frameset's notice row (closed by a ``</frameset>`` after the original one)."""
    result = make_rewriter(case_insensitive, **options).rewrite(
        html, page_url=PAGE_URL, page_path=PAGE_PATH, notice_html="[N]"
    )
    return (result.text.replace(META_CHARSET, "[M]").replace(FORM_LINE, "[F]")
            .replace(notice_row(PAGE_PATH)[0], "[R]"))


CASES = [
    # links: relative, absolute, other spellings of the host, fragments
    ('<body><a href="other.htm">x</a>', '[M]<body>[N]<a href="other.htm">x</a>'),
    ('<BODY><A HREF="../glossary.htm#track2">G</A>', '[M]<BODY>[N]<A HREF="../glossary.htm#track2">G</A>'),
    ('<body><a href="HTTP://H:80/dir/other.htm">x</a>', '[M]<body>[N]<a href="other.htm">x</a>'),
    ("<body><a href='/index.html'>x</a>", "[M]<body>[N]<a href='../index.html'>x</a>"),
    ("<body><a href=/index.html>x</a>", "[M]<body>[N]<a href=../index.html>x</a>"),
    ('<body><a href="#top">x</a><a href="">y</a>', '[M]<body>[N]<a href="#top">x</a><a href="">y</a>'),
    # directories find their index file, with or without the slash
    ('<body><a href="sub/">x</a>', '[M]<body>[N]<a href="sub/index.html">x</a>'),
    ('<body><a href="sub">x</a>', '[M]<body>[N]<a href="sub/index.html">x</a>'),
    ('<body><a href="/docs/">x</a>', '[M]<body>[N]<a href="../docs/index.htm">x</a>'),
    ('<body><a href="/">x</a>', '[M]<body>[N]<a href="../index.html">x</a>'),
    # names that need encoding, query strings
    ('<body><a href="/a%20b.htm">x</a>', '[M]<body>[N]<a href="../a%20b.htm">x</a>'),
    ('<body><a href="/print.pl?page=x%2Fy">x</a>', '[M]<body>[N]<a href="../print.pl@page=x%252Fy.html">x</a>'),
    # not archived -> the missing page
    ('<body><a href="gone.htm#x">x</a>',
     f'[M]<body>[N]<a href="{MISSING}http%3A%2F%2Fh%2Fdir%2Fgone.htm">x</a>'),
    ('<body><a href="http://H/Glossary.htm">x</a>',
     f'[M]<body>[N]<a href="{MISSING}http%3A%2F%2Fh%2FGlossary.htm">x</a>'),
    # external links stay, and say they leave the archive; other schemes untouched
    ('<body><a href="http://www.gmu.edu/x.htm">x</a>', f'[M]<body>[N]<a{TITLE} href="http://www.gmu.edu/x.htm">x</a>'),
    ('<body><a title="t" href="http://e/">x</a>', '[M]<body>[N]<a title="t" href="http://e/">x</a>'),
    ('<body><a href="//e/x">x</a>', f'[M]<body>[N]<a{TITLE} href="http://e/x">x</a>'),
    ('<body><a href="mailto:crc@colorado.edu">m</a><a href="javascript:history.back()">b</a>'
     '<a href="news:comp.x">n</a><a href="ftp://h/x">f</a>',
     '[M]<body>[N]<a href="mailto:crc@colorado.edu">m</a><a href="javascript:history.back()">b</a>'
     '<a href="news:comp.x">n</a><a href="ftp://h/x">f</a>'),
    # images, backgrounds, LOWSRC, image maps
    ('<BODY BACKGROUND="/images/paper.gif">', '[M]<BODY BACKGROUND="../images/paper.gif">[N]'),
    ('<body><TABLE BACKGROUND=../images/paper.gif><TD BACKGROUND="/images/paper.gif">',
     '[M]<body>[N]<TABLE BACKGROUND=../images/paper.gif><TD BACKGROUND="../images/paper.gif">'),
    ('<body><IMG SRC="/images/paper.gif" LOWSRC="/images/low.gif" USEMAP="#navbar">',
     '[M]<body>[N]<IMG SRC="../images/paper.gif" LOWSRC="../images/low.gif" USEMAP="#navbar">'),
    ('<body><MAP NAME="navbar"><AREA SHAPE=RECT COORDS="0,0,9,9" HREF="/glossary.htm"></MAP>',
     '[M]<body>[N]<MAP NAME="navbar"><AREA SHAPE=RECT COORDS="0,0,9,9" HREF="../glossary.htm"></MAP>'),
    # frames, scripts, style sheets, sounds, applets, objects
    ('<body><IFRAME SRC="/index.html"></IFRAME>', '[M]<body>[N]<IFRAME SRC="../index.html#sunset-framed"></IFRAME>'),
    ('<head><LINK REL=stylesheet HREF="/style.css"><SCRIPT SRC="/nav.js"></SCRIPT></head><body>',
     '<head>[M]<LINK REL=stylesheet HREF="../style.css"><SCRIPT SRC="../nav.js"></SCRIPT></head><body>[N]'),
    ('<body><BGSOUND SRC="/sound.mid"><EMBED SRC="/sound.mid">',
     '[M]<body>[N]<BGSOUND SRC="../sound.mid"><EMBED SRC="../sound.mid">'),
    ('<body><APPLET CODEBASE="/classes/" CODE="Nav.class" ARCHIVE="nav.jar">',
     '[M]<body>[N]<APPLET CODEBASE="./" CODE="../classes/Nav.class" ARCHIVE="../classes/nav.jar">'),
    ('<body><OBJECT DATA="/sound.mid"></OBJECT>', '[M]<body>[N]<OBJECT DATA="../sound.mid"></OBJECT>'),
    # uppercase, unclosed and oddly quoted tags
    ('<BODY><A HREF=other.htm>x', '[M]<BODY>[N]<A HREF=other.htm>x'),
    ('<body><a href="other.htm"', '[M]<body>[N]<a href="other.htm"'),
    ('<body><a href=/a%20b.htm>x</a>', '[M]<body>[N]<a href=../a%20b.htm>x</a>'),
    ('<body><a href=gone.htm?a=1&amp;b=2>x</a>',
     f'[M]<body>[N]<a href="{MISSING}http%3A%2F%2Fh%2Fdir%2Fgone.htm%3Fa%3D1%26b%3D2">x</a>'),
    # meta refresh and charset declarations
    ('<head><META HTTP-EQUIV="Refresh" CONTENT="5; URL=/index.html"></head>',
     '<head>[M]<META HTTP-EQUIV="Refresh" CONTENT="5; URL=../index.html"></head>[N]'),
    ('<head><META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=iso-8859-1"></head><body>',
     '<head>[M]<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=utf-8"></head><body>[N]'),
    ('<head><meta charset=windows-1252></head><body>', '<head>[M]<meta charset=utf-8></head><body>[N]'),
    # BASE HREF: used to resolve, then neutralised
    ('<head><BASE HREF="http://h/"></head><body><a href="glossary.htm">g</a>',
     '<head>[M]<BASE HREF=""></head><body>[N]<a href="../glossary.htm">g</a>'),
    ('<head><base href="http://h/dir/sub/" target=main></head><body><a href="../other.htm">o</a>',
     '<head>[M]<base href="" target=main></head><body>[N]<a href="other.htm">o</a>'),
    # CSS in STYLE attributes and STYLE blocks
    ('<body style="background: url(/images/paper.gif)">',
     '[M]<body style="background: url(../images/paper.gif)">[N]'),
    ("<head><style>@import '/style.css'; P { background: url(\"/images/low.gif\") }</style></head><body>",
     "<head>[M]<style>@import '../style.css'; P { background: url(\"../images/low.gif\") }</style></head><body>[N]"),
    # forms posting to the old server: no action, fields disabled, a line saying it has closed
    ('<body><FORM METHOD=POST ACTION="/cgi-bin/register.pl"><INPUT NAME=x><SELECT NAME=s><OPTION>a</SELECT>'
     '<TEXTAREA NAME=t>text</TEXTAREA><INPUT TYPE=SUBMIT DISABLED><BUTTON>b</BUTTON></FORM><INPUT NAME=after>',
     '[M]<body>[N]<FORM METHOD=POST>[F]<INPUT disabled="disabled" NAME=x><SELECT disabled="disabled" NAME=s>'
     '<OPTION>a</SELECT><TEXTAREA disabled="disabled" NAME=t>text</TEXTAREA><INPUT TYPE=SUBMIT DISABLED>'
     '<BUTTON disabled="disabled">b</BUTTON></FORM><INPUT NAME=after>'),
    ('<body><form action="http://H/cgi-bin/x" method="post">', '[M]<body>[N]<form method="post">[F]'),
    ("<body><form method=post action='/x.pl'>", '[M]<body>[N]<form method=post>[F]'),
    ('<body><form action=/x.pl method=post>', '[M]<body>[N]<form method=post>[F]'),
    ('<body><form method=post>', '[M]<body>[N]<form method=post>[F]'),
    ('<body><form action="http://search.example.com/q" method=post><input name=q>',
     '[M]<body>[N]<form action="http://search.example.com/q" method=post><input name=q>'),
    # script navigation: plain literals naming archived pages, in SCRIPT and on* attributes
    ("<body><script>location.href = \"/glossary.htm\"; window.open('sub/','w'); top.location='/index.html'</script>",
     "[M]<body>[N]<script>location.href = \"../glossary.htm\"; window.open('sub/index.html','w'); "
     "top.location='../index.html'</script>"),
    ('<body><a href="#" onClick="window.open(\'/glossary.htm\'); return false">g</a>',
     '[M]<body>[N]<a href="#" onClick="window.open(\'../glossary.htm\'); return false">g</a>'),
    ("<body><script>window.open('/glos' + 'sary.htm'); location.href = page; location = 'gone.htm'</script>",
     "[M]<body>[N]<script>window.open('/glos' + 'sary.htm'); location.href = page; location = 'gone.htm'</script>"),
    # where the notice and the charset go
    ("<html><body>x", "<html>[M]<body>[N]x"),
    ("<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 3.2//EN\">\n<HTML><HEAD><TITLE>t</TITLE></HEAD>\n<BODY>x",
     "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 3.2//EN\">\n<HTML><HEAD>[M]<TITLE>t</TITLE></HEAD>\n<BODY>[N]x"),
    ("<!DOCTYPE html><p>x", "<!DOCTYPE html>[M][N]<p>x"),
    ("<html><head><title>t</title></head><p>x", "<html><head>[M]<title>t</title></head>[N]<p>x"),
    ("<title>t</title>\nHello <b>world</b>", "[M]<title>t</title>\n[N]Hello <b>world</b>"),
    ("", "[M][N]"),
    ("<html><head></head></html>", "<html><head>[M]</head></html>[N]"),
    ("<HTML><HEAD></HEAD><FRAMESET COLS=\"*,*\"><FRAME SRC=\"other.htm\"><NOFRAMES><BODY>no frames</BODY></NOFRAMES></FRAMESET>",
     "<HTML><HEAD>[M]</HEAD>[R]<FRAMESET COLS=\"*,*\"><FRAME SRC=\"other.htm#sunset-framed\"><NOFRAMES><BODY>[N]no frames</BODY>"
     "</NOFRAMES></FRAMESET></frameset>"),
    ("<frameset><frame src=other.htm><noframes>Sorry</noframes></frameset>",
     "[M][R]<frameset><frame src=other.htm#sunset-framed><noframes>[N]Sorry</noframes></frameset></frameset>"),
    ("<frameset rows=*><frame src=other.htm></frameset>",
     "[M][R]<frameset rows=*><noframes>[N]</noframes><frame src=other.htm#sunset-framed></frameset></frameset>"),
    ("<!-- <body> --><body>x", "<!-- <body> -->[M]<body>[N]x"),
]


@pytest.mark.parametrize(("html", "expected"), CASES)
def test_rewrite(html: str, expected: str) -> None:
    assert rewrite(html) == expected


def test_text_is_copied_byte_for_byte() -> None:
    html = (
        "<HTML>\r\n<HEAD>\r\n<TITLE>A &amp; B</TITLE>\r\n</HEAD>\r\n<BODY BGCOLOR=#FFFFFF>\r\n"
        "<P>Unclosed <B>bold <i>italic\r\n<TABLE><TR><TD>cell<TD>cell2\r\n"
        "<A HREF=\"other.htm\"  TARGET=_top >o</A>  \u2013 dash &nbsp; <!-- <a href=gone.htm> -->\r\n"
    )
    out = rewrite(html)
    assert out == html.replace("<HEAD>", "<HEAD>[M]").replace("<BODY BGCOLOR=#FFFFFF>", "<BODY BGCOLOR=#FFFFFF>[N]")


def test_case_insensitive_site() -> None:
    out = rewrite('<body><a href="/GLOSSARY.HTM#x">g</a><img src="/Images/Paper.GIF">', case_insensitive=True)
    assert out == '[M]<body>[N]<a href="../glossary.htm#x">g</a><img src="../images/paper.gif">'


def test_links_to_an_alias_host_lead_to_the_mirror_files() -> None:
    """``[site] aliases``: ``http://www.h/`` is ``http://h/``: archived links go to the files, a
    missing one to the missing page, and another host stays external."""
    paths = {lookup_key(url, False): path for url, path in ARCHIVED.items()}
    resolver = Resolver(paths, Scope("http://h/", aliases=("www.h",)), index_files=("index.html",))
    result = PageRewriter(resolver, external_links="keep").rewrite(
        '<body><a href="http://WWW.H/glossary.htm#g">g</a><img src="http://www.h:80/images/paper.gif">'
        '<a href="https://www.h/dir/sub/">s</a><a href="http://www.h/gone.htm">x</a><a href="http://w.h/">w</a>',
        page_url=PAGE_URL, page_path=PAGE_PATH, notice_html="[N]")
    assert result.text.replace(META_CHARSET, "[M]") == (
        '[M]<body>[N]<a href="../glossary.htm#g">g</a><img src="../images/paper.gif">'
        '<a href="sub/index.html">s</a><a href="' + MISSING + 'http%3A%2F%2Fwww.h%2Fgone.htm">x</a>'
        '<a href="http://w.h/">w</a>')


def test_exactly_one_notice_with_many_bodies() -> None:
    out = rewrite("<body>a</body><body>b</body><noframes><body>c</body></noframes>")
    assert out.count("[N]") == 1


def test_problems_are_reported() -> None:
    result = make_rewriter().rewrite(
        '<body><a href="gone.htm">x</a><img src="/nope.gif"><a href="http://:80/">bad</a>'
        '<a href="http://e/">out</a>',
        page_url=PAGE_URL,
        page_path=PAGE_PATH,
        notice_html="[N]",
    )
    reasons = [(issue.reason, issue.url) for issue in result.issues]
    assert ("missing", "http://h/dir/gone.htm") in reasons
    assert ("missing", "http://h/nope.gif") in reasons
    assert any(reason == "leftover" for reason, _ in reasons)  # http://:80/ is no address: made inert
    assert len(result.missing) == 2


@pytest.mark.parametrize("markup, kind", [
    ('<a href="file:///L|/STA/israil/israil-ekI.htm">x</a>', "link"),
    ('<a href="file:///C|/My Documents/bar\u0131\u015f/toplant\u0131.htm">x</a>', "link"),
    ('<a href="C:\\WINDOWS\\Desktop\\eski.htm">x</a>', "link"),
    ('<a href="C|/harita/istanbul.htm">x</a>', "link"),
    ('<a href="\\\\SUNUCU\\payla\u015f\u0131m\\duyuru.htm">x</a>', "link"),
    ('<a href="http://localhost/test/page.htm">x</a>', "link"),
    ('<a href="http://192.168.0.10/intranet/">x</a>', "link"),
    ('<map><area href="file:///C|/harita/istanbul.htm"></map>', "link"),
    ('<img src="file:///H:/vertical.jpg">', "image"),
    ('<img SRC="C:\\WINDOWS\\Desktop\\dove.gif">', "image"),
    ('<body background="file:///C:/back.gif">', "image"),
    ('<div style="background:url(file:///C|/x.gif)">', "image"),
])
def test_leftovers_become_inert(markup: str, kind: str) -> None:
    """Links at the author's own disk, network or machine: never live in the mirror, never a failure."""
    result = make_rewriter().rewrite(f"<body>{markup}", page_url=PAGE_URL, page_path=PAGE_PATH, notice_html="[N]")
    assert [issue.reason for issue in result.issues] == ["leftover"]
    if kind == "image":
        assert "_sunset/blank.gif" in result.text
    else:
        assert "_sunset/missing.html?url=" in result.text and "&amp;why=local" in result.text
        assert 'title="This link never worked on the web' in result.text or "<area" in result.text


def test_script_navigation_left_as_written_is_reported() -> None:
    result = make_rewriter().rewrite(
        "<body><script>window.open('/glos' + 'sary.htm'); location.href = page; location = 'gone.htm';"
        " window.open('/glossary.htm')</script>",
        page_url=PAGE_URL, page_path=PAGE_PATH, notice_html="[N]",
    )
    scripts = [issue.raw for issue in result.issues if issue.reason == "script"]
    assert scripts == ["window.open('/glos' + 'sary.htm')", "location.href = page", "gone.htm"]
    assert "window.open('../glossary.htm')" in result.text


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("keep", '[M]<body>[N]<a href="http://e.org/x.htm">x</a><img src="http://e.org/i.gif">'),
        ("mark", f'[M]<body>[N]<a{TITLE} href="http://e.org/x.htm">x</a><img src="http://e.org/i.gif">'),
        ("wayback", f'[M]<body>[N]<a title="{WAYBACK_LINK_TITLE}" '
                    'href="https://web.archive.org/web/19981116/http://e.org/x.htm">x</a><img src="http://e.org/i.gif">'),
    ],
)
def test_external_link_modes(mode: str, expected: str) -> None:
    from datetime import date

    result = make_rewriter(external_links=mode).rewrite(
        '<body><a href="http://e.org/x.htm">x</a><img src="http://e.org/i.gif">',
        page_url=PAGE_URL, page_path=PAGE_PATH, notice_html="[N]", captured=date(1998, 11, 16),
    )
    assert result.text.replace(META_CHARSET, "[M]") == expected


def test_dropped_images_become_a_blank_pixel() -> None:
    out = rewrite('<body><IMG SRC="/cgi-bin/counter.pl?page=x" WIDTH=80 HEIGHT=20><IMG SRC="/images/paper.gif">'
                  '<IMG SRC="http://counter.example.com/c.gif">',
                  drop=(r"/cgi-bin/counter\.pl", r"^http://counter\."))
    assert out == ('[M]<body>[N]<IMG SRC="../../_sunset/blank.gif" WIDTH=80 HEIGHT=20><IMG SRC="../images/paper.gif">'
                   '<IMG SRC="../../_sunset/blank.gif">')


@pytest.mark.parametrize(
    ("html", "page"),
    [
        ('<html lang="de"><body><a href="gone.htm">x</a>', "missing.de.html"),
        ('<HTML LANG=fr-CA><body><a href="gone.htm">x</a>', "missing.fr.html"),
        ('<html lang="es"><body><a href="gone.htm">x</a>', "missing.es.html"),
        ('<html lang="ja"><body><a href="gone.htm">x</a>', "missing.html"),
        ('<body><a href="gone.htm">x</a>', "missing.html"),
    ],
)
def test_missing_page_in_the_pages_language(html: str, page: str) -> None:
    assert f'href="../../_sunset/{page}?url=http%3A%2F%2Fh%2Fdir%2Fgone.htm"' in rewrite(html)


def test_language_from_the_records_wins() -> None:
    result = make_rewriter().rewrite('<html lang="en"><body><a href="gone.htm">x</a>', page_url=PAGE_URL,
                                     page_path=PAGE_PATH, notice_html="[N]", lang="de-CH")
    assert "_sunset/missing.de.html?url=" in result.text


@pytest.mark.parametrize(
    ("tag", "value", "expected"),
    [
        ('<a href="x">', "a b", '<a href="a b">'),
        ("<a href='x'>", "it's", "<a href='it&#39;s'>"),
        ("<a href=x>", "a b", '<a href="a b">'),
        ("<a href=x>", "a&b", "<a href=a&amp;b>"),
        ("<a href=x>", "", '<a href="">'),
        ("<a href>", "y", '<a href="y">'),
        ('<a href="x">', 'q"q', '<a href="q&quot;q">'),
    ],
)
def test_splice_value(tag: str, value: str, expected: str) -> None:
    from normalize.markup import StartTag, iter_tokens

    start = next(token for token in iter_tokens(tag) if isinstance(token, StartTag))
    attribute = start.get("href")
    assert attribute is not None
    begin, end, text = splice_value(tag, attribute, value)
    assert tag[:begin] + text + tag[end:] == expected
