"""Which answers of the old server are kept beside a docroot's files (crawl/served/answers.py).

Kept: what the server sent other than the file as it lay (an SSI page that changed, a redirect,
a refusal, a folder's index page or listing); never the file itself, a program, or the server's
stock error page. The bundled OTPIC site (IIS, no SSI, no .htaccess) keeps nothing, so its
outputs stay what they were.
"""
from __future__ import annotations

from datetime import datetime, timezone

from archive.capture import Capture, FileBody
from crawl.docroot import iter_docroot
from crawl.options import SourceOptions
from crawl.served.answers import Answers
from crawl.served.view import ServedView
from sunset.config import load_config
from tests.conftest import DEPT, DEPT_BASE, OTPIC_CONFIG

FILE_DATE = datetime(1998, 11, 16, 9, 30, tzinfo=timezone.utc)


def _dept() -> Answers:
    return Answers(ServedView(SourceOptions(base_url=DEPT_BASE, docroot=DEPT / "docroot", file_date=FILE_DATE,
                                            server_config=DEPT / "server.conf")))


def _file(url: str) -> Capture:
    return Capture(url, FILE_DATE, "text/html", FileBody(DEPT / "docroot" / url[len("http://www.example.edu/"):]))


def test_at_a_files_url() -> None:
    answers = _dept()
    parsed = answers.at_file(_file(DEPT_BASE + "index.shtml"))
    assert parsed is not None and parsed.rule == "server-side-includes" and parsed.file_url == parsed.url
    assert parsed.made_from[0] == DEPT_BASE + "index.shtml" and parsed.date == FILE_DATE
    # AddHandler server-parsed .html: parsed, but with no directive in it the page is the file as it lay.
    assert answers.view.answer(DEPT_BASE + "papers/mediation.html").kind == "parsed"
    assert answers.at_file(_file(DEPT_BASE + "papers/mediation.html")) is None
    refused = answers.at_file(_file(DEPT_BASE + ".htpasswd"))
    assert refused is not None and refused.served.status == 403 and refused.rule == "error-document"
    assert answers.at_file(_file(DEPT_BASE + "db.php")) is None  # a program: what it answered is not known
    assert answers.at_file(_file(DEPT_BASE + "papers/negotiation.txt")) is None  # the file as it lay
    crawled = Capture(DEPT_BASE + "index.shtml", FILE_DATE, "text/html", FileBody(DEPT / "server.conf"), status=200)
    assert answers.at_file(crawled) is None  # a server's own answer is kept as it came


def test_where_no_file_stands() -> None:
    kept = {answer.url: answer for answer in _dept().elsewhere()}
    assert kept[DEPT_BASE].rule == "directory-index"
    assert kept[DEPT_BASE].file_url == DEPT_BASE + "index.shtml"
    assert kept[DEPT_BASE + "papers/"].rule == "directory-listing"
    sorted_variants = {url for url in kept if url.startswith(DEPT_BASE + "papers/?")}
    assert sorted_variants == {f"{DEPT_BASE}papers/?C={column};O={order}" for column in "NMSD" for order in "AD"}
    assert kept[DEPT_BASE + "old-news.html"].rule == "server-redirect"
    assert kept[DEPT_BASE + "old-news.html"].served.location == DEPT_BASE + "news.shtml"
    # Outside base_url: the docroot's other folders are archived, but they are not the site.
    assert not {"http://www.example.edu/", "http://www.example.edu/images/", "http://www.example.edu/olddept"} & set(kept)
    assert all(url.startswith(DEPT_BASE) for url in kept)
    refused = kept[DEPT_BASE + "archive/"]  # Options -Indexes, and the site's ErrorDocument 403 text
    assert (refused.rule, refused.served.status) == ("error-document", 403)


def test_for_a_broken_link() -> None:
    answers = _dept()
    error = answers.at_link(DEPT_BASE + "nothere.html")
    assert error is not None and error.served.status == 404 and error.rule == "error-document"
    with error.served.body.open() as body:
        assert b"Nothing at /dept/peace/nothere.html" in body.read()
    moved = answers.at_link(DEPT_BASE + "old/intro.htm")  # RedirectMatch
    assert moved is not None and moved.served.location == DEPT_BASE + "papers/intro.html"
    assert answers.at_link("http://elsewhere.example.org/page.html") is None


def test_the_bundled_site_keeps_nothing() -> None:
    """OTPIC was served by IIS from plain files: every answer is a file of the master, so the served
    step writes nothing and the golden outputs stay byte for byte."""
    config = load_config(OTPIC_CONFIG)
    answers = Answers(ServedView(config.source))
    files = list(iter_docroot(config.source, lambda path, reason: None))
    assert [answers.at_file(capture) for capture in files] == [None] * len(files)
    assert list(answers.elsewhere()) == []
