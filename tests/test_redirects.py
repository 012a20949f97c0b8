"""site_out/redirects.py: the maps from every old URL to its place in the mirror, checked as text and,
for the Apache map, by Debian's Apache httpd itself answering the old URLs."""
from __future__ import annotations

import contextlib
import csv
import http.client
from collections.abc import Iterator
from pathlib import Path

import pytest

from site_out.redirects import HTACCESS_FILE, NGINX_FILE, build_entries, new_location, write_redirect_maps
from tests.apache import apache_serving

PAIRS = [  # (old URL, mirror path), sorted by old URL as the mirror gives them
    ("http://h/site/Glossary.htm", "h/site/glossary.htm"),  # a case clash, folded
    ("http://h/site/a%20b.htm", "h/site/a b.htm"),  # the same path once encoded: no rule
    ("http://h/site/cgi-bin/print.pl?page=x%2Fy&fmt=text", "h/site/cgi-bin/print.pl@page=x%2Fy&fmt=text.html"),
    ("http://h/site/index.html", "h/site/index.html"),  # unchanged: no rule
    ("http://h/site/prices$.htm", "h/site/prices$.htm"),
    ("http://h/site/report", "h/site/report.html"),  # .html added
]


@pytest.mark.parametrize(("path", "publish_url", "url"), [
    ("h/site/a.htm", "/", "/site/a.htm"),
    ("h/site/a b.htm", "/", "/site/a%20b.htm"),
    ("h/index.html", "/archive/", "/archive/index.html"),
    ("h/x/y.gif", "https://archive.example.org/old/", "https://archive.example.org/old/x/y.gif"),
    ("h", "/", "/"),
])
def test_new_location(path: str, publish_url: str, url: str) -> None:
    assert new_location(path, publish_url) == url


def test_entries() -> None:
    entries = list(build_entries([*PAIRS, ("http://[bad/x", "h/x")], "/"))
    assert [(entry.request_uri, entry.new_url) for entry in entries] == [
        ("/site/Glossary.htm", "/site/glossary.htm"),
        ("/site/a%20b.htm", "/site/a%20b.htm"),
        ("/site/cgi-bin/print.pl?page=x%2Fy&fmt=text", "/site/cgi-bin/print.pl@page=x%252Fy&fmt=text.html"),
        ("/site/index.html", "/site/index.html"),
        ("/site/prices$.htm", "/site/prices$.htm"),
        ("/site/report", "/site/report.html"),
    ]  # the URL no browser could send is left out


def test_the_maps_as_written(tmp_path: Path) -> None:
    paths = write_redirect_maps(tmp_path, build_entries(PAIRS, "/"), case_insensitive=False)
    with paths[0].open(encoding="utf-8", newline="") as handle:
        assert [row["old_url"] for row in csv.DictReader(handle)] == [url for url, _ in PAIRS]  # the CSV: all
    nginx = (tmp_path / NGINX_FILE).read_text("utf-8")
    assert nginx.splitlines()[4:] == [
        '    default "";',
        '    "/site/Glossary.htm" "/site/glossary.htm";',
        '    "/site/cgi-bin/print.pl?page=x%2Fy&fmt=text" "/site/cgi-bin/print.pl@page=x%252Fy&fmt=text.html";',
        '    "/site/report" "/site/report.html";',
        "}",
    ]
    htaccess = (tmp_path / HTACCESS_FILE).read_text("utf-8")
    assert htaccess.count("RewriteRule") == 3 and "index.html" not in htaccess and "prices" not in htaccess


def test_case_insensitive_nginx_patterns_never_loop(tmp_path: Path) -> None:
    write_redirect_maps(tmp_path, build_entries([("http://h/site/Glossary.htm", "h/site/glossary.htm"),
                                                 ("http://h/site/a.htm", "h/site/a.htm")], "/"),
                        case_insensitive=True)
    lines = (tmp_path / NGINX_FILE).read_text("utf-8").splitlines()
    assert '    "~*^(?!(?-i:/site/glossary\\\\.htm)$)/site/Glossary\\\\.htm$" "/site/glossary.htm";' in lines
    assert '    "~*^(?!(?-i:/site/a\\\\.htm)$)/site/a\\\\.htm$" "/site/a.htm";' in lines  # other spellings only


@contextlib.contextmanager
def apache_with_htaccess(htaccess: Path) -> Iterator[int]:
    """Debian's Apache httpd on 127.0.0.1 with ``htaccess`` as its document root's .htaccess."""
    with apache_serving({".htaccess": htaccess.read_bytes()}, ("rewrite",),
                        "  AllowOverride All\n  Require all granted") as port:
        yield port


def _answer(port: int, request_uri: str) -> tuple[int, str | None]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", request_uri)
        response = connection.getresponse()
        return response.status, response.getheader("Location")
    finally:
        connection.close()


@pytest.mark.parametrize("case_insensitive", [False, True])
def test_apache_answers_each_old_url_with_its_place_in_the_mirror(tmp_path: Path, case_insensitive: bool) -> None:
    write_redirect_maps(tmp_path, build_entries(PAIRS, "/"), case_insensitive=case_insensitive)
    with apache_with_htaccess(tmp_path / HTACCESS_FILE) as port:
        here = f"http://127.0.0.1:{port}"
        for request_uri, location in [
            ("/site/Glossary.htm", "/site/glossary.htm"),
            ("/site/cgi-bin/print.pl?page=x%2Fy&fmt=text", "/site/cgi-bin/print.pl@page=x%252Fy&fmt=text.html"),
            ("/site/report", "/site/report.html"),
        ]:
            assert _answer(port, request_uri) == (301, here + location), request_uri
        for unchanged in ("/site/glossary.htm", "/site/index.html", "/site/a%20b.htm", "/site/report.html"):
            assert _answer(port, unchanged)[0] == 404, unchanged  # no rule sends a page to itself
        other_case = _answer(port, "/SITE/REPORT")
        assert other_case == ((301, here + "/site/report.html") if case_insensitive else (404, None))
        assert _answer(port, "/site/cgi-bin/print.pl?page=x%2Fy&fmt=pdf")[0] == 404  # the query counts
