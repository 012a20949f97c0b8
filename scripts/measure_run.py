"""Paired runs of ``sunset run`` with two or more trees of sunset: CPU seconds first, wall time second.

    .venv/bin/python scripts/measure_run.py --ref 5a1734d --ref HEAD [--pages 5000] [--runs 5] [--http]
    .venv/bin/python scripts/measure_run.py --ref ae82166 --ref . --profile   # cProfile of the workers too

Each ``--ref`` is a git commit of this repository (exported with ``git archive`` into a temporary
folder) or ``.``, this working tree as it is. Each tree runs ``sunset run`` on the same generated
site (``benchmarks.generate_site``), as a docroot (scenario 3 of ``make bench``) or, with
``--http``, crawled from ``benchmarks.server`` (scenario 1: no delay, robots obeyed, concurrency 2).
The trees take turns, in a different order each round, so that a machine whose load changes (it is
shared) weighs on each alike. The figure is the CPU time of the run and every process it waited
for (``wait4``: its workers and asides); wall time is printed beside it. With a tree that times its
steps (``run.json``, ``sunset/spans.py``), the median of each step's CPU and seconds is shown.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.generate_site import generate  # noqa: E402
from benchmarks.run import SCENARIO_1, LocalServer, docroot_config, run_steps, write_config  # noqa: E402


def tree_of(ref: str, into: Path) -> Path:
    """The sources of ``ref`` (``.``: this working tree) as a folder to put first on ``PYTHONPATH``."""
    if ref == ".":
        return ROOT
    into.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def one_run(tree: Path, config: Path, out: Path, profile: Path | None = None) -> dict[str, object]:
    """``sunset run`` with ``tree``'s code: CPU (user + system, its children included), wall, steps."""
    command = [sys.executable, "-m", "sunset", "run", str(config), "--out", str(out), "-q"]
    if profile is not None:
        command[1:3] = ["-m", "cProfile", "-o", str(profile), "-m", "sunset"]
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=tree, env={**os.environ, "PYTHONPATH": str(tree)},
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{tree}: sunset run exited {code}: "
                         f"{process.stderr.read().decode(errors='replace')[-2000:] if process.stderr else ''}")
    return {"cpu": usage.ru_utime + usage.ru_stime, "wall": wall, "rss_mb": usage.ru_maxrss / 1024,
            "steps": run_steps(out / "run.json"), "load": os.getloadavg()[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ref", action="append", required=True, help="a commit, or . for this working tree")
    parser.add_argument("--pages", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5, help="runs of each tree")
    parser.add_argument("--http", action="store_true", help="crawl the site over HTTP instead of a docroot")
    parser.add_argument("--profile", action="store_true", help="one run of each under cProfile (main process)")
    parser.add_argument("--keep", type=Path, help="keep the site here (and reuse it when there)")
    parser.add_argument("--output", type=Path, help="write every run's figures here (JSON)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sunset-measure-run-") as temporary:
        work = Path(temporary)
        site = args.keep or work / "site"
        if not (site / "site").is_dir():
            generate(site, args.pages)
        trees = {ref: tree_of(ref, work / f"tree-{number}") for number, ref in enumerate(args.ref)}
        figures: dict[str, list[dict[str, object]]] = defaultdict(list)
        server = LocalServer(site, 0.0) if args.http else None
        try:
            for round_ in range(args.runs):
                order = args.ref if round_ % 2 == 0 else list(reversed(args.ref))
                for ref in order:
                    out = work / "out"
                    shutil.rmtree(out, ignore_errors=True)
                    out.mkdir()
                    if server is not None:
                        config = write_config(out, f"{server.url}/site/", extra=SCENARIO_1)
                    else:
                        config = docroot_config(out, site / "site")
                    profile = work.parent / f"measure-run-{ref.replace('/', '_')}.prof" if args.profile else None
                    figure = one_run(trees[ref], config, out / "out", profile if round_ == 0 else None)
                    figures[ref].append(figure)
                    print(f"{ref:>10}  CPU {figure['cpu']:6.2f} s  wall {figure['wall']:6.2f} s  "
                          f"load {figure['load']:.1f}", flush=True)
        finally:
            if server is not None:
                server.__exit__()
        print(f"\nsunset run {'over HTTP' if args.http else 'on the docroot'}, {args.pages} pages, "
              f"median of {args.runs} (min-max)")
        for ref, runs in figures.items():
            cpu, wall = [float(r["cpu"]) for r in runs], [float(r["wall"]) for r in runs]  # type: ignore[arg-type]
            print(f"{ref:>10}  CPU {statistics.median(cpu):6.2f} s ({min(cpu):.2f}-{max(cpu):.2f})  "
                  f"wall {statistics.median(wall):6.2f} s ({min(wall):.2f}-{max(wall):.2f})  "
                  f"{args.pages / statistics.median(wall):.0f} pages/s")
            steps: dict[str, list[tuple[float, float]]] = defaultdict(list)
            for run in runs:
                for step in run["steps"]:  # type: ignore[attr-defined]
                    if "cpu" in step:
                        steps[step["step"]].append((float(step["cpu"]), float(step["seconds"])))
            for name, values in steps.items():
                print(f"{'':>12}{name:<10} CPU {statistics.median(v[0] for v in values):6.2f} s  "
                      f"wall {statistics.median(v[1] for v in values):6.2f} s")
        if args.output:
            args.output.write_text(json.dumps(figures, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
