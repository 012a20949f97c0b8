"""archive/side_outputs.py: the master writer's plug-ins (CDXJ lines, record heads, growth signal)."""
from __future__ import annotations

from pathlib import Path

import pytest

from archive.growth import WarcGrowth
from archive.heads import heads_from_lines
from archive.index_lines import CDXJ_LINES, HEAD_LINES, emitted_lines, lines_path
from archive.reader import iter_record_spans
from archive.side_outputs import GrowthSignal, master_outputs
from archive.warc_writer import WarcArchive
from tests.test_warc_writer import capture, write


def test_the_lines_describe_the_finished_warc(tmp_path: Path) -> None:
    warc = tmp_path / "site.warc.gz"
    write(warc, 3, master_outputs())
    spans = [span for span in iter_record_spans(warc) if span.rec_type == "resource"]
    cdxj = list(emitted_lines(warc, CDXJ_LINES) or ())
    assert [line.split(" ", 2)[2] for line in cdxj] == [
        f'{{"url": "http://old.example/p{n}.htm", "mime": "text/html", "digest": '
        f'"{span.rec_headers.get_header("WARC-Payload-Digest")}", "length": "{span.length}", '
        f'"offset": "{span.offset}", "filename": "site.warc.gz"}}\n' for n, span in enumerate(spans)]
    heads = list(heads_from_lines(emitted_lines(warc, HEAD_LINES) or ()))
    assert [(head.rec_type, head.offset) for head in heads] == [("resource", span.offset) for span in spans]
    assert [head.rec_headers.headers for head in heads] == [span.rec_headers.headers for span in spans]
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        ".site.warc.gz.cdxj-lines", ".site.warc.gz.heads", "site.warc.gz"]


def test_a_failed_write_leaves_no_lines(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), WarcArchive(tmp_path / "site.warc.gz", software="test", info={},
                                                  plugins=master_outputs()) as archive:
        archive.write_capture(capture(1))
        raise RuntimeError("the crawl failed")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["site.warc.gz.open"]


def test_a_resumed_file_gets_no_lines_and_loses_its_stale_ones(tmp_path: Path) -> None:
    warc = tmp_path / "site.warc.gz"
    write(warc, 2, master_outputs())
    warc.rename(tmp_path / "site.warc.gz.open")
    write(warc, 1, master_outputs(), resume=True)
    assert not lines_path(warc, CDXJ_LINES).exists() and not lines_path(warc, HEAD_LINES).exists()
    assert emitted_lines(warc) is None


def test_the_growth_signal_follows_each_flush(tmp_path: Path) -> None:
    growth = WarcGrowth()
    sizes = []

    class Watched(GrowthSignal):
        def on_flush(self, size: int) -> None:
            super().on_flush(size)
            sizes.append(growth.readable())

    with WarcArchive(tmp_path / "site.warc.gz", software="test", info={}, plugins=[Watched(growth)]) as archive:
        archive.write_capture(capture(1))
        archive.flush()
        open_size = (tmp_path / "site.warc.gz.open").stat().st_size
    assert sizes[-1] == (open_size, False) and sizes[0][0] < open_size
