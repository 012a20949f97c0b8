"""Encodings decided as a 1998 browser would (WHATWG), for the records and the mirror alike."""
from __future__ import annotations

import codecs

import pytest

from normalize.encoding import decode_page, fix_c1_controls, resolve_label

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


def test_c1_references_become_windows_1252_characters() -> None:
    assert fix_c1_controls("a\x96b\x93c\x94") == "a\u2013b\u201cc\u201d"
