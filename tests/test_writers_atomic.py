"""No stage leaves a half-written file under its final name: every writer goes through
archive/durable.py (temporary name, fsync, rename) or a staging name of its own.

The source scan keeps it that way: a new ``write_text`` or ``open("w")`` in a stage fails here
until it is routed through ``atomic_writer`` or listed below with the reason it is safe.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from archive.durable import atomic_copy, atomic_writer, remove_leftovers
from crawl.crawl_log import CrawlLog
from tests.conftest import ROOT

RAW_WRITE = re.compile(r"""\.write_text\(|\.write_bytes\(|shutil\.copy(file|tree)?\(|\.open\(\s*["'][wax]b?["']"""
                       r"""|\bopen\([^)]*,\s*["'][wax]b?["']""")
# file -> why its raw writes cannot leave a half file under a final name
ALLOWED = {
    "archive/durable.py": "the atomic writer itself",
    "archive/warc_writer.py": "writes NAME.warc.gz.open, renamed when complete; a crawl resumes the .open",
    "archive/package/bag.py": "builds bag.open/ and renames it to bag/ when bagit has finished",
    "archive/package/wacz.py": "writes in a temporary folder; os.replace puts the finished WACZ in place",
    "crawl/crawl_log.py": "an append-only log; a half last line is ended before the next append",
    "archive/package/replay.py": "pywb's own log (replay/wayback.log), rewritten by each qa run; not an output",
}
STAGES = ("crawl", "normalize", "archive", "site_out", "sunset")


def _sources() -> list[Path]:
    return sorted(path for stage in STAGES for path in (ROOT / stage).rglob("*.py"))


@pytest.mark.parametrize("path", _sources(), ids=lambda path: str(path.relative_to(ROOT)))
def test_every_writer_is_atomic(path: Path) -> None:
    relative = str(path.relative_to(ROOT))
    if relative in ALLOWED:
        return
    raw = [f"{relative}:{number}: {line.strip()}" for number, line in
           enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if RAW_WRITE.search(line)]
    assert raw == [], "write through archive.durable.atomic_writer (or explain in ALLOWED):\n" + "\n".join(raw)


def test_a_failed_write_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "records.jsonl"
    target.write_text("old\n", encoding="utf-8")
    with pytest.raises(OSError), atomic_writer(target, "w", encoding="utf-8") as handle:
        handle.write("half of the new")
        raise OSError(28, "No space left on device")
    assert target.read_text(encoding="utf-8") == "old\n"
    assert list(tmp_path.iterdir()) == [target]


def test_atomic_copy_and_leftovers(tmp_path: Path) -> None:
    source = tmp_path / "site.toml"
    source.write_bytes(b"[site]\n")
    atomic_copy(source, tmp_path / "out" / "site.toml")
    assert (tmp_path / "out" / "site.toml").read_bytes() == b"[site]\n"
    (tmp_path / "out" / "mirror").mkdir()
    (tmp_path / "out" / "mirror" / ".x1y2.part").write_bytes(b"half")  # what a kill leaves
    assert remove_leftovers(tmp_path / "out") == 1
    assert not list((tmp_path / "out").rglob("*.part"))


def test_a_half_crawl_log_line_is_ended_before_the_next(tmp_path: Path) -> None:
    path = tmp_path / "crawl.log"
    path.write_text("2026-01-01T00:00:00Z\t200\t10\thttp://a/\t-\ttext/html\t5\t-\n2026-01-01T00:00:01Z\t20",
                    encoding="utf-8")
    log = CrawlLog(path)
    log.write(status=200, size=1, url="http://a/b", referrer=None, content_type=None, duration=None)
    log.close()
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3 and lines[2].split("\t")[3] == "http://a/b"
