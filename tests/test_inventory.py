"""site_out/inventory.py: every file of the mirror is explained by a capture or is sunset's own;
anything else (left by an earlier run, copied in by hand, a killed writer's part file) goes."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from archive.capture import BytesBody, Capture
from archive.capture_index import CaptureIndex
from archive.warc_writer import WarcArchive
from site_out.inventory import iter_unexplained, remove_unexplained
from site_out.plan import build_plan

WHEN = datetime(1998, 1, 1, tzinfo=timezone.utc)


def _capture(url: str, status: int | None = None, location: str | None = None) -> Capture:
    headers = (("Location", location),) if location else ()
    return Capture(url, WHEN, "text/html", BytesBody(b"<P>x"), status=status, http_headers=headers)


def _tree(root: Path, files: list[str]) -> None:
    for relative in files:
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(b"x")


def test_only_what_no_capture_explains_is_removed(tmp_path: Path) -> None:
    warc = tmp_path / "site.warc.gz"
    with WarcArchive(warc, software="test", info={}) as archive:
        for capture in [_capture("http://h/site/a.htm"), _capture("http://h/site/sub/b.htm"),
                        _capture("http://h/site/old.htm", 301, "http://h/site/a.htm")]:
            archive.write_capture(capture)
    plan = build_plan(CaptureIndex(warc), case_insensitive=False)
    root = tmp_path / "mirror"
    explained = ["index.html", "h/site/a.htm", "h/site/sub/b.htm", "h/site/old.htm", "_sunset/about.html",
                 "_sunset/search.js"]
    left = ["h/site/deleted.htm", "h/site/.a.htm.part", "_sunset/.report.html.part", "h/gone/deep/c.gif",
            "notes.txt"]
    _tree(root, explained + left)
    with plan:
        found = list(iter_unexplained(root, plan))
        assert sorted(found) == sorted(left) and list(iter_unexplained(root, plan)) == found  # in a stable order
        assert remove_unexplained(root, plan) == found
        assert list(iter_unexplained(root, plan)) == []
    assert sorted(path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file()) == sorted(explained)
    assert not (root / "h" / "gone").exists()  # the folders it leaves empty go too
    assert (root / "h" / "site" / "sub").is_dir()
