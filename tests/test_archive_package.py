"""The archival package of the bundled site: master, derived WARC, CDXJ, WACZ and bag, read back
with warcio and FastWARC, checked against each other, and validated with wacz and bagit."""
from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
import zipfile
from io import BytesIO
from pathlib import Path

import pytest
from fastwarc.warc import ArchiveIterator as FastIterator
from fastwarc.warc import WarcRecordType
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import iso_date_to_timestamp
from warcio.warcwriter import WARCWriter

from archive.package.bag import validate_bag
from archive.package.cdxj import iter_cdxj, write_cdxj
from archive.capture_index import CaptureIndex
from archive.package.derived import MIRROR_PATH_HEADER
from archive.package.package_check import check_cdxj
from archive.package.replay import ReplayError, pywb_tool
from archive.package.verify import verify_warc
from archive.package.wacz import validate_wacz
from sunset.cli import main
from sunset.config import load_config
from sunset.layout import OutputLayout
from tests.conftest import OTPIC_CONFIG, write_config

FIXED = ["--fixed-clock", "2026-01-01T00:00:00Z", "--record-id-seed", "sunset-tests"]
BIN = Path(sys.executable).parent


def run_fixed(out: Path, *extra: str) -> OutputLayout:
    assert main(["run", str(OTPIC_CONFIG), "--out", str(out), "--quiet", *FIXED, *extra]) == 0
    return OutputLayout(out, load_config(OTPIC_CONFIG).name)


@pytest.fixture(scope="session")
def package(tmp_path_factory: pytest.TempPathFactory) -> OutputLayout:
    """The bundled site, run once with a fixed clock and seed and a bag."""
    return run_fixed(tmp_path_factory.mktemp("package"), "--bagit")


def warcio_records(path: Path) -> list[tuple[str, dict[str, str], bytes]]:
    with path.open("rb") as handle:
        return [(record.rec_type, dict(record.rec_headers.headers), record.content_stream().read())
                for record in ArchiveIterator(handle)]


def fastwarc_records(path: Path) -> list[tuple[str, str]]:
    with path.open("rb") as handle:
        return [(record.headers["WARC-Type"], record.record_id)
                for record in FastIterator(handle, record_types=WarcRecordType.any_type, parse_http=False)]


def page_records(layout: OutputLayout) -> list[dict]:
    lines = layout.records.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if json.loads(line)["record_type"] == "page"]


def test_every_output_of_the_package_exists(package: OutputLayout) -> None:
    for path in (package.warc, package.derived_warc, package.cdxj, package.wacz, package.bag / "bagit.txt"):
        assert path.exists(), path
    assert not list(package.root.glob("*.open")) and not (package.root / "bag.open").exists()


@pytest.mark.parametrize("which", ["warc", "derived_warc"])
def test_warcs_read_the_same_with_warcio_and_fastwarc_and_digests_pass(package: OutputLayout, which: str) -> None:
    path = getattr(package, which)
    check = verify_warc(path)
    assert check.problems == ()
    ours = [(kind, headers["WARC-Record-ID"]) for kind, headers, _ in warcio_records(path)]
    assert ours == fastwarc_records(path)
    assert check.records == len(ours)


def test_master_holds_warcinfo_then_original_bytes_only(package: OutputLayout) -> None:
    records = warcio_records(package.warc)
    kind, _, info = records[0]
    assert kind == "warcinfo"
    fields = dict(line.split(": ", 1) for line in info.decode().splitlines() if line)
    assert fields["format"] == "WARC File Format 1.1" and fields["isPartOf"] == "otpic"
    assert fields["conformsTo"].endswith("/warc-1.1/")
    assert fields["operator"] == "Conflict Research Consortium, University of Colorado"
    assert {kind for kind, _, _ in records[1:]} == {"resource"}
    docroot = OTPIC_CONFIG.parent / "docroot"
    for _, headers, body in records[1:]:
        relative = headers["WARC-Target-URI"].removeprefix("http://www.colorado.edu/")
        assert body == (docroot / relative).read_bytes()


def test_derived_records_refer_to_their_originals(package: OutputLayout) -> None:
    originals = {headers["WARC-Record-ID"]: headers for kind, headers, _ in warcio_records(package.warc)
                 if kind == "resource"}
    derived = warcio_records(package.derived_warc)
    assert derived[0][0] == "warcinfo"
    assert {kind for kind, _, _ in derived[1:]} == {"metadata", "conversion"}
    for kind, headers, body in derived[1:]:
        original = originals[headers["WARC-Refers-To"]]
        assert headers["WARC-Refers-To-Target-URI"] == original["WARC-Target-URI"] == headers["WARC-Target-URI"]
        assert headers["WARC-Refers-To-Date"] == original["WARC-Date"]
        if kind == "metadata":
            assert headers["Content-Type"] == "application/json"
            assert json.loads(body)["warc_record_id"] == headers["WARC-Refers-To"]
        else:
            assert headers["Content-Type"] == "text/html; charset=utf-8"
            assert body == (package.root / headers[MIRROR_PATH_HEADER]).read_bytes()
            assert b"OTPIC Officially Retired" in body
    pages = page_records(package)
    metadata = [json.loads(body) for kind, _, body in derived if kind == "metadata"]
    assert metadata == pages
    conversions = {headers[MIRROR_PATH_HEADER] for kind, headers, _ in derived if kind == "conversion"}
    mirror_pages = {f"mirror/{path.relative_to(package.mirror).as_posix()}" for path in package.mirror.rglob("*.htm*")
                    if not path.relative_to(package.mirror).parts[0] in ("_sunset", "index.html")}
    assert conversions == mirror_pages


def test_cdxj_indexes_exactly_the_master_and_the_reconstructions(package: OutputLayout) -> None:
    every = list(iter_cdxj(package.cdxj))
    assert [(line.urlkey, line.timestamp) for line in every] == sorted((line.urlkey, line.timestamp) for line in every)
    lines = [line for line in every if line.fields["filename"] == package.warc.name]
    reconstructed = [line for line in every if line.fields["filename"] == package.reconstructed_warc.name]
    assert len(lines) + len(reconstructed) == len(every)
    assert {line.url for line in reconstructed} == {"http://www.colorado.edu/conflict/peace/",
                                                    "http://www.colorado.edu/conflict/peace/Glossary.htm"}
    resources = [headers for kind, headers, _ in warcio_records(package.warc) if kind == "resource"]
    assert len(lines) == len(resources)
    by_url = {line.url: line for line in lines}
    for headers in resources:
        line = by_url[headers["WARC-Target-URI"]]
        assert line.timestamp == iso_date_to_timestamp(headers["WARC-Date"])
        assert line.fields["digest"] == headers["WARC-Payload-Digest"]
        assert line.fields["filename"] == package.warc.name
        assert line.urlkey.startswith("edu,colorado)/conflict/peace/")
    with package.warc.open("rb") as handle:
        for line in lines:
            handle.seek(line.offset)
            record = next(iter(ArchiveIterator(handle)))
            assert record.rec_headers.get_header("WARC-Target-URI") == line.url
    assert check_cdxj(package.warc, package.cdxj, package.reconstructed_warc) == []
    assert check_cdxj(package.warc, package.cdxj) != []  # the reconstructions are in no other file


def test_reconstructions_are_marked_revisits_of_the_captures(package: OutputLayout) -> None:
    """The base URL is answered by its index file, Glossary.htm (a link's spelling) by glossary.htm."""
    originals = {headers["WARC-Record-ID"]: headers for kind, headers, _ in warcio_records(package.warc)
                 if kind == "resource"}
    records = warcio_records(package.reconstructed_warc)
    assert records[0][0] == "warcinfo" and b"not fetched" in records[0][2]
    made = {headers["WARC-Target-URI"]: (kind, headers, body) for kind, headers, body in records[1:]}
    assert set(made) == {"http://www.colorado.edu/conflict/peace/", "http://www.colorado.edu/conflict/peace/Glossary.htm"}
    for url, rule, target in [("http://www.colorado.edu/conflict/peace/", "index-file", "index.html"),
                              ("http://www.colorado.edu/conflict/peace/Glossary.htm", "case-variant", "glossary.htm")]:
        kind, headers, _ = made[url]
        original = originals[headers["WARC-Refers-To"]]
        assert kind == "revisit" and headers["WARC-Sunset-Reconstruction"] == rule
        assert headers["WARC-Profile"] == "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
        assert headers["WARC-Refers-To-Target-URI"] == original["WARC-Target-URI"] == \
            "http://www.colorado.edu/conflict/peace/" + target
        assert headers["WARC-Refers-To-Date"] == original["WARC-Date"] == headers["WARC-Date"]
        assert headers["WARC-Payload-Digest"] == original["WARC-Payload-Digest"]
    assert verify_warc(package.reconstructed_warc).problems == ()


def test_resource_records_carry_the_charset_sunset_decided(package: OutputLayout) -> None:
    """No server labelled these files: the label is sunset's, says so, and agrees with the records."""
    pages = {page["url"]: page for page in page_records(package)}
    labelled = 0
    for kind, headers, _ in warcio_records(package.warc):
        if kind != "resource" or headers["WARC-Target-URI"] not in pages:
            continue
        page = pages[headers["WARC-Target-URI"]]
        assert headers["Content-Type"] == f"text/html; charset={page['charset']}"
        assert headers["WARC-Sunset-Charset-Source"] == page["charset_source"] == "default"
        labelled += 1
    assert labelled == len(pages) == 16


def test_wacz_validates_and_lists_every_page_with_its_title(package: OutputLayout) -> None:
    assert validate_wacz(package.wacz) == []
    result = subprocess.run([str(BIN / "wacz"), "validate", "-f", str(package.wacz)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    with zipfile.ZipFile(package.wacz) as wacz:
        names = set(wacz.namelist())
        assert {"datapackage.json", "datapackage-digest.json", "pages/pages.jsonl",
                f"archive/{package.warc.name}", f"archive/{package.reconstructed_warc.name}"} <= names
        assert not any("derived" in name for name in names)
        assert wacz.read(f"archive/{package.warc.name}") == package.warc.read_bytes()
        listed = [json.loads(line) for line in wacz.read("pages/pages.jsonl").decode().splitlines()[1:]]
        datapackage = json.loads(wacz.read("datapackage.json"))
    assert datapackage["wacz_version"] == "1.1.1"
    assert all(resource["hash"].startswith("sha256:") for resource in datapackage["resources"])
    assert {(page["url"], page["title"], page["text"]) for page in listed} == {
        (page["url"], page["title"] or page["url"], page["text"]) for page in page_records(package)}
    assert datapackage["metadata"]["title"] == datapackage["title"] == (  # where ReplayWeb.page reads it
        "International Online Training Program On Intractable Conflict (http://www.colorado.edu/conflict/peace/)")
    assert all(page["ts"] == "1998-11-16T09:30:00Z" for page in listed)


def test_bag_validates_with_both_manifests_and_the_site_dates(package: OutputLayout) -> None:
    assert validate_bag(package.bag) == []
    result = subprocess.run([str(BIN / "bagit.py"), "--validate", str(package.bag)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert (package.bag / "manifest-sha256.txt").exists() and (package.bag / "manifest-sha512.txt").exists()
    info = dict(line.split(": ", 1) for line in (package.bag / "bag-info.txt").read_text().splitlines())
    assert info["Source-Organization"] == "Conflict Research Consortium, University of Colorado"
    assert info["Bagging-Date"] == "2026-01-01"
    assert info["Earliest-Capture-Date"] == "1998-11-16T09:30:00Z" and info["Retirement-Date"] == "2005-12-02"
    assert "External-Description" in info
    data = package.bag / "data"
    for name in (package.warc.name, package.reconstructed_warc.name, package.derived_warc.name, package.cdxj.name,
                 package.wacz.name, "records.jsonl", "README.txt", "mirror/index.html"):
        assert (data / name).is_file(), name


def test_two_runs_with_a_fixed_clock_are_byte_identical(package: OutputLayout, tmp_path: Path) -> None:
    again = run_fixed(tmp_path / "again")
    for name in (package.warc.name, package.reconstructed_warc.name, package.derived_warc.name, package.cdxj.name):
        assert (again.root / name).read_bytes() == (package.root / name).read_bytes(), name
    for line in iter_cdxj(package.cdxj):  # every gzip member: no timestamp in its header
        header = (package.root / line.fields["filename"]).read_bytes()[line.offset:line.offset + 10]
        assert header[:3] == b"\x1f\x8b\x08" and header[4:8] == b"\0\0\0\0"


def test_verify_explains_each_kind_of_damage(package: OutputLayout, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "copy"
    shutil.copytree(package.root, root)
    layout = OutputLayout(root, package.name)
    assert main(["verify", str(root), "--quiet"]) == 0
    page = layout.mirror / "www.colorado.edu/conflict/peace/glossary.htm"
    page.write_bytes(page.read_bytes().replace(b"</BODY>", b"<P>edited</BODY>"))
    lines = layout.cdxj.read_text().splitlines(keepends=True)
    layout.cdxj.write_text("".join(lines[1:]))
    (layout.bag / "data" / "records.jsonl").write_text("changed\n")
    with zipfile.ZipFile(layout.wacz, "a") as wacz:
        wacz.writestr("pages/extra.txt", "not in the datapackage")
    capsys.readouterr()
    assert main(["verify", str(root)]) == 1
    err = capsys.readouterr().err
    assert "glossary.htm: differs from its conversion record" in err
    assert "is not in the index" in err
    assert "bag:" in err and "records.jsonl" in err
    assert "wacz validate failed" in err


def test_index_and_links_work_for_crawled_records(tmp_path: Path) -> None:
    """A WARC as a crawler writes it (request, response, revisit) indexes and verifies too."""
    warc = tmp_path / "crawl.warc.gz"
    with warc.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True, warc_version="WARC/1.1")
        url = "http://old.example.org/site/index.html"
        body = b"<HTML><TITLE>Old</TITLE><BODY>Hello</BODY></HTML>"
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        response = writer.create_warc_record(url, "response", payload=BytesIO(body), http_headers=http)
        request = writer.create_warc_record(url, "request", payload=BytesIO(b""), http_headers=StatusAndHeaders(
            "GET /site/index.html HTTP/1.1", [("Host", "old.example.org")], is_http_request=True))
        request.rec_headers.add_header("WARC-Concurrent-To", response.rec_headers.get_header("WARC-Record-ID"))
        revisit = writer.create_revisit_record(url, response.rec_headers.get_header("WARC-Payload-Digest"),
                                               url, response.rec_headers.get_header("WARC-Date"),
                                               http_headers=http)
        for record in (response, request, revisit):
            writer.write_record(record)
    cdxj = tmp_path / "crawl.cdxj"
    assert write_cdxj(warc, cdxj) == 2
    assert check_cdxj(warc, cdxj) == []
    with CaptureIndex(warc) as index:
        found = index.find(None, url)
        assert found is not None and found.rec_type == "response"
        revisit = index.find(revisit.rec_headers.get_header("WARC-Record-ID"), url)
        assert revisit is not None and revisit.rec_type == "revisit"
    assert verify_warc(warc).problems == ()


def test_archive_keys_in_the_config_make_the_bag(tmp_path: Path) -> None:
    site = tmp_path / "docroot" / "site"
    site.mkdir(parents=True)
    (site / "index.html").write_bytes(b"<HTML><TITLE>Hi</TITLE><BODY>Hello</BODY></HTML>")
    config = write_config(tmp_path, extra='\n[archive]\nbagit = true\ncontact_email = "a@example.org"\n'
                                           'source_organization = "Example Org"\n'
                                           'fixed_clock = "2026-01-01T00:00:00Z"\nrecord_id_seed = "1"\n')
    out = tmp_path / "out"
    assert main(["run", str(config), "--out", str(out), "--quiet"]) == 0
    info = (out / "bag" / "bag-info.txt").read_text()
    assert "Contact-Email: a@example.org" in info and "Source-Organization: Example Org" in info
    with gzip.open(out / "test.warc.gz", "rt", encoding="utf-8", errors="replace") as handle:
        assert "WARC-Date: 2026-01-01T00:00:00Z" in handle.read(600)


def test_replay_without_pywb_says_how_to_install_it() -> None:
    with pytest.raises(ReplayError, match=r"pip install .*sunset\[replay\]"):
        pywb_tool("no-such-pywb-tool")


def test_verify_deep_has_the_second_reader_check_every_digest(package: OutputLayout, tmp_path: Path) -> None:
    """A body byte changed (its gzip member rewritten whole): warcio and, with --deep, FastWARC both object."""
    import gzip as gz

    data = package.warc.read_bytes()
    line = next(line for line in iter_cdxj(package.cdxj) if line.url.endswith("glossary.htm"))
    member = gz.decompress(data[line.offset:line.offset + int(line.fields["length"])])
    damaged = data[:line.offset] + gz.compress(member.replace(b"Glossary", b"Glossery", 1)) \
        + data[line.offset + int(line.fields["length"]):]
    warc = tmp_path / "damaged.warc.gz"
    warc.write_bytes(damaged)
    assert verify_warc(warc).problems != ()
    deep = verify_warc(warc, deep=True).problems
    assert any("FastWARC finds the block digest wrong" in problem for problem in deep)
    assert verify_warc(package.warc, deep=True).problems == ()


def test_the_ingest_writers_index_lines_are_cdxj_indexers(package: OutputLayout, tmp_path: Path) -> None:
    """package sorts the lines the master's writer left; cdxj-indexer reading the file agrees byte for byte."""
    from archive.index_lines import emitted_lines, lines_path

    assert emitted_lines(package.warc) is not None
    copy = tmp_path / package.warc.name
    copy.write_bytes(package.warc.read_bytes())
    assert not lines_path(copy).exists() and emitted_lines(copy) is None
    write_cdxj(copy, tmp_path / "indexed.cdxj", package.reconstructed_warc)  # the index covers both
    assert (tmp_path / "indexed.cdxj").read_bytes() == package.cdxj.read_bytes()
    assert_heads_are_the_files(package.warc, copy)


def test_the_index_sorted_in_runs_is_the_index_sorted_whole(package: OutputLayout, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A sort buffer of a few lines: sorted runs in temporary files, merged as the index is written
    (the writer's lines, and cdxj-indexer reading the file): the package's index, byte for byte."""
    from archive.package import cdxj

    monkeypatch.setattr(cdxj, "SORT_BUFFER", 4096)
    write_cdxj(package.warc, tmp_path / "emitted.cdxj", package.reconstructed_warc)
    copy = tmp_path / package.warc.name
    copy.write_bytes(package.warc.read_bytes())
    write_cdxj(copy, tmp_path / "indexed.cdxj", package.reconstructed_warc)
    assert (tmp_path / "emitted.cdxj").read_bytes() == package.cdxj.read_bytes()
    assert (tmp_path / "indexed.cdxj").read_bytes() == package.cdxj.read_bytes()


def assert_heads_are_the_files(warc: Path, copy: Path) -> None:
    """The record heads the writer left beside ``warc`` are the ones warcio reads from the file
    (``copy`` has none beside it, so it is read)."""
    from archive.capture import Capture
    from archive.capture_index import CaptureIndex
    from archive.index_lines import HEAD_LINES, emitted_lines, lines_path
    from archive.reader import iter_record_heads, iter_warc_captures

    assert emitted_lines(warc, HEAD_LINES) is not None and not lines_path(copy, HEAD_LINES).exists()
    emitted, read = list(iter_record_heads(warc)), list(iter_record_heads(copy))
    assert emitted == read and len(read) > 10
    def fields(capture: Capture) -> tuple:
        return (capture.url, capture.date, capture.content_type, capture.status, capture.http_headers,
                capture.record_id, capture.payload_digest, capture.truncated)

    with CaptureIndex(warc) as index:
        assert [fields(capture) for capture in index.captures()] == \
            [fields(capture) for capture in iter_warc_captures(copy)]
