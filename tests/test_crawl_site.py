"""Crawl a 1998-style site served by a real HTTP server on 127.0.0.1: every file once, bytes exact."""
from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.package.verify import count_with_fastwarc, verify_warc
from crawl.frontier import Frontier, Status
from site_out.check import iter_broken_links
from sunset.cli import main
from tests.conftest import toml_string
from tests.crawlserver import ServerState, gif, serve, site_route

BASE = "http://www.oldsite.test/site/"


def crawl_config(folder: Path, state: ServerState, *, base_url: str = BASE, extra: str = "",
                 fetch_from: str | None = "/site/") -> Path:
    """A config with no docroot: the site is crawled from the test server."""
    source = [f"fetch_from = {toml_string(state.origin + fetch_from)}"] if fetch_from else []
    defaults = ["delay = 0", "retries = 2", "retry_wait = 0.01", "timeout = 5", "case_insensitive = true"]
    given = {line.split("=")[0].strip() for line in extra.splitlines() if "=" in line}
    source += [line for line in defaults if line.split("=")[0].strip() not in given] + [extra]
    path = folder / "site.toml"
    path.write_text(
        f"[site]\nname = \"old\"\nbase_url = {toml_string(base_url)}\n\n[source]\n" + "\n".join(source)
        + '\n\n[notice]\ntitle = "Retired"\ndate = "2005-12-02"\ntext = "This site has been retired."\n',
        encoding="utf-8")
    return path


def read_warc(path: Path) -> list[tuple[str, str, dict[str, str], int | None, bytes]]:
    """(type, URL, WARC headers, HTTP status, raw payload) per record."""
    records = []
    with path.open("rb") as handle:
        for record in ArchiveIterator(handle):
            status = None
            if record.http_headers is not None and record.rec_type in ("response", "revisit"):
                status = int(record.http_headers.get_statuscode())
            headers = dict(record.rec_headers.headers)
            records.append((record.rec_type, headers.get("WARC-Target-URI", ""), headers, status,
                            record.raw_stream.read()))
    return records


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("crawlsite")
    with serve(site_route) as state:
        config = crawl_config(folder, state)
        out = folder / "out"
        assert main(["run", str(config), "--out", str(out), "--quiet"]) == 0
    return state, out


def test_every_reachable_file_fetched_once_and_nothing_else(crawled) -> None:
    state, _ = crawled
    hits = Counter(state.requests)
    assert hits.pop("/site/broken.htm") == 2  # a 500 is retried (retries = 2), then kept
    assert all(count == 1 for count in hits.values()), hits
    fetched = {path.lower() for path in hits}
    assert fetched == {
        "/robots.txt", "/site/", "/site/nav.htm", "/site/main.htm", "/site/style.css", "/site/dir",
        "/site/dir/", "/site/dir/index.htm", "/site/moved.htm", "/site/new.htm", "/site/missing.htm", "/site/refresh.htm",
        "/site/refreshed.htm", "/site/cgi-bin/search.pl?q=peace&page=1", "/site/cgi-bin/search.pl?q=peace&page=2",
        "/site/glossary.htm", "/site/packed.htm", "/site/index.htm", "/site/images/paper.gif",
        "/site/images/logo.gif", "/site/images/logo-low.gif", "/site/images/bg.gif", "/site/copy.gif",
        "/icons/bullet.gif", "/site/ticker.class", "/java/ticker.jar",
    }
    assert not [path for path in state.requests if "private" in path or "/other/" in path]


def test_links_found_in_worker_processes_are_those_found_in_one(tmp_path: Path) -> None:
    """The fetch threads hand each page to a worker process to find its links (``--workers``);
    with one process they find them in the thread: the same requests either way."""
    requests = {}
    for workers in ("1", "2"):
        folder = tmp_path / workers
        folder.mkdir()
        with serve(site_route) as state:
            config = crawl_config(folder, state)
            assert main(["crawl", str(config), "--out", str(folder / "out"), "--quiet", "--workers", workers]) == 0
        requests[workers] = Counter(path.lower() for path in state.requests)  # a case-insensitive site:
    assert requests["1"] == requests["2"] and "/site/images/bg.gif" in requests["2"]  # which spelling comes first varies


def test_warc_payloads_are_the_bytes_the_server_sent(crawled) -> None:
    state, out = crawled
    sent = {served.path: served.body for served in state.sent}
    records = read_warc(out / "old.warc.gz")
    responses = [record for record in records if record[0] == "response"]
    for _, url, headers, _, payload in responses:
        assert url.startswith("http://www.oldsite.test/"), url
        path = url[len("http://www.oldsite.test"):]
        assert payload == sent[path], url
        assert headers["WARC-IP-Address"] == "127.0.0.1"
    packed = next(payload for _, url, _, _, payload in responses if url.endswith("/packed.htm"))
    assert packed.startswith(b"\x1f\x8b")  # Content-Encoding: gzip kept as sent
    assert verify_warc(out / "old.warc.gz").problems == ()
    assert count_with_fastwarc(out / "old.warc.gz") == len(records)


def test_each_url_archived_once_with_request_and_statuses_kept(crawled) -> None:
    _, out = crawled
    records = read_warc(out / "old.warc.gz")
    captures = Counter(url for kind, url, *_ in records if kind in ("response", "revisit"))
    assert all(count == 1 for count in captures.values()), captures
    requests = Counter(url for kind, url, *_ in records if kind == "request")
    assert requests == captures
    ids = {headers["WARC-Record-ID"]: (kind, url) for kind, url, headers, _, _ in records}
    for kind, url, headers, _, _ in records:
        if kind == "request":
            assert ids[headers["WARC-Concurrent-To"]][1] == url
    status = {url: code for kind, url, _, code, _ in records if kind in ("response", "revisit")}
    assert status[BASE + "dir"] == 301
    assert status[BASE + "moved.htm"] == 302
    assert status[BASE + "missing.htm"] == 404
    assert status[BASE + "broken.htm"] == 500
    assert status[BASE + "Main.htm"] == 200
    assert BASE + "IMAGES/LOGO.GIF" not in status  # the same file as images/logo.gif on this IIS site


def test_identical_payload_becomes_a_revisit(crawled) -> None:
    _, out = crawled
    revisits = [record for record in read_warc(out / "old.warc.gz") if record[0] == "revisit"]
    # copy.gif repeats logo.gif; index.htm and dir/index.htm repeat the folder URLs that served them
    assert {url for _, url, *_ in revisits} == {BASE + "copy.gif", BASE + "index.htm", BASE + "dir/index.htm"}
    headers = next(headers for _, url, headers, *_ in revisits if url.endswith("copy.gif"))
    assert headers["WARC-Refers-To-Target-URI"] == BASE + "images/logo.gif"
    assert headers["WARC-Profile"].endswith("/revisit/identical-payload-digest")
    assert "WARC-Refers-To-Date" in headers


def test_crawl_outputs_log_frontier_and_aliases(crawled) -> None:
    _, out = crawled
    lines = (out / "crawl.log").read_text(encoding="utf-8").splitlines()
    assert any("\t404\t" in line and "missing.htm" in line for line in lines)
    assert any("excluded by robots.txt" in line and "private/secret.htm" in line for line in lines)
    aliases = json.loads((out / "crawl-aliases.json").read_text())
    assert aliases[BASE + "IMAGES/LOGO.GIF"] == BASE + "images/logo.gif"
    glossary = {alias: url for alias, url in aliases.items() if "glossary" in alias.lower()}
    fetched = set(glossary.values())  # the first spelling seen is fetched, the others point at it
    assert len(fetched) == 1 and not fetched & set(glossary) and len(glossary) >= 1
    frontier = Frontier(out / "crawl.sqlite")
    try:
        assert frontier.count(Status.TODO) == frontier.count(Status.IN_PROGRESS) == 0
        assert [url for _, url, _ in frontier.problems()] == [BASE + "broken.htm", BASE + "private/secret.htm"]
    finally:
        frontier.close()
    assert not list(out.glob("*.open"))


def test_run_makes_records_and_a_mirror_without_broken_links(crawled) -> None:
    _, out = crawled
    records = [json.loads(line) for line in (out / "records.jsonl").read_text(encoding="utf-8").splitlines()]
    urls = {record["url"] for record in records}
    assert BASE + "Main.htm" in urls and BASE + "copy.gif" in urls
    assert list(iter_broken_links(out / "mirror")) == []
    main_page = next((out / "mirror").rglob("[Mm]ain.htm")).read_text(encoding="utf-8")
    assert "\u2013" in main_page  # &#150; / 0x96 decoded as windows-1252
    site = out / "mirror" / "www.oldsite.test" / "site"
    assert (site / "copy.gif").read_bytes() == (site / "images" / "logo.gif").read_bytes()  # from the revisit


def test_records_made_while_crawling_are_what_normalize_makes_of_the_warc(crawled, tmp_path: Path) -> None:
    """``run`` makes records.jsonl from the master as the crawl writes it (a revisit's payload read
    back from the growing file too); ``sunset normalize`` of the finished WARC writes the same bytes."""
    _, out = crawled
    along = (out / "records.jsonl").read_bytes()
    assert "while crawling" in (out / "sunset.log").read_text(encoding="utf-8")
    again = tmp_path / "again"
    again.mkdir()
    shutil.copy(out / "old.warc.gz", again / "old.warc.gz")
    shutil.copy(out / "site.toml", again / "site.toml")
    assert main(["normalize", str(again), "--quiet"]) == 0
    assert (again / "records.jsonl").read_bytes() == along
    revisits = [url for kind, url, *_ in read_warc(out / "old.warc.gz") if kind == "revisit"]
    assert revisits and all(f'"url":"{url}"'.encode() in along for url in revisits)


def _copy_record_by_record(warc: Path, growing: Path, growth, *, stop_after: int | None = None) -> None:
    """Play a writer: append ``warc``'s records to ``growing`` one at a time, saying how far it got."""
    import time

    from archive.growth import WarcGrowth

    assert isinstance(growth, WarcGrowth)
    with warc.open("rb") as handle:
        iterator = ArchiveIterator(handle)
        offsets = [iterator.offset for _ in iterator]
    ends = [*offsets[1:], warc.stat().st_size]
    data = warc.read_bytes()
    with growing.open("wb") as out:
        for number, end in enumerate(ends):
            if stop_after is not None and number == stop_after:
                out.write(data[end - 7 : end])  # half a record: a reader must not see it
                out.flush()
                growth.abandon()
                return
            out.write(data[out.tell() : end])
            out.flush()
            growth.advance(end)
            time.sleep(0.002)
    growth.finish(len(data))


def test_a_warc_read_as_it_grows_gives_the_captures_of_the_finished_file(crawled, tmp_path: Path) -> None:
    """The reader waits at the writer's mark and stops at its end: the same captures, bodies and
    revisits (read back from the growing file) as a read of the finished WARC; a writer that
    gives up stops the reader with an error, not with a short list."""
    import threading

    from archive.growth import GrowingFile, WarcAbandoned, WarcGrowth
    from archive.reader import follow_warc_captures, iter_warc_captures

    _, out = crawled
    warc = out / "old.warc.gz"

    def seen(captures) -> list[tuple[str, str | None, int | None, bytes]]:
        return [(capture.url, capture.record_id, capture.status, capture.body.open().read()) for capture in captures]

    expected = seen(iter_warc_captures(warc))
    growing = tmp_path / "old.warc.gz.open"
    growing.touch()
    growth = WarcGrowth()
    writer = threading.Thread(target=_copy_record_by_record, args=(warc, growing, growth))
    writer.start()
    with GrowingFile(growing, growth) as reader:
        assert seen(follow_warc_captures(tmp_path / "old.warc.gz", reader)) == expected
    writer.join()

    growth = WarcGrowth()
    writer = threading.Thread(target=_copy_record_by_record, args=(warc, growing, growth), kwargs={"stop_after": 6})
    writer.start()
    with pytest.raises(WarcAbandoned, match="not finished"), GrowingFile(growing, growth) as reader:
        seen(follow_warc_captures(tmp_path / "old.warc.gz", reader))
    writer.join()


def test_the_replay_package_made_beside_the_mirror_passes_a_full_verify(crawled, tmp_path: Path) -> None:
    """After a crawl, ``run`` makes the reconstructed WARC, the CDXJ and the WACZ while the mirror is
    written; ``sunset verify`` re-reads all of it (index against the master, ``wacz validate``) and
    ``sunset package`` alone indexes the master the same way."""
    _, out = crawled
    assert main(["verify", str(out), "--quiet"]) == 0
    again = tmp_path / "again"
    again.mkdir()
    for name in ("old.warc.gz", "records.jsonl", "site.toml"):
        shutil.copy(out / name, again / name)
    shutil.copytree(out / "mirror", again / "mirror")
    assert main(["package", str(again), "--quiet"]) == 0
    def master_lines(path: Path) -> list[str]:  # the reconstruction's own records carry this run's date and ids
        return [line for line in path.read_text(encoding="utf-8").splitlines() if '"filename": "old.warc.gz"' in line]

    assert master_lines(again / "old.cdxj") == master_lines(out / "old.cdxj") != []
    assert not list(out.glob(".package-*"))  # the replay package's own index of originals is gone too


def test_crawl_again_is_a_no_op_a_higher_limit_continues_and_fresh_starts_over(tmp_path: Path, capsys) -> None:
    with serve(site_route) as state:
        config = crawl_config(tmp_path, state, extra="max_pages = 3")
        out = tmp_path / "out"
        assert main(["crawl", str(config), "--out", str(out), "--quiet"]) == 0
        first = len(state.requests)
        assert first == 3
        assert main(["crawl", str(config), "--out", str(out)]) == 0
        assert "already complete" in capsys.readouterr().out
        assert len(state.requests) == first
        assert main(["crawl", str(config), "--out", str(out), "--quiet", "--max-pages", "5"]) == 0
        assert len(state.requests) == first + 2  # a higher limit continues the crawl
        assert verify_warc(out / "old.warc.gz").problems == ()
        assert main(["crawl", str(config), "--out", str(out), "--quiet", "--fresh", "--max-pages", "2"]) == 0
        assert len(state.requests) == first + 4


def test_robots_ignore_and_exclude_pattern(tmp_path: Path) -> None:
    with serve(site_route) as state:
        config = crawl_config(tmp_path, state, extra='robots = "ignore"\nexclude = ["\\\\.gif$"]')
        assert main(["crawl", str(config), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    paths = {path.lower() for path in state.requests}
    assert "/site/private/secret.htm" in paths and "/robots.txt" not in paths
    assert not [path for path in paths if path.endswith(".gif")]


def test_crawl_through_a_proxy(tmp_path: Path) -> None:
    """With ``proxy``, every request goes to the proxy with the old site's absolute URL."""
    with serve(site_route) as proxy:  # a stand-in proxy that answers for the old host itself
        config = crawl_config(tmp_path, proxy, fetch_from=None,
                              extra=f"proxy = {toml_string(proxy.origin)}\nmax_pages = 6")
        assert main(["crawl", str(config), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    assert len(proxy.requests) == 6
    assert all(target.startswith("http://www.oldsite.test/") for target in proxy.requests), proxy.requests
    urls = {url for kind, url, *_ in read_warc(tmp_path / "out" / "old.warc.gz") if kind == "response"}
    assert BASE + "nav.htm" in urls


def test_the_writers_index_lines_are_cdxj_indexers(crawled, tmp_path: Path) -> None:
    """The crawl's WARC (request, response, revisit records) indexed from the lines its writer left
    is byte for byte what cdxj-indexer writes reading the file."""
    from archive.index_lines import emitted_lines, lines_path
    from archive.package.cdxj import write_cdxj
    from tests.test_archive_package import assert_heads_are_the_files

    _, out = crawled
    (warc,) = [path for path in out.glob("*.warc.gz") if "derived" not in path.name and "reconstructed" not in path.name]
    assert emitted_lines(warc) is not None
    write_cdxj(warc, tmp_path / "emitted.cdxj")
    copy = tmp_path / warc.name
    shutil.copyfile(warc, copy)  # no lines beside the copy: cdxj-indexer reads it
    assert not lines_path(copy).exists()
    write_cdxj(copy, tmp_path / "indexed.cdxj")
    assert (tmp_path / "emitted.cdxj").read_bytes() == (tmp_path / "indexed.cdxj").read_bytes()
    assert_heads_are_the_files(warc, copy)


def alias_route(handler, state: ServerState) -> None:
    """A site served at 127.0.0.1 whose pages also name it ``localhost`` (as Linux Gazette's name
    both www.linuxgazette.net and linuxgazette.net); one page is linked only under that name."""
    other = f"http://LOCALHOST:{state.port}"
    pages = {
        "/site/": f'<HTML><BODY><A HREF="{other}/site/only-alias.htm">only under the alias</A>'
                  f'<IMG SRC="{other}/site/logo.gif"> <A HREF="b.htm">b</A></BODY></HTML>',
        "/site/b.htm": f'<HTML><BODY><A HREF="{other}/site/">home, by its other name</A></BODY></HTML>',
        "/site/only-alias.htm": '<HTML><BODY><A HREF="/site/">home</A></BODY></HTML>',
    }
    path = urlsplit(handler.path).path
    if path == "/site/logo.gif":
        handler.send(200, gif(b"logo"), content_type="image/gif")
    elif path in pages:
        handler.send(200, pages[path].encode())
    else:
        handler.send(404, b"<H1>Not Found</H1>")


def test_an_alias_host_is_the_site_fetched_once_and_local_in_the_mirror(tmp_path: Path) -> None:
    """``[site] aliases``: links to the site's other name are in scope, fetched once under
    base_url's host (no request ever names the alias), and lead to the mirror's files offline."""
    with serve(alias_route) as state:
        config = crawl_config(tmp_path, state, base_url=state.origin + "/site/", fetch_from=None,
                              extra='robots = "ignore"\ncase_insensitive = false')
        text = config.read_text(encoding="utf-8").replace(
            "\n\n[source]", f'\naliases = ["localhost:{state.port}"]\n\n[source]')
        config.write_text(text, encoding="utf-8")
        out = tmp_path / "out"
        assert main(["run", str(config), "--out", str(out), "--quiet"]) == 0
    assert Counter(state.requests) == {"/site/": 1, "/site/b.htm": 1, "/site/only-alias.htm": 1, "/site/logo.gif": 1}
    assert all(f"Host: 127.0.0.1:{state.port}" in head.decode() for head in state.raw_requests.values())
    captured = {url for kind, url, *_ in read_warc(out / "old.warc.gz") if kind == "response"}
    assert captured == {state.origin + path for path in ("/site/", "/site/b.htm", "/site/only-alias.htm",
                                                         "/site/logo.gif")}
    host = out / "mirror" / f"127.0.0.1_{state.port}"
    home = (host / "site" / "index.html").read_text(encoding="utf-8")
    assert 'HREF="only-alias.htm"' in home and 'SRC="logo.gif"' in home
    assert 'HREF="index.html"' in (host / "site" / "b.htm").read_text(encoding="utf-8")
    assert list(iter_broken_links(out / "mirror")) == []


def test_a_base_url_redirecting_to_its_alias_says_which_host_to_crawl(tmp_path: Path, capsys) -> None:
    """The server sends ``oldsite.test`` to ``www.oldsite.test``, named as an alias: the same page
    by the config's account, so the crawl cannot follow it, and says to swap the two."""
    def route(handler, state: ServerState) -> None:
        handler.send(301, b"", [("Location", "http://www.oldsite.test/site/")])

    with serve(route) as state:
        config = crawl_config(tmp_path, state, base_url="http://oldsite.test/site/", extra='robots = "ignore"')
        text = config.read_text(encoding="utf-8").replace("\n\n[source]", '\naliases = ["www.oldsite.test"]\n\n[source]')
        config.write_text(text, encoding="utf-8")
        assert main(["crawl", str(config), "--out", str(tmp_path / "out")]) == 0
    assert state.requests == ["/site/"]
    assert ("http://oldsite.test/site/: redirects to http://www.oldsite.test/site/, its spelling on a [site] aliases "
            "host: the server prefers that host, so make it base_url (and this one an alias)") in capsys.readouterr().err
