"""Property tests (hypothesis) of the two places hostile input meets the file system: the
URL -> mirror path mapping, and the link rewriter. On arbitrary input: no exception but the
documented ones, bounded time (the deadline), and nothing that escapes the mirror.
"""
from __future__ import annotations

import os
import posixpath
import re
from datetime import timedelta
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from archive.urls import Scope, lookup_key
from normalize.markup import StartTag, Tokens, iter_tokens
from site_out.check import _PageScan
from site_out.paths import UnmappableURL, mirror_path, safe_destination
from site_out.resolve import Resolver
from site_out.rewrite import PageRewriter

# Pieces an attacker (or a 1998 server) puts in URLs and file names.
HOSTILE = ["..", "../", "..%2f", "..%2F", "%2e%2e", "%2E%2E/", ".%2e/", "%252e%252e/", "..\\", "\\", "%5c",
           "%00", "\x00", "%0a", "CON", "con.htm", "aux", "NUL.txt", "com1", "LPT9.gif", "prn.", "a" * 300,
           "%e9" * 90, "\u00e9" * 100, "x" * 40, "/", "//", ";", "?", "#", "?q=../../x", "&", "=", "C:", "c:\\",
           "~", " ", "%20", ".", "index.htm", "Images/", "page.html", ":", "*", "|", '"', "<", ">", "\t"]
SEGMENTS = st.lists(st.one_of(st.sampled_from(HOSTILE), st.text(max_size=12)), max_size=12).map("".join)
RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$", re.IGNORECASE)
DEADLINE = timedelta(seconds=2)


@settings(max_examples=300, deadline=DEADLINE)
@given(SEGMENTS, st.booleans(), st.booleans())
def test_every_url_maps_to_a_safe_file_inside_the_mirror(tail: str, is_html: bool, case_insensitive: bool) -> None:
    url = "http://old.example/" + tail
    try:
        path = mirror_path(url, is_html=is_html, case_insensitive=case_insensitive)
    except UnmappableURL:
        return  # refused with a message; the mirror notes it and goes on
    root = Path("/nonexistent-mirror-root")
    target = safe_destination(root, path)  # raises UnsafePathError for anything escaping
    assert target.is_relative_to(root.resolve())
    for segment in path.split("/"):
        assert segment not in ("", ".", "..")
        assert not set(segment) & set('\x00\\<>:"|?*'), segment
        assert len(segment.encode("utf-8")) <= 255, segment
        assert not RESERVED.match(segment), segment
        assert segment == segment.rstrip(". "), segment  # Windows drops trailing dots and spaces


TAGS = ['<A HREF="{u}">x</A>', "<a href={u}>x</a>", '<IMG SRC="{u}" LOWSRC="{u}">', '<FRAME SRC="{u}">',
        '<LINK REL=STYLESHEET HREF="{u}">', '<BODY BACKGROUND="{u}">', '<AREA HREF="{u}">',
        '<BASE HREF="{u}">', "<STYLE>BODY {{ background: url({u}) }}</STYLE>", '<DIV STYLE="background:url({u})">',
        '<META HTTP-EQUIV="Refresh" CONTENT="0; URL={u}">', '<APPLET CODE="{u}" CODEBASE="{u}"></APPLET>',
        '<SCRIPT SRC="{u}"></SCRIPT>', '<FORM ACTION="{u}"><INPUT TYPE=image SRC="{u}"></FORM>',
        '<EMBED SRC="{u}">', '<IFRAME SRC="{u}"></IFRAME>', "<P>text &amp; &#150; ", "<TABLE><TR><TD>", "<!-- {u} -->"]
LINK_TARGETS = st.one_of(SEGMENTS, st.sampled_from([
    "../../../../etc/passwd", "%2e%2e/%2e%2e/%2e%2e/etc/passwd", "..%2f..%2f..%2fetc", "/../../x", "\\..\\..\\x",
    "file:///etc/passwd", "//evil.example/x", "http://old.example/../../../x", "HTTP://OLD.EXAMPLE:80/dir/a.htm",
    "javascript:alert(1)", "a.htm", "dir/", "/dir/a.htm", "&#46;&#46;/&#46;&#46;/x", "../" * 40, "C:/Windows/x"]))
ARCHIVED = {"http://old.example/index.html": "old.example/index.html",
            "http://old.example/dir/a.htm": "old.example/dir/a.htm",
            "http://old.example/dir/index.html": "old.example/dir/index.html",
            "http://old.example/%2e%2e": "old.example/%2e%2e.html"}
PAGE_URL, PAGE_PATH = "http://old.example/dir/page.htm", "old.example/dir/page.htm"


def _rewriter() -> PageRewriter:
    paths = {lookup_key(url, True): path for url, path in ARCHIVED.items()}
    return PageRewriter(Resolver(paths, Scope("http://old.example/", True), index_files=("index.html",)))


@settings(max_examples=200, deadline=DEADLINE, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(TAGS), LINK_TARGETS), max_size=12))
@example([('<BASE HREF="{u}">', "//evil.example/x"), ('<APPLET CODE="{u}" CODEBASE="{u}"></APPLET>', "../../../../etc/passwd")])
@example([('<BASE HREF="{u}">', "//evil.example/x"), ('<APPLET CODE="{u}" CODEBASE="{u}"></APPLET>', "/../../x")])
@example([('<BASE HREF="{u}">', "//evil.example/x"), ('<APPLET CODE="{u}" CODEBASE="{u}"></APPLET>', "\\..\\..\\x")])
@example([('<BASE HREF="{u}">', "//evil.example/x"), ('<FORM ACTION="{u}"><INPUT TYPE=image SRC="{u}"></FORM>', "..\\")])
@example([('<A HREF="{u}">x</A>', "//C:[")])  # urllib cannot split it ("Invalid IPv6 URL"): no crash
def test_rewritten_links_never_escape_the_mirror(parts: list[tuple[str, str]]) -> None:
    html = "".join(tag.format(u=target.replace('"', "&quot;")) for tag, target in parts)
    result = _rewriter().rewrite(html, page_url=PAGE_URL, page_path=PAGE_PATH, notice_html="<DIV>notice</DIV>")
    root = PurePosixPath("/mirror")
    page_dir = root / posixpath.dirname(PAGE_PATH)
    for href, _ in _PageScan(result.text):
        value = href.strip()
        parts_ = urlsplit(value)
        if parts_.scheme or parts_.netloc or not value or value.startswith("#"):
            # Links to other schemes and hosts are the page's own, kept as written: never made up.
            assert parts_.scheme.lower() != "file" or href in html, href
            continue
        path_part = unquote(value.split("#", 1)[0].split("?", 1)[0])
        if not path_part:
            continue
        assert not path_part.startswith("/"), href
        assert "\\" not in path_part and "\x00" not in path_part, href
        resolved = PurePosixPath(os.path.normpath(page_dir / path_part))
        assert resolved.is_relative_to(root), href
    for token in iter_tokens(result.text):  # and no <BASE> sends the browser elsewhere
        if isinstance(token, StartTag) and token.name == "base":
            assert not (token.value("href") or "").strip(), token


@settings(max_examples=100, deadline=DEADLINE)
@given(st.text(max_size=3000))
def test_the_rewriter_takes_any_text(text: str) -> None:
    result = _rewriter().rewrite(text, page_url=PAGE_URL, page_path=PAGE_PATH, notice_html="[N]")
    assert "[N]" in result.text


@settings(max_examples=100, deadline=DEADLINE, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(TAGS), LINK_TARGETS), max_size=8))
def test_the_rewrite_from_normalizes_tokens_is_the_rewrite_from_the_text(parts: list[tuple[str, str]]) -> None:
    """`sunset run` hands the mirror the tokens normalize made of the same text: the page is the same."""
    html = "<HTML><BODY>" + "".join(tag.format(u=target.replace('"', "&quot;")) for tag, target in parts)
    rewriter = _rewriter()
    scanned = rewriter.rewrite(html, page_url=PAGE_URL, page_path=PAGE_PATH, notice_html="<DIV>notice</DIV>")
    for kept in (len(html), 0):  # the tokens kept as objects, and as offsets (a long page's)
        given_tokens = _rewriter().rewrite(html, page_url=PAGE_URL, page_path=PAGE_PATH,
                                           notice_html="<DIV>notice</DIV>", tokens=Tokens(html, kept))
        assert given_tokens == scanned
