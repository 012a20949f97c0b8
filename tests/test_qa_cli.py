"""sunset/qa_cli.py: ``sunset qa``'s own checks, before any browser or replay starts (the comparison
itself is tested in tests/test_qa.py)."""
from __future__ import annotations

from pathlib import Path

import pytest

from sunset.cli import main
from tests.conftest import write_config


@pytest.mark.parametrize("concurrency", ["0", "-2"])
def test_a_concurrency_below_one_is_refused(tmp_path: Path, concurrency: str,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """``--concurrency 0`` used to fall back to the default silently."""
    pytest.importorskip("playwright", reason="the qa extra is not installed")
    (tmp_path / "docroot").mkdir()
    config = write_config(tmp_path)
    (tmp_path / "out" / "mirror").mkdir(parents=True)
    assert main(["qa", str(config), "--out", str(tmp_path / "out"), "--concurrency", concurrency]) != 0
    assert f"sunset: error: --concurrency must be at least 1, got {concurrency}" in capsys.readouterr().err


def test_qa_before_the_mirror_says_which_stage_to_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("playwright", reason="the qa extra is not installed")
    (tmp_path / "docroot").mkdir()
    config = write_config(tmp_path)
    assert main(["qa", str(config), "--out", str(tmp_path / "out")]) != 0
    assert "run `sunset mirror` first" in capsys.readouterr().err
