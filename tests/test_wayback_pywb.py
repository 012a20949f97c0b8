"""Rebuilding a site from a real web archive: pywb on 127.0.0.1, its CDX API on.

Two collections: the bundled example as a crawl archived it (crawled from a server that answers
from the docroot like the old IIS), and a generated 1998 site with captures from several years,
a redirect, a revisit and a page only its links lead to. The rebuild must give back every
payload byte for byte, the records and mirror pages a crawl of the same pages gives, the capture
nearest ``as_of`` inside the window, and the archive's provenance on every record.
"""
from __future__ import annotations

import contextlib
import io
import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.capture import ARCHIVED_AT, HTTP_HEAD
from archive.package.replay import ReplayError, pywb_tool, running_wayback
from sunset.cli import main
from tests.conftest import OTPIC_DOCROOT, toml_string
from tests.crawlserver import ServerState, serve

BASE = "http://www.colorado.edu/conflict/peace/"
YEARS = "http://old.example.org/site/"
TYPES = {".htm": "text/html", ".html": "text/html", ".gif": "image/gif", ".css": "text/css"}


def otpic_route(handler, state: ServerState) -> None:  # type: ignore[no-untyped-def]
    """The example's docroot as its IIS served it: names in any case, a folder by its index.html,
    a folder named without its slash redirected."""
    files = {path.relative_to(OTPIC_DOCROOT).as_posix().lower(): path
             for path in OTPIC_DOCROOT.rglob("*") if path.is_file()}
    wanted = handler.path.split("?")[0].lstrip("/").lower()
    if wanted in files or wanted + "index.html" in files:
        path = files.get(wanted) or files[wanted + "index.html"]
        handler.send(200, path.read_bytes(), [("Server", "Microsoft-IIS/4.0"),
                                              ("Last-Modified", "Mon, 16 Nov 1998 09:30:00 GMT")],
                     TYPES.get(path.suffix.lower(), "application/octet-stream"))
    elif wanted + "/index.html" in files:
        handler.send(301, b"", [("Location", f"{state.origin}/{wanted}/")])
    else:
        handler.send(404, b"<H1>Not Found</H1>")


def write_config(folder: Path, base_url: str, source: str) -> Path:
    path = folder / "site.toml"
    path.write_text(f'[site]\nname = "site"\nbase_url = {toml_string(base_url)}\n\n[source]\n{source}\n'
                    '[notice]\ntitle = "Retired"\ndate = "2005-12-02"\ntext = "This site has been retired."\n',
                    encoding="utf-8")
    return path


def _collection(root: Path, name: str, warc: Path) -> None:
    for command in (["init", name], ["add", name, str(warc)]):
        subprocess.run([pywb_tool("wb-manager"), *command], cwd=root, check=True, capture_output=True)
    (root / "config.yaml").write_text("collections_root: collections\n", encoding="utf-8")


# -- the generated site, archived over the years ----------------------------------------------
def _page(title: str, *links: str) -> bytes:
    anchors = "".join(f'<A HREF="{link}">{link}</A>\r\n' for link in links)
    return f"<HTML><HEAD><TITLE>{title}</TITLE></HEAD><BODY>\r\n{anchors}</BODY></HTML>\r\n".encode("latin-1")


YEARS_CAPTURES: list[tuple[str, str, str, list[tuple[str, str]], bytes]] = [
    # (path, WARC-Date, status line, headers, body)
    ("index.htm", "1997-06-01T10:00:00Z", "200 OK", [("Content-Type", "text/html")],
     _page("Home 1997", "news.htm")),
    ("index.htm", "1998-10-20T10:00:00Z", "200 OK", [("Content-Type", "text/html")],
     _page("Home 1998", "news.htm", "old.htm", "dir", "logo.gif", "gone.htm").replace(
         b"</BODY>", b'<IFRAME SRC="/shared/frame.htm"></IFRAME></BODY>')),
    ("index.htm", "2001-03-01T10:00:00Z", "200 OK", [("Content-Type", "text/html")],
     _page("Home 2001 redesign")),
    ("news.htm", "1997-06-01T10:00:01Z", "200 OK", [("Content-Type", "text/html")], _page("News 1997")),
    ("news.htm", "1999-02-01T10:00:00Z", "200 OK", [("Content-Type", "text/html")], _page("News 1999")),
    ("old.htm", "1998-11-02T10:00:00Z", "302 Found", [("Location", YEARS + "new.htm"), ("Content-Type", "text/html")],
     b"<A HREF=new.htm>moved</A>"),
    ("new.htm", "1998-11-02T10:00:01Z", "200 OK", [("Content-Type", "text/html")], _page("New page")),
    ("dir", "1998-11-03T10:00:00Z", "301 Moved Permanently", [("Location", YEARS + "dir/")], b""),
    ("dir/", "1998-11-03T10:00:01Z", "200 OK", [("Content-Type", "text/html")], _page("Folder")),
    ("logo.gif", "1998-01-05T10:00:00Z", "200 OK", [("Content-Type", "image/gif")], b"GIF89a logo of 1998"),
    ("gone.htm", "2003-01-01T10:00:00Z", "200 OK", [("Content-Type", "text/html")], _page("Only in 2003")),
    ("../shared/frame.htm", "1998-11-05T10:00:00Z", "200 OK", [("Content-Type", "text/html")],
     _page("Found only by a link").replace(b"</BODY>", b'<IMG SRC="logo.gif"></BODY>')),
    ("../shared/logo.gif", "1998-11-05T10:00:01Z", "200 OK", [("Content-Type", "image/gif")], b"GIF89a shared"),
]
REVISIT = ("logo.gif", "1998-11-20T10:00:00Z")
"""A revisit of logo.gif (same payload as its 1998-01 capture), nearest as_of."""


def _years_warc(path: Path) -> None:
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        digests = {}
        for name, date, status, headers, body in YEARS_CAPTURES:
            url = YEARS + name if not name.startswith("../") else "http://old.example.org/" + name[3:]
            http = StatusAndHeaders(status, headers + [("Content-Length", str(len(body)))], protocol="HTTP/1.0")
            record = writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http,
                                               warc_headers_dict={"WARC-Date": date})
            writer.write_record(record)
            digests[name] = (url, date, record.rec_headers.get_header("WARC-Payload-Digest"))
        url, date, digest = digests[REVISIT[0]]
        http = StatusAndHeaders("200 OK", [("Content-Type", "image/gif")], protocol="HTTP/1.0")
        writer.write_record(writer.create_revisit_record(url, digest, url, date, http_headers=http,
                                                         warc_headers_dict={"WARC-Date": REVISIT[1]}))


# -- fixtures ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    """pywb serving ``otpic`` (a crawl of the example) and ``years``; yields its port and the crawl's folder."""
    try:
        pywb_tool("wayback")
    except ReplayError as error:
        pytest.skip(str(error))
    folder = tmp_path_factory.mktemp("wayback")
    crawled = folder / "crawled"
    with serve(otpic_route) as state:
        config = write_config(folder, BASE, f"fetch_from = {toml_string(state.origin + '/conflict/peace/')}\n"
                                            "case_insensitive = true\ndelay = 0\n")
        assert main(["run", str(config), "--out", str(crawled), "--quiet"]) == 0
    root = folder / "pywb"
    root.mkdir()
    _collection(root, "otpic", crawled / "site.warc.gz")
    _years_warc(folder / "years.warc.gz")
    _collection(root, "years", folder / "years.warc.gz")
    with running_wayback(root) as port:
        yield port, crawled


def _captures(warc: Path) -> dict[str, tuple[dict[str, str], int | None, bytes]]:
    """URL -> (WARC headers, HTTP status, payload) of every capture record."""
    found = {}
    with warc.open("rb") as handle:
        for record in ArchiveIterator(handle):
            if record.rec_type in ("response", "revisit", "resource"):
                status = int(record.http_headers.get_statuscode()) if record.http_headers else None
                found[record.rec_headers.get_header("WARC-Target-URI")] = (
                    dict(record.rec_headers.headers), status, record.content_stream().read())
    return found


def _first_date(warc: Path) -> str:
    with warc.open("rb") as handle:
        for record in ArchiveIterator(handle):
            if record.rec_type == "response":
                return re.sub(r"\D", "", record.rec_headers.get_header("WARC-Date"))[:14]
    raise AssertionError("no capture")


def _records(path: Path) -> dict[str, dict]:
    """records.jsonl by URL, without what differs between any two runs (record ids, sub-second dates)."""
    records = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        record.pop("warc_record_id", None)
        if record.get("last_modified"):
            record["last_modified"] = record["last_modified"][:19]
        records[record["url"]] = record
    return records


_NOTICE = re.compile(r'<div id="sunset-notice".*?</div>', re.S)


@pytest.fixture(scope="module")
def rebuilt_otpic(archive: tuple[int, Path], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    port, crawled = archive
    folder = tmp_path_factory.mktemp("rebuilt")
    config = write_config(folder, BASE, f'wayback = "http://127.0.0.1:{port}/otpic/"\n'
                                        f'as_of = "{_first_date(crawled / "site.warc.gz")}"\n'
                                        "case_insensitive = true\ndelay = 0\n")
    assert main(["run", str(config), "--out", str(folder / "out"), "--quiet"]) == 0
    return folder / "out", crawled


def test_every_payload_is_the_original_file_byte_for_byte(rebuilt_otpic: tuple[Path, Path]) -> None:
    out, _ = rebuilt_otpic
    captures = _captures(out / "site.warc.gz")
    files = {BASE + path.relative_to(OTPIC_DOCROOT / "conflict" / "peace").as_posix(): path.read_bytes()
             for path in (OTPIC_DOCROOT / "conflict" / "peace").rglob("*") if path.is_file()}
    by_key = {url.lower(): payload for url, (_, status, payload) in captures.items() if status == 200}
    for url, original in files.items():
        assert by_key.get(url.lower()) == original, f"{url}: not the original bytes"
    for url, (headers, _, _) in captures.items():
        assert headers[ARCHIVED_AT].startswith("http://127.0.0.1:") and "id_/" in headers[ARCHIVED_AT], url
        assert headers[HTTP_HEAD].startswith("rebuilt from the web archive's replay"), url


def test_records_and_mirror_pages_are_those_of_the_crawl(rebuilt_otpic: tuple[Path, Path]) -> None:
    out, crawled = rebuilt_otpic
    assert _records(out / "records.jsonl") == _records(crawled / "records.jsonl")
    ours = {path.relative_to(out / "mirror"): path for path in (out / "mirror").rglob("*")
            if path.is_file() and "_sunset" not in path.parts}
    theirs = {path.relative_to(crawled / "mirror"): path for path in (crawled / "mirror").rglob("*")
              if path.is_file() and "_sunset" not in path.parts}
    assert set(ours) == set(theirs)
    for name, path in ours.items():
        mine, crawl = path.read_bytes(), theirs[name].read_bytes()
        if path.suffix in (".htm", ".html"):
            mine, crawl = (_NOTICE.sub("", text.decode("utf-8")) for text in (mine, crawl))
        assert mine == crawl, name


# -- captures from several years ------------------------------------------------------------------
@pytest.fixture(scope="module")
def rebuilt_years(archive: tuple[int, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    port, _ = archive
    folder = tmp_path_factory.mktemp("years")
    config = write_config(folder, YEARS, f'wayback = "http://127.0.0.1:{port}/years/"\nas_of = "1998-11"\n'
                                         'from = "1998"\nto = "1999"\ndelay = 0\nrobots = "ignore"\n'
                                         f'seeds = ["{YEARS}index.htm"]\n')
    shown, failures = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(shown), contextlib.redirect_stderr(failures):
        assert main(["run", str(config), "--out", str(folder / "out")]) == 0
    (folder / "out" / "summary.txt").write_text(shown.getvalue() + failures.getvalue(), encoding="utf-8")
    return folder / "out"


def test_the_run_is_the_drivers_and_says_where_the_captures_came_from(archive: tuple[int, Path],
                                                                       rebuilt_years: Path) -> None:
    """The web archive is a line of the sources table: the driver's summary and warcinfo name it."""
    port, _ = archive
    summary = (rebuilt_years / "summary.txt").read_text(encoding="utf-8")
    assert re.search(rf"  files archived   \d+ captures from http://127\.0\.0\.1:{port}/years/ "
                     r"\(1 not in the archive, 1 unusable, \d+ left out\)", summary), summary
    assert "verification     passed" in summary
    assert f"sunset: crawl: {YEARS}gone.htm: not in the archive" in summary
    with (rebuilt_years / "site.warc.gz").open("rb") as handle:
        info = next(iter(ArchiveIterator(handle))).content_stream().read().decode()
    assert "rebuilt from a web archive" in info and f"sunset-archive: http://127.0.0.1:{port}/years/" in info
    assert "sunset-as-of: 19981101000000" in info and "sunset-window: 19980101000000-19991231235959" in info


def test_each_page_is_its_capture_nearest_the_date_inside_the_window(rebuilt_years: Path) -> None:
    captures = _captures(rebuilt_years / "site.warc.gz")
    home, news = captures[YEARS + "index.htm"], captures[YEARS + "news.htm"]
    assert b"Home 1998" in home[2] and home[0]["WARC-Date"] == "1998-10-20T10:00:00Z"
    assert b"News 1999" in news[2] and news[0]["WARC-Date"] == "1999-02-01T10:00:00Z"  # the window's only one
    assert YEARS + "gone.htm" not in captures  # captured in 2003 only: outside the window
    log = (rebuilt_years / "sunset.log").read_text(encoding="utf-8")
    assert "gone.htm: not in the archive between 1998-01-01 to 1999-12-31" in log


def test_archived_redirects_are_kept_and_followed(rebuilt_years: Path) -> None:
    captures = _captures(rebuilt_years / "site.warc.gz")
    assert captures[YEARS + "old.htm"][1] == 302 and captures[YEARS + "old.htm"][2] == b"<A HREF=new.htm>moved</A>"
    assert b"New page" in captures[YEARS + "new.htm"][2]
    # The archive holds dir's 301 to dir/, but replays dir/ for it (it never replays a redirect between
    # two spellings of one URL): dir/ is fetched in its own right and dir reported, not filled with dir/.
    assert YEARS + "dir" not in captures and b"Folder" in captures[YEARS + "dir/"][2]
    assert "dir: the archive answers with its capture of " + YEARS + "dir/" in (
        rebuilt_years / "sunset.log").read_text(encoding="utf-8")
    with (rebuilt_years / "site.warc.gz").open("rb") as handle:
        heads = {record.rec_headers.get_header("WARC-Target-URI"): record.http_headers
                 for record in ArchiveIterator(handle) if record.rec_type == "response"}
    assert heads[YEARS + "old.htm"].get_header("Location") == YEARS + "new.htm"  # as the old server sent it


def test_a_revisit_resolves_to_the_payload_it_repeats(rebuilt_years: Path) -> None:
    headers, status, payload = _captures(rebuilt_years / "site.warc.gz")[YEARS + "logo.gif"]
    assert status == 200 and payload == b"GIF89a logo of 1998"
    assert headers["WARC-Type"] == "response" and headers["WARC-Date"] == REVISIT[1]


def test_a_page_the_listing_missed_is_found_by_its_links(rebuilt_years: Path) -> None:
    captures = _captures(rebuilt_years / "site.warc.gz")
    assert b"Found only by a link" in captures["http://old.example.org/shared/frame.htm"][2]
    assert captures["http://old.example.org/shared/logo.gif"][2] == b"GIF89a shared"  # and what it links


def test_each_page_says_which_archive_took_it_and_when(archive: tuple[int, Path], rebuilt_years: Path) -> None:
    port, _ = archive
    mirror = rebuilt_years / "mirror"
    home = (mirror / "old.example.org" / "site" / "index.htm").read_text(encoding="utf-8")
    assert f"Archived by 127.0.0.1:{port}/years on October 20, 1998 from {YEARS}index.htm." in home
    news = (mirror / "old.example.org" / "site" / "news.htm").read_text(encoding="utf-8")
    assert f"Archived by 127.0.0.1:{port}/years on February 1, 1999 from {YEARS}news.htm." in news
    about = (mirror / "_sunset" / "about.html").read_text(encoding="utf-8")
    assert (f"The dates are the days the web archive <code>127.0.0.1:{port}/years</code> captured the pages, not "
            "days sunset fetched them") in about


def test_the_report_charts_the_capture_dates(rebuilt_years: Path) -> None:
    report = (rebuilt_years / "mirror" / "_sunset" / "report.html").read_text(encoding="utf-8")
    chart = report[report.index('<figure id="archived">'):]
    chart = chart[:chart.index("</figure>")]
    columns = dict(re.findall(r'data-label="([^"]+)" data-value="(\d+)"', chart))
    assert list(columns) == ["1998-10", "1998-11", "1998-12", "1999-01", "1999-02"]  # the empty months too
    assert [columns[month] for month in columns] == ["1", "6", "0", "0", "1"]
    assert "captured from 1998-10 to 1999-02" in chart
    assert "The capture dates are the days the web archive captured the files" in report
