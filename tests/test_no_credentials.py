"""No credential of the archivist's in any output: a crawl through a proxy that wants a password.

The proxy's ``Proxy-Authorization`` header is for the proxy, not for the site: the request
record holds the request to the site without it (and says so in ``WARC-Sunset-Redacted``). Every
file of the output folder is searched, the compressed ones opened: the WARCs member by member,
the WACZ and every gzip inside it, the bag's copies, the logs, the config copy and run.json.
"""
from __future__ import annotations

import base64
import gzip
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from sunset.cli import main
from tests.auth_proxy import auth_proxy
from tests.conftest import toml_string
from tests.crawlserver import serve, site_route
from tests.test_crawl_site import crawl_config

USER, PASSWORD = "archivist", "s3cr3t-Pa55w0rd"


def readable_forms(name: str, data: bytes) -> Iterator[tuple[str, bytes]]:
    """The bytes of a file and of everything packed in it (gzip members, zip entries), recursively."""
    yield name, data
    if data[:2] == b"\x1f\x8b":
        try:
            yield from readable_forms(name + "|gunzip", gzip.decompress(data))
        except (OSError, EOFError):
            pass
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for member in archive.namelist():
                yield from readable_forms(f"{name}|{member}", archive.read(member))


def leaks(out: Path, secrets: list[bytes]) -> list[str]:
    found = []
    for path in sorted(out.rglob("*")):
        if path.is_file():
            for name, data in readable_forms(str(path.relative_to(out)), path.read_bytes()):
                found += [f"{name} holds {secret!r}" for secret in secrets if secret in data]
    return found


@pytest.mark.parametrize("given_as", ["environment", "config"])
def test_a_proxy_password_reaches_no_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, given_as: str) -> None:
    for variable in ("no_proxy", "NO_PROXY", "http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
                     "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(variable, raising=False)
    with serve(site_route) as site, auth_proxy(USER, PASSWORD) as proxy:
        extra = 'robots = "ignore"\nmax_pages = 8'
        if given_as == "environment":
            monkeypatch.setenv("http_proxy", proxy.url)
        else:
            extra += f"\nproxy = {toml_string(proxy.url)}"
        config = crawl_config(tmp_path, site, base_url=site.origin + "/site/", fetch_from=None, extra=extra)
        out = tmp_path / "out"
        assert main(["run", str(config), "--out", str(out), "--quiet", "--bagit"]) == 0
    assert proxy.forwarded and not proxy.refused, "the crawl did not go through the proxy"
    encoded = base64.b64encode(proxy.credentials.encode())
    assert leaks(out, [PASSWORD.encode(), encoded]) == []
    with (out / "old.warc.gz").open("rb") as handle:
        requests = [record for record in ArchiveIterator(handle) if record.rec_type == "request"]
    assert requests and all(record.rec_headers.get_header("WARC-Sunset-Redacted") == "Proxy-Authorization"
                            for record in requests)
    assert all(record.http_headers.get_header("Proxy-Authorization") is None for record in requests)
    if given_as == "config":  # the copy still names the proxy, so a resumed crawl goes through it
        copy = (out / "site.toml").read_text(encoding="utf-8")
        assert f"127.0.0.1:{proxy.port}" in copy and "password of [source] proxy out of this copy" in copy


def test_a_request_keeps_every_other_header_as_sent() -> None:
    from crawl.http_fetch import without_credentials

    sent = (b"GET http://old.test/a HTTP/1.1\r\nHost: old.test\r\nUser-Agent: sunset\r\n"
            b"Proxy-Authorization: Basic eDp5\r\nAccept: */*\r\nauthorization: Basic\r\n  eDp5\r\n\r\n")
    kept, removed = without_credentials(sent)
    assert kept == b"GET http://old.test/a HTTP/1.1\r\nHost: old.test\r\nUser-Agent: sunset\r\nAccept: */*\r\n\r\n"
    assert removed == ("Proxy-Authorization", "authorization")
    assert without_credentials(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n") == (b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", ())
