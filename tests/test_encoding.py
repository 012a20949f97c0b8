"""Encodings decided as a 1998 browser would (WHATWG), for the records and the mirror alike."""
from __future__ import annotations

import codecs
import json
from datetime import datetime, timezone

import pytest

from archive.capture import BytesBody, Capture
from archive.encoding import css_encoding, decode_css, decode_page, fix_c1_controls, resolve_label
from normalize.markup import unescape_attribute
from normalize.options import NormalizeOptions
from normalize.page import normalize_capture
from normalize.record import record_to_dict
from normalize.text import extract_text
from tests.conftest import ROOT

DASHES = "people\u2013usually ordinary citizens\u2013 and \u201csmart quotes\u201d"


@pytest.mark.parametrize(
    ("body", "content_type", "charset", "source", "expected", "problems"),
    [
        (DASHES.encode("cp1252"), None, "windows-1252", "default", DASHES, ()),
        (DASHES.encode("cp1252"), "text/html; charset=iso-8859-1", "windows-1252", "http", DASHES, ()),
        (b'<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=iso-8859-1">' + DASHES.encode("cp1252"),
         None, "windows-1252", "meta",
         '<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=iso-8859-1">' + DASHES, ()),
        (codecs.BOM_UTF8 + "caf\u00e9 \u2013 na\u00efve".encode(), "text/html; charset=iso-8859-1",
         "utf-8", "bom", "caf\u00e9 \u2013 na\u00efve", ("charset-conflict",)),
        ("caf\u00e9 \u2013 na\u00efve, \u00e0 la carte".encode(), None, "utf-8", "sniffed",
         "caf\u00e9 \u2013 na\u00efve, \u00e0 la carte", ()),
        ("<meta charset=x-sjis>\u65e5\u672c\u8a9e\u306e\u30da\u30fc\u30b8".encode("shift_jis"), None, "shift_jis", "meta",
         "<meta charset=x-sjis>\u65e5\u672c\u8a9e\u306e\u30da\u30fc\u30b8", ()),
        ("\u65e5\u672c\u8a9e\u306e\u30da\u30fc\u30b8\u3067\u3059\u3002\u3053\u308c\u306f\u30c6\u30b9\u30c8\u3067\u3059\u3002".encode("shift_jis") * 4,
         None, "shift_jis", "sniffed",
         "\u65e5\u672c\u8a9e\u306e\u30da\u30fc\u30b8\u3067\u3059\u3002\u3053\u308c\u306f\u30c6\u30b9\u30c8\u3067\u3059\u3002" * 4, ()),
        ('<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=koi8-r">\u041f\u0440\u0438\u0432\u0435\u0442'.encode("koi8_r"),
         None, "koi8-r", "meta",
         '<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=koi8-r">\u041f\u0440\u0438\u0432\u0435\u0442', ()),
        ("\u041f\u0440\u0438\u0432\u0435\u0442 \u043c\u0438\u0440, \u044d\u0442\u043e \u0441\u0442\u0440\u0430\u043d\u0438\u0446\u0430.".encode("koi8_r") * 3,
         None, "koi8-r", "sniffed",
         "\u041f\u0440\u0438\u0432\u0435\u0442 \u043c\u0438\u0440, \u044d\u0442\u043e \u0441\u0442\u0440\u0430\u043d\u0438\u0446\u0430." * 3, ()),
        (b'<meta charset="utf-8">' + "\u00e9".encode("cp1252"), "text/html; charset=windows-1252", "windows-1252", "http",
         '<meta charset="utf-8">\u00e9', ("charset-conflict",)),
        (b"plain ascii", None, "windows-1252", "default", "plain ascii", ()),
        (b"undefined \x81 byte", None, "windows-1252", "default", "undefined \x81 byte", ()),
    ],
)
def test_decode_page(body: bytes, content_type: str | None, charset: str, source: str, expected: str,
                     problems: tuple[str, ...]) -> None:
    page = decode_page(body, content_type)
    assert (page.charset, page.source) == (charset, source)
    assert page.text == expected
    assert page.problems == problems
    assert "\ufffd" not in page.text and "\u00e2\u20ac" not in page.text


@pytest.mark.parametrize(
    ("label", "encoding"),
    [("ISO-8859-1", "windows-1252"), ("latin1", "windows-1252"), ("US-ASCII", "windows-1252"),
     ("x-sjis", "shift_jis"), ("Shift_JIS", "shift_jis"), ("EUC-JP", "euc-jp"), ("koi8-r", "koi8-r"),
     ("big5", "big5"), ("gb2312", "gbk"), ("utf8", "utf-8"), ("no-such-thing", None)],
)
def test_whatwg_labels(label: str, encoding: str | None) -> None:
    assert resolve_label(label) == encoding


@pytest.mark.parametrize(
    ("body", "content_type", "encoding", "text"),
    [
        (b"A { color: red }", None, "utf-8", "A { color: red }"),
        ("/* caf\u00e9 */".encode(), "text/css", "utf-8", "/* caf\u00e9 */"),
        ("/* caf\u00e9 \u2013 */".encode("cp1252"), "text/plain", "windows-1252", "/* caf\u00e9 \u2013 */"),
        (codecs.BOM_UTF8 + "/* \u00e9 */".encode(), "text/css; charset=iso-8859-1", "utf-8", "/* \u00e9 */"),
        (codecs.BOM_UTF16_LE + "/* \u00e9 */".encode("utf-16-le"), None, "utf-16le", "/* \u00e9 */"),
        ("/* \u0434\u043e\u043c */".encode("koi8-r"), "text/css; charset=KOI8-R", "koi8-r",
         "/* \u0434\u043e\u043c */"),
        # the HTTP charset wins over the sheet's own rule, and the rule over the bytes' look
        (b'@charset "koi8-r"; /* \xc4 */', "text/css; charset=windows-1251", "windows-1251",
         '@charset "koi8-r"; /* \u0414 */'),
        (b'@charset "koi8-r"; /* \xc4\xcf\xcd */', "text/css", "koi8-r", '@charset "koi8-r"; /* \u0434\u043e\u043c */'),
        (b'@charset "utf-16"; /* \xc3\xa9 */', None, "utf-8", '@charset "utf-16"; /* \u00e9 */'),
        # only the exact rule at the very start counts, as in a browser
        (b' @charset "koi8-r"; /* \xc4 */', None, "windows-1252", ' @charset "koi8-r"; /* \u00c4 */'),
        (b"@charset 'koi8-r'; /* \xc4 */", None, "windows-1252", "@charset 'koi8-r'; /* \u00c4 */"),
        (b'@charset "no-such"; /* \xc4 */', "text/css; charset=bogus", "windows-1252",
         '@charset "no-such"; /* \u00c4 */'),
    ],
)
def test_decode_css(body: bytes, content_type: str | None, encoding: str, text: str) -> None:
    """CSS Syntax's order (BOM, HTTP, @charset), then UTF-8 if the bytes are, else Windows-1252."""
    assert css_encoding(body, content_type) == encoding
    assert decode_css(body, content_type) == text


def test_c1_references_become_windows_1252_characters() -> None:
    assert fix_c1_controls("a\x96b\x93c\x94") == "a\u2013b\u201cc\u201d"


FIXTURES = ROOT / "tests" / "data" / "encodings"
MOJIBAKE = ("\ufffd", "\u00e2\u20ac", "\u00c3\u00a9", "\u00c3", "\x96", "\x93")


def fixture_record(name: str, content_type: str | None) -> dict:
    body = (FIXTURES / name).read_bytes()
    capture = Capture(f"http://old.example/{name}", datetime(1998, 11, 16, tzinfo=timezone.utc), content_type,
                      BytesBody(body))
    return record_to_dict(normalize_capture(capture, NormalizeOptions("http://old.example/")))


# file, Content-Type served, charset, charset_source, title, text, problems
PAGES = [
    ("shift_jis-meta.htm", "text/html", "shift_jis", "meta", "\u65e5\u672c\u8a9e\u306e\u30da\u30fc\u30b8",
     "\u3088\u3046\u3053\u305d\n\u3053\u308c\u306f\u5e73\u621010\u5e74\u306e\u30db\u30fc\u30e0\u30da\u30fc\u30b8"
     "\u3067\u3059\u3002\n\u304a\u554f\u3044\u5408\u308f\u305b\u306f\u3053\u3061\u3089\u307e\u3067\u3002", ()),
    ("euc-jp-http.htm", "text/html; charset=EUC-JP", "euc-jp", "http", "\u7814\u7a76\u5ba4\u306e\u7d39\u4ecb",
     "\u7814\u7a76\u5ba4\u306e\u7d39\u4ecb\n\u5f53\u7814\u7a76\u5ba4\u3067\u306f\u7d1b\u4e89\u89e3\u6c7a\u3092"
     "\u7814\u7a76\u3057\u3066\u3044\u307e\u3059\u3002", ()),
    ("koi8-r-meta.htm", "text/html", "koi8-r", "meta", "Домашняя страница",
     "Добро пожаловать!\nЭто наш сервер. Последнее обновление: 12 ноября 1998 г.", ()),
    ("koi8-r-http.htm", "text/html; charset=KOI8-R", "koi8-r", "http", "Новости",
     "Съешь же ещё этих мягких французских булок, да выпей чаю.", ()),
    ("koi8-r-undeclared.htm", "text/html", "koi8-r", "sniffed", "О проекте",
     "Наша лаборатория изучает способы мирного разрешения конфликтов между странами и народами.\n"
     "На этих страницах вы найдёте статьи, доклады и библиографию по теме переговоров.", ()),
    ("big5-meta.htm", "text/html", "big5", "meta", "\u885d\u7a81\u7814\u7a76",
     "\u6b61\u8fce\u5149\u81e8\u672c\u7db2\u7ad9\u3002", ()),
    ("gb2312-meta.htm", "text/html", "gbk", "meta", "\u51b2\u7a81\u7814\u7a76",
     "\u6b22\u8fce\u8bbf\u95ee\u672c\u7f51\u7ad9\u3002", ()),
    ("utf-8-bom.htm", "text/html", "utf-8", "bom", "Café", "Crème brûlée – naïve “quotes”", ()),
    ("utf-8-bom.htm", "text/html; charset=iso-8859-1", "utf-8", "bom", "Café", "Crème brûlée – naïve “quotes”",
     ("charset-conflict",)),
    ("utf-16le-bom.htm", "text/html", "utf-16le", "bom", "Grüße", "Übersicht – Straße", ()),
    ("utf-8-undeclared.htm", "text/html", "utf-8", "sniffed", "Résumé", "Señor Müller’s café — déjà vu", ()),
    ("utf-8-undeclared.htm", None, "utf-8", "sniffed", "Résumé", "Señor Müller’s café — déjà vu", ()),
    ("header-meta-conflict.htm", "text/html; charset=ISO-8859-1", "windows-1252", "http", "Gérard’s page",
     "Élève – café", ("charset-conflict",)),
    ("iso-8859-1-smart-quotes.htm", "text/html", "windows-1252", "meta", "“Track Two” Diplomacy",
     "People – usually ordinary citizens – who talk… and “listen”.", ()),
    ("us-ascii-declared.htm", "text/html", "windows-1252", "meta", "Notes", "It’s “quoted” – really.", ()),
    ("windows-1252-undeclared.htm", "text/html", "windows-1252", "default", "Résumé – 1998",
     "Café – naïve ‘single’ ™", ()),
    ("windows-1252-charrefs.htm", "text/html", "windows-1252", "meta", "Dashes – and – and —",
     "people–usually ordinary citizens– which “quoted” …\nA B C, AT&T & co, été <tag> €100\n"
     "©1998 Conflict Research Consortium\nSearch – now", ()),
]


@pytest.mark.parametrize(("name", "content_type", "charset", "source", "title", "text", "problems"), PAGES)
def test_fixture_pages_decode_as_a_browser_would(name: str, content_type: str | None, charset: str, source: str,
                                                 title: str, text: str, problems: tuple[str, ...]) -> None:
    record = fixture_record(name, content_type)
    assert (record["charset"], record["charset_source"]) == (charset, source)
    assert (record["title"], record["text"]) == (title, text)
    assert tuple(record["problems"]) == problems
    flat = json.dumps(record, ensure_ascii=False)
    assert not any(bad in flat for bad in MOJIBAKE), flat


def test_character_references_in_attributes_follow_html5() -> None:
    record = fixture_record("windows-1252-charrefs.htm", "text/html")
    assert record["meta"]["description"] == "Café – menu “1998”"
    (image,) = record["images"]
    assert image["alt"] == "Logo – © 1998\u00a0CRC"
    search = next(link for link in record["links"] if link["tag"] == "a")
    # "&copy=" in a query string stays as written (HTML5: no decoding before "=").
    assert search["raw"] == "cgi-bin/q.pl?a=1&copy=2&b=3"
    assert search["text"] == "Search – now"
    assert record["copyright"] == "©1998 Conflict Research Consortium"


def test_a_mislabelled_page_is_decoded_as_declared_and_flagged() -> None:
    record = fixture_record("mislabelled-utf-8.htm", "text/html")
    assert (record["charset"], record["charset_source"]) == ("windows-1252", "meta")
    assert record["title"] == "CafÃ©"  # what every browser shows
    assert record["problems"] == ["charset-mismatch"]


@pytest.mark.parametrize(
    ("raw", "value"),
    [("a&nbsp b", "a\u00a0 b"), ("&nbspb", "&nbspb"), ("cgi?a=1&copy=2", "cgi?a=1&copy=2"),
     ("&copy1998", "&copy1998"), ("&copy 1998", "© 1998"), ("&copy;1998", "©1998"), ("&notin x", "&notin x"),
     ("&notin; x", "∉ x"), ("&#150;", "–"), ("&#x96", "–"), ("&#147;a&#148;", "“a”"), ("&ampx", "&ampx"),
     ("&foo;", "&foo;"), ("a&lt", "a<")],
)
def test_unescape_attribute(raw: str, value: str) -> None:
    assert unescape_attribute(raw) == value


@pytest.mark.parametrize(
    ("markup", "text"),
    [("&copy1998 CRC", "©1998 CRC"), ("A&nbspB", "A B"), ("x&#150;y&#x96;z", "x–y–z"), ("&#128;5", "€5"),
     ("&notit; &notin", "¬it; ¬in"), ("AT&T &amp &lt;b&gt;", "AT&T & <b>"), ("&eacute;t&eacute", "été")],
)
def test_character_references_in_text_follow_html5(markup: str, text: str) -> None:
    assert extract_text(f"<HTML><BODY><P>{markup}</BODY></HTML>").text == text


def test_noframes_text_has_references_decoded() -> None:
    page = extract_text("<FRAMESET><FRAME SRC=a.htm><NOFRAMES>Sorry&nbsp;&#150; &copy1998</NOFRAMES></FRAMESET>")
    assert page.noframes_text == "Sorry – ©1998"
