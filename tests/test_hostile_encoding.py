"""Pages are decoded as browsers decode them, so bytes that are inert text to a browser never
become live script in the mirror (and the other way round): the whole WHATWG label table with
the replacement decoder, the WHATWG meta prescan, and the WHATWG ISO-2022-JP decoder."""
from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.encoding import _LABELS, declared_in_page, decode_page, resolve_label
from archive.iso2022jp import decode_iso2022jp
from archive.prescan import _TAG_REST, _Bytes, _End, _tag_end_stepwise, prescan
from site_out.mirror import write_mirror
from site_out.paths import mirror_path
from tests.test_site_out_mirror import BASE, OPTIONS

SCRIPT = b"<script>window.__ran = true</script>"


def test_the_label_table_is_the_whole_whatwg_table() -> None:
    webencodings = pytest.importorskip("webencodings.labels")
    assert _LABELS == webencodings.LABELS


@pytest.mark.parametrize("label", ["hz-gb-2312", "iso-2022-kr", "csiso2022kr", "iso-2022-cn", "iso-2022-cn-ext",
                                   "replacement", " HZ-GB-2312 "])
def test_the_replacement_decoder_shows_one_replacement_character(label: str) -> None:
    by_http = decode_page(b"<p>hi</p>" + SCRIPT, f"text/html; charset={label.strip()}")
    by_meta = decode_page(f"<meta charset={label.strip()}>".encode() + SCRIPT)
    assert (by_http.text, by_http.charset) == ("\ufffd", "replacement")
    assert (by_meta.text, by_meta.charset, by_meta.source) == ("\ufffd", "replacement", "meta")
    assert decode_page(b"", f"text/html; charset={label.strip()}").text == ""


@pytest.mark.parametrize(("head", "encoding"), [
    (b'<meta name="description" content="about charset=iso-2022-jp">', None),
    (b'<meta name=keywords content="text/html; charset=koi8-r">', None),  # content without http-equiv
    (b'<meta http-equiv=Content-Type content="text/html; charset=koi8-r">', "koi8-r"),
    (b'<meta content="text/html;charset=\'big5\'" http-equiv="CONTENT-TYPE">', "big5"),
    (b"<META CHARSET=SHIFT_JIS>", "shift_jis"),
    (b"<meta/charset=euc-jp>", "euc-jp"),
    (b"<metacharset=koi8-r>", None),
    (b"<!-- <meta charset=koi8-r> --><meta charset=big5>", "big5"),
    (b"<!--><meta charset=koi8-r>", "koi8-r"),
    (b'<p title="<meta charset=koi8-r>"><meta charset=gbk>', "gbk"),
    (b"<meta charset=no-such-thing><meta charset=euc-kr>", "euc-kr"),
    (b'<meta charset="utf-16le">', "utf-8"),
    (b"<meta charset=x-user-defined>", "windows-1252"),
    (b"<meta charset=koi8-r charset=big5>", "koi8-r"),
    (b" " * 1020 + b"<meta charset=koi8-r>", None),  # past the first 1024 bytes
])
def test_the_meta_prescan_is_the_whatwg_one(head: bytes, encoding: str | None) -> None:
    assert prescan(head, resolve_label).encoding == encoding
    assert declared_in_page(head) == encoding


_TAG_BYTES = st.lists(st.sampled_from([b"a", b"B", b"=", b" ", b"\t", b"\x0b", b"/", b">", b'"', b"'", b"<", b"x=y",
                                       b"meta", b"\xe9"]), max_size=24).map(b"".join)


@given(_TAG_BYTES)
@example(b'a="x>"b c= >')
@example(b"a = >")
@example(b'a="never closed')
def test_the_prescans_quick_tag_reading_agrees_with_the_spec_steps(rest: bytes) -> None:
    """Where the one-pattern reading of a tag matches, it ends the tag where the spec's
    byte-by-byte steps do (elsewhere those steps decide)."""
    quick = _TAG_REST.match(rest)
    try:
        stepwise: int | None = _tag_end_stepwise(_Bytes(rest), 0)
    except _End:
        stepwise = None
    if quick is not None:
        assert quick.end() - 1 == stepwise


@pytest.mark.parametrize(("data", "text"), [
    (b"\x1b$B$3$s$K$A$O\x1b(B!", "\u3053\u3093\u306b\u3061\u306f!"),
    (b"a\x1b(I12\x1b(Bc", "a\uff71\uff72c"),  # half-width katakana: unknown to Python's codec
    (b"\x1b(I<script>", "\uff7c" + "\ufffd" * 6 + "\uff7e"),
    (b"\x1b(J\\~", "\u00a5\u203e"),
    (b"\x1b$<p>", "\ufffd$<p>"),
    (b"\x1b$B\x1b(B", "\ufffd"),  # two escapes with nothing between
    (b"\x1b$B$3\n$s", "\u3053\ufffd\u3093"),
    (b"\x1b$B$", "\ufffd"),
    (b"\x1b$B$\x1b(Ba", "\ufffda"),
    (b"\x0e\x0f\x80", "\ufffd\ufffd\ufffd"),
    (b"\x1b", "\ufffd"),
    (b"\x1b(", "\ufffd("),
    (b"\x1b$B$3\x1b(Ba", "\u3053a"),
    (b"\x1b$@$3\x1b(B", "\u3053"),
])
def test_iso_2022_jp_is_decoded_as_the_whatwg_decoder_does(data: bytes, text: str) -> None:
    assert decode_iso2022jp(data) == text
    assert decode_page(data, "text/html; charset=iso-2022-jp").text == text


# (body, Content-Type): each ran script in the mirror and not in Chromium, or the other way round.
PAGES = {
    "hz.htm": (b"<meta charset=hz-gb-2312><p>x</p>" + SCRIPT, "text/html"),
    "kr.htm": (b"<p>x</p>" + SCRIPT, "text/html; charset=iso-2022-kr"),
    "repl.htm": (b'<meta http-equiv="Content-Type" content="text/html; charset=replacement">' + SCRIPT, "text/html"),
    "cn.htm": (b"<META CHARSET=ISO-2022-CN>" + SCRIPT, "text/html"),
    "desc.htm": (b'<meta name=description content="charset=iso-2022-jp">\x1b$B<p>' + SCRIPT, "text/html"),
    "kana.htm": (b"<p>\x1b(I" + SCRIPT, "text/html; charset=iso-2022-jp"),
    "esc.htm": (b"<p>\x1b$" + SCRIPT, "text/html; charset=iso-2022-jp"),
    "plain.htm": (b"<p>plain</p>" + SCRIPT, "text/html"),
}


class _Original(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        body, content_type = PAGES[self.path.lstrip("/")]
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def original_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Original)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_no_mirror_page_runs_script_its_original_did_not(tmp_path: Path, original_url: str) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    from tests.test_site_out_browser import CHROMIUM, CHROMIUM_ARGS

    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed")
    warc = tmp_path / "site.warc.gz"
    with warc.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for name, (body, content_type) in PAGES.items():
            headers = StatusAndHeaders("200 OK", [("Content-Type", content_type)], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(BASE + name, "response", payload=io.BytesIO(body),
                                                          http_headers=headers))
    write_mirror(warc, None, OPTIONS, tmp_path / "out")
    mirror = tmp_path / "out" / "mirror"
    ran: dict[str, tuple[bool, bool]] = {}
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page()
            for name in PAGES:
                page.goto(original_url + name)
                before = page.evaluate("window.__ran === true")
                page.goto((mirror / mirror_path(BASE + name, is_html=True)).as_uri())
                after = page.evaluate("window.__ran === true")
                ran[name] = (before, after)
        finally:
            browser.close()
    assert ran["plain.htm"] == (True, True)  # the check itself works
    assert {name: pair for name, pair in ran.items() if pair[0] != pair[1]} == {}
