"""The mirror written while the crawl runs (``sunset run`` of a crawl: :mod:`site_out.along`) is,
file for file and byte for byte, what ``sunset mirror`` writes afterwards from the same master,
with the same problems and missing links: over forward links, a redirect, a case clash renamed
``~2``, a file named like a folder, links to a page never fetched (a 404, a URL the config
excludes, one outside base_url) and the start page."""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from archive.capture import BytesBody, Capture
from archive.urls import Scope
from site_out.along import ALONG_FILE, AnsweringResolver, GrowingPlan, along_store
from site_out.plan_store import PlannedFile
from sunset.cli import main
from tests.conftest import ROOT
from tests.crawlserver import ServerState, _Handler, gif, many_route, serve, site_route
from tests.test_crawl_site import crawl_config

PAGES = {
    "/s/": '<HTML><BODY><A HREF="Page.htm">P</A> <A HREF="later.htm">later</A> <A HREF="page.htm">p</A> '
           '<A HREF="moved.htm">moved</A> <IMG SRC="data"> <IMG SRC="data/more.gif"> <A HREF="gone.htm">gone</A> '
           '<A HREF="private/x.htm">private</A> <A HREF="../outside.htm">outside</A> <A HREF="dir">dir</A>'
           '</BODY></HTML>',
    "/s/Page.htm": '<HTML><BODY><A HREF="./">home</A> <A HREF="later.htm#end">later</A> '
                   '<A HREF="Deep/far.htm">far</A></BODY></HTML>',
    "/s/page.htm": '<HTML><BODY><A HREF="Page.htm">the other</A> <A HREF="moved.htm">moved</A></BODY></HTML>',
    "/s/later.htm": '<HTML><BODY><A HREF="gone.htm">gone</A> <A HREF="new.htm">new</A> <A HREF="Page.htm">P</A>'
                    '<A NAME="end"></A></BODY></HTML>',
    "/s/new.htm": '<HTML><BODY><A HREF="moved.htm">here again</A> <IMG SRC="data"></BODY></HTML>',
    "/s/dir/": '<HTML><BODY><A HREF="../">up</A> <A HREF="../later.htm">later</A></BODY></HTML>',
    "/s/Deep/far.htm": '<HTML><BODY><A HREF="../page.htm">p</A> <A HREF="../index.htm">index</A></BODY></HTML>',
}


def clash_route(handler: _Handler, state: ServerState) -> None:
    path = urlsplit(handler.path).path
    if path == "/robots.txt":
        handler.send(404, b"")
    elif path == "/s/moved.htm":
        handler.send(302, b"", [("Location", "new.htm")])
    elif path == "/s/dir":
        handler.send(301, b"", [("Location", f"{state.origin}/s/dir/")])
    elif path in PAGES:
        handler.send(200, PAGES[path].encode())
    elif path in ("/s/data", "/s/data/more.gif"):
        handler.send(200, gif(path.encode()), content_type="image/gif")
    else:
        handler.send(404, b"<H1>Not Found</H1>")


def _files(root: Path) -> dict[str, bytes]:
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


def _mirror_lines(log: Path) -> list[str]:
    """The log's lines of the mirror's problems and missing links (their order too)."""
    lines = log.read_text(encoding="utf-8").splitlines()
    return [line.split("INFO sunset: ", 1)[1] for line in lines if "INFO sunset: mirror: " in line
            and "written" not in line and "redirect map" not in line and "mirror: removed " not in line]


def _mirror_again(out: Path, again: Path) -> None:
    """``sunset mirror`` of a copy of ``out``'s master (and its records) in ``again``."""
    again.mkdir()
    for name in ("old.warc.gz", "site.toml", "records.jsonl"):
        shutil.copy(out / name, again / name)
    assert main(["mirror", str(again), "--quiet"]) == 0


def _assert_same_mirror(out: Path, again: Path) -> None:
    along, after = _files(out / "mirror"), _files(again / "mirror")
    assert sorted(along) == sorted(after)
    # (the about page names the runs that made the folder: the two folders' histories differ)
    assert [name for name in along if along[name] != after[name] and name != "_sunset/about.html"] == []


@pytest.fixture(scope="module")
def along_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A crawl run whose mirror was written along, and ``sunset mirror`` run again on a copy of its master."""
    folder = tmp_path_factory.mktemp("along")
    with serve(clash_route) as state:
        config = crawl_config(folder, state, base_url=state.origin + "/s/", fetch_from=None,
                              extra='case_insensitive = false\nconcurrency = 1\nexclude = ["/private/"]')
        out = folder / "out"
        assert main(["run", str(config), "--out", str(out), "--quiet"]) == 0
    _mirror_again(out, folder / "again")
    return out, folder / "again"


def test_the_mirror_was_written_along_the_crawl(along_run) -> None:
    out, _ = along_run
    log = (out / "sunset.log").read_text(encoding="utf-8")
    assert "files written while crawling" in log
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    spans = [span for entry in run["runs"] for span in entry.get("steps", ())]
    assert any(span["step"] == "mirror" and span.get("along") == "crawl" for span in spans), spans
    assert not (out / ALONG_FILE).exists()
    # ``data`` was a file's name until ``data/more.gif`` was fetched: the file was written again as ``data~2``
    assert "mirror: removed " in log and "/s/data: no capture in the WARC explains it (named otherwise" in log


def test_along_mirror_is_what_sunset_mirror_writes_file_for_file(along_run) -> None:
    out, again = along_run
    _assert_same_mirror(out, again)
    along = _files(out / "mirror")
    site = next(name for name in along if name.endswith("/s/index.html")).rsplit("/", 1)[0]
    assert {f"{site}/Page.htm", f"{site}/page~2.htm", f"{site}/data~2", f"{site}/data/more.gif",
            f"{site}/moved.htm", f"{site}/dir.html", f"{site}/dir/index.html", f"{site}/Deep/far.htm"} <= set(along)
    assert f"{site}/data" not in along and f"{site}/gone.htm" not in along


def test_along_mirror_tells_the_same_problems_in_the_same_order(along_run) -> None:
    out, again = along_run
    lines = _mirror_lines(out / "sunset.log")
    assert any("gone.htm" in line for line in lines) and any("renamed" in line for line in lines)
    assert lines == _mirror_lines(again / "sunset.log")
    for name in ("old-redirects.csv",):
        if (out / name).exists():
            assert (out / name).read_bytes() == (again / name).read_bytes()


def test_a_run_killed_while_crawling_ends_with_the_mirror_sunset_mirror_writes(tmp_path: Path) -> None:
    """SIGKILL during the crawl (files written along, the store half made), then the same command:
    the crawl resumes, the mirror is written along again from the start of the master, and ends as
    ``sunset mirror`` writes it."""
    with serve(many_route, delay=0.03) as state:
        config = crawl_config(tmp_path, state, base_url=state.origin + "/s/", fetch_from=None,
                              extra="concurrency = 2")
        out = tmp_path / "out"
        process = subprocess.Popen([sys.executable, "-m", "sunset", "run", str(config), "--out", str(out), "-q"],
                                   cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 120
            while (not list(out.glob("mirror/*/s/p2*.htm")) and process.poll() is None
                   and time.monotonic() < deadline):
                time.sleep(0.01)
            assert process.poll() is None, "the run finished before it could be killed"
            os.kill(process.pid, signal.SIGKILL)
        finally:
            process.wait()
        assert (out / "old.warc.gz.open").exists()
        assert main(["run", str(config), "--out", str(out), "--quiet"]) == 0
    # Every page links forward by the names its targets are fetched under: once the master is complete,
    # the resumed run's fix-up writes none of them again (the killed run's files are overwritten along).
    written = re.findall(r"mirror: (\d+) files written while crawling, (\d+) written again",
                         (out / "sunset.log").read_text(encoding="utf-8"))
    assert written and int(written[-1][0]) == 1 + 61 + 7 - 1 and written[-1][1] == "0", written
    _mirror_again(out, tmp_path / "again")
    _assert_same_mirror(out, tmp_path / "again")
    assert not list(out.glob(".*.sqlite*"))


def test_the_1998_site_case_insensitive_along_is_what_sunset_mirror_writes(tmp_path: Path) -> None:
    """The crawl tests' IIS site (case-insensitive, with its redirects, errors, frames, a CGI's
    queries, a gzip page, revisits), two fetches at once: the same mirror, the same notes."""
    with serve(site_route) as state:
        config = crawl_config(tmp_path, state)
        out = tmp_path / "out"
        assert main(["run", str(config), "--out", str(out), "--quiet"]) == 0
    assert "files written while crawling" in (out / "sunset.log").read_text(encoding="utf-8")
    _mirror_again(out, tmp_path / "again")
    _assert_same_mirror(out, tmp_path / "again")
    assert _mirror_lines(out / "sunset.log") == _mirror_lines(tmp_path / "again" / "sunset.log")


def _capture(url: str, status: int = 200, content_type: str = "text/html", location: str | None = None) -> Capture:
    headers = (("Location", location),) if location else ()
    return Capture(url, datetime(2005, 12, 2, tzinfo=timezone.utc), content_type, BytesBody(b""), status, headers)


def test_the_growing_plan_names_files_by_the_plans_rules_in_warc_order(tmp_path: Path) -> None:
    """First capture of a URL wins, ``~2`` on a case clash, a file under a folder that is an earlier
    file's name is put off; the resolver guesses a URL not met yet, answers none for an error, and
    follows a redirect to its target's file, noting every answer."""
    store = along_store(tmp_path)
    plan = GrowingPlan(store, case_insensitive=False)
    site = "http://old.example.org/s/"
    scope = Scope(site)
    resolver = AnsweringResolver(plan, scope, index_files=("index.htm",), language="en")
    assert resolver.target_path(site + "later.htm") == "old.example.org/s/later.htm"  # a guess: not fetched yet
    assert resolver.target_path(site + "logo.gif") == "old.example.org/s/logo.gif"
    assert resolver.target_path("http://old.example.org/elsewhere.htm") is None  # outside base_url: never fetched
    assert resolver.answers == {site + "later.htm": "old.example.org/s/later.htm",
                                site + "logo.gif": "old.example.org/s/logo.gif",
                                "http://old.example.org/elsewhere.htm": None}
    assert plan.place(_capture(site + "Page.htm")) == (PlannedFile(site + "Page.htm", "old.example.org/s/Page.htm",
                                                                   "html"), True)
    assert plan.place(_capture(site + "page.htm")) == (PlannedFile(site + "page.htm",
                                                                   "old.example.org/s/page~2.htm", "html"), True)
    assert plan.place(_capture(site + "Page.htm")) == (None, False)  # not the URL's first capture
    assert plan.place(_capture(site + "data", content_type="image/gif"))[1] is True
    assert plan.place(_capture(site + "data/more.gif", content_type="image/gif")) == (
        PlannedFile(site + "data/more.gif", "old.example.org/s/data/more.gif", "other"), False)  # put off
    assert plan.place(_capture(site + "gone.htm", status=404)) == (None, False)
    assert plan.place(_capture(site + "moved.htm", status=302, location=site + "page.htm")) == (None, False)
    resolver.next_file()
    assert resolver.target_path(site + "gone.htm") is None
    assert resolver.target_path(site + "moved.htm") == "old.example.org/s/page~2.htm"
    assert resolver.target_path(site + "Page.htm") == "old.example.org/s/Page.htm"
    store.close()
