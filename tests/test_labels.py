"""archive/labels.py: the charset sunset adds to a docroot file's type, and its removal on reading."""
from __future__ import annotations

import pytest

from archive.labels import LABEL_SAMPLE_BYTES, charset_label, is_text, unlabelled_type
from normalize.options import NormalizeOptions

CP1252 = "\u201cquoted\u201d \u2013 caf\u00e9".encode("cp1252")


@pytest.mark.parametrize(("content_type", "head", "expected"), [
    ("text/html", b"<P>", True),
    ("text/plain", b"words", True),
    ("text/css", b"A {}", True),
    ("application/octet-stream", b"<HTML>", True),  # sniffed as a page
    ("application/octet-stream", b"\x00\x01", False),
    ("image/gif", b"GIF89a", False),
])
def test_is_text(content_type: str, head: bytes, expected: bool) -> None:
    assert is_text(content_type, head) is expected


@pytest.mark.parametrize(("content_type", "sample", "label", "source"), [
    ("text/html", b"<P>plain ASCII", "text/html; charset=windows-1252", "default"),
    ("text/html", b"<P>" + CP1252, "text/html; charset=windows-1252", "default"),
    ("text/html", "<P>caf\u00e9".encode(), "text/html; charset=utf-8", "sniffed"),
    ("text/html", b'<META CHARSET="koi8-r"><P>\xc4\xcf\xcd', "text/html; charset=koi8-r", "meta"),
    ("text/plain", b"\xef\xbb\xbfnotes", "text/plain; charset=utf-8", "bom"),
    ("text/html; charset=iso-8859-1", b"<P>", "text/html; charset=iso-8859-1", None),  # already says
    ("image/gif", b"GIF89a", "image/gif", None),  # not text: nothing to say
])
def test_charset_label(content_type: str, sample: bytes, label: str, source: str | None) -> None:
    assert charset_label(content_type, sample) == (label, source)


@pytest.mark.parametrize(("content_type", "source", "expected"), [
    ("text/html; charset=windows-1252", "default", "text/html"),  # sunset's own label comes off
    ("text/html; charset=windows-1252", None, "text/html; charset=windows-1252"),  # a server's stays
    ("text/html;charset=utf-8", "meta", "text/html;charset=utf-8"),  # not sunset's spelling: stays
    ("image/gif", "default", "image/gif"),
    (None, "default", None),
])
def test_unlabelled_type(content_type: str | None, source: str | None, expected: str | None) -> None:
    assert unlabelled_type(content_type, source) == expected


def test_label_and_unlabel_round_trip() -> None:
    for content_type, sample in (("text/html", b"<P>" + CP1252), ("text/plain", b"x"), ("image/gif", b"GIF89a")):
        label, source = charset_label(content_type, sample)
        assert unlabelled_type(label, source) == content_type


def test_the_label_reads_as_far_as_normalize() -> None:
    assert LABEL_SAMPLE_BYTES == NormalizeOptions("http://h/").max_page_bytes
