"""Where per-WARC and per-site work runs: a loop or process pool here, or Spark executors.

An engine only maps a task over a list of inputs and hands back the results in input order.
The tasks themselves (sunset.batch) call the very functions ``sunset run`` calls — normalize_warc,
write_mirror, the pipeline stages — so a Spark run cannot drift from a local one.

Spark is optional (``pip install 'sunset[spark]'``) and imported only when the spark engine is
asked for. The session is locked down for a shared machine: bound to 127.0.0.1, no web UI, and
no speculative execution (a speculative copy of a crawl task would hit an old server twice).
"""
from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Protocol, TypeVar

from archive.errors import SunsetError

T = TypeVar("T")
R = TypeVar("R")

ENGINES = ("local", "spark")

SPARK_CONF: dict[str, str] = {
    "spark.speculation": "false",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
}
"""Settings every sunset Spark session gets; ``--conf KEY=VALUE`` adds to or overrides them."""

LOCAL_CONF: dict[str, str] = {"spark.driver.host": "127.0.0.1", "spark.driver.bindAddress": "127.0.0.1"}
"""Added for ``local[...]`` masters only: nothing listens beyond this machine. (On a cluster the
executors must reach the driver, so there the cluster's own network settings apply.)"""


class EngineError(SunsetError):
    """The engine cannot start (Spark or Java missing, a bad master URL)."""


class Engine(Protocol):
    name: str

    def map(self, task: Callable[[T], R], items: Sequence[T]) -> list[R]:
        """``[task(item) for item in items]``, wherever the engine runs it; results in input order."""
        ...

    def close(self) -> None: ...


class LocalEngine:
    """Tasks on this machine: a plain loop, or a pool of ``workers`` processes."""

    name = "local"

    def __init__(self, workers: int = 1) -> None:
        self.workers = max(1, workers)

    def map(self, task: Callable[[T], R], items: Sequence[T]) -> list[R]:
        if self.workers == 1 or len(items) <= 1:
            return [task(item) for item in items]
        with ProcessPoolExecutor(max_workers=min(self.workers, len(items))) as pool:
            return list(pool.map(task, items))

    def close(self) -> None:
        pass


class SparkEngine:
    """Tasks on Spark executors: one partition, hence one task, per input."""

    name = "spark"

    def __init__(self, master: str | None = None, conf: dict[str, str] | None = None,
                 app_name: str = "sunset") -> None:
        self.master = master
        self.conf = {**SPARK_CONF, **(conf or {})}
        self.app_name = app_name
        self._session: Any = None

    @property
    def session(self) -> Any:
        if self._session is None:
            self._session = start_spark(self.master, self.conf, self.app_name)
        return self._session

    def map(self, task: Callable[[T], R], items: Sequence[T]) -> list[R]:
        if not items:
            return []
        context = self.session.sparkContext
        return context.parallelize(list(items), numSlices=len(items)).map(task).collect()

    def close(self) -> None:
        if self._session is not None:
            self._session.stop()
            self._session = None


def spark_available() -> str | None:
    """None when a Spark session can be started here, else the reason it cannot."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed: pip install 'sunset[spark]'"
    if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        return "Spark needs Java 17 or newer: install a JDK (e.g. apt-get install openjdk-17-jre-headless)"
    return None


def start_spark(master: str | None, conf: dict[str, str], app_name: str = "sunset") -> Any:
    """A SparkSession whose Python workers are this virtual environment's Python.

    ``master`` None means spark-submit's ``--master`` (or ``local[*]`` when run directly).
    An environment that already sets PYSPARK_PYTHON (a cluster with its own path) is respected.
    """
    reason = spark_available()
    if reason:
        raise EngineError(reason)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    submitted = bool(os.environ.get("PYSPARK_GATEWAY_PORT"))  # launched by spark-submit
    if master is None and not submitted and "spark.master" not in conf:
        master = "local[*]"
    if master is not None and master.startswith("local"):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        conf = {**LOCAL_CONF, **conf}

    builder = SparkSession.builder.appName(app_name)
    if master:
        builder = builder.master(master)
    for key, value in conf.items():
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as error:  # py4j and JVM start-up errors have no common base class
        raise EngineError(f"cannot start Spark (master {master or 'local[*]'}): {error}") from error
    session.sparkContext.setLogLevel("WARN")
    return session


def parse_conf(pairs: Sequence[str]) -> dict[str, str]:
    """``--conf KEY=VALUE`` flags, as spark-submit spells them."""
    conf: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise EngineError(f"--conf {pair!r}: expected KEY=VALUE, e.g. spark.executor.memory=4g")
        conf[key.strip()] = value
    return conf


def make_engine(name: str, *, workers: int = 1, master: str | None = None,
                conf: Sequence[str] = ()) -> Engine:
    if name == "local":
        return LocalEngine(workers)
    if name == "spark":
        return SparkEngine(master, parse_conf(conf))
    raise EngineError(f"unknown engine {name!r} (known: {', '.join(ENGINES)})")
