"""crawl/soft404.py: an error page sent with 200 OK is named by its title."""
from __future__ import annotations

import pytest

from crawl.soft404 import error_page_title


@pytest.mark.parametrize(("head", "title"), [
    (b"<HTML><HEAD><TITLE>404 Not Found</TITLE>", "404 Not Found"),
    (b"<title lang=en>\r\n  The page cannot be found\r\n</title>", "The page cannot be found"),
    (b"<TITLE>Error 404 - File not found</TITLE>", "Error 404 - File not found"),
    (b"<TITLE>Sorry: no such page</TITLE>", "Sorry: no such page"),
    (b"<title>Fichier introuvable \xe9 - 404</title>", "Fichier introuvable \u00e9 - 404"),
    (b"<TITLE>Our 1998 catalogue</TITLE>", None),
    (b"<TITLE>Found it!</TITLE>", None),  # "found" alone is no error
    (b"<H1>404 Not Found</H1>", None),  # only the title counts
    (b"<TITLE>" + b"x" * 300 + b" not found</TITLE>", None),  # a title longer than any error page's
])
def test_error_page_title(head: bytes, title: str | None) -> None:
    assert error_page_title(head) == title
