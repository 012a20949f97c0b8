"""Golden files: the bundled site's master WARC (uncompressed) and CDXJ under a fixed clock.

A change in what sunset writes shows up here as a byte difference; if it is intended, run
``pytest --update-golden`` and review the diff of tests/golden/ before committing it.
"""
from __future__ import annotations

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


@pytest.mark.parametrize("name", ["otpic.warc", "otpic.cdxj"])
def test_output_matches_the_golden_file(golden_run: Path, name: str, update_golden: bool) -> None:
    made = golden_run / name
    data = gzip.decompress((golden_run / f"{name}.gz").read_bytes()) if name.endswith(".warc") else made.read_bytes()
    golden = GOLDEN / name
    if update_golden:
        golden.parent.mkdir(exist_ok=True)
        golden.write_bytes(data)
        pytest.skip(f"rewrote {golden}; review `git diff {golden}`")
    assert golden.exists(), f"{golden} is missing: run pytest --update-golden"
    assert data == golden.read_bytes(), f"{name} differs from {golden}; if intended, run pytest --update-golden"
