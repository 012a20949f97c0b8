"""sunset/__main__.py: the ``sunset`` command and ``python -m sunset``."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

import sunset.__main__
import sunset.cli
from tests.conftest import ROOT


def test_python_m_sunset_runs_the_cli() -> None:
    done = subprocess.run([sys.executable, "-m", "sunset", "--help"], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False)
    assert done.returncode == 0 and "usage: sunset" in done.stdout


def test_an_interrupt_around_the_commands_ends_quietly(monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """Ctrl-C while the stages are imported (before main() can catch it) ends with 130, no traceback."""
    def interrupted() -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(sunset.cli, "main", interrupted)
    assert sunset.__main__.run() == 130
    assert capsys.readouterr().err == "sunset: interrupted\n"
