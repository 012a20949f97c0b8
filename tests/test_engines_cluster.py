"""A real standalone Spark cluster on 127.0.0.1 (a master and one worker started from the pyspark
package's spark-class): `batch run` survives a Python worker killed mid-task, `batch mirror --warc`
reports a corrupt WARC and finishes the rest, both writing what the local engine writes; and the
documented spark-submit route runs from a folder that holds a directory named `sunset`."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import sunset.cli
from sunset.cli import main
from sunset.engines import SparkEngine, spark_available
from tests.batch_inputs import (
    killed_worker_run,
    stray_files,
    tree,
    write_corrupt_warc,
    write_crawler_warc,
    write_shop_warc,
    write_site_configs,
)

pytestmark = pytest.mark.skipif(spark_available() is not None, reason=str(spark_available()))

CLUSTER_CONF = {"spark.driver.host": "127.0.0.1", "spark.driver.bindAddress": "127.0.0.1",
                "spark.executor.memory": "512m", "spark.cores.max": "2"}
STARTUP_LIMIT = 300.0
"""How long the master and worker may take to register on a busy 2-core machine (not a timing
assertion: a cluster that never comes up fails the test with its logs)."""


def spark_home() -> Path:
    import pyspark

    return Path(pyspark.__file__).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stop(process: subprocess.Popen) -> None:
    """The master or worker started here, with what it started (executors, Python workers): its
    own process group, which nothing else is in."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("cluster")
    home = spark_home()
    url = f"spark://127.0.0.1:{free_port()}"
    env = {**os.environ, "SPARK_HOME": str(home), "SPARK_LOCAL_IP": "127.0.0.1",
           "SPARK_MASTER_OPTS": "-Dspark.master.rest.enabled=false", "SPARK_NO_DAEMONIZE": "1"}
    spark_class = str(home / "bin" / "spark-class")
    commands = {
        "master": [spark_class, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                   "--port", url.rsplit(":", 1)[1], "--webui-port", "0"],
        "worker": [spark_class, "org.apache.spark.deploy.worker.Worker", url, "--host", "127.0.0.1",
                   "--cores", "2", "--memory", "1g", "--work-dir", str(folder / "work"), "--webui-port", "0"],
    }
    processes: list[subprocess.Popen] = []
    try:
        for name, command in commands.items():
            with (folder / f"{name}.log").open("wb") as log:
                processes.append(subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env,
                                                  cwd=folder, start_new_session=True))
        deadline = time.monotonic() + STARTUP_LIMIT
        while "Successfully registered with master" not in (folder / "worker.log").read_text(errors="replace"):
            if time.monotonic() > deadline or any(process.poll() is not None for process in processes):
                pytest.fail("the standalone cluster did not start:\n" + "\n".join(
                    (folder / f"{name}.log").read_text(errors="replace")[-3000:] for name in commands))
            time.sleep(0.5)
        yield url
    finally:
        for process in reversed(processes):
            stop(process)


@pytest.fixture(scope="module")
def engine(cluster: str) -> Iterator[SparkEngine]:
    """One session for the module: the CLI run below gets it back from getOrCreate."""
    engine = SparkEngine(cluster, CLUSTER_CONF)
    yield engine
    engine.close()


def test_batch_run_survives_a_killed_worker(engine: SparkEngine, tmp_path: Path) -> None:
    killed_worker_run(engine, tmp_path)


def test_mirror_warc_on_cluster_reports_a_corrupt_warc(cluster: str, engine: SparkEngine, tmp_path: Path,
                                                        capsys) -> None:
    warcs = tmp_path / "warcs"
    warcs.mkdir()
    cafe = write_crawler_warc(warcs / "cafe.warc.gz")
    deli = write_crawler_warc(warcs / "deli.warc", host="deli.example.net", gzip=False)
    shop = write_shop_warc(warcs / "shop.warc.gz")
    corrupt = write_corrupt_warc(warcs / "corrupt.warc.gz", cafe)
    sites = write_site_configs(tmp_path / "sites", {"cafe": "http://cafe.example.net/",
                                                    "deli": "http://deli.example.net/",
                                                    "shop": "http://shop.example.net/catalog/"})
    args = ["batch", "mirror", "--sites", str(sites / "*.toml")]
    for warc in (cafe, corrupt, deli, shop):
        args += ["--warc", str(warc)]
    assert main(args + ["--out-root", str(tmp_path / "local"), "-q"]) == 1
    capsys.readouterr()
    conf = [item for key, value in CLUSTER_CONF.items() for item in ("--conf", f"{key}={value}")]
    assert main(args + ["--out-root", str(tmp_path / "cluster"), "--engine", "spark", "--master", cluster]
                + conf) == 1
    captured = capsys.readouterr()
    errors = [line for line in captured.err.splitlines() if line.startswith("sunset: error:")]
    assert len(errors) == 1 and str(corrupt) in errors[0], captured.err
    assert "Traceback" not in captured.err and "3 of 3 sites done (spark)" in captured.out
    manifest = json.loads((tmp_path / "cluster" / "manifest.json").read_text(encoding="utf-8"))
    assert [entry["error"] is not None for entry in manifest["inputs"]] == [False, True, False, False]
    assert tree(tmp_path / "cluster") == tree(tmp_path / "local")
    assert stray_files(tmp_path / "cluster") == []


def test_spark_submit_route_from_a_folder_named_sunset(tmp_path: Path) -> None:
    """docs/scale.md's spark-submit command (route 1: sunset/cli.py of the installed package) on
    local[2], run from a folder that holds a directory named `sunset`: neither the driver nor the
    Python workers (which start in that folder) import it. A corrupt WARC among good ones is one
    line on stderr and exit status 1; the sites are the local engine's, byte for byte."""
    warcs = tmp_path / "warcs"
    warcs.mkdir()
    cafe = write_crawler_warc(warcs / "cafe.warc.gz")
    inputs = [cafe, write_corrupt_warc(warcs / "corrupt.warc.gz", cafe), write_shop_warc(warcs / "shop.warc.gz")]
    sites = write_site_configs(tmp_path / "sites", {"cafe": "http://cafe.example.net/",
                                                    "shop": "http://shop.example.net/catalog/"})
    args = ["batch", "mirror", "--sites", str(sites / "*.toml"), *(f"--warc={warc}" for warc in inputs)]
    here = tmp_path / "here"
    (here / "sunset").mkdir(parents=True)
    (here / "sunset" / "__init__.py").write_text("raise ImportError('the wrong sunset')\n", encoding="utf-8")
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable, "PYSPARK_DRIVER_PYTHON": sys.executable,
           "SPARK_LOCAL_IP": "127.0.0.1",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(Path(sunset.cli.__file__).parents[1]),
                                                       os.environ.get("PYTHONPATH")]))}
    command = [str(spark_home() / "bin" / "spark-submit"), "--master", "local[2]",
               "--conf", "spark.driver.host=127.0.0.1", "--conf", "spark.driver.bindAddress=127.0.0.1",
               sunset.cli.__file__, *args, "--engine", "spark", "--out-root", str(tmp_path / "spark")]
    done = subprocess.run(command, cwd=here, env=env, capture_output=True, text=True, timeout=600)
    output = done.stdout + done.stderr  # spark-submit sends the Python driver's stderr to its stdout
    errors = [line for line in output.splitlines() if line.startswith("sunset: error:")]
    assert done.returncode == 1 and len(errors) == 1 and str(inputs[1]) in errors[0], output[-3000:]
    assert "Traceback (most recent call last)" not in output and "2 of 2 sites done (spark)" in output
    assert main(args + ["--out-root", str(tmp_path / "local"), "-q"]) == 1
    assert tree(tmp_path / "spark") == tree(tmp_path / "local")
    assert stray_files(tmp_path / "spark") == []
