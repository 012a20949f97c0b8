"""archive/record_builder.py: what goes into each record, apart from any file. Each record is
written with the writer's one-record helper and read back by warcio's own parser."""
from __future__ import annotations

import io
from datetime import datetime, timezone

from warcio.archiveiterator import ArchiveIterator

from archive.capture import BytesBody, Capture, Fetched, SpooledBody, sha1_digest, warc_digest
from archive.labels import CHARSET_SOURCE_HEADER
from archive.record_builder import UNPARSED_HEADER, WARC_VERSION, RecordBuilder
from archive.record_loader import ARC, RecordLoader
from archive.stamps import RecordStamps
from archive.warc_writer import write_member

DATE = datetime(1998, 11, 16, 9, 30, tzinfo=timezone.utc)
HEAD = b"HTTP/1.0 200 OK\r\nServer: NCSA/1.5\r\nX-Folded: one\r\n  two\r\nX-Name: Caf\xe9\r\n\r\n"
BODY = b"<HTML><TITLE>Caf\xe9</TITLE>hello</HTML>"


def builder() -> RecordBuilder:
    return RecordBuilder(RecordStamps(DATE, seed="test"))


def written(*records) -> list:  # type: ignore[no-untyped-def]
    """(type, WARC headers, block as stored) of each record after a round trip through a file."""
    out = io.BytesIO()
    for record in records:
        write_member(out, record)
    out.seek(0)
    found = []
    for record in ArchiveIterator(out, no_record_parse=True):
        found.append((record.rec_type, dict(record.rec_headers.headers), record.raw_stream.read()))
    return found


def fetched(**changes) -> Fetched:  # type: ignore[no-untyped-def]
    values = dict(url="http://old.example/a.htm", fetched_url="http://old.example/a.htm", date=DATE,
                  request_line="GET /a.htm HTTP/1.0", request_headers=(("Host", "old.example"),),
                  protocol="HTTP/1.0", status=200, reason="OK", headers=(("Server", "NCSA/1.5"),),
                  body=SpooledBody(io.BytesIO(BODY)), payload_digest=warc_digest(sha1_digest(BODY)),
                  ip="10.0.0.1", truncated=None, duration=0.1, request_bytes=b"GET /a.htm HTTP/1.0\r\n\r\n",
                  response_head=HEAD)
    values.update(changes)
    return Fetched(**values)


def test_a_docroot_file_is_a_resource_with_sunsets_charset_label() -> None:
    capture = Capture("http://old.example/a.htm", DATE, "text/html", BytesBody(BODY))
    with builder().capture(capture) as record:
        ((kind, headers, block),) = written(record)
    assert kind == "resource" and block == BODY
    assert headers["Content-Type"].startswith("text/html; charset=") and headers[CHARSET_SOURCE_HEADER]
    assert headers["WARC-Date"] == "1998-11-16T09:30:00Z"


def test_an_exchange_keeps_the_wire_bytes_request_first() -> None:
    with builder().exchange(fetched()) as (request, response):
        (request_kind, request_headers, request_block), (kind, headers, block) = written(request, response)
    assert (request_kind, kind) == ("request", "response")
    assert request_block == b"GET /a.htm HTTP/1.0\r\n\r\n"
    assert block == HEAD + BODY  # folded line and the Latin-1 byte as received
    assert request_headers["WARC-Concurrent-To"] == headers["WARC-Record-ID"]
    assert headers["WARC-Concurrent-To"] == request_headers["WARC-Record-ID"]
    assert headers["WARC-IP-Address"] == "10.0.0.1"


def test_an_answer_no_parser_accepted_is_a_resource_with_a_note() -> None:
    wire = b"ICY 200 OK\r\nicy-name: radio\r\n\r\nnoise"
    with builder().exchange(fetched(unparsed="ICY", body=SpooledBody(io.BytesIO(wire)),
                                    response_head=b"")) as (request, response):
        _, (kind, headers, block) = written(request, response)
    assert kind == "resource" and block == wire
    assert headers[UNPARSED_HEADER].startswith("not an HTTP/1.x response (ICY)")


def test_a_revisit_states_the_payload_it_repeats() -> None:
    with builder().exchange(fetched(), ("http://old.example/a.htm", "1998-11-15T00:00:00Z")) as (request, response):
        _, (kind, headers, block) = written(request, response)
    assert kind == "revisit" and block == HEAD
    assert headers["WARC-Payload-Digest"] == warc_digest(sha1_digest(BODY))
    assert headers["WARC-Refers-To-Date"] == "1998-11-15T00:00:00Z"


def test_warcinfo_fields_stay_one_line_each() -> None:
    record = builder().warcinfo("site.warc.gz", "sunset test", {"description": "two\r\nforged: yes", "empty": ""})
    ((kind, headers, block),) = written(record)
    assert kind == "warcinfo" and headers["WARC-Filename"] == "site.warc.gz"
    assert headers["WARC-Date"] == "1998-11-16T09:30:00Z"
    assert block.decode().splitlines()[-1] == "description: two forged: yes"
    assert b"empty" not in block and record.rec_headers.protocol == WARC_VERSION


def test_an_arc_record_becomes_a_warc_record_with_its_block_unchanged(tmp_path) -> None:  # type: ignore[no-untyped-def]
    blocks = [HEAD + BODY, b"220 not an http answer\r\n"]
    arc = tmp_path / "old.arc"
    offsets = []
    with arc.open("wb") as handle:
        handle.write(b"filedesc://old.arc 0.0.0.0 19981116093000 text/plain 0\n\n")
        for number, block in enumerate(blocks):
            offsets.append(handle.tell())
            handle.write(b"http://old.example/%d 10.0.0.1 19981116093000 text/html %d\n%s\n"
                         % (number, len(block), block))
    made = []
    with RecordLoader(arc) as loader:
        for offset in offsets:
            stored = loader.load(offset, parse_http=False)
            assert stored.format == ARC
            with builder().from_arc(stored) as record:
                made.extend(written(record))
    (kind, headers, block), (other_kind, other_headers, other_block) = made
    assert (kind, block) == ("response", blocks[0])
    assert headers["WARC-Target-URI"] == "http://old.example/0" and headers["WARC-Date"] == "1998-11-16T09:30:00Z"
    assert headers["WARC-Payload-Digest"] == warc_digest(sha1_digest(BODY))
    assert (other_kind, other_block) == ("resource", blocks[1]) and UNPARSED_HEADER in other_headers
