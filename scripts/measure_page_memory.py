"""Measure the peak memory of ``sunset run`` on a docroot holding one page dense with links.

    .venv/bin/python scripts/measure_page_memory.py [SIZE_MB] [--workers N] [--keep DIR]

The page is ``<A HREF="gone.htm">x</A><A HREF="/g2.htm">y</A>`` over and over (as
``scripts/measure_hostile.py``'s ``dense-links``), SIZE_MB megabytes (default 5), beside a small
start page that links to it. ``sunset run`` runs in a child process; while it runs, every process
of its tree (the CLI, the content pass's workers, the asides) is read from
``/proc/PID/smaps_rollup`` every 20 ms. Printed: the peak of the tree's summed proportional set size
(PSS: a page shared by a forked worker and its parent counted once, split between them), the peak
resident set of the largest single process, the most processes seen at once, and the wall time.
The figures go into docs/reliability.md and docs/performance.md by hand.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

BASE = "http://old.example/"
UNIT = b'<A HREF="gone.htm">x</A><A HREF="/g2.htm">y</A>'
CONFIG = """[site]
name = "dense"
base_url = "{base}"

[source]
docroot = "docroot"
file_date = "1998-11-16T09:30:00Z"

[notice]
title = "Retired"
date = "2005-12-02"
text = "This site has been retired."

[output]
workers = {workers}

[archive]
fixed_clock = "2026-01-01T00:00:00Z"
record_id_seed = "dense"
"""


def build(folder: Path, size: int, workers: int) -> Path:
    """A docroot with ``index.html`` and ``dense.html`` of ``size`` bytes; the config beside it."""
    docroot = folder / "docroot"
    docroot.mkdir()
    (docroot / "index.html").write_bytes(b'<HTML><BODY><A HREF="dense.html">dense</A></BODY></HTML>')
    head = b"<HTML><HEAD><TITLE>Dense</TITLE></HEAD><BODY>"
    (docroot / "dense.html").write_bytes(head + UNIT * ((size - len(head)) // len(UNIT)))
    config = folder / "site.toml"
    config.write_text(CONFIG.format(base=BASE, workers=workers), encoding="utf-8")
    return config


def _children() -> dict[int, list[int]]:
    """Parent pid -> child pids, for every process readable now."""
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])  # the name in () may hold spaces
        tree.setdefault(parent, []).append(int(entry))
    return tree


def _tree(root: int) -> list[int]:
    children, found, todo = _children(), [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, ()))
    return found


def _rollup(pid: int) -> tuple[int, int]:
    """(Pss, Rss) of a process in KiB; (0, 0) once it has ended."""
    pss = rss = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                pss = int(line.split()[1])
            elif line.startswith("Rss:"):
                rss = int(line.split()[1])
    except (OSError, ValueError):
        pass
    return pss, rss


def measure(config: Path, out: Path) -> dict[str, float]:
    """Run ``sunset run`` and sample its process tree until it ends."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    command = [sys.executable, "-m", "sunset.cli", "run", str(config), "--out", str(out), "-q"]
    started = time.monotonic()
    child = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak_pss = peak_rss = most = 0
    while child.poll() is None:
        pids = _tree(child.pid)
        rollups = [_rollup(pid) for pid in pids]
        peak_pss = max(peak_pss, sum(pss for pss, _ in rollups))
        peak_rss = max(peak_rss, max((rss for _, rss in rollups), default=0))
        most = max(most, len(pids))
        time.sleep(0.02)
    seconds = time.monotonic() - started
    stdout, stderr = child.communicate()
    if child.returncode:
        sys.stderr.write(stderr.decode(errors="replace")[-3000:])
        raise SystemExit(f"sunset run failed (exit {child.returncode})")
    return {"pss_mib": peak_pss / 1024, "rss_mib": peak_rss / 1024, "processes": most, "seconds": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("size_mb", nargs="?", type=float, default=5.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="build and run in this folder, and leave it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        folder = args.keep or Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        config = build(folder, int(args.size_mb * 1000 * 1000), args.workers)
        figures = measure(config, folder / "out")
    print(f"dense page {args.size_mb:g} MB, {args.workers} workers: peak PSS of the tree "
          f"{figures['pss_mib']:.0f} MiB, peak RSS of one process {figures['rss_mib']:.0f} MiB, "
          f"{figures['processes']:.0f} processes at most, {figures['seconds']:.1f} s")


if __name__ == "__main__":
    main()
