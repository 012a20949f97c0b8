"""The whole mirror from a small WARC: files, links that resolve, one notice per page."""
from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from urllib.parse import unquote

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from normalize.css import iter_css_urls
from normalize.linktable import iter_tag_urls
from normalize.markup import StartTag, iter_tokens
from site_out.check import iter_broken_links, iter_page_problems
from site_out.mirror import write_mirror
from site_out.notice import NOTICE_MARKER
from site_out.options import MirrorOptions, NoticeOptions

GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
BASE = "http://www.colorado.edu/conflict/peace/"

FRAMESET = b"""<HTML><HEAD><TITLE>OTPIC</TITLE></HEAD>
<FRAMESET COLS="180,*"><FRAME SRC="!menu.htm" NAME=menu><FRAME SRC="!home.htm" NAME=main>
<NOFRAMES><BODY>Start at the <A HREF="!home.htm">Welcome Page</A>.</BODY></NOFRAMES></FRAMESET></HTML>
"""
MENU = b"""<HTML><HEAD><TITLE>Menu</TITLE><LINK REL=STYLESHEET HREF="otpic.css"></HEAD>
<BODY BACKGROUND="images/paper.gif">
<A HREF="!home.htm" TARGET=main>Home</A><BR>
<A HREF="treatment/track2.htm" TARGET=main>Track two</A><BR>
<A HREF="casestud.htm" TARGET=main>Case studies</A><BR>
<A HREF="/cgi-bin/print.pl?page=treatment%2Ftrack2.htm&fmt=text">Print</A>
</BODY></HTML>
"""
HOME = b"""<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">
<HTML><HEAD><META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=windows-1252">
<TITLE>Welcome \x96 OTPIC</TITLE></HEAD>
<BODY BGCOLOR=#FFFFFF>
<TABLE BACKGROUND="images/paper.gif"><TR><TD><IMG SRC="usiplogo.gif" LOWSRC="images/paper.gif" USEMAP="#nav"></TD></TR></TABLE>
<P>Conflict \x96 and peace. <A HREF="Glossary.htm#track2">Glossary</A> <A HREF="example/">Examples</A>
<MAP NAME="nav"><AREA SHAPE=RECT COORDS="0,0,10,10" HREF="index.html" TARGET=_top></MAP>
<A HREF="http://www.gmu.edu/academic/ijps/">Outside</A> <A HREF="mailto:crc@colorado.edu">Mail</A>
<A HREF="a%20b.htm">Spaces</A> <A HREF="../peace/%2e%2e%2f%2e%2e%2fsecret.htm">sneaky</A>
<FORM METHOD=POST ACTION="/cgi-bin/register.pl"><INPUT NAME=x><INPUT TYPE=SUBMIT></FORM>
<META HTTP-EQUIV=REFRESH CONTENT="300; URL=treatment/track2.htm">
</BODY></HTML>
"""
TRACK2 = b"""<HTML><HEAD><TITLE>Track two</TITLE>
<STYLE>BODY { background: url(../images/paper.gif) }</STYLE></HEAD>
<BODY><P STYLE="background: url('../usiplogo.gif')">People\x96usually citizens\x96talk.
<A HREF="../GLOSSARY.HTM#track2">Glossary</A> <A HREF="../index.html" TARGET="_top">Opening</A>
<A HREF="../example">Examples without slash</A>
"""
GLOSSARY = b"<HTML><BODY><A NAME=track2>Track two</A>: unofficial diplomacy.</BODY></HTML>"
EXAMPLES = b"<html><head><title>Examples</title></head><p>No body tag here. <a href='../!home.htm'>Home</a>"
PRINT = b"<pre>Print version</pre>"
SPACES = b"<html><body>Spaces in the name</body></html>"
SNEAKY = b"<html><body>this must stay inside the mirror</body></html>"
CSS = b"BODY { background: url(images/paper.gif) }\nH1 { font-family: \"Times New Roman\" } /* \x96 */\n"


def resource(writer: WARCWriter, url: str, content_type: str, body: bytes) -> None:
    record = writer.create_warc_record(url, "resource", payload=io.BytesIO(body), warc_content_type=content_type)
    writer.write_record(record)


def response(writer: WARCWriter, url: str, status: str, headers: list[tuple[str, str]], body: bytes) -> None:
    http_headers = StatusAndHeaders(status, headers, protocol="HTTP/1.0")
    record = writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http_headers)
    writer.write_record(record)


def build_warc(path: Path) -> None:
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        resource(writer, BASE + "index.html", "text/html", FRAMESET)
        resource(writer, BASE + "!menu.htm", "text/html", MENU)
        resource(writer, BASE + "!home.htm", "text/html", HOME)
        resource(writer, BASE + "treatment/track2.htm", "text/html", TRACK2)
        resource(writer, BASE + "glossary.htm", "text/html", GLOSSARY)
        resource(writer, BASE + "example/", "text/html", EXAMPLES)
        resource(writer, BASE + "a%20b.htm", "text/plain", SPACES)
        resource(writer, BASE + "otpic.css", "text/css", CSS)
        resource(writer, BASE + "usiplogo.gif", "image/gif", GIF)
        resource(writer, BASE + "images/paper.gif", "text/html", GIF)  # a server that lied
        resource(writer, "http://www.colorado.edu/cgi-bin/print.pl?page=treatment%2Ftrack2.htm&fmt=text",
                 "text/html", PRINT)
        resource(writer, BASE + "..%2f..%2fsecret.htm", "text/html", SNEAKY)
        resource(writer, BASE + "usiplogo.gif", "image/gif", b"GIF89a second capture, ignored")
        response(writer, BASE + "old.htm", "404 Not Found", [("Content-Type", "text/html")], b"<h1>404</h1>")
        response(writer, BASE + "moved.htm", "301 Moved", [("Location", BASE + "glossary.htm")], b"")
        response(writer, BASE + "Temp.htm", "302 Found", [("Location", "treatment/track2.htm")], b"")
        response(writer, BASE + "chain", "301 Moved", [("Location", BASE + "moved.htm")], b"")
        response(writer, BASE + "away.htm", "301 Moved", [("Location", BASE + "nowhere.htm")], b"")
        response(writer, BASE + "out.htm", "302 Found", [("Location", "http://www.gmu.edu/")], b"")


OPTIONS = MirrorOptions(
    base_url=BASE,
    notice=NoticeOptions(
        title="OTPIC has been retired",
        date=date(2005, 12, 2),
        text="The program is no longer maintained. <script>alert(1)</script>",
        successor_name="Beyond Intractability",
        successor_url="https://www.beyondintractability.org/",
    ),
    site_name="otpic",
    case_insensitive=True,
)


@pytest.fixture()
def mirror(tmp_path: Path):
    warc = tmp_path / "site.warc.gz"
    build_warc(warc)
    out = tmp_path / "out"
    seen: list[str] = []
    summary = write_mirror(warc, None, OPTIONS, out, progress=seen.append)
    return tmp_path, out / "mirror", summary, seen


def site(root: Path, relative: str) -> Path:
    return root / "www.colorado.edu" / "conflict" / "peace" / relative


def iter_local_refs(text: str):
    """Every local reference of a page, found with the normalizer's scanner and tables."""
    for token in iter_tokens(text):
        if isinstance(token, StartTag):
            if token.name == "base":
                continue
            for tag_url in iter_tag_urls(token):
                yield tag_url.url
            style = token.value("style")
            if style:
                yield from (url for _, _, url in iter_css_urls(style))
    for _, _, url in iter_css_urls(text):
        yield url


def test_every_local_reference_resolves(mirror) -> None:
    _, root, _, _ = mirror
    pages = [path for path in root.rglob("*") if path.suffix.lower() in (".htm", ".html")]
    assert len(pages) >= 10
    checked = 0
    for page in pages:
        for ref in iter_local_refs(page.read_text("utf-8")):
            if ref.startswith("#") or ":" in ref.split("/")[0] or ref.startswith("//"):
                continue
            local = unquote(ref.split("#")[0].split("?")[0])
            if not local:
                continue
            target = (page.parent / local).resolve()
            assert target.is_relative_to(root.resolve()), (page, ref)
            assert target.is_file(), (page, ref)
            checked += 1
    assert checked >= 20
    assert list(iter_broken_links(root)) == []


def test_every_page_has_one_notice_and_utf8(mirror) -> None:
    _, root, _, _ = mirror
    for page in root.rglob("*.htm*"):
        text = page.read_bytes().decode("utf-8")  # strict: every page is UTF-8 now
        assert text.count(NOTICE_MARKER) == 1, page
        assert '<meta charset="utf-8">' in text, page
        assert "<script>alert(1)</script>" not in text
    assert list(iter_page_problems(root)) == []


def test_pages_are_decoded_and_rewritten(mirror) -> None:
    _, root, summary, _ = mirror
    home = site(root, "!home.htm").read_text("utf-8")
    assert "Conflict \u2013 and peace." in home
    assert "<TITLE>Welcome \u2013 OTPIC</TITLE>" in home
    assert 'CONTENT="text/html; charset=utf-8"' in home
    assert home.startswith('<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">\n<HTML><HEAD><meta charset="utf-8">')
    assert 'HREF="glossary.htm#track2"' in home
    assert 'HREF="example/index.html"' in home
    assert 'HREF="a%20b.htm"' in home
    assert "ACTION=" not in home and "register.pl" not in home and "METHOD=POST" in home
    assert 'data-sunset="form-closed"' in home and 'href="../../../_sunset/form-closed.html"' in home
    assert '<INPUT disabled="disabled" NAME=x>' in home
    assert 'CONTENT="300; URL=treatment/track2.htm"' in home
    assert 'USEMAP="#nav"' in home
    menu = site(root, "!menu.htm").read_text("utf-8")
    assert 'HREF="../../../_sunset/missing.html?url=http%3A%2F%2Fwww.colorado.edu%2Fconflict%2Fpeace%2Fcasestud.htm"' in menu
    assert 'HREF="../../cgi-bin/print.pl@page=treatment%252Ftrack2.htm&amp;fmt=text.html"' in menu
    assert (root / "www.colorado.edu/cgi-bin/print.pl@page=treatment%2Ftrack2.htm&fmt=text.html").is_file()
    frameset = site(root, "index.html").read_text("utf-8")
    assert frameset.index(NOTICE_MARKER) > frameset.index("<NOFRAMES><BODY>")
    examples = site(root, "example/index.html").read_text("utf-8")
    assert examples.index(NOTICE_MARKER) < examples.index("<p>No body tag")
    assert summary.missing_links == 1
    assert [link.url for link in summary.missing] == [BASE + "casestud.htm"]


def test_css_and_binary_files(mirror) -> None:
    _, root, summary, _ = mirror
    assert site(root, "usiplogo.gif").read_bytes() == GIF
    assert site(root, "images/paper.gif").read_bytes() == GIF  # served as text/html, still an image
    css = site(root, "otpic.css").read_text("utf-8")
    assert "url(images/paper.gif)" in css and "\u2013" in css


def test_nothing_escapes_and_special_pages_exist(mirror) -> None:
    tmp_path, root, summary, seen = mirror
    written = {path.relative_to(tmp_path).as_posix() for path in tmp_path.rglob("*") if path.is_file()}
    maps = {"out/redirects.csv", "out/redirects.nginx.conf", "out/redirects.htaccess"}
    maps |= {f"out/reports/{name}.csv" for name in ("mimetypes", "responsecodes", "hosts", "missing", "leftovers")}
    beside = {"site.warc.gz", ".site.warc.gz.captures"}  # the master and its capture index
    assert all(name in beside or name in maps or name.startswith("out/mirror/") for name in written)
    assert site(root, "..%2F..%2Fsecret.htm").is_file()
    assert not site(root, "old.htm.html").exists() and not site(root, "old.htm").exists()
    assert summary.index_path == root / "index.html"
    index = summary.index_path.read_text("utf-8")
    assert 'content="0; url=www.colorado.edu/conflict/peace/index.html"' in index
    missing = (root / "_sunset/missing.html").read_text("utf-8")
    assert "textContent" in missing and "innerHTML" not in missing and "<noscript>" in missing
    assert 'href="../www.colorado.edu/conflict/peace/index.html"' in missing
    closed = (root / "_sunset/form-closed.html").read_text("utf-8")
    assert NOTICE_MARKER in closed and "closed" in closed
    assert summary.pages == 9 and summary.files == 12 and summary.redirects == 5
    assert len(seen) == 12


def test_redirects_become_forwarding_pages(mirror) -> None:
    tmp_path, root, _, _ = mirror
    from archive.capture_index import CaptureIndex
    from site_out.plan import build_plan

    plan = build_plan(CaptureIndex(tmp_path / "site.warc.gz"), case_insensitive=True)
    assert BASE + "old.htm" not in plan.paths
    assert {redirect.path for redirect in plan.redirects} == {
        "www.colorado.edu/conflict/peace/" + name for name in ("moved.htm", "temp.htm", "chain.html", "away.htm", "out.htm")
    }
    moved = site(root, "moved.htm").read_text("utf-8")
    assert '<meta http-equiv="refresh" content="0; url=glossary.htm">' in moved
    assert moved.count(NOTICE_MARKER) == 1 and 'href="glossary.htm"' in moved
    assert 'url=treatment/track2.htm"' in site(root, "temp.htm").read_text("utf-8")
    assert 'url=glossary.htm"' in site(root, "chain.html").read_text("utf-8")  # straight to the end
    assert "_sunset/missing.html?url=http%3A%2F%2Fwww.colorado.edu%2Fconflict%2Fpeace%2Fnowhere.htm" in site(
        root, "away.htm").read_text("utf-8")
    assert 'url=http://www.gmu.edu/"' in site(root, "out.htm").read_text("utf-8")


def test_links_to_redirected_urls_go_straight_to_the_target(tmp_path: Path) -> None:
    warc = tmp_path / "site.warc.gz"
    with warc.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        resource(writer, BASE + "index.html", "text/html",
                 b'<body><a href="moved.htm">m</a> <a href="chain">c</a> <a href="away.htm">a</a>')
        resource(writer, BASE + "glossary.htm", "text/html", GLOSSARY)
        response(writer, BASE + "moved.htm", "301 Moved", [("Location", BASE + "glossary.htm")], b"")
        response(writer, BASE + "chain", "301 Moved", [("Location", BASE + "moved.htm")], b"")
        response(writer, BASE + "away.htm", "301 Moved", [("Location", "http://elsewhere.example/")], b"")
    write_mirror(warc, None, OPTIONS, tmp_path / "out")
    index = site(tmp_path / "out" / "mirror", "index.html").read_text("utf-8")
    assert '<a href="glossary.htm">m</a> <a href="glossary.htm">c</a> <a href="away.htm">a</a>' in index
    assert list(iter_broken_links(tmp_path / "out" / "mirror")) == []


def test_meta_refresh_only_page_forwards_and_carries_the_notice(tmp_path: Path) -> None:
    warc = tmp_path / "site.warc.gz"
    with warc.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        resource(writer, BASE + "index.html", "text/html",
                 b'<HTML><HEAD><META HTTP-EQUIV="refresh" CONTENT="0;URL=http://www.colorado.edu/conflict/peace/glossary.htm">'
                 b"</HEAD></HTML>")
        resource(writer, BASE + "glossary.htm", "text/html", GLOSSARY)
    write_mirror(warc, None, OPTIONS, tmp_path / "out")
    page = site(tmp_path / "out" / "mirror", "index.html").read_text("utf-8")
    assert 'CONTENT="0;URL=glossary.htm"' in page and page.count(NOTICE_MARKER) == 1


def test_missing_pages_in_four_languages(mirror) -> None:
    _, root, _, _ = mirror
    for name, words in (("missing.html", "was not available"), ("missing.de.html", "nicht verfügbar"),
                        ("missing.fr.html", "pas disponible"), ("missing.es.html", "no estaba disponible")):
        text = (root / "_sunset" / name).read_text("utf-8")
        assert words in text and text.count(NOTICE_MARKER) == 1 and "textContent" in text


def test_about_index_and_search(mirror) -> None:
    tmp_path, root, summary, _ = mirror
    import hashlib
    import json

    about = (root / "_sunset/about.html").read_text("utf-8")
    digest = hashlib.sha256((tmp_path / "site.warc.gz").read_bytes()).hexdigest()
    assert digest in about and "site.warc.gz" in about and "wb-manager" in about and "sunset" in about
    assert about.count(NOTICE_MARKER) == 1
    index = (root / "_sunset/index.html").read_text("utf-8")
    assert '<script src="search-index.js"></script>' in index and '<script src="search.js"></script>' in index
    assert 'href="../www.colorado.edu/conflict/peace/glossary.htm"' in index
    script = (root / "_sunset/search-index.js").read_text("utf-8")
    assert script.startswith("/*") and "window.SUNSET_PAGES = [" in script
    entries = json.loads(script.split("= ", 1)[1].rstrip().rstrip(";"))
    assert len(entries) == summary.pages
    assert "fetch(" not in (root / "_sunset/search.js").read_text("utf-8")
    home = site(root, "!home.htm").read_text("utf-8")
    assert 'href="../../../_sunset/about.html"' in home and "About this archive" in home
    assert (root / "_sunset/blank.gif").read_bytes().startswith(b"GIF89a")


def test_redirect_maps(mirror) -> None:
    tmp_path, root, summary, _ = mirror
    import csv

    out = tmp_path / "out"
    assert sorted(path.name for path in summary.redirect_maps) == [
        "redirects.csv", "redirects.htaccess", "redirects.nginx.conf"]
    rows = {row["old_url"]: row for row in csv.DictReader((out / "redirects.csv").open(encoding="utf-8"))}
    assert rows[BASE + "moved.htm"]["new_url"] == "/conflict/peace/glossary.htm"
    assert rows[BASE + "a%20b.htm"]["mirror_path"] == "www.colorado.edu/conflict/peace/a b.htm"
    printed = "http://www.colorado.edu/cgi-bin/print.pl?page=treatment%2Ftrack2.htm&fmt=text"
    assert rows[printed]["new_url"] == "/cgi-bin/print.pl@page=treatment%252Ftrack2.htm&fmt=text.html"
    for row in rows.values():
        assert (root / row["mirror_path"]).is_file(), row
    nginx = (out / "redirects.nginx.conf").read_text("utf-8")
    assert "map $request_uri $sunset_new {" in nginx and nginx.rstrip().endswith("}")
    assert ('"~*^(?!(?-i:/conflict/peace/glossary\\\\.htm)$)/conflict/peace/moved\\\\.htm$" '
            '"/conflict/peace/glossary.htm";') in nginx
    htaccess = (out / "redirects.htaccess").read_text("utf-8")
    assert "RewriteEngine On" in htaccess
    assert "RewriteRule ^ /cgi-bin/print.pl@page=treatment\\%252Ftrack2.htm&fmt=text.html [R=301,L,NE,QSD]" in htaccess


def test_broken_links_are_found(tmp_path: Path) -> None:
    root = tmp_path / "mirror"
    (root / "h").mkdir(parents=True)
    (root / "h" / "a.htm").write_text(
        '<a href="b.htm">b</a><a href="a.htm#x">self</a><img src="../../outside.gif">'
        '<a href="http://e/">e</a><a href="folder/">dir</a>',
        "utf-8",
    )
    (root / "h" / "folder").mkdir()
    broken = {(link.href, link.reason) for link in iter_broken_links(root)}
    assert broken == {
        ("b.htm", "no such file"),
        ("../../outside.gif", "points outside the mirror"),
        ("folder/", "a folder, not a file (file:// browsers show a listing)"),
    }


@pytest.mark.parametrize(
    ("content_type", "url", "kind"),
    [
        ("text/html", "http://h/a.htm", "html"),
        ("text/html; charset=iso-8859-1", "http://h/cgi-bin/x.pl?a=1", "html"),
        ("text/plain", "http://h/a.htm", "html"),
        (None, "http://h/a.HTML", "html"),
        ("text/html", "http://h/logo.gif", "other"),
        ("text/plain", "http://h/readme.txt", "other"),
        ("text/css", "http://h/s.css", "css"),
        ("application/octet-stream", "http://h/s.css", "css"),
        ("image/gif", "http://h/a.htm", "other"),
    ],
)
def test_classify(content_type: str | None, url: str, kind: str) -> None:
    from site_out.plan import classify

    assert classify(content_type, url) == kind


def test_plan_resolves_clashes(tmp_path: Path) -> None:
    from archive.capture_index import CaptureIndex
    from site_out.plan import build_plan

    warc = tmp_path / "clashes.warc.gz"
    with warc.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for url in ["http://h/a/b",  # a file named like the folder of the next one
                    "http://h/a/b/c.txt",
                    "http://h/Readme.txt",  # case clash on Windows and macOS
                    "http://h/readme.txt",
                    "http://h/x//y.txt",  # same file name: first wins
                    "http://h/x/y.txt"]:
            resource(writer, url, "text/plain", b"")
    plan = build_plan(CaptureIndex(warc), case_insensitive=False)
    paths = plan.paths
    assert paths["http://h/a/b/c.txt"] == "h/a/b/c.txt"
    assert paths["http://h/a/b"] == "h/a/b~2"
    assert {paths["http://h/Readme.txt"], paths["http://h/readme.txt"]} == {"h/Readme.txt", "h/readme~2.txt"}
    assert paths["http://h/x//y.txt"] == paths["http://h/x/y.txt"] == "h/x/y.txt"
    assert sorted(planned.path for planned in plan.files.values()) == sorted(
        ["h/a/b~2", "h/a/b/c.txt", "h/Readme.txt", "h/readme~2.txt", "h/x/y.txt"]
    )
    assert len(plan.problems) == 3
