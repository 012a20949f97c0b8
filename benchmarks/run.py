"""`make bench`: sunset and wget on the same generated legacy site, in one run, with ratios.

Scenarios (issue "Performance"):
  1. crawl + WARC + records + mirror over HTTP, no added delay, sunset at its default
     politeness (concurrency 2, robots.txt obeyed) with delay = 0, as wget runs without --wait
  2. the same with a 50 ms delay per request, sunset with concurrency = 4 (and delay = 0:
     the server's latency is the delay)
  3. docroot ingest (the whole sunset pipeline from files; sunset only): pages/s and MB/s
  4. peak RSS of scenario 3 for the small and the large site, and their ratio
  5. `sunset qa` on the output of scenario 3: every page rendered twice in Chromium (pages/s)

Each timed scenario alternates sunset and wget, --runs times each, and reports medians.
Results: a table on the terminal and a JSON file (with the machine's core count). Then, for each
scenario, where the seconds of sunset's median run went: each step's start, end, seconds and CPU
seconds as the run driver recorded them in the run's ``run.json`` (:mod:`sunset.spans`), steps
overlapping (an aside runs beside the steps after it; a step done along another shares its time).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

from benchmarks.generate_site import generate

ROOT = Path(__file__).resolve().parents[1]
# sunset's crawl settings per scenario. The default delay (0.5 s between requests on a
# connection) is for real old servers; wget's default is no wait, so both run without one
# and sunset keeps its default concurrency limit (2) and robots.txt handling.
SCENARIO_1 = "delay = 0\n"
SCENARIO_2 = "concurrency = 4\ndelay = 0\n"
SUNSET = [sys.executable, "-m", "sunset"]


@dataclass
class Measure:
    seconds: float
    peak_rss_mb: float
    returncode: int
    cpu_seconds: float = 0.0
    """User + system time of the command and the processes it waited for (Chromium and pywb, for qa)."""
    steps: list[dict[str, object]] = field(default_factory=list)
    """sunset's steps as its run driver timed them (``run.json``); none for wget."""


@dataclass
class Scenario:
    name: str
    sunset: list[Measure] = field(default_factory=list)
    wget: list[Measure] = field(default_factory=list)
    notes: dict[str, object] = field(default_factory=dict)

    @staticmethod
    def median(measures: list[Measure]) -> float | None:
        return statistics.median(m.seconds for m in measures) if measures else None

    def summary(self) -> dict[str, object]:
        sunset, wget = self.median(self.sunset), self.median(self.wget)
        return {"name": self.name, "sunset_median_s": sunset, "wget_median_s": wget,
                "ratio": (sunset / wget) if sunset and wget else None,
                "sunset_peak_rss_mb": max((m.peak_rss_mb for m in self.sunset), default=None),
                "runs": {"sunset": [asdict(m) for m in self.sunset], "wget": [asdict(m) for m in self.wget]},
                **self.notes}


def timed(command: list[str], cwd: Path, run_info: Path | None = None) -> Measure:
    """Run a command; its wall time and its own peak RSS (from wait4, not sampled); ``run_info``:
    the ``run.json`` of sunset's output folder, whose last run holds its steps' times."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 8):  # wget exits 8 when some URL answered 404: expected on legacy sites
        error = process.stderr.read().decode(errors="replace")[-2000:] if process.stderr else ""
        print(f"  ! {' '.join(command[:4])}... exited {code}\n{error}", file=sys.stderr)
    steps = run_steps(run_info) if run_info is not None else []
    return Measure(seconds, usage.ru_maxrss / 1024, code, usage.ru_utime + usage.ru_stime, steps)


def run_steps(run_info: Path) -> list[dict[str, object]]:
    """The steps of the last run recorded in ``run.json``, as the run driver timed them."""
    try:
        runs = json.loads(run_info.read_text(encoding="utf-8")).get("runs") or []
    except (OSError, ValueError):
        return []
    return list(runs[-1].get("steps") or []) if runs else []


class LocalServer:
    """benchmarks.server in a subprocess, so its work does not share our interpreter."""

    def __init__(self, docroot: Path, delay: float) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "benchmarks.server", str(docroot), "--delay", str(delay)],
                                        cwd=ROOT, stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline() if self.process.stdout else ""
        if not line.startswith("PORT "):
            raise RuntimeError("benchmark server did not start")
        self.url = f"http://127.0.0.1:{int(line.split()[1])}"

    def stats(self) -> dict[str, int]:
        with urllib.request.urlopen(self.url + "/_stats", timeout=10) as response:
            return json.load(response)

    def __enter__(self) -> "LocalServer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def write_config(folder: Path, base_url: str, *, docroot: Path | None = None, extra: str = "") -> Path:
    source = f'docroot = "{docroot}"\n' if docroot else ""
    config = folder / "site.toml"
    config.write_text(f"""[site]
name = "bench"
base_url = "{base_url}"

[source]
{source}{extra}
[notice]
title = "Retired"
date = "2005-12-02"
text = "This site has been retired."
""", encoding="utf-8")
    return config


def wget_command(url: str, out: Path) -> list[str]:
    return ["wget", "--mirror", "--page-requisites", "--convert-links", "--adjust-extension", "--no-parent",
            "--quiet", "--no-host-directories", f"--directory-prefix={out}", f"--warc-file={out / 'wget'}",
            url]


def ensure_wget() -> None:
    if shutil.which("wget"):
        return
    if os.geteuid() != 0:
        sys.exit("make bench needs wget (the reference tool): install it with `apt-get install wget`")
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wget"], check=True)


def http_scenario(name: str, site: Path, work: Path, runs: int, delay: float, extra: str) -> Scenario:
    scenario = Scenario(name, notes={"delay_s": delay, "sunset_config": extra.strip() or "defaults"})
    with LocalServer(site, delay) as server:
        url = f"{server.url}/site/"
        for run in range(runs):
            for tool in ("sunset", "wget"):
                out = work / f"{name}-{tool}-{run}"
                out.mkdir(parents=True)
                if tool == "sunset":
                    config = write_config(out, url, extra=extra)
                    scenario.sunset.append(timed([*SUNSET, "run", str(config), "--out", str(out / "out"), "-q"], ROOT,
                                                 out / "out" / "run.json"))
                else:
                    scenario.wget.append(timed(wget_command(url, out), out))
                shutil.rmtree(out, ignore_errors=True)
        scenario.notes["server"] = server.stats()
    return scenario


def docroot_config(out: Path, site: Path) -> Path:
    """The generated site's docroot (its site/ folder) as served at /site/ of the old host."""
    return write_config(out, "http://www.example.edu/site/", docroot=site,
                        extra='docroot_url = "http://www.example.edu/site/"\n')


def docroot_scenario(name: str, site: Path, work: Path, runs: int, pages: int) -> Scenario:
    scenario = Scenario(name, notes={"pages": pages})
    size = sum(path.stat().st_size for path in site.rglob("*") if path.is_file())
    for run in range(runs):
        out = work / f"{name}-{run}"
        out.mkdir(parents=True)
        config = docroot_config(out, site)
        scenario.sunset.append(timed([*SUNSET, "run", str(config), "--out", str(out / "out"), "-q"], ROOT,
                                     out / "out" / "run.json"))
        shutil.rmtree(out, ignore_errors=True)
    seconds = scenario.median(scenario.sunset) or 1.0
    scenario.notes.update({"pages_per_s": pages / seconds, "mb_per_s": size / 1e6 / seconds,
                           "site_mb": size / 1e6})
    return scenario


def qa_scenario(name: str, site: Path, work: Path, pages: int) -> Scenario | None:
    """`sunset qa` over the docroot run's output: both renderings of every page in Chromium (one run)."""
    if not Path("/usr/bin/chromium").exists():
        print("  skipped: /usr/bin/chromium is not installed (apt-get install chromium)", flush=True)
        return None
    out = work / f"{name}-out"
    out.mkdir(parents=True)
    config = docroot_config(out, site)
    subprocess.run([*SUNSET, "run", str(config), "--out", str(out / "out"), "-q"], cwd=ROOT, check=True)
    scenario = Scenario(name, notes={"pages": pages})
    scenario.sunset.append(timed([*SUNSET, "qa", str(out / "out"), "-q"], ROOT))
    figures = json.loads((out / "out" / "qa.json").read_text(encoding="utf-8"))
    seconds = scenario.median(scenario.sunset) or 1.0
    cpu = scenario.sunset[0].cpu_seconds
    scenario.notes.update({"pages_per_s": figures["pages"] / seconds, "qa_pages": figures["pages"],
                           "qa_failed": figures["failed"], "cpu_s_per_page": cpu / max(1, figures["pages"]),
                           "load_average": os.getloadavg()[0]})
    shutil.rmtree(out, ignore_errors=True)
    return scenario


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=5000, help="pages of the generated site (scenarios 1-3)")
    parser.add_argument("--large-pages", type=int, default=50000, help="pages of the large site (scenario 4)")
    parser.add_argument("--runs", type=int, default=3, help="runs per tool and scenario (medians are reported)")
    parser.add_argument("--delay", type=float, default=0.05, help="per-request delay of scenario 2, seconds")
    parser.add_argument("--scenarios", default="1,2,3,4,5", help="which scenarios to run, e.g. 1,3 "
                                                                 "(5: sunset qa, needs chromium)")
    parser.add_argument("--output", type=Path, default=ROOT / "out" / "bench" / "results.json")
    args = parser.parse_args()
    wanted = {int(item) for item in args.scenarios.split(",")}
    if wanted & {1, 2}:
        ensure_wget()
    results: list[Scenario] = []
    with tempfile.TemporaryDirectory(prefix="sunset-bench-") as temporary:
        work = Path(temporary)
        print(f"generating a {args.pages}-page site...", flush=True)
        generate(work / "small", args.pages)
        site = work / "small"
        if 1 in wanted:
            print("scenario 1: HTTP crawl, no delay", flush=True)
            results.append(http_scenario("1-crawl", site, work, args.runs, 0.0, SCENARIO_1))
        if 2 in wanted:
            print(f"scenario 2: HTTP crawl, {args.delay * 1000:.0f} ms per request, concurrency 4", flush=True)
            results.append(http_scenario("2-crawl-delay", site, work, args.runs, args.delay, SCENARIO_2))
        if 3 in wanted or 4 in wanted:
            print("scenario 3: docroot ingest", flush=True)
            small = docroot_scenario("3-docroot", site / "site", work, args.runs, args.pages)
            results.append(small)
        if 5 in wanted:
            print("scenario 5: sunset qa (every page rendered twice in Chromium)", flush=True)
            qa = qa_scenario("5-qa", site / "site", work, args.pages)
            if qa is not None:
                results.append(qa)
        if 4 in wanted:
            print(f"scenario 4: memory at {args.large_pages} pages", flush=True)
            shutil.rmtree(work / "small", ignore_errors=True)
            generate(work / "large", args.large_pages)
            large = docroot_scenario("4-docroot-large", work / "large" / "site", work, 1, args.large_pages)
            small_rss = max(m.peak_rss_mb for m in small.sunset)
            large_rss = max(m.peak_rss_mb for m in large.sunset)
            large.notes.update({"small_peak_rss_mb": small_rss, "large_peak_rss_mb": large_rss,
                                "rss_ratio": large_rss / small_rss})
            results.append(large)
    report = {"machine": {"cores": os.cpu_count(), "python": platform.python_version(),
                          "platform": platform.platform()},
              "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "pages": args.pages, "runs": args.runs,
              "scenarios": [scenario.summary() for scenario in results]}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print_table(report)
    for scenario in results:
        print_steps(scenario)
    print(f"\nfigures written to {args.output}")


def _fmt(value: object, unit: str = "") -> str:
    return "-" if value is None else f"{value:.2f}{unit}" if isinstance(value, float) else f"{value}{unit}"


def print_table(report: dict) -> None:
    print(f"\nsunset vs wget, {report['pages']} pages, median of {report['runs']} runs, "
          f"{report['machine']['cores']} cores")
    print(f"{'scenario':<18}{'sunset s':>10}{'wget s':>10}{'ratio':>8}{'peak MB':>9}  notes")
    for row in report["scenarios"]:
        notes = []
        if "mb_per_s" in row:
            notes.append(f"{row['pages_per_s']:.0f} pages/s, {row['mb_per_s']:.1f} MB/s")
        elif "pages_per_s" in row:
            notes.append(f"{row['pages_per_s']:.1f} pages/s")
        if "qa_pages" in row:
            notes.append(f"{row['qa_pages']} pages compared, {row['qa_failed']} below the thresholds, "
                         f"{row['cpu_s_per_page']:.2f} CPU s a page (load average {row['load_average']:.1f})")
        if "rss_ratio" in row:
            notes.append(f"RSS {row['small_peak_rss_mb']:.0f} -> {row['large_peak_rss_mb']:.0f} MB "
                         f"(x{row['rss_ratio']:.2f})")
        if "server" in row:
            notes.append(f"most requests open at once: {row['server']['most_open']}")
        print(f"{row['name']:<18}{_fmt(row['sunset_median_s']):>10}{_fmt(row['wget_median_s']):>10}"
              f"{_fmt(row['ratio']):>8}{_fmt(row['sunset_peak_rss_mb']):>9}  {'; '.join(notes)}")


BAR = 40
"""Characters of the timeline beside each step (the whole run)."""


def print_steps(scenario: Scenario) -> None:
    """Where the seconds of sunset's median run went: each step's span, in the order they started,
    with the time before the first step (start-up: imports, the checks before the run) and after
    the last (writing the summary, exiting) as the command's wall time shows them."""
    timed_runs = sorted((m for m in scenario.sunset if m.steps), key=lambda m: m.seconds)
    if not timed_runs:
        return
    run = timed_runs[len(timed_runs) // 2]
    steps = [dict(step) for step in run.steps]
    first = min(float(step["start"]) for step in steps)  # type: ignore[arg-type]
    last = max(float(step["end"]) for step in steps)  # type: ignore[arg-type]
    rows = [{"step": "start-up", "start": 0.0, "end": first, "seconds": first}, *steps,
            {"step": "to exit", "start": last, "end": run.seconds, "seconds": run.seconds - last}]
    print(f"\n{scenario.name}: where the seconds went (sunset's median run: {run.seconds:.2f} s, "
          f"CPU {run.cpu_seconds:.2f} s; seconds since the command started)")
    print(f"  {'step':<27}{'start':>8}{'end':>8}{'seconds':>9}{'CPU s':>8}  timeline")
    scale = BAR / max(run.seconds, 1e-9)
    for row in rows:
        start, end = float(row["start"]), float(row["end"])  # type: ignore[arg-type]
        name = str(row["step"]) + (" (aside)" if row.get("aside") else f" (along {row['along']})"
                                   if row.get("along") else "")
        left = min(BAR - 1, int(start * scale))
        bar = " " * left + "#" * max(1, min(BAR - left, round((end - start) * scale)))
        print(f"  {name:<27}{start:>8.2f}{end:>8.2f}{end - start:>9.2f}{_fmt(row.get('cpu')):>8}  |{bar:<{BAR}}|")


if __name__ == "__main__":
    main()
