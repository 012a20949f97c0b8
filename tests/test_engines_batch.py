"""Batches that meet what a cluster meets, on the local engine: bad inputs among good ones,
re-runs, killed attempts' leftovers, the output lock, and --warc site folders that are complete."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from sunset.cli import main
from sunset.engines import java_major, spark_available, spark_failure, with_attempts
from sunset.lock import output_lock
from tests.batch_inputs import (
    make_inputs,
    stray_files,
    read_parts,
    tree,
    write_arc,
    write_corrupt_warc,
    write_crawler_warc,
    write_shop_warc,
    write_site_configs,
)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return make_inputs(tmp_path_factory.mktemp("warcs"))


def error_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("sunset: error:")]


def test_normalize_reports_a_corrupt_warc_and_writes_the_others(inputs: list[Path], tmp_path: Path,
                                                                capsys) -> None:
    corrupt = write_corrupt_warc(tmp_path / "corrupt.warc.gz", inputs[0])
    out = tmp_path / "out"
    # What a killed attempt of an earlier run left: its task's staging folder and a writer's .part.
    (out / "parts" / ".staging-part-00001").mkdir(parents=True)
    (out / "parts" / ".staging-part-00001" / "part-00001.jsonl").write_bytes(b'{"half": ')
    (out / "parts" / ".tmpabc.part").write_bytes(b"x" * 100)
    args = ["batch", "normalize", str(inputs[2]), str(corrupt), str(inputs[3]), "--out", str(out), "--merge",
            "--workers", "2"]
    assert main(args) == 1
    captured = capsys.readouterr()
    (line,) = error_lines(captured.err)
    assert line.startswith("sunset: error: ") and str(corrupt) in line
    assert "records from 2 of 3 WARCs" in captured.out
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["failed"] == 1
    assert [(entry["error"] is None, entry["part"]) for entry in manifest["inputs"]] == [
        (True, "parts/part-00000.jsonl"), (False, None), (True, "parts/part-00002.jsonl")]
    assert sorted(path.name for path in (out / "parts").iterdir()) == ["part-00000.jsonl", "part-00002.jsonl"]
    merged = (out / "records.jsonl").read_bytes()
    assert merged == (out / "parts" / "part-00000.jsonl").read_bytes() + (out / "parts" / "part-00002.jsonl").read_bytes()
    assert stray_files(out) == []
    first = tree(out, skip=("manifest.json", ".sunset.lock"))
    assert main(args) == 1  # a re-run writes the same parts, byte for byte
    capsys.readouterr()
    assert tree(out, skip=("manifest.json", ".sunset.lock")) == first


def test_mirror_warc_sites_are_complete_and_reruns_are_identical(tmp_path: Path, capsys) -> None:
    warcs = tmp_path / "warcs"
    warcs.mkdir()
    cafe = write_crawler_warc(warcs / "cafe.warc.gz")
    shop = write_shop_warc(warcs / "shop.warc.gz")
    corrupt = write_corrupt_warc(warcs / "corrupt.warc.gz", cafe)
    sites = write_site_configs(tmp_path / "sites", {"cafe": "http://cafe.example.net/",
                                                    "shop": "http://shop.example.net/catalog/"})
    out = tmp_path / "out"
    args = ["batch", "mirror", "--sites", str(sites / "*.toml"), "--warc", str(cafe), "--warc", str(corrupt),
            "--warc", str(shop), "--out-root", str(out), "--workers", "2"]
    assert main(args) == 1  # the corrupt WARC fails; both sites are still made from the others
    captured = capsys.readouterr()
    (line,) = error_lines(captured.err)
    assert line.startswith("sunset: error: ") and str(corrupt) in line
    assert "2 of 2 sites done" in captured.out
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [entry["error"] is not None for entry in manifest["inputs"]] == [False, True, False]
    assert [(site["name"], site["error"], site["done"]) for site in manifest["sites"]] == [
        ("cafe", None, ["extract", "normalize", "mirror"]), ("shop", None, ["extract", "normalize", "mirror"])]

    folder = out / "shop"
    for name in ("site.toml", "run.json", "records.jsonl", "shop.warc.gz", "mirror/_sunset/index.html"):
        assert (folder / name).is_file(), name
    with (folder / "shop.warc.gz").open("rb") as handle:
        urls = [r.rec_headers.get_header("WARC-Target-URI") for r in ArchiveIterator(handle)]
    assert urls == ["http://shop.example.net/robots.txt", "http://shop.example.net/catalog/index.htm",
                    "http://shop.example.net/catalog/item.htm"]
    index = (folder / "mirror" / "_sunset" / "index.html").read_text(encoding="utf-8")
    assert "Catalogue 1998" in index and "Teapot" in index
    assert "kettles" in "".join(path.read_text(encoding="utf-8", errors="replace")
                                for path in (folder / "mirror" / "_sunset").rglob("*") if path.is_file())
    run_info = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    assert run_info["warc_from"]["complete"] and run_info["warc_from"]["warcs"] == [str(shop)]
    assert stray_files(out) == []

    first = tree(out)
    assert main(args) == 1  # a re-run: the same bytes, the extracted WARC reused
    capsys.readouterr()
    assert tree(out) == first
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["sites"][0]["reused"] == \
        ["extract", "normalize"]
    assert stray_files(out) == []

    # What a task killed mid-extraction leaves (run.json not yet marked complete, a writer's
    # temporary file): the retry extracts again, the same bytes, and leaves nothing behind.
    info = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    info["warc_from"]["complete"] = False
    (folder / "run.json").write_text(json.dumps(info), encoding="utf-8")
    (folder / ".tmpkilled.part").write_bytes(b"WARC/1.0\r\n")
    (folder / "mirror" / ".tmpkilled.part").write_bytes(b"<html>")
    assert main(args) == 1
    capsys.readouterr()
    assert tree(out) == first and stray_files(out) == []
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["sites"][1]["done"][0] == "extract"

    # The folder is a site like any other: every one-site command takes it.
    for command in ("normalize", "mirror", "verify", "package"):
        assert main([command, str(folder), "-q"]) == 0, command
    capsys.readouterr()

    # The batch honours the output lock the one-site commands hold.
    with output_lock(folder / ".sunset.lock", "mirror"):
        assert main(args[:-2] + ["-q"]) == 1
    err = capsys.readouterr().err
    assert "sunset: error: " in err and "in use by `sunset mirror`" in err


@pytest.mark.parametrize("compressed", [True, False], ids=["arc.gz", "arc"])
def test_arc_files_go_through_batch(tmp_path: Path, capsys, compressed: bool) -> None:
    """ARC files, as the Internet Archive kept them before WARC: batch normalize reads them, and
    batch mirror --warc gives their captures to the site they belong to, as WARC records whose
    blocks are the ARC's bytes (the site's folder then verifies like any other)."""
    from archive.reader import iter_record_spans
    from archive.record_loader import RecordLoader

    arc = write_arc(tmp_path / ("cafe.arc.gz" if compressed else "cafe.arc"), compressed=compressed)
    out = tmp_path / "records"
    assert main(["batch", "normalize", str(arc), "--out", str(out), "-q"]) == 0
    ((index, menu, logo),) = read_parts(out)
    assert (index["url"], index["title"], menu["title"]) == ("http://cafe.example.net/index.htm",
                                                             "Caf\u00e9 Hours \u2013 1997", "Menu")
    assert logo["url"].endswith("/img/logo.gif")

    sites = write_site_configs(tmp_path / "sites", {"cafe": "http://cafe.example.net/"})
    root = tmp_path / "out"
    args = ["batch", "mirror", "--sites", str(sites / "*.toml"), "--warc", str(arc), "--out-root", str(root)]
    assert main(args) == 0
    assert "1 of 1 sites done" in capsys.readouterr().out
    folder = root / "cafe"
    arc_blocks, warc_blocks = [], []
    for path, blocks in ((arc, arc_blocks), (folder / "cafe.warc.gz", warc_blocks)):
        with RecordLoader(path) as loader:
            for span in iter_record_spans(path):
                if span.rec_type == "response":
                    record = loader.load(span.offset, span.length, parse_http=False)
                    blocks.append((span.rec_headers.get_header("WARC-Target-URI"), record.raw_stream.read()))
    assert [url for url, _ in warc_blocks] == ["http://cafe.example.net/index.htm", "http://cafe.example.net/menu.htm",
                                               "http://cafe.example.net/img/logo.gif"]
    assert warc_blocks == arc_blocks  # the server's bytes, unchanged
    assert "Caf\u00e9 hours" in (folder / "mirror" / "cafe.example.net" / "index.htm").read_text(encoding="utf-8")
    assert main(["verify", str(folder), "-q"]) == 0  # warcio and FastWARC read the same WARC records
    first = tree(root)
    assert main(args) == 0 and tree(root) == first
    (folder / "run.json").write_text('{"warc_from": {"batch": "x"}}', encoding="utf-8")
    assert main(args) == 0 and tree(root) == first  # extracted again: the same record ids, the same bytes
    capsys.readouterr()


def test_java_version_is_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Spark 4 needs Java 17: an older JDK is named, not started. (A Java 8 is not installable
    here, so a script stands in for its `java -version`.)"""
    java = tmp_path / "jdk8" / "bin" / "java"
    java.parent.mkdir(parents=True)
    java.write_text('#!/bin/sh\necho \'openjdk version "1.8.0_392"\' >&2\n', encoding="utf-8")
    java.chmod(0o755)
    assert java_major(str(java)) == 8
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "jdk8"))
    reason = spark_available.__wrapped__()
    if reason and "pyspark is not installed" in reason:
        pytest.skip(reason)
    assert reason and "Java 8" in reason and "17" in reason
    monkeypatch.delenv("JAVA_HOME")
    assert with_attempts("local[2]") == "local[2,4]"
    assert with_attempts("local[*]") == "local[*,4]"
    assert with_attempts("local") == "local[1,4]"
    assert with_attempts("local[2,1]") == "local[2,1]"


def test_a_spark_job_failure_is_one_line() -> None:
    """What Py4J raises when a task gave up: the driver prints the task and the Python error only."""
    message = ("An error occurred while calling o42.collectAndServe.\n"
               ": org.apache.spark.SparkException: Job aborted due to stage failure: Task 1 in stage 3.0 failed 4 "
               "times, most recent failure: Lost task 1.3 in stage 3.0 (TID 9): "
               "org.apache.spark.api.python.PythonException: Traceback (most recent call last):\n"
               '  File "/venv/lib/python3.11/site-packages/pyspark/worker.py", line 1, in main\n'
               "    raise MemoryError\nMemoryError: cannot allocate 2 GiB\n"
               "\tat org.apache.spark.api.python.BasePythonRunner.handlePythonException(PythonRunner.scala:1)\n")
    assert spark_failure(RuntimeError(message)) == \
        "Task 1 in stage 3.0 failed 4 times; MemoryError: cannot allocate 2 GiB"


def test_captures_under_an_alias_host_are_the_sites(tmp_path: Path, capsys) -> None:
    """``[site] aliases`` in batch as in a run: a crawler that fetched the site as ``cafe.example.net``
    gave captures of the site whose base URL is ``www.cafe.example.net``; they are extracted for it."""
    warcs = tmp_path / "warcs"
    warcs.mkdir()
    cafe = write_crawler_warc(warcs / "cafe.warc.gz")
    sites = tmp_path / "sites"
    sites.mkdir()
    (sites / "cafe.toml").write_text(
        '[site]\nname = "cafe"\nbase_url = "http://www.cafe.example.net/"\naliases = ["cafe.example.net"]\n'
        '[notice]\ntitle = "Retired"\ndate = "2005-12-02"\ntext = "Gone."\n', encoding="utf-8")
    out = tmp_path / "out"
    assert main(["batch", "mirror", "--sites", str(sites / "*.toml"), "--warc", str(cafe), "--out-root", str(out),
                 "--workers", "1"]) == 0
    assert "1 of 1 sites done" in capsys.readouterr().out
    with (out / "cafe" / "cafe.warc.gz").open("rb") as handle:
        urls = [record.rec_headers.get_header("WARC-Target-URI") for record in ArchiveIterator(handle)
                if record.rec_type == "response"]
    assert "http://cafe.example.net/index.htm" in urls
    index = (out / "cafe" / "mirror" / "_sunset" / "index.html").read_text(encoding="utf-8")
    assert "index.htm" in index
