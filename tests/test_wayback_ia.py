"""Rebuilding a site from the Internet Archive's formats, through a small imitation of the Wayback
Machine (tests/ia_imitation.py): the CDX listing page by page with resume keys, the original head
rebuilt from ``x-archive-orig-*``, ``Location`` unwrapped, the capture dated by ``Memento-Datetime``,
one keep-alive connection for the whole run, 429 and ``Retry-After`` honoured, and a run killed
part-way resumed without asking again for what the WARC holds."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from archive.capture import ARCHIVED_AT, HTTP_HEAD
from archive.package.verify import verify_warc
from sunset.cli import main
from tests.conftest import ROOT, toml_string
from tests.ia_imitation import IACapture, Imitation, imitation_of_the_internet_archive
from tests.test_crawl_site import read_warc

BASE = "http://www.oldsite.test/site/"


def _page(title: str, *links: str) -> bytes:
    anchors = "".join(f'<A HREF="{link}">{link}</A>\r\n' for link in links)
    return f"<HTML><HEAD><TITLE>{title}</TITLE></HEAD><BODY>\r\n{anchors}</BODY></HTML>\r\n".encode("latin-1")


ORIGINAL_HEAD = (("Server", "Microsoft-IIS/4.0"), ("Date", "Mon, 16 Nov 1998 09:30:00 GMT"),
                 ("Content-Type", "text/html"), ("Last-Modified", "Fri, 13 Nov 1998 17:00:00 GMT"))


def site(pages: int = 6) -> list[IACapture]:
    """A 1998 site as the Internet Archive holds it: pages, a redirect, an image and its revisit."""
    names = [f"p{number}.htm" for number in range(1, pages + 1)]
    captures = [
        IACapture("http://www.oldsite.test:80/site/", "19981116093000", 200, ORIGINAL_HEAD,
                  _page("Home", "moved.htm", *names) .replace(b"</BODY>", b'<IMG SRC="logo.gif"></BODY>')),
        IACapture("http://www.oldsite.test/site/moved.htm", "19981116093001", 302,
                  (("Server", "Microsoft-IIS/4.0"), ("Location", "p1.htm"), ("Content-Type", "text/html")),
                  b"<A HREF=p1.htm>moved</A>"),
        IACapture("http://www.oldsite.test/site/logo.gif", "19980601000000", 200,
                  (("Content-Type", "image/gif"),), b"GIF89a the logo"),
        IACapture("http://www.oldsite.test/site/logo.gif", "19981116093002", 200,
                  (("Content-Type", "image/gif"),), revisit_of="19980601000000"),
    ]
    captures += [IACapture(f"http://oldsite.test/site/{name}", f"199811160931{number:02d}", 200, ORIGINAL_HEAD,
                           _page(f"Page {number}", "index.htm"))
                 for number, name in enumerate(names, start=1)]
    return captures


def config(folder: Path, imitation: Imitation, extra: str = "") -> Path:
    path = folder / "site.toml"
    path.write_text(
        f'[site]\nname = "old"\nbase_url = "{BASE}"\n\n[source]\n'
        f'wayback = {toml_string(imitation.origin + "/web/")}\n'
        f'cdx_api = {toml_string(imitation.origin + "/cdx/search/cdx")}\n'
        'as_of = "1998-11-16"\nrobots = "ignore"\ndelay = 0\nretry_wait = 0.05\n' + extra +
        '\n[notice]\ntitle = "Retired"\ndate = "2005-12-02"\ntext = "This site has been retired."\n',
        encoding="utf-8")
    return path


def _heads(warc: Path) -> dict[str, tuple[dict[str, str], object, bytes]]:
    from warcio.archiveiterator import ArchiveIterator

    found = {}
    with warc.open("rb") as handle:
        for record in ArchiveIterator(handle):
            if record.rec_type == "response":
                found[record.rec_headers.get_header("WARC-Target-URI")] = (
                    dict(record.rec_headers.headers), record.http_headers, record.content_stream().read())
    return found


def test_the_original_response_is_rebuilt_from_the_archives_answer(tmp_path: Path) -> None:
    with imitation_of_the_internet_archive(Imitation(site(), page_rows=3)) as imitation:
        assert main(["crawl", str(config(tmp_path, imitation)), "--out", str(tmp_path / "out"), "-q"]) == 0
    cdx = [path for path in imitation.requests if path.startswith("/cdx/")]
    assert len([path for path in cdx if "matchType=prefix" in path]) == 4  # 10 rows, 3 a page
    assert sum("resumeKey=" in path for path in cdx) == 3
    assert imitation.connections == 1  # one keep-alive connection for the whole run
    records = _heads(tmp_path / "out" / "old.warc.gz")
    assert set(records) == {BASE, BASE + "moved.htm", BASE + "logo.gif"} | {BASE + f"p{n}.htm" for n in range(1, 7)}
    warc, http, body = records[BASE]
    assert http.statusline == "200 OK"  # the archive's own headers gone, the original's back (names lower-cased,
    assert [(name.lower(), value) for name, value in http.headers] == [  # as the Internet Archive sends them)
        (name.lower(), value) for name, value in ORIGINAL_HEAD]
    assert warc["WARC-Date"] == "1998-11-16T09:30:00Z"  # the Memento-Datetime
    assert warc[ARCHIVED_AT] == f"{imitation.origin}/web/19981116093000id_/http://www.oldsite.test:80/site/"
    assert "rebuilt from the web archive's replay" in warc[HTTP_HEAD]
    assert body.startswith(b"<HTML><HEAD><TITLE>Home")
    warc, http, body = records[BASE + "moved.htm"]
    assert http.get_statuscode() == "302" and http.get_header("Location") == BASE + "p1.htm"  # unwrapped
    assert body == b"<A HREF=p1.htm>moved</A>"
    warc, http, body = records[BASE + "logo.gif"]
    assert body == b"GIF89a the logo" and warc["WARC-Date"] == "1998-11-16T09:30:02Z"  # the revisit, resolved
    assert verify_warc(tmp_path / "out" / "old.warc.gz").problems == ()


def test_429_is_waited_out_as_retry_after_asks(tmp_path: Path) -> None:
    with imitation_of_the_internet_archive(Imitation(site(2), throttle={1, 4, 5})) as imitation:
        assert main(["crawl", str(config(tmp_path, imitation)), "--out", str(tmp_path / "out"), "-q"]) == 0
    assert imitation.requests[0] == imitation.requests[1]  # the throttled request asked again
    assert imitation.requests[3] == imitation.requests[4] == imitation.requests[5]
    assert imitation.connections == 1
    assert len(_heads(tmp_path / "out" / "old.warc.gz")) == 5
    assert "the archive asks to slow down (429); waiting 1 s" in (tmp_path / "out" / "sunset.log").read_text()


def test_an_archive_that_keeps_refusing_stops_the_run_and_a_later_run_finishes(tmp_path: Path) -> None:
    """Never an empty record for a failed fetch: the run stops, saying so, and resumes later."""
    throttled = Imitation(site(2), throttle=set(range(6, 200)), retry_after="0")
    out = tmp_path / "out"
    with imitation_of_the_internet_archive(throttled) as imitation:
        assert main(["crawl", str(config(tmp_path, imitation)), "--out", str(out), "-q"]) == 1
        before = len(_heads(out / "old.warc.gz.open"))
        imitation.throttle.clear()
        assert main(["crawl", str(config(tmp_path, imitation)), "--out", str(out), "-q"]) == 0
    records = read_warc(out / "old.warc.gz")
    captures = Counter(url for kind, url, *_ in records if kind == "response")
    assert before < 5 and len(captures) == 5 and set(captures.values()) == {1}
    assert all(payload for kind, _, _, status, payload in records if kind == "response" and status == 200)


def _run_until_killed(config_path: Path, out: Path, imitation: Imitation, mementos: int) -> None:
    process = subprocess.Popen([sys.executable, "-m", "sunset", "crawl", str(config_path), "--out", str(out), "-q"],
                               cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        deadline = time.monotonic() + 120
        while len(imitation.memento_requests()) < mementos and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert process.poll() is None, "the run finished before it could be killed"
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait()


def test_a_killed_run_resumes_without_asking_again_for_what_the_warc_holds(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with imitation_of_the_internet_archive(Imitation(site(30), page_rows=8, delay=0.02, throttle={12})) as imitation:
        path = config(tmp_path, imitation)
        _run_until_killed(path, out, imitation, 6)
        assert (out / "old.warc.gz.open").exists()
        _run_until_killed(path, out, imitation, 20)
        assert main(["crawl", str(path), "--out", str(out), "-q"]) == 0
    warc = out / "old.warc.gz"
    assert verify_warc(warc).problems == ()
    captures = Counter(url for kind, url, *_ in read_warc(warc) if kind == "response")
    assert len(captures) == 3 + 30 and set(captures.values()) == {1}
    served = Counter(imitation.mementos_served())
    assert sum(count - 1 for count in served.values()) <= 2  # at most the fetch in flight at each kill


def test_the_robots_txt_of_the_time_is_obeyed(tmp_path: Path) -> None:
    robots = IACapture("http://www.oldsite.test/robots.txt", "19981101000000", 200,
                       (("Content-Type", "text/plain"),), b"User-agent: *\nDisallow: /site/p2.htm\n")
    with imitation_of_the_internet_archive(Imitation([*site(3), robots])) as imitation:
        path = config(tmp_path, imitation)
        path.write_text(path.read_text(encoding="utf-8").replace('robots = "ignore"\n', ""), encoding="utf-8")
        assert main(["crawl", str(path), "--out", str(tmp_path / "out"), "-q"]) == 0
    records = _heads(tmp_path / "out" / "old.warc.gz")
    assert "http://www.oldsite.test/robots.txt" in records  # archived, as a crawl archives it
    assert BASE + "p1.htm" in records and BASE + "p2.htm" not in records
    assert not any("p2.htm" in path for path in imitation.memento_requests())


def test_a_higher_max_pages_continues_a_finished_run(tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    with imitation_of_the_internet_archive(Imitation(site(6))) as imitation:
        path = config(tmp_path, imitation)
        assert main(["crawl", str(path), "--out", str(out), "-q", "--max-pages", "3"]) == 0
        assert len(_heads(out / "old.warc.gz")) == 3
        assert main(["crawl", str(path), "--out", str(out), "--max-pages", "3"]) == 0
        assert capsys.readouterr().out.startswith(f"crawl already complete: 3 captures from {imitation.origin}/web/ (")
        assert main(["crawl", str(path), "--out", str(out), "-q", "--max-pages", "7"]) == 0
    assert len(_heads(out / "old.warc.gz")) == 7 and verify_warc(out / "old.warc.gz").problems == ()
    asked = imitation.memento_requests()
    assert len(asked) == len(set(asked)) == 7  # each capture asked for once, across the three runs
