"""The original response rebuilt from an archive's raw answer, and payloads checked for the
archive's marks (crawl/wayback/rebuild.py): answers in, heads and payloads out."""
from __future__ import annotations

import io
from datetime import datetime, timezone

import pytest

from archive.capture import SpooledBody
from crawl.wayback.endpoints import Archive
from crawl.wayback.fetch import Answer
from crawl.wayback.rebuild import Contaminated, NotAMemento, check_payload, memento_original, rebuild_response

IA = Archive.at("https://web.archive.org/web/")
PYWB = Archive.at("http://127.0.0.1:8080/coll/")
MEMENTO = ("Memento-Datetime", "Mon, 16 Nov 1998 09:30:00 GMT")


def answer(status: int, headers: list[tuple[str, str]], body: bytes = b"<HTML></HTML>", reason: str = "",
           address: str = "https://web.archive.org/web/19981116093000id_/http://www.x.edu/a/") -> Answer:
    return Answer(address, status, reason, tuple(headers), SpooledBody(io.BytesIO(body)), None)


@pytest.mark.parametrize(("archive", "given", "head", "notes"), [
    # The Internet Archive: originals prefixed (names lower-cased), Content-Type passed through, its own dropped.
    (IA, [("Server", "nginx"), ("Date", "Sun, 06 Dec 2026 10:00:00 GMT"), ("Content-Type", "text/html"),
          ("Transfer-Encoding", "chunked"), ("Connection", "keep-alive"),
          ("x-archive-orig-server", "Microsoft-IIS/4.0"), ("x-archive-orig-date", "Mon, 16 Nov 1998 09:30:00 GMT"),
          ("x-archive-orig-content-length", "13"), ("x-archive-guessed-content-type", "text/html"),
          MEMENTO, ("Link", '<http://www.x.edu/a/>; rel="original", <https://web.archive.org/web/timemap/link/'
                            'http://www.x.edu/a/>; rel="timemap"; type="application/link-format"'),
          ("content-security-policy", "default-src 'self'"), ("x-archive-src", "x.arc.gz"), ("x-ts", "200")],
     [("Content-Type", "text/html"), ("server", "Microsoft-IIS/4.0"), ("date", "Mon, 16 Nov 1998 09:30:00 GMT"),
      ("content-length", "13")], []),
    # pywb: the same scheme; Content-Length passed through, and a chunked original noted.
    (PYWB, [("X-Archive-Orig-Server", "Apache/1.3"), ("Content-Type", "text/html"), ("Content-Length", "13"),
            ("X-Archive-Orig-Transfer-Encoding", "chunked"), MEMENTO,
            ("Link", '<http://www.x.edu/a/>; rel="original"'),
            ("Content-Location", "http://127.0.0.1:8080/coll/19981116093000id_/http://www.x.edu/a/"),
            ("Date", "Sun, 06 Dec 2026 10:00:00 GMT")],
     [("Server", "Apache/1.3"), ("Content-Type", "text/html"), ("Content-Length", "13")],
     ["Transfer-Encoding: chunked dropped (the archive sends the payload de-chunked)"]),
    # A redirect: the Internet Archive's Location points at its own copy of the target.
    (IA, [("Content-Type", "text/html"), MEMENTO,
          ("Location", "https://web.archive.org/web/19981116093000id_/http://www.x.edu/a/new.htm")],
     [("Content-Type", "text/html"), ("Location", "http://www.x.edu/a/new.htm")],
     ["Location unwrapped from the archive's URL"]),
    (IA, [MEMENTO, ("Location", "/web/19981116093000id_/http://www.x.edu/b/")], [("Location", "http://www.x.edu/b/")],
     ["Location unwrapped from the archive's URL"]),
    # A Content-Length the payload does not have is not kept.
    (PYWB, [MEMENTO, ("Content-Length", "99")], [], ["Content-Length: 99 dropped (the payload has 13 bytes)"]),
], ids=["internet-archive", "pywb", "redirect", "redirect-path", "wrong-length"])
def test_the_original_head_is_rebuilt(archive: Archive, given: list[tuple[str, str]], head: list[tuple[str, str]],
                                      notes: list[str]) -> None:
    status = 302 if any(name == "Location" for name, _ in given) else 200
    rebuilt = rebuild_response(answer(status, given), archive)
    assert list(rebuilt.headers) == head and list(rebuilt.notes) == notes
    assert rebuilt.date == datetime(1998, 11, 16, 9, 30, tzinfo=timezone.utc)
    assert rebuilt.reason == ("Found" if status == 302 else "OK")
    assert rebuilt.location == (dict(head).get("Location"))


def test_an_answer_without_memento_datetime_is_no_capture() -> None:
    with pytest.raises(NotAMemento, match="answered 404 Not Found without Memento-Datetime"):
        rebuild_response(answer(404, [("Content-Type", "text/html")], reason="Not Found"), IA)


def test_the_original_url_the_archive_names() -> None:
    given = answer(200, [("Link", '<http://www.x.edu/a/dir/>; rel="original", <http://h/coll/x>; rel="timegate"')])
    assert memento_original(given) == "http://www.x.edu/a/dir/"


PAGE = b"<HTML><HEAD><TITLE>1998</TITLE></HEAD>\r\n<BODY>Hello <A HREF=\"b.htm\">b</A></BODY></HTML>\r\n"
TOOLBAR = (b"<!-- BEGIN WAYBACK TOOLBAR INSERT -->\n<div id=\"wm-ipp\">the toolbar</div>\n"
           b"<!-- END WAYBACK TOOLBAR INSERT -->\n")
HEAD_INSERTS = (b'<script src="//archive.org/includes/athena.js" type="text/javascript"></script>\n'
                b'<script type="text/javascript" src="/_static/js/bundle-playback.js?v=1" charset="utf-8"></script>\n'
                b'<link rel="stylesheet" type="text/css" href="/_static/css/banner-styles.css?v=1" />\n'
                b"<!-- End Wayback Rewrite JS Include -->\n")
CLOSING = (b"\n<!--\n     FILE ARCHIVED ON 09:30:00 Nov 16, 1998 AND RETRIEVED FROM THE\n     INTERNET ARCHIVE ON "
           b"10:00:00 Dec 06, 2026.\n-->\n<!--\n    playback timings (ms):\n      total: 1.0\n-->\n")


@pytest.mark.parametrize(("body", "expected", "cut"), [
    (PAGE, PAGE, 0),
    (PAGE.replace(b"<BODY>", b"<BODY>" + TOOLBAR), PAGE, 1),
    (PAGE.replace(b"<HEAD>", b"<HEAD>" + HEAD_INSERTS), PAGE, 4),
    (PAGE.rstrip(b"\r\n") + CLOSING, PAGE.rstrip(b"\r\n"), 1),
    (PAGE.replace(b"</BODY>", b"<!-- WB Insert --><script src='/static/wombat.js'></script><!-- End WB Insert -->"
                              b"</BODY>"), PAGE, 1),
], ids=["clean", "toolbar", "head-inserts", "closing-comment", "pywb-banner"])
def test_what_the_archive_inserted_is_cut_out(body: bytes, expected: bytes, cut: int) -> None:
    repaired, kinds = check_payload(body, IA, "www.x.edu")
    assert repaired == expected and len(kinds) == cut


@pytest.mark.parametrize("body", [
    PAGE.replace(b'"b.htm"', b'"https://web.archive.org/web/19981116093000/http://www.x.edu/a/b.htm"'),
    PAGE.replace(b'"b.htm"', b'"/web/19981116093000im_/http://www.x.edu/a/b.gif"'),
    PAGE.replace(b"<BODY>", b"<BODY><script>__wm.bt(600,27,25,2,'web.archive.org',\"<div>\")</script>"),
], ids=["rewritten-link", "rewritten-image", "stray-script"])
def test_a_replayed_copy_is_refused(body: bytes) -> None:
    with pytest.raises(Contaminated):
        check_payload(body, IA, "www.x.edu")


def test_a_link_to_the_archive_about_another_site_is_the_pages_own() -> None:
    body = PAGE.replace(b'"b.htm"', b'"https://web.archive.org/web/19981116093000/http://elsewhere.org/"')
    assert check_payload(body, IA, "www.x.edu") == (body, [])
