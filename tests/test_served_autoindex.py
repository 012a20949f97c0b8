"""crawl.served.autoindex: the listing of a folder without an index page, in Apache 2.4's markup."""
from __future__ import annotations

from datetime import datetime, timezone

from crawl.served.autoindex import Entry, escape_path, listing, parent_of
from crawl.served.htaccess import IndexSettings

DATE = datetime(1998, 11, 16, 9, 30, tzinfo=timezone.utc)
ENTRIES = [Entry("survey.pdf", False, 123456, DATE), Entry("Zeta", True, 0, DATE),
           Entry("a very long name indeed for a paper.html", False, 10, DATE), Entry("b&c.txt", False, 7, DATE)]
HEAD = ('<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN" "http://www.w3.org/TR/html4/strict.dtd">\n<html>\n'
        ' <head>\n  <title>Index of /dept/papers</title>\n </head>\n <body>\n<h1>Index of /dept/papers</h1>\n')


def test_plain_listing() -> None:
    assert listing("/dept/papers/", ENTRIES, IndexSettings()).decode("latin-1") == HEAD + (
        '<ul><li><a href="/dept/"> Parent Directory</a></li>\n'
        '<li><a href="Zeta/"> Zeta/</a></li>\n'
        '<li><a href="a%20very%20long%20name%20indeed%20for%20a%20paper.html"> a very long name indeed for a '
        'paper.html</a></li>\n'
        '<li><a href="b&amp;c.txt"> b&amp;c.txt</a></li>\n'
        '<li><a href="survey.pdf"> survey.pdf</a></li>\n'
        '</ul>\n</body></html>\n')


def test_fancy_listing_has_dates_and_sizes_and_cuts_long_names() -> None:
    page = listing("/dept/papers/", ENTRIES, IndexSettings(fancy=True)).decode("latin-1")
    assert page == HEAD + (
        '<pre>      <a href="?C=N;O=D">Name</a>                    <a href="?C=M;O=A">Last modified</a>      '
        '<a href="?C=S;O=A">Size</a>  <a href="?C=D;O=A">Description</a><hr>'
        '      <a href="/dept/">Parent Directory</a>                             -   \n'
        '      <a href="Zeta/">Zeta/</a>                   1998-11-16 09:30    -   \n'
        '      <a href="a%20very%20long%20name%20indeed%20for%20a%20paper.html">a very long name ind..&gt;</a> '
        '1998-11-16 09:30   10   \n'
        '      <a href="b&amp;c.txt">b&amp;c.txt</a>                 1998-11-16 09:30    7   \n'
        '      <a href="survey.pdf">survey.pdf</a>              1998-11-16 09:30  121K  \n'
        '<hr></pre>\n</body></html>\n')


def test_options_change_the_columns_and_the_order() -> None:
    page = listing("/", ENTRIES, IndexSettings(fancy=True, folders_first=True, suppress_column_sorting=True,
                                               suppress_last_modified=True, suppress_size=True,
                                               suppress_description=True, name_width=None)).decode("latin-1")
    assert "Parent Directory" not in page  # the root has no parent
    assert '<pre>      Name' in page and "?C=" not in page and "1998" not in page
    assert page.index("Zeta/") < page.index("b&amp;c.txt")
    assert "..&gt;" not in page


def test_ignore_case_sorts_letters_together() -> None:
    names = [Entry(name, False, 1, DATE) for name in ("b", "B", "a", "A")]
    page = listing("/x/", names, IndexSettings(ignore_case=True)).decode("latin-1")
    assert [line.split('"')[1] for line in page.splitlines() if line.startswith("<li>")] == ["A", "a", "B", "b"]


def test_helpers() -> None:
    assert parent_of("/a/b/") == "/a/" and parent_of("/a/") == "/" and parent_of("/") is None
    assert escape_path("a b/c:d") == "a%20b/c:d" and escape_path("a:b/c") == "./a:b/c" and escape_path("x:y") == "./x:y"
    assert escape_path("caf\xe9") == "caf%e9"


def _order(page: bytes) -> list[str]:
    return [line.split("> ", 1)[1].split("<", 1)[0] for line in page.decode("latin-1").splitlines()
            if line.startswith("<li>") and "Parent Directory" not in line]


def test_a_listing_is_sorted_as_its_query_asks() -> None:
    """``?C=S;O=D`` and the rest, as mod_autoindex's dsortf sorted (folders count as size -1,
    names break ties); the column shown is the one whose heading links the other way round."""
    older = datetime(1997, 1, 2, tzinfo=timezone.utc)
    entries = [Entry("b.txt", False, 5, DATE), Entry("a.txt", False, 50, older), Entry("c", True, 0, DATE)]
    settings = IndexSettings()
    assert _order(listing("/x/", entries, settings)) == ["a.txt", "b.txt", "c/"]
    assert _order(listing("/x/", entries, settings, "C=N;O=D")) == ["c/", "b.txt", "a.txt"]
    assert _order(listing("/x/", entries, settings, "C=S;O=A")) == ["c/", "b.txt", "a.txt"]
    assert _order(listing("/x/", entries, settings, "C=S&O=D")) == ["a.txt", "b.txt", "c/"]
    assert _order(listing("/x/", entries, settings, "C=M;O=A")) == ["a.txt", "b.txt", "c/"]
    assert _order(listing("/x/", entries, settings, "O=D;C=D")) == ["c/", "b.txt", "a.txt"]
    assert _order(listing("/x/", entries, settings, "C=X;O=D")) == ["c/", "b.txt", "a.txt"]  # no such column
    fancy = listing("/x/", entries, IndexSettings(fancy=True), "C=S;O=A").decode("latin-1")
    assert '<a href="?C=N;O=A">Name</a>' in fancy and '<a href="?C=S;O=D">Size</a>' in fancy
