"""The master's capture index (archive/capture_index.py): one index, built once, the same whether
made from the writer's heads or from a read of the WARC, made again when the WARC is another one,
and safe to hand to a forked worker."""
from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.capture import Capture
from archive.capture_index import CAPTURE_INDEX, CaptureIndex, iter_originals
from archive.index_lines import HEAD_LINES, emitted_lines, lines_path
from archive.reader import iter_warc_captures
from archive.urls import lookup_key
from sunset.cli import main
from tests.crawlserver import serve, site_route
from tests.test_crawl_site import BASE, crawl_config


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A crawl's master, with its writer's heads beside it: responses, redirects, errors, revisits
    and URLs spelled in capitals on a case-insensitive server."""
    folder = tmp_path_factory.mktemp("capture-index")
    with serve(site_route) as state:
        assert main(["crawl", str(crawl_config(folder, state)), "--out", str(folder / "out"), "--quiet"]) == 0
    warc = folder / "out" / "old.warc.gz"
    assert emitted_lines(warc, HEAD_LINES) is not None
    return warc


def _copy_without_heads(warc: Path, folder: Path) -> Path:
    folder.mkdir()
    copy = folder / warc.name
    shutil.copyfile(warc, copy)
    assert emitted_lines(copy, HEAD_LINES) is None
    return copy


def _fields(capture: Capture) -> tuple:
    return (capture.url, capture.date, capture.content_type, capture.status, capture.http_headers,
            capture.record_id, capture.payload_digest, capture.truncated)


def _answers(index: CaptureIndex) -> list:
    """Every lookup the stages make, for every URL (and its other spellings) and record id."""
    answers: list = [index.dates(), [_fields(capture) for capture in index.captures()]]
    for original in index.originals():
        url = original.url
        answers.append((original.seq, original.head, original.target()))
        answers.append((index.first(url), index.first(url, revisits=False), index.by_record_id(original.record_id),
                        index.find(original.record_id, url), index.find(None, url)))
        for spelling in (url, url.upper(), url.lower()):
            for folded in (False, True):
                key = lookup_key(spelling, folded)
                answers.append((index.first_by_key(key, case_insensitive=folded),
                                index.first_ordinal(key, case_insensitive=folded)))
    return answers


def test_heads_and_a_read_of_the_warc_give_the_same_answers(crawled: Path, tmp_path: Path) -> None:
    copy = _copy_without_heads(crawled, tmp_path / "copy")
    with CaptureIndex(crawled) as from_heads, CaptureIndex(copy) as from_warc:
        assert _answers(from_heads) == _answers(from_warc)
        assert len(list(from_heads.originals())) == 27
        # the rows are the reader's: its captures (bodies read) in the same order, and the heads it reads
        assert [_fields(capture) for capture in from_warc.captures()] == \
            [_fields(capture) for capture in iter_warc_captures(copy)]
        assert [(original.seq, original.head) for original in from_warc.originals()] == \
            [(original.seq, original.head) for original in iter_originals(copy, lengths=True)]
    # the same file, byte for byte: its bytes depend on the WARC's alone
    assert lines_path(crawled, CAPTURE_INDEX).read_bytes() == lines_path(copy, CAPTURE_INDEX).read_bytes()
    lengths = [original.length for original in iter_originals(crawled, lengths=True)]
    assert all(length and length > 0 for length in lengths)
    assert {original.length for original in iter_originals(crawled)} == {None}  # the heads keep no lengths


def test_it_is_made_once_and_again_only_for_another_warc(crawled: Path, tmp_path: Path) -> None:
    warc = tmp_path / crawled.name
    shutil.copy2(crawled, warc)
    shutil.copy2(lines_path(crawled, HEAD_LINES), lines_path(warc, HEAD_LINES))  # mtime kept: still fresh
    assert emitted_lines(warc, HEAD_LINES) is not None
    CaptureIndex(warc).close()
    made = lines_path(warc, CAPTURE_INDEX).stat()
    with CaptureIndex(warc) as index:
        assert index.first(BASE + "new.htm") is not None
    assert lines_path(warc, CAPTURE_INDEX).stat().st_ino == made.st_ino  # opened, not made again
    assert main(["mirror", str(crawled.parent), "--quiet"]) == 0
    made_for_run = lines_path(crawled, CAPTURE_INDEX).stat().st_ino
    assert main(["package", str(crawled.parent), "--quiet"]) == 0
    assert lines_path(crawled, CAPTURE_INDEX).stat().st_ino == made_for_run  # the package asked the same one

    # A record appended (a resumed crawl): the heads no longer describe the file, nor does the index.
    with warc.open("ab") as handle:
        WARCWriter(handle, gzip=True).write_record(WARCWriter(None).create_warc_record(
            BASE + "later.htm", "resource", payload=io.BytesIO(b"<P>later"), length=8,
            warc_content_type="text/html"))
    assert emitted_lines(warc, HEAD_LINES) is None
    with CaptureIndex(warc) as index:
        later = index.first(BASE + "later.htm")
        assert later is not None and later.seq == 27
        assert [capture.url for capture in index.captures()][-1] == BASE + "later.htm"
    assert lines_path(warc, CAPTURE_INDEX).stat().st_ino != made.st_ino
    assert not list(tmp_path.glob(".*.part"))


def _revisits_warc(path: Path) -> tuple[str, str, str]:
    """A response, a revisit of it, and a revisit of a payload this WARC does not hold; their record ids."""
    http = StatusAndHeaders("200 OK", [("Content-Type", "image/gif")], protocol="HTTP/1.1")
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        response = writer.create_warc_record("http://h/a.gif", "response", payload=io.BytesIO(b"GIF89a"),
                                             http_headers=http)
        revisit = writer.create_revisit_record(
            "http://h/b.gif", response.rec_headers.get_header("WARC-Payload-Digest"), "http://h/a.gif",
            response.rec_headers.get_header("WARC-Date"), http_headers=http,
            warc_headers_dict={"WARC-Refers-To": response.rec_headers.get_header("WARC-Record-ID")})
        elsewhere = writer.create_revisit_record("http://h/c.gif", "sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                                                 "http://h/c.gif", "2001-01-01T00:00:00Z", http_headers=http)
        for record in (response, revisit, elsewhere):
            writer.write_record(record)
    return tuple(record.rec_headers.get_header("WARC-Record-ID") for record in (response, revisit, elsewhere))


def test_revisits(tmp_path: Path) -> None:
    warc = tmp_path / "revisits.warc.gz"
    response_id, revisit_id, elsewhere_id = _revisits_warc(warc)
    with CaptureIndex(warc) as index:
        # what a reader yields: the response and the revisit whose payload it holds, not the other
        assert [capture.url for capture in index.captures()] == \
            [capture.url for capture in iter_warc_captures(warc)] == ["http://h/a.gif", "http://h/b.gif"]
        assert [original.rec_type for original in index.originals()] == ["response", "revisit", "revisit"]
        revisit = index.first("http://h/b.gif")
        assert revisit is not None and revisit.record_id == revisit_id
        assert revisit.target()[:2] == ("http://h/a.gif", response_id)  # what a revisit of it points at
        assert index.find(None, "http://h/b.gif") is None  # a derived record names a capture, not a revisit
        assert index.find(revisit_id, "http://h/b.gif") == revisit
        assert index.first("http://h/c.gif") is not None and index.by_record_id(elsewhere_id) is not None
        assert index.first_ordinal("http://h/c.gif", case_insensitive=False) is None
        assert index.first_ordinal("http://h/b.gif", case_insensitive=False) == 1


def test_case_insensitive_lookups(crawled: Path) -> None:
    """The crawl fetched GLOSSARY.HTM as the pages spelled it; an IIS server answered glossary.htm with it."""
    with CaptureIndex(crawled) as index:
        exact, folded = lookup_key(BASE + "glossary.htm", False), lookup_key(BASE + "glossary.htm", True)
        assert index.first(BASE + "glossary.htm") is None
        assert index.first_by_key(exact, case_insensitive=False) is None
        found = index.first_by_key(folded, case_insensitive=True)
        # The pages spell it GLOSSARY.HTM and Glossary.htm: which the crawl's threads fetched first varies.
        assert found is not None and found.url in (BASE + "GLOSSARY.HTM", BASE + "Glossary.htm")
        ordinal = index.first_ordinal(folded, case_insensitive=True)
        assert ordinal is not None and list(index.captures())[ordinal].url == found.url
        assert index.first_by_key(lookup_key(found.url, False), case_insensitive=False) == found


def test_a_forked_child_does_not_delete_it(crawled: Path, tmp_path: Path) -> None:
    warc = tmp_path / crawled.name
    shutil.copy2(crawled, warc)
    index = CaptureIndex(warc)
    file = lines_path(warc, CAPTURE_INDEX)
    parent = index.first(BASE + "new.htm")
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports by its exit code
        ok = index.first(BASE + "new.htm") == parent
        index.close()
        with CaptureIndex(warc) as again:  # a child opening the master's index itself
            ok = ok and again.first(BASE + "new.htm") == parent
        os._exit(0 if ok else 1)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert file.exists() and index.first(BASE + "new.htm") == parent  # the parent's connection still reads
    index.close()
    assert file.exists()


def test_a_read_only_folder_gets_an_index_in_memory(crawled: Path, tmp_path: Path) -> None:
    from tests.test_lock_and_disk import _read_only

    folder = tmp_path / "ro"
    warc = _copy_without_heads(crawled, folder)
    with _read_only(folder):
        with CaptureIndex(warc) as index:
            assert len(list(index.captures())) == 27
    assert sorted(path.name for path in folder.iterdir()) == [warc.name]
