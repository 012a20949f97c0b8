"""One huge page (or sheet) cannot exhaust memory: the mirror reads at most ``max_page_bytes``
of it (configurable), says what it cut, and notes each missing target once, not per occurrence."""
from __future__ import annotations

import os
import tracemalloc
from dataclasses import replace
from pathlib import Path

from warcio.warcwriter import WARCWriter

from archive.urls import Scope
from normalize.markup import Tokens
from site_out.check import iter_broken_links
from site_out.mirror import write_mirror
from site_out.resolve import Resolver
from site_out.rewrite import PageRewriter
from sunset.config import parse_config
from tests.test_config import VALID
from tests.test_site_out_mirror import BASE, OPTIONS, resource, site

LIMIT = 256 * 1024
DENSE = b'<A HREF="gone.htm">x</A><A HREF="/gone2.htm">y</A>'  # two missing targets, over and over
SHEET = b"P { background: url(gone.gif) } "
NOISE = 256


def _filler(size: int, unit: bytes, comment: tuple[bytes, bytes]) -> bytes:
    """``unit`` over and over, with random bytes in comments between: a page that compresses
    as little as a real one (warcio inflates a gzip member block by block, and a block of pure
    repetition inflates to megabytes, which would hide what is measured here)."""
    noise = os.urandom(size // 2).hex().encode()
    pieces, position = [], 0
    while position < len(noise):
        pieces += [unit, comment[0], noise[position:position + NOISE], comment[1]]
        position += NOISE
    return b"".join(pieces)[:size]


def _warc(tmp_path: Path, size: int) -> Path:
    warc = tmp_path / "site.warc.gz"
    with warc.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        resource(writer, BASE + "index.html", "text/html", b"<BODY>" + _filler(size, DENSE, (b"<!--", b"-->")))
        resource(writer, BASE + "big.css", "text/css", _filler(size, SHEET, (b"/*", b"*/")))
    return warc


def test_a_huge_dense_page_is_cut_to_the_limit_with_a_note(tmp_path: Path) -> None:
    size = 24 * 1024 * 1024
    warc = _warc(tmp_path, size)
    tracemalloc.start()
    try:
        summary = write_mirror(warc, None, replace(OPTIONS, max_page_bytes=LIMIT), tmp_path / "out")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < size // 2, peak  # the whole page was read (and rewritten) before: several times its size
    mirror = tmp_path / "out" / "mirror"
    page = site(mirror, "index.html")
    assert LIMIT < page.stat().st_size < 40 * LIMIT
    assert site(mirror, "big.css").stat().st_size < 4 * LIMIT
    cut = [problem for problem in summary.problems if "max_page_bytes" in problem]
    assert len(cut) == 2 and all(f"only the first {LIMIT} bytes" in problem for problem in cut)
    # One note per missing target and page, not one per occurrence (was ~1,000,000 log lines).
    assert sorted((link.page, link.url) for link in summary.missing) == [
        (BASE + "big.css", BASE + "gone.gif"), (BASE + "index.html", BASE + "gone.htm"),
        (BASE + "index.html", "http://www.colorado.edu/gone2.htm")]
    assert list(iter_broken_links(mirror)) == []


def test_a_dense_page_is_rewritten_in_the_memory_of_one_tag() -> None:
    """The rewriter held an edit and a note per link and the page whole till the end, 18 bytes per
    byte of such a page; now one tag's edits, one note per target and 64K of output (the bound
    leaves room for Python's own)."""
    page = "<BODY>" + DENSE.decode() * (2_000_000 // len(DENSE))
    tokens = Tokens(page)
    rewriter = PageRewriter(Resolver({}, Scope(BASE), index_files=("index.html",)))
    written: list[int] = []
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        issues = rewriter.rewrite_to(lambda piece: written.append(len(piece)), page, page_url=BASE + "index.html",
                                     page_path="www.colorado.edu/index.html", notice_html="[N]", tokens=tokens)
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert peak < 2 * len(page), peak / len(page)
    assert len(written) > 10 and max(written) < 256 * 1024  # given out in pieces as it was made
    assert [(issue.url, issue.count) for issue in issues] == [
        (BASE + "gone.htm", len(page) // len(DENSE)), ("http://www.colorado.edu/gone2.htm", len(page) // len(DENSE))]


def test_a_page_under_the_limit_is_whole(tmp_path: Path) -> None:
    warc = _warc(tmp_path, LIMIT // 2)
    summary = write_mirror(warc, None, replace(OPTIONS, max_page_bytes=LIMIT), tmp_path / "out")
    assert not [problem for problem in summary.problems if "max_page_bytes" in problem]
    text = site(tmp_path / "out" / "mirror", "index.html").read_text("utf-8")
    assert text.count(">x</A>") == (LIMIT // 2) // (len(DENSE) + 7 + NOISE) + 1  # every link of it


def test_max_page_bytes_is_configurable() -> None:
    config = parse_config(VALID + "\n[output]\nmax_page_bytes = 1048576\n", Path("site.toml"))
    assert config.normalize.max_page_bytes == config.mirror.max_page_bytes == 1048576
    default = parse_config(VALID, Path("site.toml"))
    assert default.mirror.max_page_bytes == default.normalize.max_page_bytes == 8 * 1024 * 1024


def test_a_big_binary_served_as_a_page_is_copied_whole(tmp_path: Path) -> None:
    gif = b"GIF89a" + os.urandom(3 * LIMIT)
    warc = tmp_path / "site.warc.gz"
    with warc.open("wb") as handle:
        resource(WARCWriter(handle, gzip=True), BASE + "index.html", "text/html", gif)
    summary = write_mirror(warc, None, replace(OPTIONS, max_page_bytes=LIMIT), tmp_path / "out")
    assert site(tmp_path / "out" / "mirror", "index.html").read_bytes() == gif
    assert not [problem for problem in summary.problems if "max_page_bytes" in problem]
