"""URL -> mirror path mapping: portable names, and no URL can escape the mirror."""
from __future__ import annotations

import posixpath
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from site_out.paths import (
    MAX_SEGMENT_BYTES,
    UnmappableURL,
    UnsafePathError,
    encode_path,
    href_between,
    mirror_path,
    safe_destination,
)

CASES = [
    # url, is_html, case_insensitive, expected
    ("http://www.colorado.edu/conflict/peace/", True, False, "www.colorado.edu/conflict/peace/index.html"),
    ("HTTP://WWW.Colorado.EDU:80/conflict/peace/track2.htm", True, False, "www.colorado.edu/conflict/peace/track2.htm"),
    ("http://host:8080/a.htm", True, False, "host_8080/a.htm"),
    ("http://h/a%20b/c.gif", False, False, "h/a b/c.gif"),
    ("http://h/!home.htm", True, False, "h/!home.htm"),
    ("http://h/100%25.htm", True, False, "h/100%25.htm"),
    ("http://h/a%2Fb.htm", True, False, "h/a%2Fb.htm"),
    ("http://h/a%5Cb.htm", True, False, "h/a%5Cb.htm"),
    ("http://h/a:b*c%3F.htm", True, False, "h/a%3Ab%2Ac%3F.htm"),
    ("http://h/%3Ca%3E%7Cb%22.gif", False, False, "h/%3Ca%3E%7Cb%22.gif"),
    ("http://h/CON", False, False, "h/CON_"),
    ("http://h/aux.htm", True, False, "h/aux_.htm"),
    ("http://h/com1.txt", False, False, "h/com1_.txt"),
    ("http://h/Lpt9/x.gif", False, False, "h/Lpt9_/x.gif"),
    ("http://h/console.htm", True, False, "h/console.htm"),
    ("http://h/notes...", False, False, "h/notes%2E%2E%2E"),
    ("http://h/notes%20", False, False, "h/notes%20"),
    ("http://h/cgi-bin/print.pl?page=treatment%2Ftrack2.htm&fmt=text", True, False,
     "h/cgi-bin/print.pl@page=treatment%2Ftrack2.htm&fmt=text.html"),
    ("http://h/pic.gif?v=2", False, False, "h/pic.gif@v=2"),
    ("http://h/search?q=a*b", True, False, "h/search@q=a%2Ab.html"),
    ("http://h/page.asp", True, False, "h/page.asp.html"),
    ("http://h/page.SHTML", True, False, "h/page.SHTML"),
    ("http://h/readme", False, False, "h/readme"),
    ("http://h/Images/Logo.GIF", False, True, "h/images/logo.gif"),
    ("http://h/Images/Logo.GIF", False, False, "h/Images/Logo.GIF"),
    ("http://h/caf%C3%A9.htm", True, False, "h/café.htm"),
    ("http://h/caf%E9.htm", True, False, "h/caf%E9.htm"),
    ("http://h/a//b.htm", True, False, "h/a/b.htm"),
]


@pytest.mark.parametrize(("url", "is_html", "folded", "expected"), CASES)
def test_mirror_path(url: str, is_html: bool, folded: bool, expected: str) -> None:
    assert mirror_path(url, is_html=is_html, case_insensitive=folded) == expected


HOSTILE = [
    "http://h/a/..%2f..%2f..%2fetc/passwd",
    "http://h/a/..%2F..%2F..%2Fetc/passwd",
    "http://h/%2e%2e/%2e%2e/etc/passwd",
    "http://h/.%2e/x",
    "http://h/a/%2e%2e%5c%2e%2e%5cwin.ini",
    "http://h/a\\..\\..\\b",
    "http://h/a%00b.htm",
    "http://h/%00",
    "http://h/..",
    "http://h/...",
    "http://h/%2e",
    "http://h/a/%2e%2e",
    "http://h/a?..%2f..%2f..%2fx",
    "http://h/a?/../../x",
    "http://h/" + "a" * 10_000,
    "http://h/" + "%2e%2e%2f" * 3000,
    "http://h/" + "\u00e9" * 5000 + ".htm",
    "http://h/x?" + "q" * 10_000,
    "http://h//etc/passwd",
    "http://h/C:%5Cwindows",
    "http://h/%0d%0a%09.htm",
    "http://h/nul.tar.gz",
]


@pytest.mark.parametrize("url", HOSTILE)
@pytest.mark.parametrize("is_html", [True, False])
def test_hostile_urls_stay_inside_the_mirror(url: str, is_html: bool, tmp_path: Path) -> None:
    root = tmp_path / "mirror"
    root.mkdir()
    for folded in (False, True):
        relative = mirror_path(url, is_html=is_html, case_insensitive=folded)
        segments = relative.split("/")
        assert segments[0] == "h"
        for segment in segments:
            assert segment not in ("", ".", "..")
            assert len(segment.encode("utf-8")) <= MAX_SEGMENT_BYTES
            assert not any(char in segment for char in '<>:"\\|?*\x00')
            assert not segment.endswith((".", " "))
            assert all(ord(char) >= 0x20 for char in segment)
        target = safe_destination(root, relative)
        assert target.is_relative_to(root.resolve())
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(b"x")  # the name really is writable here


def test_long_names_keep_extension_and_differ() -> None:
    first = mirror_path("http://h/" + "a" * 300 + "1.htm", is_html=True)
    second = mirror_path("http://h/" + "a" * 300 + "2.htm", is_html=True)
    assert first != second
    assert first.endswith(".htm") and second.endswith(".htm")


def test_long_query_is_hashed() -> None:
    path = mirror_path("http://h/print.pl?" + "x=1&" * 100, is_html=True)
    name = path.rsplit("/", 1)[1]
    assert name.startswith("print.pl@x=1&") and name.endswith(".html")
    assert len(name.encode()) <= MAX_SEGMENT_BYTES


def test_case_folding_merges_folders() -> None:
    one = mirror_path("http://h/Images/a.gif", case_insensitive=True)
    two = mirror_path("http://h/images/b.gif", case_insensitive=True)
    assert one.rsplit("/", 1)[0] == two.rsplit("/", 1)[0]


@pytest.mark.parametrize("url", ["mailto:a@b", "ftp://h/x", "javascript:void(0)", "http:///nohost"])
def test_non_http_urls_are_refused(url: str) -> None:
    with pytest.raises(UnmappableURL):
        mirror_path(url)


@pytest.mark.parametrize(
    ("source", "target", "href"),
    [
        ("h/a/b.htm", "h/a/c.htm", "c.htm"),
        ("h/a/b.htm", "h/index.html", "../index.html"),
        ("h/b.htm", "h/a b/c#1.htm", "a%20b/c%231.htm"),
        ("h/b.htm", "h/100%25.htm", "100%2525.htm"),
        ("h/b.htm", "h/q.pl@a=1&b=%2F.html", "q.pl@a=1&b=%252F.html"),
        ("h/b.htm", 'h/x"(y)\'.gif', "x%22%28y%29%27.gif"),
        ("h/b.htm", "h/café.htm", "caf%C3%A9.htm"),
        ("index.html", "h/a/index.html", "h/a/index.html"),
        ("h/a/b/c.htm", "_sunset/missing.html", "../../../_sunset/missing.html"),
        ("h/b.htm", "h/b.htm", "b.htm"),
    ],
)
def test_href_between(source: str, target: str, href: str) -> None:
    assert href_between(source, target) == href


_MIRROR_PATHS = st.lists(st.sampled_from(["h", "a", "A", "b", "a b", "..", ".", "", "x.htm", "é"]),
                         min_size=1, max_size=5).map("/".join)


@given(_MIRROR_PATHS, _MIRROR_PATHS)
def test_href_between_is_posixpaths_relative_path_encoded(source: str, target: str) -> None:
    """The quick relative path (no abspath per link) says what posixpath.relpath says."""
    expected = encode_path(posixpath.relpath(target or ".", posixpath.dirname(source) or "."))
    assert href_between(source, target or ".") == expected


@pytest.mark.parametrize(
    "relative",
    ["../x", "a/../../x", "/etc/passwd", "a/./b", "", "a//b", "a\\..\\..\\x", "C:/x", "a\x00b", "..", "."],
)
def test_safe_destination_refuses_escapes(relative: str, tmp_path: Path) -> None:
    with pytest.raises(UnsafePathError):
        safe_destination(tmp_path, relative)


def test_safe_destination_refuses_symlink_out(tmp_path: Path) -> None:
    root = tmp_path / "mirror"
    root.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / "h").symlink_to(outside, target_is_directory=True)
    with pytest.raises(UnsafePathError):
        safe_destination(root, "h/x.htm")


def test_safe_destination_accepts_mirror_paths(tmp_path: Path) -> None:
    assert safe_destination(tmp_path, "h/a b/%2E%2E.htm") == (tmp_path / "h" / "a b" / "%2E%2E.htm").resolve()
