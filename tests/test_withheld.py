"""archive.withheld: which files of a docroot are never published, and why."""
from __future__ import annotations

import pytest

from archive.withheld import withheld


@pytest.mark.parametrize("path, reason", [
    ("db.php", "PHP source"), ("lib/conn.inc", "include source"), ("admin/login.asp", "ASP source"),
    ("app/Default.aspx", "ASP.NET source"), ("x.jsp", "JSP source"), ("news.cfm", "ColdFusion source"),
    ("guest.pl", "Perl source"), ("count.cgi", "CGI source"), ("mail.py", "Python source"),
    ("cgi-bin/guestbook.pl", "a program of cgi-bin/"), ("cgi-bin/readme.txt", "a program of cgi-bin/"),
    ("dept/.htaccess", "a server file (.ht*)"), (".htpasswd", "a server file (.ht*)"),
    ("web.config", "IIS settings"), ("Global.asa", "ASP settings"),
    ("index.html.bak", "an editor's leftover"), ("index.html~", "an editor's leftover"),
    ("#page.html#", "an editor's leftover"), (".page.html.swp", "an editor's leftover"),
    ("_vti_pvt/service.pwd", "FrontPage's own folder (_vti_pvt/)"), ("_vti_cnf/index.htm", "FrontPage's own folder"),
    ("_private/form_results.txt", "FrontPage's own folder (_private/)"),
])
def test_never_published(path: str, reason: str) -> None:
    found = withheld(path)
    assert found is not None and found.startswith(reason), found


@pytest.mark.parametrize("path", [
    "index.html", "page.shtml", "images/logo.gif", "docs/manual.pdf", "scripts/menu.js", "data.txt",
    "phpinfo.html", "perl/intro.html", "setup.exe", "archive.tar.gz", "postinfo.html",
])
def test_published(path: str) -> None:
    assert withheld(path) is None


def test_program_folders_from_the_server_config() -> None:
    assert withheld("scripts/run.dll", frozenset({"scripts"})) is not None
    assert withheld("scripts/menu.js") is None
