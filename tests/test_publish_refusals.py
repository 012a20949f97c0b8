"""Runs that would not work stop with an error saying what to change, and leave nothing behind
(issue 14, points 3 and 5)."""
from __future__ import annotations

from pathlib import Path

import pytest

from sunset.cli import main
from tests.conftest import write_config


def _site(tmp_path: Path, files: dict[str, str], **config) -> Path:
    for relative, text in files.items():
        path = tmp_path / "docroot" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (tmp_path / "docroot").mkdir(exist_ok=True)
    return write_config(tmp_path, **config)


def _refused(tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], code: int = 2) -> str:
    out = tmp_path / "out"
    assert main([*argv, "--out", str(out), "--quiet"]) == code
    assert not out.exists(), f"a refused run left {sorted(out.rglob('*')) if out.exists() else ''}"
    return capsys.readouterr().err


def test_a_start_page_that_is_not_archived_stops_the_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _site(tmp_path, {"site/issue1.html": "<P><A HREF=issue2.html>2</A>", "site/issue2.html": "<P>2"})
    error = _refused(tmp_path, capsys, ["run", str(config)])
    assert "start page http://old.example.org/site/ is not in the archive" in error
    assert 'set [site] start_url to the page that opens the site such as "http://old.example.org/site/issue1.html"' \
        in error
    assert error.count("\n") == 1  # one line, no traceback


def test_start_url_opens_the_mirror(tmp_path: Path) -> None:
    config = _site(tmp_path, {"site/issue1.html": "<P><A HREF=issue2.html>2</A>", "site/issue2.html": "<P>2"})
    text = config.read_text(encoding="utf-8").replace(
        'base_url = "http://old.example.org/site/"',
        'base_url = "http://old.example.org/site/"\nstart_url = "http://old.example.org/site/issue1.html"')
    config.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(config), "--out", str(out), "--quiet"]) == 0
    index = (out / "mirror/index.html").read_text(encoding="utf-8")
    assert 'url=old.example.org/site/issue1.html"' in index
    page = (out / "mirror/old.example.org/site/issue2.html").read_text(encoding="utf-8")
    assert 'href="issue1.html" style="color:#0645ad;text-decoration:underline">Start page' in page
    assert "missing.html" not in page


def test_a_docroot_one_level_too_deep_names_the_docroot_url(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    # The files of http://old.example.org/conflict/peace/ straight in docroot/ (not docroot/conflict/peace/).
    config = _site(tmp_path, {"index.html": "<P>home", "more/page.htm": "<P>x"},
                   base_url="http://old.example.org/conflict/peace/")
    error = _refused(tmp_path, capsys, ["run", str(config)])
    assert "none of the 2 files" in error and "is under base_url http://old.example.org/conflict/peace/" in error
    assert 'set [source] docroot_url = "http://old.example.org/conflict/peace/"' in error
    # ...and with it the run works.
    config.write_text(config.read_text(encoding="utf-8").replace(
        "[source]\n", '[source]\ndocroot_url = "http://old.example.org/conflict/peace/"\n'), encoding="utf-8")
    assert main(["run", str(config), "--out", str(tmp_path / "out"), "--quiet"]) == 0


def test_an_empty_docroot_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _site(tmp_path, {})
    assert "holds no files" in _refused(tmp_path, capsys, ["run", str(config)])
    assert "holds no files" in _refused(tmp_path, capsys, ["ingest", str(config)])


def test_the_wrong_source_command_is_a_config_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    docroot_config = _site(tmp_path, {"site/index.html": "<P>x"})
    assert "use `sunset ingest` (or `sunset run`), not `sunset crawl`" in _refused(tmp_path, capsys, ["crawl", str(docroot_config)])
    crawl_folder = tmp_path / "crawl"
    crawl_folder.mkdir()
    crawl_config = write_config(crawl_folder, docroot="")
    crawl_config.write_text(crawl_config.read_text(encoding="utf-8").replace('docroot = ""\n', ""), encoding="utf-8")
    assert "use `sunset crawl` (or `sunset run`), not `sunset ingest`" in _refused(tmp_path, capsys, ["ingest", str(crawl_config)])


def test_out_naming_a_file_is_said_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _site(tmp_path, {"site/index.html": "<P>x"})
    (tmp_path / "file").write_text("x", encoding="utf-8")
    assert main(["run", str(config), "--out", str(tmp_path / "file")]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "is a file" in error


def test_a_mirror_error_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _site(tmp_path, {"site/index.html": "<P>x"})
    out = tmp_path / "out"
    assert main(["ingest", str(config), "--out", str(out), "--quiet"]) == 0
    (out / "mirror").write_text("not a folder", encoding="utf-8")
    assert main(["mirror", str(out), "--quiet"]) == 1
    error = capsys.readouterr().err
    assert error.startswith("sunset: error: cannot create the mirror folder") and "Traceback" not in error


def test_a_mistyped_key_says_did_you_mean(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _site(tmp_path, {"site/index.html": "<P>x"}, extra="case_insensitve = true\n")
    assert main(["run", str(config), "--out", str(tmp_path / "out")]) == 2
    assert "[source] case_insensitve: unknown key; did you mean case_insensitive?" in capsys.readouterr().err
