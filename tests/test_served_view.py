"""crawl.served.view: the answers the real Apache of tests/test_served_apache.py cannot give.

IIS (case-insensitive names, default documents, no listings, ``.stm`` includes), case clashes,
an ``httpd.conf`` excerpt with the old server's own paths, a docroot served below the host's
root, a fixed ``file_date``, the 1.3-era ``DefaultType`` and ``text/x-server-parsed-html``, and
what is withheld from publication.
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from crawl.options import SourceOptions
from crawl.served.view import Served, ServedView, ServedViewError

ORIGIN = "http://www.example.edu"


def make(tmp_path: Path, files: dict[str, str | bytes], **options: object) -> ServedView:
    root = tmp_path / "docroot"
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("latin-1"))
    options.setdefault("base_url", f"{ORIGIN}/")
    return ServedView(SourceOptions(docroot=root, **options))  # type: ignore[arg-type]


def body(served: Served) -> str:
    with served.body.open() as handle:
        return handle.read().decode("latin-1")


def test_iis_matches_names_in_any_case_and_serves_default_documents(tmp_path: Path) -> None:
    view = make(tmp_path, {"Default.htm": "home", "Images/Logo.GIF": "GIF89a", "docs/a.txt": "a",
                           "news.stm": '<!-- #include file="inc/Foot.htm" -->', "inc/foot.htm": "FOOT",
                           ".htaccess": "Redirect /x http://elsewhere/", "login.asp": "<% secret %>"},
                case_insensitive=True, index_files=("default.htm", "index.htm"))
    assert view.iis
    home = view.answer(f"{ORIGIN}/")
    assert (home.status, body(home), home.sources) == (200, "home", ("Default.htm",))
    logo = view.answer(f"{ORIGIN}/images/logo.gif")
    assert (logo.status, logo.content_type, logo.sources) == (200, "image/gif", ("Images/Logo.GIF",))
    assert view.answer(f"{ORIGIN}/DOCS/").status == 403  # no default document, no listing (IIS's default)
    slash = view.answer(f"{ORIGIN}/docs")
    assert (slash.status, slash.location) == (301, f"{ORIGIN}/docs/")
    assert body(view.answer(f"{ORIGIN}/NEWS.STM")) == "FOOT"
    assert view.answer(f"{ORIGIN}/x").status == 404  # IIS never read .htaccess
    program = view.answer(f"{ORIGIN}/login.asp")
    assert program.status is None and program.kind == "program" and "ASP" in (program.withheld or "")
    assert "cannot be found" in body(view.answer(f"{ORIGIN}/nothere.htm"))


def test_case_clashes_are_listed_with_the_one_served(tmp_path: Path) -> None:
    view = make(tmp_path, {"OKK95/1-95.HTM": "UPPER", "OKK95/1-95.htm": "lower", "STA/STA.htm": "a",
                           "STA/sta.htm": "b", "STA/other.htm": "c"}, case_insensitive=True)
    clashes = sorted(clash.files for clash in view.clashes())
    assert clashes == [("OKK95/1-95.HTM", "OKK95/1-95.htm"), ("STA/STA.htm", "STA/sta.htm")]
    assert body(view.answer(f"{ORIGIN}/OKK95/1-95.htm")) == "UPPER"  # the first in byte order, for every spelling
    assert body(view.answer(f"{ORIGIN}/okk95/1-95.Htm")) == "UPPER"
    assert "byte order" in next(iter(view.clashes())).rule()
    assert list(make(tmp_path / "apache", {"a.htm": "", "A.htm": ""}).clashes()) == []


def test_a_server_config_with_the_old_servers_own_paths(tmp_path: Path) -> None:
    conf = tmp_path / "httpd.conf"
    conf.write_text('DocumentRoot "/usr/local/apache/htdocs"\n'
                    'ScriptAlias /cgi-bin/ "/usr/local/apache/cgi-bin/"\n'
                    'Alias /icons/ "/usr/local/apache/icons/"\n'
                    'Alias /manual/ "/usr/local/apache/htdocs/doc/manual/"\n'
                    '<Directory "/usr/local/apache/htdocs/private">\n    Options -Indexes\n</Directory>\n'
                    'AddType text/x-server-parsed-html .html\n'
                    'DefaultType text/plain\n'
                    'XBitHack on\n', encoding="utf-8")
    view = make(tmp_path, {"private/a.txt": "a", "public/b.txt": "b", "doc/manual/index.html": "manual",
                           "page.html": '<!--#echo var="DOCUMENT_NAME" -->', "README": "plain"},
                server_config=conf)
    assert view.answer(f"{ORIGIN}/private/").status == 403
    assert view.answer(f"{ORIGIN}/public/").kind == "listing"
    assert body(view.answer(f"{ORIGIN}/manual/")) == "manual"
    assert view.answer(f"{ORIGIN}/icons/blank.gif").status == 404
    counter = view.answer(f"{ORIGIN}/cgi-bin/counter.pl")
    assert counter.status is None and counter.kind == "program"
    parsed = view.answer(f"{ORIGIN}/page.html")
    assert (parsed.kind, parsed.content_type, body(parsed)) == ("parsed", "text/html", "page.html")
    assert view.answer(f"{ORIGIN}/README").content_type == "text/plain"
    assert [directive.text() for directive in view.not_emulated()] == []


def test_a_docroot_served_below_the_hosts_root(tmp_path: Path) -> None:
    view = make(tmp_path, {"index.shtml": '<!--#echo var="DOCUMENT_URI" -->|<!--#include virtual="/~jo/a.html" -->',
                           "a.html": "A"}, base_url=f"{ORIGIN}/~jo/", docroot_url=f"{ORIGIN}/~jo/",
                index_files=("index.shtml",))
    assert body(view.answer(f"{ORIGIN}/~jo/")) == "/~jo/index.shtml|A"
    assert view.answer(f"{ORIGIN}/~jo").location == f"{ORIGIN}/~jo/"
    assert view.answer(f"{ORIGIN}/a.html").status == 404
    assert list(view.urls()) == [f"{ORIGIN}/~jo/", f"{ORIGIN}/~jo/a.html", f"{ORIGIN}/~jo/index.shtml"]


def test_the_files_date_is_the_pages_date(tmp_path: Path) -> None:
    date = datetime(1999, 3, 1, 12, 0, tzinfo=timezone.utc)
    view = make(tmp_path, {"a.shtml": '<!--#config timefmt="%Y-%m-%d" --><!--#echo var="LAST_MODIFIED" -->/'
                                      '<!--#echo var="DATE_LOCAL" -->', "b.txt": "b"}, file_date=date)
    assert body(view.answer(f"{ORIGIN}/a.shtml")) == "1999-03-01/1999-03-01"
    assert view.answer(f"{ORIGIN}/b.txt").header("Last-Modified") == "Mon, 01 Mar 1999 12:00:00 GMT"


def test_what_is_withheld_and_why(tmp_path: Path) -> None:
    view = make(tmp_path, {"db.php": "<?php $pw='x'; ?>", "cgi-bin/guestbook.pl": "#!perl", "a.html.bak": "old",
                           ".htpasswd": "jane:x", "_vti_pvt/service.pwd": "x", "ok.html": "ok"})
    assert view.answer(f"{ORIGIN}/db.php").withheld.startswith("PHP source")  # type: ignore[union-attr]
    assert view.answer(f"{ORIGIN}/cgi-bin/guestbook.pl").status is None
    assert view.answer(f"{ORIGIN}/a.html.bak").withheld  # Apache sent it; sunset never publishes it
    assert view.answer(f"{ORIGIN}/.htpasswd").status == 403
    assert view.withheld_reason("_vti_pvt/service.pwd")
    assert view.answer(f"{ORIGIN}/ok.html").withheld is None


def test_a_server_config_that_cannot_be_read_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ServedViewError, match="server_config"):
        make(tmp_path, {"a.html": "a"}, server_config=tmp_path / "nothere.conf")


def test_a_broken_htaccess_answers_500_for_its_folder(tmp_path: Path) -> None:
    view = make(tmp_path, {"dir/.htaccess": "<Files x>\nRequire all denied\n", "dir/a.html": "a", "b.html": "b"})
    assert view.answer(f"{ORIGIN}/dir/a.html").status == 500
    assert view.answer(f"{ORIGIN}/b.html").status == 200
