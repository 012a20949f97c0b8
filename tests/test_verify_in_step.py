"""Everything in an output folder belongs to its master (issue 24, points 1 and 5): the folder's
record (run.json, sunset/run_record.py) says what each output was made from; verify names what is
out of step and the commands that bring it back; a stage command that changes an input of later
outputs says so; a bag an earlier run made is made again; the about page lists the runs."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from sunset.cli import main
from sunset.layout import OutputLayout
from tests.conftest import write_config

PAGES = {
    "index.html": "<HTML><HEAD><TITLE>Start</TITLE></HEAD><BODY>Start. <A HREF=\"more.htm\">More</A></BODY></HTML>",
    "more.htm": "<HTML><BODY>More text.</BODY></HTML>",
}
FIXED = ["--fixed-clock", "2026-01-01T00:00:00Z", "--record-id-seed", "in-step"]


def _site(tmp_path: Path) -> tuple[Path, OutputLayout]:
    docroot = tmp_path / "docroot" / "site"
    docroot.mkdir(parents=True)
    for name, text in PAGES.items():
        (docroot / name).write_text(text, encoding="utf-8")
    config = write_config(tmp_path, extra='file_date = "1998-11-16T09:30:00Z"\n')
    return config, OutputLayout(tmp_path / "out", "test")


def _verify(layout: OutputLayout, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["verify", str(layout.root)])
    return code, capsys.readouterr().err


def test_a_bag_of_an_earlier_master_is_out_of_step_and_a_later_run_makes_it_again(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config, layout = _site(tmp_path)
    assert main(["run", str(config), "--out", str(layout.root), "--bagit", "--quiet"]) == 0
    bagged = layout.bag / "data" / layout.warc.name
    assert main(["ingest", str(layout.root), "--quiet"]) == 0  # a new master (new record ids)
    assert bagged.read_bytes() != layout.warc.read_bytes()
    code, err = _verify(layout, capsys)
    assert code == 1
    assert re.search(r"sunset: verify: bag/: made from another test\.warc\.gz than the folder's .*"
                     r"`sunset package [^`]*out`", err), err
    # A run without --bagit leaves no bag of an earlier master: it makes the bag again, and says so.
    assert main(["run", str(config), "--out", str(layout.root)]) == 0
    assert "made again: an earlier run made it" in capsys.readouterr().out
    assert bagged.read_bytes() == layout.warc.read_bytes()
    assert _verify(layout, capsys)[0] == 0
    # So does `sunset package` alone.
    assert main(["ingest", str(layout.root), "--quiet"]) == 0
    for command in ("normalize", "mirror", "package"):
        assert main([command, str(layout.root), "--quiet"]) == 0
    assert bagged.read_bytes() == layout.warc.read_bytes()
    assert _verify(layout, capsys) == (0, "")


def test_ingest_alone_says_what_is_now_out_of_step_and_verify_names_each_with_its_commands(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config, layout = _site(tmp_path)
    assert main(["run", str(config), "--out", str(layout.root), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["ingest", str(layout.root)]) == 0
    said = capsys.readouterr().err
    for name in ("records.jsonl", "mirror/", "test.cdxj", "test.wacz", "test-derived.warc.gz",
                 "test-reconstructed.warc.gz"):
        assert name in said, said
    assert re.search(r"run `sunset normalize [^`]+`, then `sunset mirror [^`]+`, then `sunset package [^`]+`", said)
    code, err = _verify(layout, capsys)
    assert code == 1
    lines = err.splitlines()
    assert any(line.startswith("sunset: verify: test.cdxj: made from another test.warc.gz") for line in lines), err
    assert any(line.startswith("sunset: verify: mirror/: made from another test.warc.gz") and
               "`sunset normalize" in line and "then `sunset mirror" in line for line in lines), err
    assert "not in the index" not in err  # one line for the stale index, not one per record
    for command in ("normalize", "mirror", "package"):  # what it said to run
        assert main([command, str(layout.root), "--quiet"]) == 0
    assert _verify(layout, capsys) == (0, "")


def test_what_changes_nothing_leaves_the_folder_in_step(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A master made again byte for byte (a fixed clock), records and a mirror made again from it,
    and a copy of the folder elsewhere (new file times) are all still in step."""
    config, layout = _site(tmp_path)
    assert main(["run", str(config), "--out", str(layout.root), "--quiet", *FIXED]) == 0
    capsys.readouterr()
    assert main(["ingest", str(layout.root), "--quiet", *FIXED]) == 0
    assert main(["normalize", str(layout.root), "--quiet"]) == 0
    assert main(["mirror", str(layout.root), "--quiet"]) == 0
    assert capsys.readouterr().err == ""
    assert _verify(layout, capsys) == (0, "")
    copy = OutputLayout(tmp_path / "copy", layout.name)
    shutil.copytree(layout.root, copy.root, copy_function=shutil.copy, ignore=shutil.ignore_patterns(".sunset.lock"))
    assert _verify(copy, capsys) == (0, "")


def test_the_record_says_what_each_output_was_made_from(tmp_path: Path) -> None:
    config, layout = _site(tmp_path)
    assert main(["run", str(config), "--out", str(layout.root), "--quiet"]) == 0
    record = json.loads(layout.run_info.read_text(encoding="utf-8"))
    (run,) = record["runs"]
    assert set(record["outputs"]) == {"warc", "served", "records", "mirror", "reconstructed_warc", "cdxj", "wacz",
                                      "derived_warc"}  # served: the old server's answers beside the files
    assert all(entry["run"] == run["id"] for entry in record["outputs"].values())
    master = record["outputs"]["cdxj"]["from"]["warc"]
    assert master["run"] == run["id"] and master["stamp"].startswith("sha256:")
    assert record["config"] == str(config)


def test_the_about_page_lists_the_runs_that_made_the_folder(tmp_path: Path) -> None:
    config, layout = _site(tmp_path)
    assert main(["run", str(config), "--out", str(layout.root), "--quiet"]) == 0
    assert main(["mirror", str(layout.root), "--quiet"]) == 0
    about = (layout.mirror / "_sunset" / "about.html").read_text(encoding="utf-8")
    log = layout.log.read_text(encoding="utf-8")
    ids = re.findall(r"==== run ([0-9a-f]+): ", log)
    assert len(ids) == 2
    history = about[about.index("History of this archive"):]
    for run_id in ids:
        assert f"<code>{run_id}</code>" in history
    assert "sunset run " in history and "sunset mirror " in history and "sunset 0." in history
    assert history.index(ids[0]) < history.index(ids[1])
