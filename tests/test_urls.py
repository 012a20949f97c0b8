"""URL canonicalization: one spelling per resource, whatever the page wrote."""
from __future__ import annotations

from urllib.parse import urljoin

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from archive.urls import BadURL, Scope, absolute, canonicalize, lookup_key


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("HTTP://WWW.Colorado.EDU:80/conflict/peace/./x.htm#top", "http://www.colorado.edu/conflict/peace/x.htm"),
        ("http://h/a/b/../../c", "http://h/c"),
        ("http://h/a/%2e%2e/%2E%2e/etc/passwd", "http://h/etc/passwd"),
        ("http://h/../../../etc/passwd", "http://h/etc/passwd"),
        ("http://h/a/..%2fb", "http://h/a/..%2Fb"),
        ("http://h/%7euser/a%20b.htm", "http://h/~user/a%20b.htm"),
        ("http://h/a b.htm", "http://h/a%20b.htm"),
        ("http://h\\a\\b.htm", "http://h/a/b.htm"),
        ("https://h:443", "https://h/"),
        ("http://h:8080/", "http://h:8080/"),
        ("http://h/cgi-bin/print.pl?page=a%2fb&x=1", "http://h/cgi-bin/print.pl?page=a%2Fb&x=1"),
        ("mailto:crc@colorado.edu", "mailto:crc@colorado.edu"),
    ],
)
def test_canonicalize(raw: str, canonical: str) -> None:
    assert canonicalize(raw) == canonical


def test_absolute_resolves_against_the_page() -> None:
    page = "http://www.colorado.edu/conflict/peace/treatment/track2.htm"
    assert absolute("../Glossary.htm#track2", page) == "http://www.colorado.edu/conflict/peace/Glossary.htm"
    assert absolute("  dialog.htm ", page) == "http://www.colorado.edu/conflict/peace/treatment/dialog.htm"


def test_case_insensitive_lookup_folds_the_path_only() -> None:
    assert lookup_key("http://H/Images/Logo.GIF", True) == lookup_key("http://h/images/logo.gif", True)
    assert lookup_key("http://h/Images/Logo.GIF", False) != lookup_key("http://h/images/logo.gif", False)


def test_scope_knows_every_spelling_of_its_host() -> None:
    scope = Scope("http://www.colorado.edu/conflict/peace/", case_insensitive=True)
    assert scope.same_host("HTTP://WWW.COLORADO.EDU:80/elsewhere/")
    assert scope.contains("http://www.colorado.edu/Conflict/Peace/x.htm")
    assert not scope.contains("http://www.colorado.edu/other/")
    assert not scope.same_host("http://www.gmu.edu/")


def test_scope_reads_an_alias_host_as_its_own() -> None:
    """``[site] aliases``: another name of the same site is the site, under base_url's path only."""
    scope = Scope("http://www.linuxgazette.com/issue47/", aliases=("LinuxGazette.NET", "www.linuxgazette.net:80"))
    assert scope.aliases == ("linuxgazette.net", "www.linuxgazette.net")
    assert scope.same_host("http://linuxgazette.net/gx/logo.gif")
    assert scope.contains("HTTP://WWW.LINUXGAZETTE.NET/issue47/index.html")
    assert not scope.contains("http://linuxgazette.net/issue45/index.html")
    assert scope.local("http://linuxgazette.net/issue47/a.html") == "http://www.linuxgazette.com/issue47/a.html"
    assert scope.local("https://linuxgazette.net/x") == "https://www.linuxgazette.com/x"
    assert scope.local("http://linuxgazette.net:8080/x") == "http://linuxgazette.net:8080/x"
    assert scope.local("http://www.gmu.edu/") == "http://www.gmu.edu/"
    assert not scope.same_host("http://linuxgazette.org/")


_PIECES = st.sampled_from(["a", "B", "..", ".", "", "x.htm", ";p", "?q", "#f", ":", "//", "%2e", "\\", " ", "h:1"])
_BASES = st.tuples(st.sampled_from(["http://h", "https://U:P@Host:8080", "http://[::1]"]),
                   st.lists(_PIECES, max_size=5).map("/".join)).map(lambda parts: parts[0] + "/" + parts[1])


@given(st.lists(_PIECES, max_size=5).map("/".join), _BASES)
@example("a.htm", "http://h")
@example("?q", "http://h/a/b.htm?x=/y/")
@example("http:x", "http://h/a;p/b")
@example("//", "http://h/a")
@example("http:", "http://h/a")
@example("http:?q", "http://h/a/b")
def test_a_link_resolves_by_its_pages_folder_as_by_the_page(raw: str, base: str) -> None:
    """absolute() caches a link with a path of its own by the folder of the page: the answer
    (or the error) is urljoin's against the page itself."""
    def outcome(resolve):  # noqa: ANN001, ANN202
        try:
            return resolve()
        except (BadURL, ValueError) as error:
            return type(error)

    assert outcome(lambda: absolute(raw, base)) == outcome(lambda: canonicalize(urljoin(base, raw.strip())))
