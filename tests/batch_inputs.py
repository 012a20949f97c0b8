"""Small WARCs for the batch tests: sunset's own (from `sunset ingest`) and one written the way a
crawler writes them (request/response pairs with HTTP headers, a revisit, a resource record)."""
from __future__ import annotations

import gzip as gzip_module
import io
import json
import os
import signal
import threading
from pathlib import Path
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from sunset.batch import STAGES, run_sites
from sunset.cli import main
from sunset.config import load_config
from sunset.engines import Engine, LocalEngine
from tests.conftest import OTPIC_CONFIG, write_config
from tests.crawlserver import ServerState, _Handler, serve

LEGACY_PAGE = (
    b'<HTML><HEAD><TITLE>Caf\xe9 Hours &#150; 1997</TITLE></HEAD>\r\n'
    b'<BODY BACKGROUND="img/paper.gif" BGCOLOR=#FFFFFF>\r\n<H1>Caf\xe9 hours</H1>\r\n'
    b'<P>Open 9&#150;5. <A HREF="menu.htm">Menu</A> <A HREF="/cgi-bin/order.pl?item=1">Order</A>\r\n'
    b'<IMG SRC="img/logo.gif" LOWSRC="img/logo-lo.gif" ALT="logo"><A HREF="http://other.example.com/">Elsewhere</A>\r\n'
    b'<FORM ACTION="/cgi-bin/order.pl" METHOD=POST><INPUT NAME=item></FORM>\r\n</BODY></HTML>\r\n'
)
MENU_PAGE = b"<html><head><title>Menu</title></head><body><p>Coffee, tea.<a href=index.htm>Back</a></body></html>"
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"


def _http(writer: WARCWriter, url: str, status: str, headers: list[tuple[str, str]], body: bytes,
          date: str) -> None:
    request = writer.create_warc_record(
        url, "request", payload=io.BytesIO(b""),
        http_headers=StatusAndHeaders("GET /" + url.split("/", 3)[3] + " HTTP/1.0",
                                      [("Host", url.split("/")[2]), ("User-Agent", "Wget/1.5.3")],
                                      is_http_request=True),
        warc_headers_dict={"WARC-Date": date})
    response = writer.create_warc_record(
        url, "response", payload=io.BytesIO(body),
        http_headers=StatusAndHeaders(status, headers + [("Content-Length", str(len(body)))], protocol="HTTP/1.0"),
        warc_headers_dict={"WARC-Date": date})
    writer.write_record(request)
    writer.write_record(response)


def write_crawler_warc(path: Path, host: str = "cafe.example.net", *, gzip: bool = True) -> Path:
    """A WARC as a crawler writes it: warcinfo without sunset's fields, request/response pairs,
    a revisit of an unchanged page, and a resource record (a crawl log)."""
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=gzip, warc_version="WARC/1.0")
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "Wget/1.21 (linux-gnu)",
                                                                      "format": "WARC File Format 1.0"}))
        base = f"http://{host}/"
        _http(writer, base + "index.htm", "200 OK",
              [("Server", "Microsoft-IIS/3.0"), ("Content-Type", "text/html"),
               ("Last-Modified", "Tue, 04 Mar 1997 10:00:00 GMT")], LEGACY_PAGE, "1999-02-01T10:00:00Z")
        _http(writer, base + "menu.htm", "200 OK", [("Content-Type", "text/html; charset=iso-8859-1")],
              MENU_PAGE, "1999-02-01T10:00:01Z")
        _http(writer, base + "img/logo.gif", "200 OK", [("Content-Type", "image/gif")], GIF, "1999-02-01T10:00:02Z")
        _http(writer, base + "gone.htm", "404 Not Found", [("Content-Type", "text/html")],
              b"<html><body>Not here</body></html>", "1999-02-01T10:00:03Z")
        revisit = writer.create_revisit_record(base + "index.htm", digest="sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                                               refers_to_uri=base + "index.htm",
                                               refers_to_date="1999-02-01T10:00:00Z")
        revisit.rec_headers.replace_header("WARC-Date", "1999-03-01T10:00:00Z")
        writer.write_record(revisit)
        log = writer.create_warc_record(
            "metadata://crawl.log", "resource", payload=io.BytesIO(b"1999-02-01 GET index.htm 200\n"),
            warc_content_type="text/plain", warc_headers_dict={"WARC-Date": "1999-02-01T10:01:00Z"})
        writer.write_record(log)
    return path


def write_arc(path: Path, host: str = "cafe.example.net", *, compressed: bool = True) -> Path:
    """An ARC (version 1) file as the Internet Archive and Heritrix wrote them before WARC: a
    ``filedesc://`` header, then each response as the server sent it under a one-line ARC header;
    one gzip member per record when ``compressed``."""
    base = f"http://{host}/"
    pages = [
        ("index.htm", "19990201100000", b"HTTP/1.0 200 OK\r\nServer: Microsoft-IIS/3.0\r\n"
         b"Content-Type: text/html\r\n\r\n" + LEGACY_PAGE),
        ("menu.htm", "19990201100001", b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n" + MENU_PAGE),
        ("img/logo.gif", "19990201100002", b"HTTP/1.0 200 OK\r\nContent-Type: image/gif\r\n\r\n" + GIF),
    ]
    version = b"1 0 Sunset test\nURL IP-address Archive-date Content-type Archive-length\n"
    records = [b"filedesc://%s 0.0.0.0 19990201100000 text/plain %d\n%s\n"
               % (path.name.encode(), len(version), version)]
    for name, date, block in pages:
        records.append(b"%s 10.0.0.1 %s text/html %d\n%s\n" % ((base + name).encode(), date.encode(), len(block),
                                                                block))
    with path.open("wb") as handle:
        for record in records:
            handle.write(gzip_module.compress(record, mtime=0) if compressed else record)
    return path


def write_small_site(folder: Path) -> Path:
    """A second docroot site with 1990s markup, ingested by sunset; returns its WARC."""
    docroot = folder / "docroot" / "site"
    (docroot / "sub dir").mkdir(parents=True)
    (docroot / "index.html").write_bytes(
        b'<HTML><FRAMESET COLS="20%,*"><FRAME SRC="nav.htm"><FRAME SRC="sub%20dir/!page.htm">'
        b"<NOFRAMES>Use a frames browser. <A HREF=nav.htm>Nav</A></NOFRAMES></FRAMESET></HTML>")
    (docroot / "nav.htm").write_bytes(b'<BODY><MAP NAME=m><AREA HREF="sub%20dir/!page.htm"></MAP>'
                                      b'<A HREF="index.html" TARGET=_top>Home</A></BODY>')
    (docroot / "sub dir" / "!page.htm").write_bytes(
        b'<html><head><meta http-equiv="refresh" content="30;URL=../index.html"><style>body{background:'
        b'url(../bg.gif)}</style></head><body><p>\x93Quoted\x94 text &#151; done</p></body></html>')
    (docroot / "bg.gif").write_bytes(GIF)
    config = write_config(folder, base_url="http://old.example.org/site/")
    text = config.read_text(encoding="utf-8").replace('name = "test"', 'name = "small"')
    config.write_text(text, encoding="utf-8")
    assert main(["ingest", str(config), "--out", str(folder / "out"), "--quiet"]) == 0
    return folder / "out" / "small.warc.gz"


def ingest_otpic(folder: Path) -> Path:
    assert main(["ingest", str(OTPIC_CONFIG), "--out", str(folder), "--quiet"]) == 0
    return folder / "otpic.warc.gz"


def make_inputs(folder: Path) -> list[Path]:
    """Four WARCs: OTPIC and a small site (sunset's own), a crawler's WARC gzipped and one plain."""
    folder.mkdir(parents=True, exist_ok=True)
    return [
        ingest_otpic(folder / "otpic"),
        write_small_site(folder / "small"),
        write_crawler_warc(folder / "cafe.warc.gz"),
        write_crawler_warc(folder / "deli.warc", host="deli.example.net", gzip=False),
    ]


def read_parts(out: Path) -> list[list[dict]]:
    """Every part of a batch normalize output, parsed, in manifest order."""
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return [[json.loads(line) for line in (out / entry["part"]).read_text(encoding="utf-8").splitlines()]
            for entry in manifest["inputs"]]


def write_shop_warc(path: Path) -> Path:
    """A site below the host's root (http://shop.example.net/catalog/) with the host's robots.txt,
    which lies outside the site's prefix but belongs with it."""
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True, warc_version="WARC/1.0")
        base = "http://shop.example.net/"
        _http(writer, base + "robots.txt", "200 OK", [("Content-Type", "text/plain")],
              b"User-agent: *\nDisallow: /cgi-bin/\n", "1999-02-02T10:00:00Z")
        _http(writer, base + "catalog/index.htm", "200 OK", [("Content-Type", "text/html")],
              b"<HTML><HEAD><TITLE>Catalogue 1998</TITLE></HEAD><BODY><P>Teapots and kettles."
              b' <A HREF="item.htm">Item</A></BODY></HTML>', "1999-02-02T10:00:01Z")
        _http(writer, base + "catalog/item.htm", "200 OK", [("Content-Type", "text/html")],
              b"<HTML><HEAD><TITLE>Teapot</TITLE></HEAD><BODY>A brown teapot.</BODY></HTML>",
              "1999-02-02T10:00:02Z")
    return path


def write_corrupt_warc(path: Path, good: Path) -> Path:
    """A WARC cut off and overwritten in its middle, as a failed copy leaves one."""
    data = good.read_bytes()
    path.write_bytes(data[: len(data) // 3] + b"\x00garbage" * 64 + data[len(data) // 2:])
    return path


def write_site_configs(folder: Path, sites: dict[str, str]) -> Path:
    """One config per site (name -> base URL), with no source: the captures come from --warc."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, base_url in sites.items():
        (folder / f"{name}.toml").write_text(
            f'[site]\nname = "{name}"\nbase_url = "{base_url}"\n'
            '[notice]\ntitle = "Retired"\ndate = "2005-12-02"\ntext = "Gone."\n', encoding="utf-8")
    return folder


def tree(folder: Path, *, skip: tuple[str, ...] = ("sunset.log", "manifest.json", "run.json", ".sunset.lock")) -> dict[str, bytes]:
    """Every file under ``folder`` (relative path -> bytes), leaving out the run's own reports."""
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in sorted(folder.rglob("*"))
            if path.is_file() and path.name not in skip}


def stray_files(folder: Path) -> list[str]:
    """Temporary files and folders a batch must not leave: writers' .part files, staging folders,
    capture lists, unfinished WARCs."""
    return sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*")
                  if path.name.endswith((".part", ".open")) or path.name.startswith((".staging-", ".sunset-captures")))


def holders(path: Path) -> list[int]:
    """The processes that have ``path`` open (here: the Python worker running a site's task, which
    holds the site's output lock)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if any(os.readlink(fd) == str(path) for fd in (entry / "fd").iterdir()):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


class Gate:
    """A route that stops on its first armed request for /live/slow.htm until the test opens it:
    the moment a task is surely mid-run, with no timing involved."""

    def __init__(self) -> None:
        self.armed = threading.Event()
        self.arrived = threading.Event()
        self.release = threading.Event()

    def route(self, handler: _Handler, state: ServerState) -> None:
        path = urlsplit(handler.path).path
        if path == "/live/slow.htm" and self.armed.is_set() and not self.arrived.is_set():
            self.arrived.set()
            self.release.wait(600)
        pages = {"/live/": b'<HTML><TITLE>Live</TITLE><A HREF="a.htm">A</A> <A HREF="slow.htm">Slow</A> '
                           b'<A HREF="b.htm">B</A></HTML>',
                 "/live/a.htm": b"<HTML><TITLE>A</TITLE>First page.</HTML>",
                 "/live/slow.htm": b'<HTML><TITLE>Slow</TITLE>Waited for. <A HREF="c.htm">C</A></HTML>',
                 "/live/b.htm": b"<HTML><TITLE>B</TITLE>Second page.</HTML>",
                 "/live/c.htm": b"<HTML><TITLE>C</TITLE>Last page.</HTML>"}
        if path in pages:
            handler.send(200, pages[path])
        else:
            handler.send(404, b"<HTML>Not Found</HTML>")


def live_config(folder: Path, origin: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "live.toml"
    path.write_text(f'[site]\nname = "live"\nbase_url = "{origin}/live/"\n[source]\ndelay = 0\nconcurrency = 1\n'
                    '[notice]\ntitle = "Retired"\ndate = "2005-12-02"\ntext = "Gone."\n', encoding="utf-8")
    return path


def records(folder: Path) -> list[dict]:
    """records.jsonl without what differs between two fetches of the same bytes (ids, dates)."""
    volatile = {"warc_record_id", "last_modified"}  # a page served without Last-Modified: its fetch time
    lines = (folder / "records.jsonl").read_text(encoding="utf-8").splitlines()
    return [{k: v for k, v in json.loads(line).items() if k not in volatile} for line in lines]


def mirror_files(folder: Path) -> dict[str, bytes]:
    # about.html names the WARC's digest: two crawls or ingests mint different record ids.
    return {name: data for name, data in tree(folder / "mirror").items() if name != "_sunset/about.html"}


def killed_worker_run(engine: Engine, folder: Path) -> None:
    """`batch run` of a crawled site and a docroot site on ``engine``, with the Python process
    running the crawled site's task killed (SIGKILL) mid-crawl: the engine must retry the task, and
    the outputs must be the local engine's, with no temporary file left."""
    gate = Gate()
    with serve(gate.route) as server:
        write_small_site(folder / "small")
        configs = {name: [load_config(live_config(folder / "sites", server.origin), out=folder / name / "live"),
                          load_config(folder / "small" / "site.toml", out=folder / name / "small")]
                   for name in ("local", "engine")}
        local = run_sites(configs["local"], STAGES, LocalEngine()).sites
        gate.armed.set()
        outcome: list = []
        runner = threading.Thread(target=lambda: outcome.append(run_sites(configs["engine"], STAGES, engine)))
        runner.start()
        try:
            assert gate.arrived.wait(600), "the live site's task never reached /live/slow.htm"
            lock = folder / "engine" / "live" / ".sunset.lock"
            pids = holders(lock)
            assert pids, f"no process holds {lock}"
            for pid in pids:
                os.kill(pid, signal.SIGKILL)  # the task's Python worker, mid-crawl
        finally:
            gate.release.set()
            runner.join()
    remote = outcome[0].sites
    assert [(r.name, r.error, r.verified) for r in remote] == [(r.name, r.error, r.verified) for r in local] == \
        [("live", None, True), ("small", None, True)]
    assert server.hits["/live/slow.htm"] == 3  # local once; the killed attempt, then its retry
    for name in ("live", "small"):
        assert mirror_files(folder / "engine" / name) == mirror_files(folder / "local" / name), name
        assert records(folder / "engine" / name) == records(folder / "local" / name), name
    assert stray_files(folder / "engine") == []
