"""The exchange as it was on the wire: every byte sent and received reaches the WARC as it went.

A crawl of tests/fault_server.py's ``/w/`` routes (each sends its answer byte for byte), read back
with warcio and with FastWARC, which share no code: chunked bodies keep their framing and are
de-chunked exactly once by both, headers stay as sent (folded, Latin-1, a bare CR, HTTP/1.2),
answers no HTTP parser accepts are kept as ``resource`` records of what arrived, a header trickle
is cut at max_fetch_time, and crawl traps spelled in letters and robots.txt's Crawl-delay are bounded.
"""
from __future__ import annotations

import base64
import hashlib
import logging
import shutil
from collections import Counter
from pathlib import Path

import pytest
from fastwarc.warc import ArchiveIterator as FastIterator
from fastwarc.warc import WarcRecordType
from warcio.archiveiterator import ArchiveIterator

from archive.package.verify import verify_warc
from archive.record_builder import UNPARSED_HEADER
from archive.urls import Scope
from archive.warc_writer import WarcArchive
from crawl.crawler import Crawler
from crawl.options import CrawlOptions
from sunset.cli import main
from tests.crawlserver import serve
from tests.fault_server import (
    CHUNKED_ENTITY,
    LOOKS_CHUNKED,
    UNPARSED,
    WIRE_RESPONSES,
    session_id,
    wire_site_route,
)
from tests.test_crawl_site import crawl_config

PARSED = [name for name in WIRE_RESPONSES if name not in UNPARSED and name != "same-entity"]


def _sha1(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode("ascii")


def warcio_blocks(path: Path) -> dict[tuple[str, str], tuple[dict[str, str], bytes]]:
    """(type, URL) -> (WARC headers, block exactly as stored), read by warcio."""
    blocks = {}
    with path.open("rb") as handle:
        for record in ArchiveIterator(handle, no_record_parse=True):
            headers = dict(record.rec_headers.headers)
            blocks[(record.rec_type, headers.get("WARC-Target-URI", ""))] = (headers, record.raw_stream.read())
    return blocks


def fastwarc_blocks(path: Path) -> dict[tuple[str, str], bytes]:
    """(type, URL) -> block exactly as stored, read by FastWARC."""
    blocks = {}
    with path.open("rb") as handle:
        for record in FastIterator(handle, record_types=WarcRecordType.any_type, parse_http=False):
            kind = record.headers.get("WARC-Type")
            blocks[(kind, record.headers.get("WARC-Target-URI") or "")] = record.reader.read()
    return blocks


def warcio_entity(path: Path, url: str) -> bytes:
    with path.open("rb") as handle:
        for record in ArchiveIterator(handle):
            if record.rec_type == "response" and record.rec_headers.get_header("WARC-Target-URI") == url:
                return record.content_stream().read()
    raise KeyError(url)


def fastwarc_entity(path: Path, url: str) -> bytes:
    with path.open("rb") as handle:
        for record in FastIterator(handle, record_types=WarcRecordType.response, parse_http=False):
            if record.headers.get("WARC-Target-URI") == url:
                record.parse_http(auto_decode="transfer")
                return record.reader.read()
    raise KeyError(url)


@pytest.fixture(scope="module")
def wired(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("wire")
    with serve(wire_site_route) as state:
        base = state.origin + "/w/"
        config = crawl_config(folder, state, base_url=base, fetch_from=None, extra=(
            f'seeds = ["{base}", "{base}head-trickle"]\ntimeout = 2\nmax_fetch_time = 2\nretries = 2\nconcurrency = 1'))
        out = folder / "out"
        code = main(["crawl", str(config), "--out", str(out), "--quiet"])
    warc = out / "old.warc.gz"
    return state, base, out, code, warc, warcio_blocks(warc), fastwarc_blocks(warc)


def test_the_crawl_goes_on_and_the_warc_verifies(wired) -> None:
    state, _, out, code, warc, _, _ = wired
    assert code == 0
    assert "/w/after.htm" in state.requests
    assert verify_warc(warc).problems == ()  # digests too: the payload digest undoes chunking


def test_the_heads_the_writer_left_are_the_files_even_for_odd_answers(wired, tmp_path: Path) -> None:
    """Folded, bare-CR and Latin-1 headers, HTTP/1.2, answers no parser takes: the heads beside
    the WARC are what warcio reads from the file."""
    from tests.test_archive_package import assert_heads_are_the_files

    warc = wired[4]
    copy = tmp_path / warc.name
    shutil.copyfile(warc, copy)
    assert_heads_are_the_files(warc, copy)


@pytest.mark.parametrize("name", PARSED)
def test_a_response_record_holds_the_bytes_as_received(wired, name: str) -> None:
    _, base, _, _, _, warcio_read, fast_read = wired
    sent = WIRE_RESPONSES[name][0]
    headers, block = warcio_read[("response", base + name)]
    assert block == sent
    assert fast_read[("response", base + name)] == sent
    assert headers["Content-Type"] == "application/http; msgtype=response"


@pytest.mark.parametrize("name", PARSED)
def test_the_request_record_holds_the_bytes_as_sent(wired, name: str) -> None:
    state, base, _, _, _, warcio_read, fast_read = wired
    arrived = state.raw_requests["/w/" + name]
    assert arrived.startswith(f"GET /w/{name} HTTP/1.1\r\n".encode()) and arrived.endswith(b"\r\n\r\n")
    assert warcio_read[("request", base + name)][1] == arrived
    assert fast_read[("request", base + name)] == arrived


def test_header_bytes_stay_as_sent(wired) -> None:
    _, base, _, _, _, warcio_read, _ = wired
    assert b"\r\nX-Name: caf\xe9\r\n" in warcio_read[("response", base + "cafe")][1]
    assert b"\r\nX-Folded: first part\r\n   second part\r\n\tthird part\r\n" in warcio_read[("response", base + "folded")][1]
    assert b"\r\nX-One: a\rX-Two: b\r\n" in warcio_read[("response", base + "bare-cr")][1]
    assert warcio_read[("response", base + "http12")][1].startswith(b"HTTP/1.2 200 OK\r\n")


@pytest.mark.parametrize("name, entity", [("chunked", CHUNKED_ENTITY), ("looks-chunked", LOOKS_CHUNKED)])
def test_a_chunked_body_is_dechunked_exactly_once_by_both_readers(wired, name: str, entity: bytes) -> None:
    _, base, _, _, warc, warcio_read, _ = wired
    headers, block = warcio_read[("response", base + name)]
    assert b"\r\nTransfer-Encoding: chunked\r\n" in block
    assert warcio_entity(warc, base + name) == entity
    assert fastwarc_entity(warc, base + name) == entity
    assert headers["WARC-Payload-Digest"] == _sha1(entity)  # over the entity, as WARC 1.1 says


def test_the_same_entity_sent_unchunked_is_a_revisit_of_the_chunked_one(wired) -> None:
    _, base, _, _, _, warcio_read, fast_read = wired
    headers, block = warcio_read[("revisit", base + "same-entity")]
    sent = WIRE_RESPONSES["same-entity"][0]
    assert block == fast_read[("revisit", base + "same-entity")] == sent[:sent.index(b"\r\n\r\n") + 4]
    assert headers["WARC-Payload-Digest"] == _sha1(CHUNKED_ENTITY)
    assert headers["WARC-Refers-To-Target-URI"] == base + "chunked"


def test_every_record_states_each_digest_once(wired) -> None:
    _, _, _, _, warc, _, _ = wired
    with warc.open("rb") as handle:
        for record in ArchiveIterator(handle, no_record_parse=True):
            names = [name for name, _ in record.rec_headers.headers]
            assert len(names) == len(set(names)), names


def test_http10_body_ends_at_close(wired) -> None:
    _, base, _, _, warc, _, _ = wired
    assert warcio_entity(warc, base + "http10") == b"<HTML><BODY>HTTP/1.0, ends at close</BODY></HTML>"


@pytest.mark.parametrize("name", UNPARSED)
def test_an_answer_no_parser_accepts_is_kept_as_a_resource(wired, name: str) -> None:
    _, base, out, _, _, warcio_read, fast_read = wired
    headers, block = warcio_read[("resource", base + name)]
    assert block == WIRE_RESPONSES[name][0]
    assert fast_read[("resource", base + name)] == block
    assert headers[UNPARSED_HEADER].startswith("not an HTTP/1.x response (")
    assert headers["Content-Type"] == "application/octet-stream"
    assert "WARC-Truncated" not in headers
    request = warcio_read[("request", base + name)][0]
    assert headers["WARC-Concurrent-To"] == request["WARC-Record-ID"]
    log = [line for line in (out / "crawl.log").read_text(encoding="utf-8").splitlines()
           if line.split("\t")[3] == base + name]
    assert any("not an HTTP/1.x response" in line for line in log), log


def test_a_header_trickle_is_cut_at_max_fetch_time(wired) -> None:
    _, base, out, _, _, warcio_read, _ = wired
    headers, block = warcio_read[("resource", base + "head-trickle")]
    assert headers["WARC-Truncated"] == "time"
    assert block.startswith(b"HTTP/1.0 200 OK\r\nX-Slow: z") and b"ok" not in block
    assert "max_fetch_time" in headers[UNPARSED_HEADER]


# -- crawl traps ---------------------------------------------------------------------------------

def _trap_crawl(folder: Path, seed_path: str, extra: str) -> tuple[Counter[str], str]:
    with serve(wire_site_route) as state:
        seed = state.origin + seed_path
        config = crawl_config(folder, state, base_url=state.origin + "/w/", fetch_from=None,
                              extra=f'seeds = ["{seed}"]\nmax_pages = 400\n{extra}')
        assert main(["crawl", str(config), "--out", str(folder / "out"), "--quiet"]) == 0
    hits = Counter(path for path in state.requests if path.startswith(seed_path[:5]))  # /w/s/, /w/c/, /w/f/
    return hits, (folder / "out" / "sunset.log").read_text(encoding="utf-8")


def test_a_session_id_trap_spelled_in_letters_is_cut_by_pattern(tmp_path: Path) -> None:
    hits, summary = _trap_crawl(tmp_path, f"/w/s/{session_id('start', 24)}/page.htm", "max_per_pattern = 10")
    assert sum(hits.values()) <= 11
    assert "possible trap: more than 10 URLs like /w/s/S/page.htm" in summary


def test_a_chain_of_short_letter_sessions_stops_at_the_default_max_depth(tmp_path: Path) -> None:
    assert CrawlOptions().max_depth == 100
    hits, summary = _trap_crawl(tmp_path, f"/w/c/{session_id('start', 6)}/", "")
    assert sum(hits.values()) == 101  # the seed and 100 clicks
    assert "max_depth (100) reached" in summary


def test_a_trap_that_fans_out_is_cut_per_depth(tmp_path: Path) -> None:
    assert CrawlOptions().max_per_depth == 20000
    hits, summary = _trap_crawl(tmp_path, f"/w/f/{session_id('start', 6)}/", "max_per_depth = 30\nmax_depth = 4")
    assert sum(hits.values()) <= 1 + 5 + 25 + 30 + 30
    assert "possible trap: more than 30 URLs at depth 3" in summary


# -- robots.txt Crawl-delay --------------------------------------------------------------------------

def _robots_crawler(folder: Path, origin: str, options: CrawlOptions) -> tuple[Crawler, WarcArchive]:
    archive = WarcArchive(folder / "robots.warc.gz", software="test", info={})
    crawler = Crawler(options, Scope(origin + "/w/"), frontier=folder / "frontier.db", log_path=folder / "crawl.log",
                      sink=archive, extract=lambda body, kind, url: ())
    return crawler, archive


def test_a_huge_crawl_delay_is_capped_with_a_log_line(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="sunset.crawl")
    with serve(wire_site_route) as state:
        state.robots = b"User-agent: *\nCrawl-delay: 86400\n"
        crawler, archive = _robots_crawler(tmp_path, state.origin, CrawlOptions(delay=0))
        with archive:
            crawler.load_robots()
        crawler.close()
    assert crawler._delay == CrawlOptions().max_crawl_delay == 60
    assert "robots.txt asks for 86400 s between requests; capped at 60 s (max_crawl_delay)" in caplog.text


def test_max_crawl_delay_is_a_config_key(tmp_path: Path) -> None:
    with serve(wire_site_route) as state:
        state.robots = b"User-agent: *\nCrawl-delay: 86400\n"
        config = crawl_config(tmp_path, state, base_url=state.origin + "/w/", fetch_from=None,
                              extra="max_crawl_delay = 0.01\nrobots = \"obey\"")
        assert main(["crawl", str(config), "--out", str(tmp_path / "out"), "--quiet"]) == 0
        assert "/w/after.htm" in state.requests
    assert "capped at 0.01 s (max_crawl_delay)" in (tmp_path / "out" / "sunset.log").read_text(encoding="utf-8")


def test_a_request_through_a_proxy_is_recorded_as_sent(tmp_path: Path) -> None:
    """Through a proxy the request line carries the whole URL; a rebuilt request would not."""
    with serve(wire_site_route) as state:  # the server answers absolute-form requests too: its own proxy
        base = state.origin + "/w/"
        config = crawl_config(tmp_path, state, base_url=base, fetch_from=None,
                              extra=f'proxy = "{state.origin}/"\nrobots = "ignore"\nmax_pages = 3')
        assert main(["crawl", str(config), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    arrived = state.raw_requests[base]
    assert arrived.startswith(f"GET {base} HTTP/1.1\r\n".encode())
    assert warcio_blocks(tmp_path / "out" / "old.warc.gz")[("request", base)][1] == arrived


def test_over_https_the_record_holds_the_bytes_inside_tls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The crawl reads on the TLS socket's plaintext side: the record holds HTTP, not ciphertext."""
    import ssl
    import threading
    from http.server import ThreadingHTTPServer

    from crawl.http_fetch import CrawlSession, fetch
    from tests.crawlserver import ServerState, _Handler, self_signed_certificate

    key, cert = self_signed_certificate(tmp_path)
    state = ServerState()
    server = ThreadingHTTPServer(("127.0.0.1", 0), type("Handler", (_Handler,), {
        "state": state, "route": staticmethod(wire_site_route)}))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))  # honoured as requests honoured it
    session = CrawlSession()
    try:
        url = f"https://127.0.0.1:{server.server_address[1]}/w/chunked"
        fetched = fetch(session, url, url, timeout=5, max_body_bytes=1 << 20)
    finally:
        session.close()
        server.shutdown()
        server.server_close()
    sent = WIRE_RESPONSES["chunked"][0]
    assert fetched.response_head + fetched.wire_body.open().read() == sent
    assert fetched.request_bytes == state.raw_requests["/w/chunked"]
    assert fetched.body.open().read() == CHUNKED_ENTITY and fetched.ip == "127.0.0.1"
