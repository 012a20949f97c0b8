"""sunset/console.py: what goes to the terminal (warnings; everything with -v; errors only with -q),
what goes to the output folder's log (INFO and up), and the printed lines."""
from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from sunset.console import say, setup_logging
from sunset.layout import OutputLayout


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
