"""archive/heads.py: the head of a capture record, as the writer keeps it beside the master, is
what warcio's own reader parses from the bytes written; and it reads back unchanged."""
from __future__ import annotations

import io

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.heads import head_line, head_loader, heads_from_lines


def _records(writer: WARCWriter) -> list:
    http = StatusAndHeaders("200 OK", [("Content-Type", "text/html"), ("X-Note", "caf\u00e9"),
                                       ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")], protocol="HTTP/1.0")
    return [
        writer.create_warc_record("http://h/a.htm", "response", payload=io.BytesIO(b"<P>a"), http_headers=http),
        writer.create_warc_record("http://h/b.gif", "resource", payload=io.BytesIO(b"GIF89a"),
                                  warc_content_type="image/gif"),
        writer.create_warc_record("http://h/a.htm", "request", payload=io.BytesIO(b"GET /a.htm HTTP/1.0\r\n\r\n"),
                                  warc_content_type="application/http; msgtype=request"),
        writer.create_warc_record("http://h/404", "response", payload=io.BytesIO(b""),
                                  http_headers=StatusAndHeaders("404 Not Found", [], protocol="HTTP/1.1")),
    ]


def test_heads_are_what_a_later_read_of_the_file_finds() -> None:
    stream = io.BytesIO()
    writer = WARCWriter(stream, gzip=True)
    loader = head_loader()
    lines = []
    for record in _records(writer):
        offset = stream.tell()
        writer.write_record(record)
        line = head_line(record, offset, loader)
        assert (line is None) == (record.rec_type == "request")  # only captures have heads
        if line is not None:
            assert line.endswith("\n") and line.count("\n") == 1  # one JSON line each
            lines.append(line)

    heads = list(heads_from_lines(lines))
    stream.seek(0)
    iterator = ArchiveIterator(stream)
    read = [(record.rec_type, iterator.offset, record.rec_headers.headers,
             record.http_headers.statusline if record.http_headers else None,
             record.http_headers.headers if record.http_headers else None)
            for record in iterator if record.rec_type != "request"]
    assert [(head.rec_type, head.offset, head.rec_headers.headers,
             head.http_headers.statusline if head.http_headers else None,
             head.http_headers.headers if head.http_headers else None) for head in heads] == read
    assert heads[0].http_headers.get_header("X-Note") == "caf%C3%A9"  # as warcio wrote it, not as it was given
    assert heads[0].http_headers.protocol == "HTTP/1.0"
    assert [value for name, value in heads[0].http_headers.headers if name == "Set-Cookie"] == ["a=1", "b=2"]
    assert heads[1].http_headers is None  # a resource has no HTTP head
    assert heads[2].http_headers.get_statuscode() == "404"
