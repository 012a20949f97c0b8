"""Each capture is decoded with its own record's headers, even when a revisit shares its payload
with a response that was sent with another Content-Encoding."""
from __future__ import annotations

import gzip
import io
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.capture import read_body
from archive.reader import iter_warc_captures
from site_out.mirror import write_mirror
from site_out.notice import NOTICE_MARKER
from tests.test_site_out_mirror import BASE, OPTIONS, site

PAGE = b"<HTML><BODY><P>The same bytes, twice.</BODY></HTML>"
PACKED = gzip.compress(PAGE, mtime=0)
AS_PAGE = [("Content-Type", "text/html"), ("Content-Encoding", "gzip")]
AS_DOWNLOAD = [("Content-Type", "application/gzip")]


def _write(path: Path, first: tuple[str, list[tuple[str, str]]], second: tuple[str, list[tuple[str, str]]]) -> None:
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        url, headers = first
        record = writer.create_warc_record(url, "response", payload=io.BytesIO(PACKED),
                                           http_headers=StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1"))
        writer.write_record(record)
        digest = record.rec_headers.get_header("WARC-Payload-Digest")
        url2, headers2 = second
        revisit = writer.create_revisit_record(
            url2, digest, url, record.rec_headers.get_header("WARC-Date"),
            http_headers=StatusAndHeaders("200 OK", headers2, protocol="HTTP/1.1"))
        writer.write_record(revisit)


@pytest.mark.parametrize("page_first", [True, False])
def test_a_revisit_is_decoded_with_its_own_headers(tmp_path: Path, page_first: bool) -> None:
    page, download = (BASE + "page.html", AS_PAGE), (BASE + "page.html.gz", AS_DOWNLOAD)
    warc = tmp_path / "site.warc.gz"
    _write(warc, *((page, download) if page_first else (download, page)))
    bodies = {capture.url: read_body(capture.body) for capture in iter_warc_captures(warc)}
    assert bodies == {BASE + "page.html": PAGE, BASE + "page.html.gz": PACKED}
    write_mirror(warc, None, OPTIONS, tmp_path / "out")
    mirror = tmp_path / "out" / "mirror"
    assert site(mirror, "page.html.gz").read_bytes() == PACKED  # the bytes the server sent
    assert site(mirror, "page.html").read_text("utf-8").count(NOTICE_MARKER) == 1  # a page, with its notice
