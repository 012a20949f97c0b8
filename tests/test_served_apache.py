"""The served view against the real thing: Debian's Apache httpd on the same files, URL by URL.

Each fixture docroot under ``tests/data/served/`` (with its ``server.conf``, the httpd.conf excerpt
sunset reads as ``[source] server_config``) is served by Apache on 127.0.0.1 with the same
configuration the view assumes (``ServedView.apache_config``). For every URL the view lists (each
file, each folder, each Redirect) and the extra ones in ``urls.txt`` (a folder without its slash,
a file that is not there, a path that climbs out...), the status, the ``Location``, the content type
and the body must be Apache's, byte for byte. Only what Apache worked out from its clock may
differ (``DATE_LOCAL``, ``DATE_GMT``: the pages wrap them in ``<!--clock-->``), and the host
name (Apache runs on 127.0.0.1, the view answers as the site's own host).

Not compared: programs (Apache runs none here; the view says a program ran, and never publishes
its source) and what lies under a ``ScriptAlias``.
"""
from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from crawl.options import SourceOptions
from crawl.served.view import ServedView
from tests.apache import Apache, public_copy, require_apache, serving_docroot
from tests.conftest import ROOT

FIXTURES = ROOT / "tests" / "data" / "served"
ORIGIN = "http://www.example.edu"
SITES = ("dept", "frontpage")
FILE_DATE = datetime(1998, 11, 16, 9, 30, tzinfo=timezone.utc)
_CLOCK = re.compile(rb"<!--clock-->.*?<!--/clock-->", re.S)


def _view(docroot: Path, site: str) -> ServedView:
    config = FIXTURES / site / "server.conf"
    return ServedView(SourceOptions(base_url=f"{ORIGIN}/", docroot=docroot,
                                    server_config=config if config.exists() else None))


def _paths(site: str) -> list[str]:
    """The view's own URLs of the fixture (read at collection time) and the extra ones."""
    listed = [url[len(ORIGIN):] for url in _view(FIXTURES / site / "docroot", site).urls()]
    extra_file = FIXTURES / site / "urls.txt"
    extra = extra_file.read_text(encoding="utf-8").split() if extra_file.exists() else []
    return list(dict.fromkeys(listed + extra))


CASES = [(site, path) for site in SITES for path in _paths(site)]


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, tuple[ServedView, Apache]]]:
    require_apache()
    running: dict[str, tuple[ServedView, Apache]] = {}
    stack = []
    try:
        for site in SITES:
            docroot = public_copy(FIXTURES / site / "docroot", FILE_DATE.timestamp())
            view = _view(docroot, site)
            context = serving_docroot(docroot, view.apache_config())
            running[site] = (view, context.__enter__())
            stack.append((context, docroot))
        yield running
    finally:
        for context, docroot in reversed(stack):
            context.__exit__(None, None, None)
            shutil.rmtree(docroot.parent, ignore_errors=True)


def _body(data: bytes, origin: str) -> bytes:
    return _CLOCK.sub(b"<!--clock-->", data.replace(origin.encode(), ORIGIN.encode()))


@pytest.mark.parametrize("site, path", CASES, ids=[f"{site}:{path}" for site, path in CASES])
def test_the_view_answers_as_apache(servers: dict[str, tuple[ServedView, Apache]], site: str, path: str) -> None:
    view, apache = servers[site]
    mine = view.answer(ORIGIN + path)
    theirs = apache.get(path)
    if mine.status is None:  # a program: the view never runs one, and Apache here runs none
        assert mine.kind == "program" and mine.withheld
        return
    if path.startswith("/cgi-bin/"):
        assert mine.status == 403  # what mod_cgi answered for its folder (not loaded here)
        return
    with mine.body.open() as handle:
        body = handle.read()
    location = theirs.headers.get("location", "").replace(apache.origin, ORIGIN) or None
    assert (mine.status, mine.location, mine.content_type) == \
        (theirs.status, location, theirs.headers.get("content-type")), apache.error_log()[-2000:]
    assert _body(body, ORIGIN) == _body(theirs.body, apache.origin)


def test_every_directive_of_the_fixtures_is_emulated() -> None:
    """The fixtures exercise what the view emulates: none of their directives is left over."""
    for site in SITES:
        view = _view(FIXTURES / site / "docroot", site)
        assert [directive.text() for directive in view.not_emulated()] == [], site
