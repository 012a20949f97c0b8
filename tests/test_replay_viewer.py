"""The WACZ in ReplayWeb.page, as an archivist opens it: the viewer's own files, Chromium, no network.

ReplayWeb.page's built files (``ui.js``, ``sw.js`` of the npm package ``replaywebpage``, installed
into ``tests/viewer/node_modules`` by ``make test``) are served on 127.0.0.1 with a page holding
its ``<replay-web-page>`` embed; the service worker ``sw.js`` is served at ``/replay/sw.js`` so
its scope covers ``/replay/``, where the embed puts the replay. The WACZ is served with range
requests, as from any web server. Every page of the page list must replay with its text, without
U+FFFD and without a broken image, in one browser; anything not on 127.0.0.1 is aborted and
reported. Three packages: the bundled example, and a 1998-style test site (frameset, mixed-case
links and image folder, folder links, Windows-1252 without a charset) ingested and crawled.
"""
from __future__ import annotations

import json
import re
import threading
import zipfile
from collections.abc import Iterator
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from sunset.cli import main
from tests.conftest import DEPT_BASE, ROOT, write_config
from tests.crawlserver import old_site, serve, site_route
from tests.test_crawl_site import BASE, crawl_config

VIEWER = ROOT / "tests" / "viewer" / "node_modules" / "replaywebpage"
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install '.[test]')")
CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("Debian's chromium is not installed (make test installs it as root)", allow_module_level=True)
if not (VIEWER / "sw.js").exists():
    pytest.skip("ReplayWeb.page is not installed: `make test` runs `npm ci` in tests/viewer (needs npm)",
                allow_module_level=True)

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
EMBED = """<!doctype html><html><head><meta charset="utf-8"><title>viewer</title>
<script src="/ui.js"></script></head><body style="margin:0">
<replay-web-page source="{source}" url="{url}" replayBase="/replay/" embed="replayonly"
 style="display:block;width:1000px;height:800px"></replay-web-page></body></html>"""
# Replay frames: /replay/w/<collection>/[:hash/]<timestamp>mp_/<original URL>
REPLAY_FRAME = re.compile(r"/replay/w/[^/]+/(?:[^/]*/)?\d*mp_/(.*)$")
PAGE_STATE = """() => ({
  href: location.href,
  ready: document.readyState,
  title: document.title,
  text: document.body ? document.body.innerText : '',
  frameset: !!document.querySelector('frameset'),
  broken: Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src),
})"""


class _ViewerHandler(BaseHTTPRequestHandler):
    """ReplayWeb.page's files, the embed page and the WACZ files, with HTTP range requests."""

    files: dict[str, Path]

    def log_message(self, *args: object) -> None:
        pass

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(send_body=False)

    def do_GET(self) -> None:  # noqa: N802
        self._answer(send_body=True)

    def _answer(self, *, send_body: bool) -> None:
        parts = urlsplit(self.path)
        if parts.path == "/":
            query = parse_qs(parts.query)
            body = EMBED.format(source=escape(query["source"][0]), url=escape(query["url"][0])).encode()
            content_type = "text/html; charset=utf-8"
        elif parts.path in self.files:
            body = self.files[parts.path].read_bytes()
            content_type = "application/javascript" if parts.path.endswith(".js") else "application/octet-stream"
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        total, status, first, last = len(body), 200, 0, len(body) - 1
        wanted = re.fullmatch(r"bytes=(\d*)-(\d*)", self.headers.get("Range", ""))
        if wanted:
            start, end = wanted.groups()
            first, last = (max(0, total - int(end)), total - 1) if not start else (int(start), min(int(end or total - 1), total - 1))
            status = 206
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(last - first + 1))
        if status == 206:
            self.send_header("Content-Range", f"bytes {first}-{last}/{total}")
        self.end_headers()
        if send_body:
            self.wfile.write(body[first:last + 1])


@pytest.fixture(scope="module")
def ingested_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 1998 test site's files as a docroot, its image folder spelled ``Images/`` while the pages
    link ``images/`` and ``IMAGES/``, run through ``sunset run`` (ingest)."""
    folder = tmp_path_factory.mktemp("viewer-ingest")
    for path, (_, body) in old_site(80).items():
        name = path.lstrip("/").replace("site/images/", "site/Images/").replace("Images/logo.gif", "Images/Logo.gif")
        (folder / "docroot" / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / "docroot" / name).write_bytes(body)
    config = write_config(folder, base_url=BASE, extra='case_insensitive = true\nindex_files = ["index.htm"]')
    out = folder / "out"
    assert main(["run", str(config), "--out", str(out), "--quiet"]) == 0
    return out / "test.wacz"


@pytest.fixture(scope="module")
def crawled_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("viewer-crawl")
    with serve(site_route) as state:
        config = crawl_config(folder, state)
        out = folder / "out"
        assert main(["run", str(config), "--out", str(out), "--quiet"]) == 0
    return out / "old.wacz"


@pytest.fixture(scope="module")
def viewer(otpic_run, dept_run, ingested_site: Path, crawled_site: Path) -> Iterator[str]:
    _, layout = otpic_run
    files = {"/ui.js": VIEWER / "ui.js", "/replay/sw.js": VIEWER / "sw.js", "/otpic.wacz": layout.wacz,
             "/ingested.wacz": ingested_site, "/crawled.wacz": crawled_site, "/dept.wacz": dept_run[1].wacz}
    handler = type("Handler", (_ViewerHandler,), {"files": files})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory, viewer: str):
    """One Chromium for every package; requests off 127.0.0.1 are aborted and listed. Started once
    the packages are made (``viewer``): sunset forks its workers, and refuses to beside the thread
    Playwright keeps for its driver process (:mod:`archive.forking`)."""
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("viewer-profile")), executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
            headless=True, viewport={"width": 1024, "height": 900}, service_workers="allow")
        context.foreign = []

        def route(request_route) -> None:
            if urlsplit(request_route.request.url).hostname == "127.0.0.1":
                request_route.continue_()
            else:
                context.foreign.append(request_route.request.url)
                request_route.abort()

        context.route("**/*", route)
        try:
            yield context
        finally:
            context.close()


def wacz_pages(wacz: Path) -> list[dict]:
    with zipfile.ZipFile(wacz) as package:
        lines = package.read("pages/pages.jsonl").decode("utf-8").splitlines()
    return [json.loads(line) for line in lines[1:] if line.strip()]


def replay_frames(page) -> list:
    return [frame for frame in page.frames if REPLAY_FRAME.search(frame.url)]


def settle(page, url: str) -> tuple[list, bool]:
    """Wait until the replay of ``url`` and its frames have loaded; (their states, whether the page
    moved on by itself, e.g. a meta refresh). A start-up wait, not a timed assertion."""
    framed: list | None = None  # a frameset's states, its frames not all shown yet
    for attempt in range(600):  # up to 2 minutes: a loaded CI machine starts the service worker slowly
        if attempt == 300:
            # Now and then the first load of a fresh profile waits on a service worker that never
            # answers; a reader would press reload, and so does this (once).
            page.reload()
        page.wait_for_timeout(200)
        frames = replay_frames(page)
        try:
            states = [frame.evaluate(PAGE_STATE) for frame in frames]
        except sync_api.Error:
            continue  # a frame navigated while being read
        if not states or any(state["ready"] != "complete" for state in states):
            continue
        top = REPLAY_FRAME.search(frames[0].url).group(1)
        if "Archived Page Not Found" in states[0]["text"]:
            return states, False
        if states[0]["frameset"] and (len(states) < 2 or not all(words(state["text"]) for state in states[1:])):
            # A frameset is complete before the viewer has put its frames' replays in (a loaded
            # machine shows it): wait for them, and give what there is when the time is up.
            framed = states
            continue
        return states, top != url
    if framed is not None:
        return framed, False
    pytest.fail(f"{url}: the replay never finished loading")


def words(text: str) -> str:
    return " ".join(text.split())


def unlabelled_legacy(wacz: Path) -> set[str]:
    """URLs of responses a server sent as HTML with no charset, neither in the header nor in a
    ``<meta>``, whose bytes are not UTF-8 (a Windows-1252 page of 1998).

    ReplayWeb.page shows the replay in an iframe of its own UTF-8 page, and HTML gives such a frame
    its parent's encoding when the page names none, so these show U+FFFD for their non-ASCII
    bytes. Ingested files are labelled with the charset sunset decided (a label no server wrote);
    a crawled response keeps the label the server sent, so this is the viewer's limitation.
    """
    from warcio.archiveiterator import ArchiveIterator

    from archive.encoding import meta_charset

    found = set()
    with zipfile.ZipFile(wacz) as package:
        for name in package.namelist():
            if not name.startswith("archive/"):
                continue
            with package.open(name) as handle:
                for record in ArchiveIterator(handle):
                    if record.rec_type != "response" or record.http_headers is None:
                        continue
                    content_type = (record.http_headers.get_header("Content-Type") or "").lower()
                    body = record.content_stream().read()
                    if "html" not in content_type or "charset" in content_type or meta_charset(body):
                        continue
                    try:
                        body.decode("utf-8")
                    except UnicodeDecodeError:
                        found.add(record.rec_headers.get_header("WARC-Target-URI"))
    return found


def check_package(browser, viewer: str, source: str, wacz: Path, *, minimum: int) -> None:
    pages = wacz_pages(wacz)
    legacy = unlabelled_legacy(wacz)
    assert len(pages) >= minimum, [entry["url"] for entry in pages]
    page = browser.new_page()
    problems: list[str] = []
    try:
        for entry in pages:
            url = entry["url"]
            page.goto(f"{viewer}/?source=/{source}&url={quote(url, safe='')}")
            states, moved = settle(page, url)
            shown = "\n".join(state["text"] for state in states)
            if "Archived Page Not Found" in shown:
                problems.append(f"{url}: not found in the archive")
                continue
            for state in states:
                shown_url = REPLAY_FRAME.search(state["href"]).group(1)
                if ("\ufffd" in state["text"] + state["title"]) and shown_url not in legacy:
                    problems.append(f"{url}: U+FFFD in the replay of {shown_url}")
            broken = [src for state in states for src in state["broken"]]
            if broken:
                problems.append(f"{url}: broken images {broken}")
            if moved:
                continue  # a meta refresh went on to its target, as in a browser in 1998
            if states[0]["frameset"]:
                if len(states) < 2 or not all(words(state["text"]) for state in states[1:]):
                    problems.append(f"{url}: the frames of the frameset did not replay")
            elif words(entry.get("text", ""))[:60] not in words(shown):
                problems.append(f"{url}: text {words(entry.get('text', ''))[:60]!r} not shown")
            if entry.get("title") and entry["title"] != url and states[0]["title"] != entry["title"] \
                    and url not in legacy:
                problems.append(f"{url}: title {states[0]['title']!r}, expected {entry['title']!r}")
    finally:
        page.close()
    assert problems == [], "\n".join(problems)
    assert browser.foreign == []


def test_bundled_example_replays_in_replaywebpage(browser, viewer: str, otpic_run) -> None:
    _, layout = otpic_run
    check_package(browser, viewer, "otpic.wacz", layout.wacz, minimum=16)


def test_ingested_test_site_replays_in_replaywebpage(browser, viewer: str, ingested_site: Path) -> None:
    check_package(browser, viewer, "ingested.wacz", ingested_site, minimum=8)


def test_crawled_test_site_replays_in_replaywebpage(browser, viewer: str, crawled_site: Path) -> None:
    # The one page the viewer cannot show as 1998 browsers did: no charset from the server, a raw 0x96.
    assert {url.lower() for url in unlabelled_legacy(crawled_site)} == {BASE + "main.htm"}
    check_package(browser, viewer, "crawled.wacz", crawled_site, minimum=8)


def test_folder_and_case_variant_links_resolve_in_replaywebpage(browser, viewer: str, ingested_site: Path) -> None:
    """The spellings the pages use, not the ones the files have: the base URL (a folder served by
    its index file), a folder named without its slash (the server's redirect), other cases."""
    page = browser.new_page()
    try:
        for url, expected in [(BASE, "Old site"), (BASE + "dir", "Folder"), (BASE + "Main.htm", "Main \u2013 page"),
                              (BASE + "GLOSSARY.HTM", "Glossary")]:
            page.goto(f"{viewer}/?source=/ingested.wacz&url={quote(url, safe='')}")
            states, _ = settle(page, url)
            assert states[0]["title"] == expected, (url, states[0]["text"][:200])
    finally:
        page.close()


def test_an_ssi_site_replays_as_apache_served_it_in_replaywebpage(browser, viewer: str, dept_run) -> None:
    """Issue 22's Apache site, ingested from its files: ReplayWeb.page shows its home page with the
    navigation bar and footer its includes brought (the WACZ holds the file as it lay too, at the
    same URL and second: the viewer keeps the answer the server sent), the folder its
    ``DirectoryIndex`` opened, and a folder's listing."""
    page = browser.new_page()
    try:
        for url, expected in [(DEPT_BASE + "index.shtml", "Welcome to the home page"),
                              (DEPT_BASE, "Welcome to the home page"),
                              (DEPT_BASE + "papers/", "Index of /dept/peace/papers")]:
            page.goto(f"{viewer}/?source=/dept.wacz&url={quote(url, safe='')}")
            states, _ = settle(page, url)
            shown = words(states[0]["text"])
            assert expected in shown and "<!--#" not in shown, (url, shown[:300])
            if expected.startswith("Welcome"):
                assert "Papers" in shown and "Peace Studies Program, Example University" in shown, (url, shown[:300])
                assert "News of the program" not in shown  # one branch of the page's if
    finally:
        page.close()
    assert browser.foreign == []
