"""The WHATWG "prescan a byte stream to determine its encoding" over a page's first 1024 bytes.

Only ``<meta charset=...>`` and ``<meta http-equiv=content-type content="...charset=...">``
count, and only outside comments and other tags' attribute values: a regular expression that
took ``charset=`` from any attribute (``<meta name=description content="charset=iso-2022-jp">``)
decoded pages differently from every browser, and bytes that are inert text to a browser could
become live script in the mirror. A label the standard does not know is passed over and the
scan goes on, as browsers do.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

PRESCAN_BYTES = 1024
_SPACE = b"\t\n\x0c\r "
_SPACE_OR_SLASH = _SPACE + b"/"
# The rest of a tag other than <meta> (its name, its attributes, its ">") as the spec's "get an
# attribute" reads it, written so that only that reading can match: possessive, and a name
# followed by "=" must have a value. It matches most tags in one call instead of a Python step
# per byte (the prescan runs on every page); where it does not match (the tag runs past the
# 1024 bytes, say) the step-by-step reading below decides.
_S = rb"[\t\n\x0c\r ]"
_ATTRIBUTE = (rb"[\t\n\x0c\r /]*+[^\t\n\x0c\r />][^\t\n\x0c\r />=]*+"
              rb"(?:" + _S + rb"*+(?!=)|" + _S + rb"*+=" + _S
              + rb"""*+(?:"[^"]*+"|'[^']*+'|(?=>)|[^\t\n\x0c\r >"'][^\t\n\x0c\r >]*+))""")
_TAG_REST = re.compile(rb"[^\t\n\x0c\r >]*+(?:" + _ATTRIBUTE + rb")*+[\t\n\x0c\r /]*+>")


@dataclass(frozen=True, slots=True)
class Prescan:
    encoding: str | None
    """The WHATWG encoding the first usable declaration names (UTF-16 read as UTF-8,
    x-user-defined as windows-1252), or None."""
    label: str | None
    """The label as written in that declaration."""
    unknown: str | None = None
    """The first declared label that names no encoding (passed over)."""


class _End(Exception):
    """The scan ran past the bytes it may look at."""


class _Bytes:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.position = 0

    def byte(self) -> int:
        if self.position >= len(self.data):
            raise _End
        return self.data[self.position]

    def skip(self, chars: bytes) -> int:
        while self.byte() in chars:
            self.position += 1
        return self.byte()


def _lower(byte: int) -> str:
    return chr(byte + 0x20 if 0x41 <= byte <= 0x5A else byte)


def _get_attribute(scan: _Bytes) -> tuple[str, str] | None:
    """The spec's "get an attribute": (name, value), or None at the tag's ``>``."""
    if scan.skip(_SPACE_OR_SLASH) == 0x3E:
        return None
    name: list[str] = []
    value: list[str] = []
    while True:  # the name
        byte = scan.byte()
        if byte == 0x3D and name:
            scan.position += 1
            break
        if byte in _SPACE:
            if scan.skip(_SPACE) != 0x3D:
                return "".join(name), ""
            scan.position += 1
            break
        if byte in b"/>":
            return "".join(name), ""
        name.append(_lower(byte))
        scan.position += 1
    byte = scan.skip(_SPACE)
    if byte in b"\"'":
        quote = byte
        while True:
            scan.position += 1
            byte = scan.byte()
            if byte == quote:
                scan.position += 1
                return "".join(name), "".join(value)
            value.append(_lower(byte))
    if byte == 0x3E:
        return "".join(name), ""
    while True:
        byte = scan.byte()
        if byte in _SPACE or byte == 0x3E:
            return "".join(name), "".join(value)
        value.append(_lower(byte))
        scan.position += 1


def charset_in_content(content: str) -> str | None:
    """The spec's "extract a character encoding from a meta element" (``text/html; charset=x``)."""
    position = 0
    lowered = content.lower()
    while True:
        found = lowered.find("charset", position)
        if found < 0:
            return None
        position = found + len("charset")
        while position < len(content) and content[position] in "\t\n\x0c\r ":
            position += 1
        if position >= len(content) or content[position] != "=":
            continue
        position += 1
        while position < len(content) and content[position] in "\t\n\x0c\r ":
            position += 1
        if position >= len(content):
            return None
        quote = content[position]
        if quote in "\"'":
            close = content.find(quote, position + 1)
            return content[position + 1 : close] if close >= 0 else None
        end = position
        while end < len(content) and content[end] not in "\t\n\x0c\r ;":
            end += 1
        return content[position:end] or None


def prescan(head: bytes, resolve: Callable[[str], str | None]) -> Prescan:
    """Scan ``head[:1024]`` for the encoding a ``<meta>`` declares; ``resolve`` maps a label to
    a WHATWG encoding name (None for an unknown label)."""
    scan = _Bytes(head[:PRESCAN_BYTES])
    data = scan.data
    unknown: str | None = None
    try:
        while scan.position < len(data):
            rest = data[scan.position : scan.position + 6]
            if rest.startswith(b"<!--"):
                close = data.find(b"-->", scan.position + 2)  # "<!-->" closes at once
                if close < 0:
                    break
                scan.position = close + 3
            elif rest[:5].lower() == b"<meta" and len(rest) == 6 and rest[5] in _SPACE_OR_SLASH:
                scan.position += 5
                found = _meta(scan, resolve)
                if found is not None:
                    if found.encoding is not None:
                        return Prescan(found.encoding, found.label, unknown)
                    unknown = unknown or found.label
            elif len(rest) >= 2 and rest[0] == 0x3C and (
                    chr(rest[1]).isascii() and chr(rest[1]).isalpha()
                    or rest[1] == 0x2F and len(rest) >= 3 and chr(rest[2]).isascii() and chr(rest[2]).isalpha()):
                scan.position = _tag_end(scan, scan.position + 1)
            elif rest[:2] in (b"<!", b"</", b"<?"):
                close = data.find(b">", scan.position + 2)
                if close < 0:
                    break
                scan.position = close + 1
            else:
                scan.position = data.find(b"<", scan.position + 1)
                if scan.position < 0:
                    break
    except _End:
        pass
    return Prescan(None, None, unknown)


def _tag_end(scan: _Bytes, position: int) -> int:
    """Where a tag other than <meta> ends (at its ``>``), its name starting at ``position``."""
    match = _TAG_REST.match(scan.data, position)
    if match is not None:
        return match.end() - 1
    return _tag_end_stepwise(scan, position)


def _tag_end_stepwise(scan: _Bytes, position: int) -> int:
    """The spec's steps one byte at a time; raises _End where the bytes run out first."""
    scan.position = position
    while scan.byte() not in _SPACE and scan.byte() != 0x3E:
        scan.position += 1
    while _get_attribute(scan) is not None:
        pass
    return scan.position


def _meta(scan: _Bytes, resolve: Callable[[str], str | None]) -> Prescan | None:
    """One ``<meta>``'s declaration: Prescan with an encoding, with only a label (unknown), or None."""
    names: set[str] = set()
    got_pragma = False
    need_pragma: bool | None = None
    charset: str | None = None
    while (attribute := _get_attribute(scan)) is not None:
        name, value = attribute
        if name in names:
            continue
        names.add(name)
        if name == "http-equiv":
            got_pragma = got_pragma or value == "content-type"
        elif name == "content" and charset is None:
            extracted = charset_in_content(value)
            if extracted is not None:
                charset, need_pragma = extracted, True
        elif name == "charset":
            charset, need_pragma = value, False
    if need_pragma is None or (need_pragma and not got_pragma) or charset is None:
        return None
    encoding = resolve(charset)
    if encoding in ("utf-16le", "utf-16be"):
        encoding = "utf-8"
    elif encoding == "x-user-defined":
        encoding = "windows-1252"
    return Prescan(encoding, charset)
