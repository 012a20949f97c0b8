"""sunset/preflight.py: what stops a run before it writes a byte, each with a message that says what to
change (a table of docroots and configs, and what each check says of them)."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.capture_index import CaptureIndex
from archive.errors import ConfigError
from sunset.config import SiteConfig, load_config
from sunset.preflight import _start_rank, check_docroot, check_start_page
from sunset.sources import check_command
from tests.conftest import write_config

BASE = "http://old.example.org/site/"
WAYBACK = 'wayback = "https://web.archive.org/web/"\nas_of = "1998-11"\n'


def _config(tmp_path: Path, files: dict[str, bytes] | None, *, docroot: str = "docroot", source: str = "",
            site: str = "", base_url: str = BASE) -> SiteConfig:
    """A config over a docroot of ``files`` (None: no docroot folder); ``source``, ``site``: more keys."""
    work = tmp_path / "work"
    work.mkdir(parents=True, exist_ok=True)
    if files is not None:
        (work / docroot).mkdir(exist_ok=True)
        for relative, body in files.items():
            (work / docroot / relative).parent.mkdir(parents=True, exist_ok=True)
            (work / docroot / relative).write_bytes(body)
    path = write_config(work, docroot=docroot, base_url=base_url, extra=source)
    path.write_text(path.read_text(encoding="utf-8").replace("\n[source]", f"{site}\n[source]"), encoding="utf-8")
    return load_config(path, out=tmp_path / "out")


def _error(check, *args) -> str:  # noqa: ANN001
    with pytest.raises(ConfigError) as caught:
        check(*args)
    assert "\n" not in str(caught.value)
    return str(caught.value)


def test_a_good_docroot_gives_its_files(tmp_path: Path) -> None:
    config = _config(tmp_path, {"site/index.html": b"<P>home", "site/b/c.gif": b"GIF89a", "robots.txt": b""})
    files = check_docroot(config)
    assert files.files == ("robots.txt", "site/b/c.gif", "site/index.html") and len(files) == 3


@pytest.mark.parametrize(("files", "source", "message"), [
    (None, "", "docroot: {root} does not exist: point docroot at a copy of the old server's files"),
    ({}, "", "docroot: {root} holds no files: copy the old site's files into it"),
    ({"site/.svn/entries": b"x"}, "", "docroot: {root} holds no files"),  # litter does not count
    ({"index.html": b"x", "b/c.htm": b"x"}, "",  # the docroot is the site's folder, not the server's root
     "docroot: none of the 2 files in {root} is under base_url " + BASE + " (read as served at "
     "http://old.example.org/, the first is http://old.example.org/b/c.htm): set [source] docroot_url = \""
     + BASE + "\" (the URL this folder was served at)"),
])
def test_a_wrong_docroot(tmp_path: Path, files: dict[str, bytes] | None, source: str, message: str) -> None:
    config = _config(tmp_path, files, source=source)
    assert message.format(root=config.source.docroot) in _error(check_docroot, config)


def test_a_docroot_of_another_host_without_a_folder_to_suggest(tmp_path: Path) -> None:
    config = _config(tmp_path, {"index.html": b"x"}, source='docroot_url = "http://cdn.example.org/"\n',
                     base_url="http://old.example.org/")
    message = ("(read as served at http://cdn.example.org/, the first is http://cdn.example.org/index.html): point "
               "docroot at the server's document root, or set [source] docroot_url to the URL that folder was served "
               "at")
    assert message in _error(check_docroot, config)


def test_a_docroot_that_is_a_file(tmp_path: Path) -> None:
    config = _config(tmp_path, None, docroot="site.zip")
    (tmp_path / "work" / "site.zip").write_bytes(b"PK\x03\x04")
    assert "site.zip is not a folder: point docroot at the old server's document root" in _error(check_docroot,
                                                                                                 config)


@pytest.mark.parametrize(("files", "site", "message"), [
    ({"site/index.html": b"<P>home"}, "", None),
    ({"site/default.htm": b"<P>home"}, "", None),  # one of the index files
    ({"site/Start.htm": b"<P>x", "site/deep/index.html": b"<P>x", "site/zz.htm": b"<P>x"}, "",
     'set [site] start_url to the page that opens the site such as "' + BASE + 'Start.htm"'),
    ({"site/pic.gif": b"GIF89a"}, "", "set [site] start_url to the page that opens the site"),
    ({"site/index.html": b"<P>home", "site/intro.htm": b"<P>x"}, 'start_url = "' + BASE + 'intro.htm"', None),
])
def test_the_start_page_before_ingest(tmp_path: Path, files: dict[str, bytes], site: str,
                                      message: str | None) -> None:
    config = _config(tmp_path, files, site=site)
    files_walked = check_docroot(config)
    if message is None:
        check_start_page(config, files=files_walked)
        check_start_page(config)  # the same answer from a walk of its own
    else:
        error = _error(check_start_page, config, None, files_walked)
        assert f"[site] base_url: the start page {BASE} is not in the archive (nor any of index.html" in error
        assert message in error


def test_the_start_page_of_a_crawl_from_its_warc(tmp_path: Path) -> None:
    config = _config(tmp_path, None, docroot="")
    warc = tmp_path / "crawl.warc.gz"
    with warc.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for url, status in ((BASE, "404 Not Found"), (BASE + "Welcome.htm", "200 OK")):
            http = StatusAndHeaders(status, [("Content-Type", "text/html")], protocol="HTTP/1.0")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(b"<P>x"),
                                                          http_headers=http))
    error = _error(check_start_page, config, CaptureIndex(warc))  # the base URL answered 404: not a page of the mirror
    assert error.endswith('such as "' + BASE + 'Welcome.htm"')
    empty = tmp_path / "empty.warc.gz"
    with empty.open("wb") as handle:
        WARCWriter(handle, gzip=True)
    assert _error(check_start_page, config, CaptureIndex(empty)) == (f"{empty} holds nothing of {BASE}: check [source] in "
                                                       f"{config.path}")


@pytest.mark.parametrize(("urls", "best"), [
    (["http://h/a/b/index.htm", "http://h/zz.htm"], "http://h/zz.htm"),  # shallow first
    (["http://h/zz.htm", "http://h/Welcome.html", "http://h/aa.htm"], "http://h/Welcome.html"),  # then a usual name
    (["http://h/b.htm", "http://h/a.htm"], "http://h/a.htm"),  # then by name
])
def test_start_rank(urls: list[str], best: str) -> None:
    assert min(urls, key=_start_rank) == best


def test_check_command(tmp_path: Path) -> None:
    ingested = _config(tmp_path, {"site/index.html": b"<P>home"})
    assert check_command(ingested, "mirror") is None  # nothing to walk
    files = check_command(ingested, "run")
    assert files is not None and files.files == ("site/index.html",)
    assert _error(check_command, ingested, "crawl").endswith(
        "[source] docroot is set, so the site is ingested from its document root: use `sunset ingest` (or "
        "`sunset run`), not `sunset crawl`")
    crawled = _config(tmp_path / "c", None, docroot="")
    assert check_command(crawled, "crawl") is None
    assert _error(check_command, crawled, "ingest").endswith(
        "neither [source] docroot nor wayback is set, so the site is crawled over HTTP: use `sunset crawl` (or "
        "`sunset run`), not `sunset ingest`")
    archived = _config(tmp_path / "w", None, docroot="", source=WAYBACK + 'auth = "env:SUNSET_NO_SUCH_SECRET"\n')
    assert _error(check_command, archived, "ingest").endswith(
        "[source] wayback is set, so the site is rebuilt from a web archive: use `sunset crawl` (or `sunset run`), "
        "not `sunset ingest`")
    assert check_command(archived, "crawl") is None  # a web archive is not sent the site's credentials...
    assert "SUNSET_NO_SUCH_SECRET" in _error(check_command, _config(tmp_path / "a", None, docroot="",
                                             source='auth = "env:SUNSET_NO_SUCH_SECRET"\n'), "crawl")  # ...a crawl is
    (tmp_path / "out").write_text("a file")
    assert _error(check_command, ingested, "run").startswith(f"the output folder {tmp_path / 'out'} is a file")


@pytest.mark.parametrize("command", ["run", "ingest", "crawl", "mirror"])
def test_two_sources_are_refused_before_any_command(command: str, tmp_path: Path) -> None:
    """A docroot and a web archive: either would leave the other's site unarchived, so no command
    reads such a config, said from the keys of SOURCES."""
    both = _config(tmp_path, {"site/index.html": b"<P>home"}, source=WAYBACK)
    assert _error(check_command, both, command).endswith(
        "[source] docroot and wayback are both set: the site is ingested from its document root or rebuilt from a "
        "web archive; remove one of them")
