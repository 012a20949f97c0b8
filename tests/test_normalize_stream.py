"""records.jsonl is written as the WARC is read: memory stays flat whatever the number of pages."""
from __future__ import annotations

import json
import tracemalloc
from io import BytesIO
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from normalize.options import NormalizeOptions
from normalize.stage import normalize_warc

PAGES = 1000


def _many_pages(path: Path, count: int) -> None:
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=False)
        for number in range(count):
            body = (f"<HTML><HEAD><TITLE>Page {number}</TITLE></HEAD><BODY><H1>Page {number}</H1>"
                    f"<P>Text &#150; {'words ' * 40}<A HREF=\"p{number + 1}.htm\">next</A>"
                    f"<IMG SRC=\"img{number}.gif\"></BODY></HTML>").encode("cp1252")
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.0")
            writer.write_record(writer.create_warc_record(f"http://big.example/p{number}.htm", "response",
                                                          payload=BytesIO(body), http_headers=headers))


def test_memory_does_not_grow_with_the_number_of_pages(tmp_path: Path) -> None:
    warc = tmp_path / "many.warc"
    _many_pages(warc, PAGES)
    output = tmp_path / "records.jsonl"
    seen: list[int] = []
    tracemalloc.start()
    try:
        summary = normalize_warc(warc, NormalizeOptions("http://big.example/"), output,
                                 on_record=lambda url: seen.append(tracemalloc.get_traced_memory()[0]))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert summary.pages == PAGES
    # Held memory after the last page is about what it was after the 100th: nothing piles up.
    assert seen[-1] - seen[99] < 2 * 1024 * 1024
    assert peak < 40 * 1024 * 1024
    with output.open(encoding="utf-8") as lines:
        last = json.loads(lines.readlines()[-1])
    assert last["title"] == f"Page {PAGES - 1}" and "\u2013" in last["text"]
