"""normalize/markup.py's Tokens: a page scanned once, its tokens the same whichever way they are kept."""
from __future__ import annotations

import tracemalloc

import pytest

from normalize.markup import COMMENT, END, RAW, START, Comment, EndTag, RawText, StartTag, Tokens, iter_tokens

PAGES = [
    "",
    "no markup at all",
    '<!DOCTYPE HTML><HTML LANG=de><HEAD><TITLE>T &amp; <b></TITLE></HEAD><BODY BGCOLOR="#fff">',
    '<A HREF="a.htm" href=\'b.htm\' TITLE=t>x</A><a href>y</a><IMG SRC=i.gif ALT="">',
    "<!-- <a href=hidden.htm> --><!--><a href=shown.htm><?php x ?><!x>",
    "<SCRIPT>if (a < b) document.write('<a href=x>')</SCRIPT><STYLE>p{}</style ><xmp><b></xmp>",
    "<FRAMESET><FRAME SRC=a.htm><NOFRAMES><BODY>n</BODY></NOFRAMES></FRAMESET></FRAMESET>",
    '<a href="unclosed <b>bold</b>',
    "<p>text<plaintext><a href=never.htm></a>",
    "<title>never closed <a href=x>",
]


def _kind(token: object) -> int:
    return {StartTag: START, EndTag: END, RawText: RAW, Comment: COMMENT}[type(token)]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("kept", [0, 10**9])
def test_tokens_are_the_scanners_whether_kept_as_objects_or_offsets(page: str, kept: int) -> None:
    scanned = list(iter_tokens(page))
    tokens = Tokens(page, kept)
    assert list(tokens) == list(tokens) == scanned
    assert [tokens[index] for index in range(len(tokens))] == scanned
    for index, token in enumerate(scanned):
        name = "" if isinstance(token, Comment) else token.parent if isinstance(token, RawText) else token.name
        assert (tokens.kind(index), tokens.name(index)) == (_kind(token), name)
        assert (tokens.start(index), tokens.end(index)) == (token.start, token.end)
        if isinstance(token, StartTag):
            assert tokens.start_tag(index) == token
    for kind in (START, END, RAW, COMMENT):
        for name in ("a", "body", "frameset", "script", "", "none"):
            found = [index for index, token in enumerate(scanned) if _kind(token) == kind and tokens.name(index) == name]
            assert tokens.find(kind, name) == (found[0] if found else None)
            assert tokens.find_last(kind, name) == (found[-1] if found else None)
            if found:
                assert tokens.find(kind, name, found[0] + 1) == (found[1] if len(found) > 1 else None)
                assert tokens.find(kind, name, 0, found[0]) is None


def test_a_long_page_keeps_offsets_not_objects() -> None:
    """A page dense with links held about 27 bytes of token objects per byte, from normalize's scan
    to the mirror's rewrite; kept as offsets, about 2 (the bound leaves room for Python's own)."""
    dense = '<A HREF="gone.htm">x</A><A HREF="/gone2.htm">y</A>'
    page = "<BODY>" + dense * (2_000_000 // len(dense))
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tokens = Tokens(page)
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert kept < 6 * len(page), kept / len(page)
    assert len(tokens) == 4 * (len(page) // len(dense)) + 1
    assert tokens.start_tag(len(tokens) - 2).value("href") == "/gone2.htm"
