"""sunset/console.py: what goes to the terminal (warnings; everything with -v; errors only with -q),
what goes to the output folder's log (INFO and up), and the printed lines."""
from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from sunset.cli import main
from sunset.console import say, setup_logging, shown
from sunset.layout import OutputLayout
from tests.conftest import write_config


@pytest.fixture(autouse=True)
def _own_logging() -> Iterator[None]:
    """setup_logging replaces the root logger's handlers: give pytest's back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
        if handler not in handlers:
            handler.close()
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def _log_everything() -> None:
    log = logging.getLogger("sunset")
    log.debug("a debug line")
    log.info("an info line")
    log.warning("a warning line")
    log.error("an error line")


@pytest.mark.parametrize(("verbose", "quiet", "shown"), [
    (False, False, ["a warning line", "an error line"]),
    (True, False, ["a debug line", "an info line", "a warning line", "an error line"]),
    (False, True, ["an error line"]),
])
def test_the_terminal(verbose: bool, quiet: bool, shown: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging(None, verbose, quiet)
    _log_everything()
    assert capsys.readouterr().err.splitlines() == [f"sunset: {line}" for line in shown]


def test_the_log_file_gets_info_and_up_even_when_quiet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    layout = OutputLayout(tmp_path / "out", "site")
    setup_logging(layout, verbose=False, quiet=True)
    _log_everything()
    logging.getLogger("bagit").info("one line per file bagged")
    lines = layout.log.read_text(encoding="utf-8").splitlines()
    assert [line.split(" sunset: ", 1)[1] for line in lines] == ["an info line", "a warning line", "an error line"]
    assert all(" INFO sunset: " in line or " WARNING sunset: " in line or " ERROR sunset: " in line for line in lines)
    setup_logging(layout, verbose=False, quiet=True)  # a second command in the same process: no second handler
    logging.getLogger("sunset").warning("once")
    assert layout.log.read_text(encoding="utf-8").count("once") == 1


def test_a_log_that_cannot_be_written_still_leaves_the_terminal(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    layout = OutputLayout(tmp_path / "out", "site")
    layout.log.mkdir(parents=True)  # what a read-only folder does to the log, for root too
    setup_logging(layout, verbose=False, quiet=False)
    logging.getLogger("sunset").warning("still shown")
    err = capsys.readouterr().err
    assert "cannot write the log" in err and "sunset: still shown" in err


def test_say(capsys: pytest.CaptureFixture[str]) -> None:
    say(False, "done")
    say(True, "not shown")
    assert capsys.readouterr().out == "done\n"


def test_shown_is_relative_under_the_current_folder_and_quoted_for_a_shell(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert shown(tmp_path / "out" / "site.warc.gz") == "out/site.warc.gz"
    assert shown(tmp_path / "my out" / "site.warc.gz") == "'my out/site.warc.gz'"
    assert shown(tmp_path / "it's") == "'it'\"'\"'s'"
    assert shown(Path("/elsewhere/out")) == "/elsewhere/out"
    assert shown(tmp_path / "my out", "redirects.*") == "'my out'/redirects.*"


def test_every_command_prints_paths_as_run_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """Stage commands printed absolute paths where ``run`` printed relative ones, unquoted (issue 24, 9)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "docroot" / "site").mkdir(parents=True)
    (tmp_path / "docroot" / "site" / "index.html").write_text("<HTML><BODY>Start</BODY></HTML>", encoding="utf-8")
    config = write_config(tmp_path, extra='file_date = "1998-11-16T09:30:00Z"\n')
    out = tmp_path / "my out"
    assert main(["run", str(config), "--out", str(out)]) == 0
    summary = capsys.readouterr().out
    assert "  WARC      'my out/test.warc.gz'" in summary and "'my out'/redirects.*" in summary
    for command, line in (("ingest", "1 files archived into 'my out/test.warc.gz'"),
                          ("normalize", "written to 'my out/records.jsonl'"),
                          ("mirror", "open 'my out/mirror/index.html'"),
                          ("package", "  index     'my out/test.cdxj'")):
        assert main([command, "my out"]) == 0
        printed = capsys.readouterr().out
        assert line in printed and str(tmp_path) not in printed, printed
