"""Golden files: the bundled site's master WARC (uncompressed) and CDXJ under a fixed clock.

A change in what sunset writes shows up here as a byte difference; ``pytest --update-golden``
shows the difference as a diff, and only ``pytest --update-golden --overwrite-golden`` rewrites
tests/golden/ (review ``git diff tests/golden/`` before committing it).
"""
from __future__ import annotations

import difflib
import gzip
from pathlib import Path

import pytest

from sunset.cli import main
from tests.conftest import OTPIC_CONFIG

GOLDEN = Path(__file__).parent / "golden"
FIXED = ["--fixed-clock", "2026-01-01T00:00:00Z", "--record-id-seed", "golden"]


@pytest.fixture(scope="module")
def golden_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("golden")
    assert main(["ingest", str(OTPIC_CONFIG), "--out", str(out), "--quiet", *FIXED]) == 0
    assert main(["package", str(out), "--quiet", *FIXED]) == 0
    return out


def golden_diff(old: bytes, new: bytes, name: str) -> str:
    """A unified diff of two outputs, bytes shown as Latin-1 so every byte has a character."""
    lines = difflib.unified_diff(old.decode("latin-1").splitlines(keepends=True),
                                 new.decode("latin-1").splitlines(keepends=True),
                                 f"tests/golden/{name}", f"this run's {name}", n=1)
    return "".join(lines)


@pytest.mark.parametrize("name", ["otpic.warc", "otpic.cdxj"])
def test_output_matches_the_golden_file(golden_run: Path, name: str, update_golden: str | None) -> None:
    made = golden_run / name
    data = gzip.decompress((golden_run / f"{name}.gz").read_bytes()) if name.endswith(".warc") else made.read_bytes()
    golden = GOLDEN / name
    old = golden.read_bytes() if golden.exists() else b""
    if update_golden == "overwrite":
        golden.parent.mkdir(exist_ok=True)
        golden.write_bytes(data)
        pytest.skip(f"rewrote {golden}; review `git diff {golden}`")
    if update_golden == "show":
        if data == old:
            pytest.skip(f"{golden} is up to date")
        pytest.fail(f"{name} would change (nothing written; add --overwrite-golden to rewrite it):\n"
                    + golden_diff(old, data, name), pytrace=False)
    assert golden.exists(), f"{golden} is missing: run pytest --update-golden"
    assert data == old, f"{name} differs from {golden}; run pytest --update-golden to see how"
