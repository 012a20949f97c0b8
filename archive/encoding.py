"""Decide a page's character encoding the way a browser does (WHATWG "encoding sniffing").

Order: byte-order mark, HTTP ``Content-Type`` charset, ``<meta>`` in the first 1024 bytes,
then a sniff, then Windows-1252. Labels go through the WHATWG table, so ``iso-8859-1`` and
``us-ascii`` decode as windows-1252, as every browser has done since the 1990s. The mirror
and the records both decode through :func:`decode_page`, so they never disagree. Style sheets
have their own order (CSS Syntax, "determine the fallback encoding"), in :func:`decode_css`, which
the crawler's link discovery, the mirror and the reconstruction all use.
"""
from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from archive.iso2022jp import decode_iso2022jp
from archive.prescan import prescan

CharsetSource = Literal["bom", "http", "meta", "sniffed", "default"]
DEFAULT_ENCODING = "windows-1252"

# WHATWG Encoding Standard labels -> encoding name: the whole table (tests check it against
# webencodings'), including the labels browsers send to the "replacement" decoder.
_LABELS: dict[str, str] = {}
for _name, _labels in {
    "utf-8": "unicode-1-1-utf-8 unicode11utf8 unicode20utf8 utf-8 utf8 x-unicode20utf8",
    "windows-1252": "ansi_x3.4-1968 ascii cp1252 cp819 csisolatin1 ibm819 iso-8859-1 iso-ir-100 "
    "iso8859-1 iso88591 iso_8859-1 iso_8859-1:1987 l1 latin1 us-ascii windows-1252 x-cp1252",
    "iso-8859-2": "csisolatin2 iso-8859-2 iso-ir-101 iso8859-2 iso88592 iso_8859-2 iso_8859-2:1987 l2 latin2",
    "iso-8859-3": "csisolatin3 iso-8859-3 iso-ir-109 iso8859-3 iso88593 iso_8859-3 iso_8859-3:1988 l3 latin3",
    "iso-8859-4": "csisolatin4 iso-8859-4 iso-ir-110 iso8859-4 iso88594 iso_8859-4 iso_8859-4:1988 l4 latin4",
    "iso-8859-6": "arabic asmo-708 csiso88596e csiso88596i csisolatinarabic ecma-114 iso-8859-6 iso-8859-6-e "
    "iso-8859-6-i iso-ir-127 iso8859-6 iso88596 iso_8859-6 iso_8859-6:1987",
    "iso-8859-10": "csisolatin6 iso-8859-10 iso-ir-157 iso8859-10 iso885910 l6 latin6",
    "iso-8859-13": "iso-8859-13 iso8859-13 iso885913",
    "iso-8859-14": "iso-8859-14 iso8859-14 iso885914",
    "iso-8859-16": "iso-8859-16",
    "iso-8859-5": "csisolatincyrillic cyrillic iso-8859-5 iso-ir-144 iso8859-5 iso88595 iso_8859-5 iso_8859-5:1988",
    "iso-8859-7": "csisolatingreek ecma-118 elot_928 greek greek8 iso-8859-7 iso-ir-126 iso8859-7 "
    "iso88597 iso_8859-7 iso_8859-7:1987 sun_eu_greek",
    "iso-8859-8": "csiso88598e csisolatinhebrew hebrew iso-8859-8 iso-8859-8-e iso-ir-138 iso8859-8 "
    "iso88598 iso_8859-8 iso_8859-8:1988 visual",
    "iso-8859-8-i": "csiso88598i iso-8859-8-i logical",
    "iso-8859-15": "csisolatin9 iso-8859-15 iso8859-15 iso885915 iso_8859-15 l9",
    "windows-1250": "cp1250 windows-1250 x-cp1250",
    "windows-1251": "cp1251 windows-1251 x-cp1251",
    "windows-1253": "cp1253 windows-1253 x-cp1253",
    "windows-1254": "cp1254 csisolatin5 iso-8859-9 iso-ir-148 iso8859-9 iso88599 iso_8859-9 l5 "
    "latin5 windows-1254 x-cp1254 iso_8859-9:1989",
    "windows-1255": "cp1255 windows-1255 x-cp1255",
    "windows-1256": "cp1256 windows-1256 x-cp1256",
    "windows-1257": "cp1257 windows-1257 x-cp1257",
    "windows-1258": "cp1258 windows-1258 x-cp1258",
    "x-mac-cyrillic": "x-mac-cyrillic x-mac-ukrainian",
    "windows-874": "dos-874 iso-8859-11 iso8859-11 iso885911 tis-620 windows-874",
    "koi8-r": "cskoi8r koi koi8 koi8-r koi8_r",
    "koi8-u": "koi8-ru koi8-u",
    "macintosh": "csmacintosh mac macintosh x-mac-roman",
    "ibm866": "866 cp866 csibm866 ibm866",
    "shift_jis": "csshiftjis ms932 ms_kanji shift-jis shift_jis sjis windows-31j x-sjis",
    "euc-jp": "cseucpkdfmtjapanese euc-jp x-euc-jp",
    "iso-2022-jp": "csiso2022jp iso-2022-jp",
    "gbk": "chinese csgb2312 csiso58gb231280 gb2312 gb_2312 gb_2312-80 gbk iso-ir-58 x-gbk",
    "gb18030": "gb18030",
    "big5": "big5 big5-hkscs cn-big5 csbig5 x-x-big5",
    "euc-kr": "cseuckr csksc56011987 euc-kr iso-ir-149 korean ks_c_5601-1987 ks_c_5601-1989 "
    "ksc5601 ksc_5601 windows-949",
    "utf-16le": "csunicode iso-10646-ucs-2 ucs-2 unicode unicodefeff utf-16 utf-16le",
    "utf-16be": "unicodefffe utf-16be",
    "replacement": "csiso2022kr hz-gb-2312 iso-2022-cn iso-2022-cn-ext iso-2022-kr replacement",
    "x-user-defined": "x-user-defined",
}.items():
    for _label in _labels.split():
        _LABELS[_label] = _name

# Python codec for each WHATWG encoding whose Python name differs.
_CODECS = {
    "windows-1252": "cp1252",
    "shift_jis": "cp932",
    "euc-jp": "euc_jis_2004",
    "gbk": "gb18030",
    "euc-kr": "cp949",
    "macintosh": "mac_roman",
    "windows-874": "cp874",
    "big5": "big5hkscs",
    "iso-8859-8-i": "iso8859-8",
    "x-mac-cyrillic": "mac_cyrillic",
}

# What charset-normalizer (Python codec names) calls the encodings above.
_PYTHON_TO_WHATWG = {"cp932": "shift_jis", "shift_jis": "shift_jis", "shift_jis_2004": "shift_jis",
                     "euc_jp": "euc-jp", "euc_jis_2004": "euc-jp", "gb2312": "gbk", "gbk": "gbk",
                     "gb18030": "gb18030", "big5": "big5", "big5hkscs": "big5", "cp949": "euc-kr",
                     "euc_kr": "euc-kr", "koi8-r": "koi8-r", "koi8_r": "koi8-r", "koi8-u": "koi8-u",
                     "cp1251": "windows-1251", "cp866": "ibm866", "iso2022_jp": "iso-2022-jp"}

_HTTP_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.IGNORECASE)
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16le"), (codecs.BOM_UTF16_BE, "utf-16be"))
# Single-byte Western guesses from a statistical sniffer are no better than the default.
_SNIFF_TRUSTED = frozenset({"utf-8", "shift_jis", "euc-jp", "iso-2022-jp", "gbk", "gb18030", "big5",
                            "euc-kr", "koi8-r", "koi8-u", "windows-1251", "ibm866", "iso-8859-5",
                            "iso-8859-7", "windows-1253", "iso-8859-8", "windows-1255",
                            "windows-1256"})


def _whatwg_c1(error: UnicodeDecodeError) -> tuple[str, int]:
    """Bytes that windows-1252 leaves undefined (0x81, 0x8D...) decode to C1 controls."""
    byte = error.object[error.start]
    return chr(byte), error.start + 1


codecs.register_error("sunset-whatwg-c1", _whatwg_c1)


def resolve_label(label: str | None) -> str | None:
    """The WHATWG encoding a charset label names, or None for an unknown label."""
    if not label:
        return None
    return _LABELS.get(label.strip().strip("\"'").lower())


def python_codec(encoding: str) -> str:
    return _CODECS.get(encoding, encoding)


@dataclass(frozen=True, slots=True)
class DecodedPage:
    text: str
    charset: str
    source: CharsetSource
    problems: tuple[str, ...] = ()


def http_charset(content_type: str | None) -> str | None:
    if not content_type:
        return None
    match = _HTTP_CHARSET.search(content_type)
    return match.group(1) if match else None


def meta_charset(head: bytes) -> str | None:
    """The charset label a ``<meta>`` in the first 1024 bytes declares, found by the WHATWG
    prescan (:mod:`archive.prescan`)."""
    return prescan(head, resolve_label).label


# Text in every encoding the sniff can trust (CJK, Cyrillic, Greek, Hebrew, Arabic) is runs of
# bytes >= 0x80: two per character in CJK, whole words in the single-byte scripts. A Western
# page has its few 0x93/0x96/0xE9 alone between ASCII letters, and the statistical sniff could
# only guess a Western encoding for it, which is no better than the default: skip it (~3 ms).
_HIGH_RUN = re.compile(rb"[\x80-\xff]{3}")


def _sniff(body: bytes) -> str | None:
    if body.isascii():
        return None
    if _is_utf8(body):
        return "utf-8"
    if _HIGH_RUN.search(body, 0, 65536) is None:
        return None
    from charset_normalizer import from_bytes

    best = from_bytes(body[:65536]).best()
    if best is None:
        return None
    name = codecs.lookup(best.encoding).name
    guess = _PYTHON_TO_WHATWG.get(name) or resolve_label(name.replace("_", "-")) or resolve_label(name)
    return guess if guess in _SNIFF_TRUSTED else None


_USER_DEFINED = {byte: 0xF780 + byte - 0x80 for byte in range(0x80, 0x100)}


def decode_bytes(body: bytes, encoding: str) -> str:
    if encoding == "windows-1252":
        return body.decode("cp1252", errors="sunset-whatwg-c1")
    if encoding == "replacement":
        # hz-gb-2312, iso-2022-kr...: browsers show the whole page as one U+FFFD, so nothing
        # in it can run; decoding it as anything else would bring its script to life.
        return "\ufffd" if body else ""
    if encoding == "iso-2022-jp":
        return decode_iso2022jp(body)
    if encoding == "x-user-defined":
        return body.decode("latin-1").translate(_USER_DEFINED)
    return body.decode(python_codec(encoding), errors="replace")


_MULTIBYTE = frozenset({"utf-8", "utf-16le", "utf-16be", "shift_jis", "euc-jp", "iso-2022-jp", "gbk", "gb18030",
                        "big5", "euc-kr"})


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def declared_in_page(head: bytes) -> str | None:
    """The encoding the bytes themselves declare (byte-order mark or ``<meta>``), without sniffing.

    For labelling a WARC record: cheap, and it says only what the page says about itself.
    """
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    return prescan(head, resolve_label).encoding


def decide_encoding(body: bytes, content_type: str | None) -> tuple[str, CharsetSource, tuple[str, ...]]:
    """(encoding, which source decided, problems) for a page's bytes.

    The first source in WHATWG order wins; when a later one says otherwise the page gets
    ``charset-conflict``, and ``charset-mismatch`` when a legacy single-byte charset is
    declared for bytes that are valid UTF-8 (a page re-saved by a newer editor).
    """
    problems: list[str] = []
    declared_http = http_charset(content_type)
    from_http = resolve_label(declared_http)
    scanned = prescan(body, resolve_label)  # UTF-16 in a meta tag already reads as UTF-8
    from_meta = scanned.encoding
    if (declared_http and from_http is None) or (scanned.unknown and from_meta is None):
        problems.append("unknown-charset")
    declared = [name for name in (from_http, from_meta) if name]
    for bom, name in _BOMS:
        if body.startswith(bom):
            if any(other != name for other in declared):
                problems.append("charset-conflict")
            return name, "bom", tuple(problems)
    if from_http and from_meta and from_meta != from_http:
        problems.append("charset-conflict")
    if declared:
        encoding = declared[0]
        if encoding not in _MULTIBYTE and not body.isascii() and _is_utf8(body):
            problems.append("charset-mismatch")
        return encoding, ("http" if from_http else "meta"), tuple(problems)
    sniffed = _sniff(body)
    if sniffed:
        return sniffed, "sniffed", tuple(problems)
    return DEFAULT_ENCODING, "default", tuple(problems)


@lru_cache(maxsize=2)
def decode_page(body: bytes, content_type: str | None = None) -> DecodedPage:
    """Decode a page's bytes to text, recording how the encoding was decided.

    The last answers are kept: in ``sunset run`` normalize and the mirror decode each page in
    the same worker, one after the other (a hash and a compare of the bytes cost less than a
    second prescan and decode).
    """
    encoding, source, problems = decide_encoding(body, content_type)
    if source == "bom":
        body = body[len(next(bom for bom, name in _BOMS if name == encoding)) :]
    text = decode_bytes(body, encoding)
    if "\ufffd" in text and encoding != "utf-8":
        problems = (*problems, "undecodable-bytes")
    elif "\ufffd" in text and not _is_utf8(body):
        problems = (*problems, "undecodable-bytes")
    return DecodedPage(text, encoding, source, problems)


_CSS_CHARSET_RULE = re.compile(rb'@charset "([\x00-\x21\x23-\x7f]{1,64})";')


def css_encoding(body: bytes, content_type: str | None = None) -> str:
    """The encoding a browser decoded a style sheet with (CSS Syntax 3, section 3.2).

    A byte-order mark, else the HTTP charset, else an ``@charset "...";`` that opens the sheet
    (UTF-16 there means UTF-8: the rule itself was read as ASCII). A sheet that says nothing
    was read in its page's encoding, which a sheet alone cannot know: UTF-8 when the bytes are
    valid UTF-8, else Windows-1252, the default of the era's browsers.
    """
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name
    declared = resolve_label(http_charset(content_type))
    if declared is None:
        rule = _CSS_CHARSET_RULE.match(body)
        declared = resolve_label(rule.group(1).decode("ascii")) if rule else None
        if declared in ("utf-16le", "utf-16be"):
            declared = "utf-8"
    if declared is not None:
        return declared
    return "utf-8" if _is_utf8(body) else DEFAULT_ENCODING


def decode_css(body: bytes, content_type: str | None = None) -> str:
    """A style sheet's text, decoded as :func:`css_encoding` says (its byte-order mark dropped)."""
    encoding = css_encoding(body, content_type)
    for bom, name in _BOMS:
        if name == encoding and body.startswith(bom):
            body = body[len(bom):]
            break
    return decode_bytes(body, encoding)


_C1_CONTROL = re.compile("[\x80-\x9f]")
_C1_TO_CP1252 = {code: bytes([code]).decode("cp1252", errors="sunset-whatwg-c1") for code in range(0x80, 0xA0)}


def fix_c1_controls(text: str) -> str:
    """Map U+0080-U+009F to the Windows-1252 characters HTML5 gives ``&#150;`` and friends.

    Parsers that follow XML rules (libxml2) turn ``&#150;`` into a C1 control; a browser
    shows an en dash.
    """
    if _C1_CONTROL.search(text) is None:  # most text has none; translate() looks up every character
        return text
    return text.translate(_C1_TO_CP1252)
