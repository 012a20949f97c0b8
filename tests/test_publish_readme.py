"""The README says what the program does (issue 14, point 9)."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from sunset.cli import main
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_tests_paragraph_is_there_once() -> None:
    assert README.count("`make test` runs the suite") == 1
    assert README.count("skip when that folder is absent") == 1


def test_the_start_page_rule_is_stated() -> None:
    assert "start_url" in README and "**The start page.**" in README
    assert "a docroot one level too deep" in README


def test_the_bagit_validate_line_is_true(otpic_run, tmp_path: Path) -> None:
    """After `make run` (the bundled config: no bag) the README's two commands work in its order."""
    _, layout = otpic_run
    line = next(line for line in README.splitlines() if "bagit.py --validate out/otpic/bag" in line)
    before = README[:README.index(line) + len(line)]
    assert "sunset package out/otpic --bagit" in before.split("Check the package")[1]
    out = tmp_path / "otpic"
    shutil.copytree(layout.root, out, ignore=shutil.ignore_patterns(".sunset.lock"))
    assert not (out / "bag").exists()
    assert main(["package", str(out), "--bagit", "--quiet"]) == 0
    bagit = Path(sys.executable).parent / "bagit.py"
    result = subprocess.run([str(bagit), "--validate", str(out / "bag")], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
