"""Time and peak memory of `sunset batch` on the local engine, Spark local[2] and a standalone
Spark cluster (master and one 2-core worker started here on 127.0.0.1), on the same inputs.

    .venv/bin/python scripts/measure_engines.py [WORKDIR]

Each run is a fresh `python -m sunset batch ...` process (so Spark's figures include starting its
JVM). Memory is the peak of the summed resident memory of every process the run started (the
driver, its JVM, executors, Python workers), sampled every 0.2 s; for the cluster, the executor
and its Python workers (children of the worker daemon) are counted too, the idle master and worker
daemons are reported apart. The figures go into docs/scale.md by hand.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scripts.measure_scale import inputs  # noqa: E402

PAGE = os.sysconf("SC_PAGE_SIZE")


def tree_rss(roots: list[int]) -> int:
    """Resident bytes of ``roots`` and all their descendants."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            parents[int(entry.name)] = int(fields[1])
            rss[int(entry.name)] = int(fields[21]) * PAGE
        except (OSError, ValueError, IndexError):
            continue
    members = set(roots)
    grew = True
    while grew:
        grew = False
        for pid, parent in parents.items():
            if parent in members and pid not in members:
                members.add(pid)
                grew = True
    return sum(rss.get(pid, 0) for pid in members)


def run(label: str, command: list[str], extra_roots: list[int], env: dict[str, str]) -> None:
    peak = 0
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss([process.pid]) + sum(tree_rss([p]) for p in extra_roots))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample)
    sampler.start()
    _, err = process.communicate()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    status = "" if process.returncode in (0,) else f" (exit {process.returncode}: {err.strip()[-300:]})"
    print(f"| {label} | {seconds:.1f} s | {peak / 2**20:.0f} MiB |{status}", flush=True)


def start_cluster(work: Path, env: dict[str, str]) -> tuple[str, list[subprocess.Popen]]:
    import pyspark

    home = Path(pyspark.__file__).parent
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"spark://127.0.0.1:{port}"
    cluster_env = {**env, "SPARK_HOME": str(home), "SPARK_MASTER_OPTS": "-Dspark.master.rest.enabled=false"}
    spark_class = str(home / "bin" / "spark-class")
    processes = []
    for name, command in (("master", [spark_class, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                                      "--port", str(port), "--webui-port", "0"]),
                          ("worker", [spark_class, "org.apache.spark.deploy.worker.Worker", url, "--host",
                                      "127.0.0.1", "--cores", "2", "--memory", "2g", "--work-dir",
                                      str(work / "spark-work"), "--webui-port", "0"])):
        log = (work / f"{name}.log").open("wb")
        processes.append(subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=cluster_env,
                                          start_new_session=True))
    while "Successfully registered" not in (work / "worker.log").read_text(errors="replace"):
        time.sleep(0.5)
    return url, processes


def main() -> None:
    work = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="sunset-engines-"))
    work.mkdir(parents=True, exist_ok=True)
    sources = inputs(work)
    distinct = sources[:3]
    sites = work / "sites"
    sites.mkdir(exist_ok=True)
    for index, (name, base) in enumerate((("otpic", "http://www.colorado.edu/conflict/peace/"),
                                          ("apache", "http://localhost/"),
                                          ("lg", "http://www.linuxgazette.com/"))):
        (sites / f"{name}.toml").write_text(
            f'[site]\nname = "{name}"\nbase_url = "{base}"\n[notice]\ntitle = "Retired"\n'
            'date = "2005-12-02"\ntext = "Gone."\n', encoding="utf-8")
    size = sum(Path(s).stat().st_size for s in sources) / 1e6
    print(f"inputs: {len(sources)} WARCs, {size:.1f} MB; mirror --warc: {len(distinct)} WARCs, 3 sites")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SPARK_LOCAL_IP": "127.0.0.1"}
    python = [sys.executable, "-m", "sunset", "batch"]
    url, cluster = start_cluster(work, env)
    daemons = [process.pid for process in cluster]
    print(f"| standalone master + worker daemons, idle | — | {tree_rss(daemons) / 2**20:.0f} MiB |")
    local_conf = ["--conf", "spark.driver.host=127.0.0.1", "--conf", "spark.driver.bindAddress=127.0.0.1"]
    engines = [("local, loop", ["--engine", "local"], []),
               ("local, --workers 2", ["--engine", "local", "--workers", "2"], []),
               ("spark local[2]", ["--engine", "spark", "--master", "local[2]"], []),
               ("spark standalone (1 worker, 2 cores)", ["--engine", "spark", "--master", url, *local_conf,
                                                         "--conf", "spark.executor.memory=1g"], daemons)]
    try:
        for label, flags, roots in engines:
            out = work / f"out-{len(label)}"
            shutil.rmtree(out, ignore_errors=True)
            run(f"normalize, {label}", python + ["normalize", *sources, "--out", str(out / "n"), "-q", *flags],
                roots, env)
            run(f"mirror --warc, {label}", python + ["mirror", "--sites", str(sites / "*.toml"),
                                                     *(f"--warc={s}" for s in distinct), "--out-root",
                                                     str(out / "m"), "-q", *flags], roots, env)
    finally:
        for process in reversed(cluster):
            os.killpg(process.pid, signal.SIGTERM)
            process.wait()


if __name__ == "__main__":
    main()
