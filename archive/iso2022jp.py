"""The WHATWG ISO-2022-JP decoder (Encoding Standard, "ISO-2022-JP decoder").

Python's ``iso2022_jp`` codec is not what browsers run: it does not know ``ESC ( I``
(half-width katakana), and an ``ESC $ B`` with no way back swallows the rest of the page into
two-byte mode differently, so bytes a browser shows as text could come out as markup (or the
other way round) in the mirror. No PyPI package implements the WHATWG decoder, so this is the
standard's state machine, with fast paths for runs of ASCII and of two-byte characters.

The jis0208 index is read through Python's ``cp932`` codec (a pointer is turned into its
Shift_JIS bytes, which the WHATWG Shift_JIS decoder reads through the same index).
"""
from __future__ import annotations

import re
from functools import lru_cache

_ASCII_RUN = re.compile(rb"[\x00-\x0d\x10-\x1a\x1c-\x7f]+")
_PAIR_RUN = re.compile(rb"(?:[\x21-\x7e][\x21-\x7e])+")
_KATAKANA_RUN = re.compile(rb"[\x21-\x5f]+")
_ROMAN = str.maketrans({0x5C: "\u00a5", 0x7E: "\u203e"})
_ESCAPES = {(0x28, 0x42): "ascii", (0x28, 0x4A): "roman", (0x28, 0x49): "katakana",
            (0x24, 0x40): "lead", (0x24, 0x42): "lead"}


@lru_cache(maxsize=1)
def _jis0208() -> tuple[str, ...]:
    """Code point (or U+FFFD where the index has none) for each pointer 0..8835."""
    table: list[str] = []
    for pointer in range(94 * 94):
        lead, trail = divmod(pointer, 188)
        lead_byte = lead + (0x81 if lead < 0x1F else 0xC1)
        trail_byte = trail + (0x40 if trail < 0x3F else 0x41)
        try:
            table.append(bytes([lead_byte, trail_byte]).decode("cp932"))
        except UnicodeDecodeError:
            table.append("\ufffd")
    return tuple(table)


def decode_iso2022jp(data: bytes) -> str:
    """``data`` decoded as a browser decodes ISO-2022-JP (errors become U+FFFD)."""
    table = _jis0208()
    out: list[str] = []
    state = output_state = "ascii"
    output_flag = False
    position, length = 0, len(data)
    while position < length:
        byte = data[position]
        if byte == 0x1B:
            # Escape start and escape states.
            following = data[position + 1] if position + 1 < length else None
            if following not in (0x24, 0x28):
                output_flag = False
                state = output_state
                out.append("\ufffd")
                position += 1  # the next byte is read again in the output state
                continue
            third = data[position + 2] if position + 2 < length else None
            new_state = _ESCAPES.get((following, third)) if third is not None else None
            if new_state is None:
                # The lead (and the byte after it) are read again in the output state.
                output_flag = False
                state = output_state
                out.append("\ufffd")
                position += 1
                continue
            state = output_state = new_state
            if output_flag:
                out.append("\ufffd")  # two escapes in a row: nothing between them
            output_flag = True
            position += 3
            continue
        if state == "ascii":
            run = _ASCII_RUN.match(data, position)
            if run:
                out.append(run.group().decode("ascii"))
                position = run.end()
            else:  # 0x0E, 0x0F or a byte above 0x7F
                out.append("\ufffd")
                position += 1
        elif state == "roman":
            run = _ASCII_RUN.match(data, position)
            if run:
                out.append(run.group().decode("ascii").translate(_ROMAN))
                position = run.end()
            else:
                out.append("\ufffd")
                position += 1
        elif state == "katakana":
            run = _KATAKANA_RUN.match(data, position)
            if run:
                out.append("".join(chr(0xFF61 - 0x21 + code) for code in run.group()))
                position = run.end()
            else:
                out.append("\ufffd")
                position += 1
        else:  # two-byte mode: lead byte, then trail byte
            run = _PAIR_RUN.match(data, position)
            if run:
                pairs = run.group()
                out.append("".join(table[(lead - 0x21) * 94 + trail - 0x21]
                                   for lead, trail in zip(pairs[::2], pairs[1::2])))
                position = run.end()
            elif 0x21 <= byte <= 0x7E:
                # A lead byte without a trail: an escape after it, a bad trail or the end.
                following = data[position + 1] if position + 1 < length else None
                out.append("\ufffd")
                position += 1 if following is None or following == 0x1B else 2
            else:
                out.append("\ufffd")
                position += 1
        output_flag = False
    return "".join(out)
