"""`make bench` must not rot: its harness runs end to end on a tiny site (no timings asserted)."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_benchmark_harness_runs_on_a_tiny_site(tmp_path: Path) -> None:
    scenarios = "1,3" if shutil.which("wget") else "3"
    output = tmp_path / "results.json"
    subprocess.run([sys.executable, "-m", "benchmarks.run", "--pages", "30", "--runs", "1",
                    "--scenarios", scenarios, "--output", str(output)], cwd=ROOT, check=True,
                   capture_output=True, timeout=300)
    report = json.loads(output.read_text(encoding="utf-8"))
    assert report["machine"]["cores"] >= 1
    rows = {row["name"]: row for row in report["scenarios"]}
    assert rows["3-docroot"]["pages_per_s"] > 0 and rows["3-docroot"]["sunset_peak_rss_mb"] > 0
    assert all(run["returncode"] == 0 for run in rows["3-docroot"]["runs"]["sunset"])
    steps = {step["step"]: step for step in rows["3-docroot"]["runs"]["sunset"][0]["steps"]}  # where the seconds went
    assert {"ingest", "normalize", "mirror", "replay", "derived", "check", "package", "verify"} <= set(steps)
    assert steps["mirror"]["along"] == "normalize" and steps["replay"]["aside"]
    if "1-crawl" in rows:
        crawl = rows["1-crawl"]
        assert crawl["ratio"] > 0 and crawl["server"]["most_open"] <= 2  # default concurrency
        assert all(run["returncode"] == 0 for run in crawl["runs"]["sunset"])
