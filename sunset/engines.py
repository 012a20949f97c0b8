"""Where per-WARC and per-site work runs: a loop or process pool here, or Spark executors.

An engine only maps a task over a list of inputs and hands back the results in input order.
The tasks themselves (sunset.batch) call the very functions ``sunset run`` calls — normalize_warc,
write_mirror, the pipeline stages — so a Spark run cannot drift from a local one.

Spark is optional (``pip install 'sunset[spark]'``) and imported only when the spark engine is
asked for. The session is locked down for a shared machine: bound to 127.0.0.1, no web UI, and
no speculative execution (a speculative copy of a crawl task would hit an old server twice).
"""
from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, TypeVar

from archive.errors import SunsetError
from archive.forking import tolerate
from archive.workers import Task, map_ordered

T = TypeVar("T")
R = TypeVar("R")

ENGINES = ("local", "spark")

SPARK_CONF: dict[str, str] = {
    "spark.speculation": "false",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    # Python workers start as `python -m pyspark.daemon`, which puts the current folder first on
    # sys.path: a folder named `sunset` there would hide the installed package. Python 3.11's
    # safe-path mode leaves the current folder out.
    "spark.executorEnv.PYTHONSAFEPATH": "1",
}
"""Settings every sunset Spark session gets; ``--conf KEY=VALUE`` adds to or overrides them."""

LOCAL_ATTEMPTS = 4
"""Attempts per task on a ``local[N]`` master, as on a cluster (``spark.task.maxFailures``):
Spark's local mode would otherwise give up on the first killed worker."""

JAVA_MAJOR = 17

LOCAL_CONF: dict[str, str] = {"spark.driver.host": "127.0.0.1", "spark.driver.bindAddress": "127.0.0.1"}
"""Added for ``local[...]`` masters only: nothing listens beyond this machine. (On a cluster the
executors must reach the driver, so there the cluster's own network settings apply.)"""


class EngineError(SunsetError):
    """The engine cannot start (Spark or Java missing, a bad master URL)."""


class Engine(Protocol):
    name: str
    task_workers: int | None
    """Processes one task may use for the stages that parse and rewrite (None: one per core).
    A site's own ``[output] workers`` wins."""

    def map(self, task: Callable[..., R], items: Sequence[T], shared: Any = None) -> list[R]:
        """``[task(item) for item in items]``, wherever the engine runs it; results in input order.
        With ``shared``: ``task(item, shared)``, the shared value sent once (a Spark broadcast), not
        pickled into every task (10,000 sites' scopes in each of 2,000 index tasks would be GBs)."""
        ...

    def close(self) -> None: ...


class LocalEngine:
    """Tasks on this machine: a plain loop, or a pool of ``workers`` processes.

    The pool is :func:`archive.workers.map_ordered`'s, the one the stages use: its workers die
    with a killed sunset instead of keeping the output locks. In a pool each task gets one
    process (tasks x cores processes would oversubscribe the machine); the plain loop lets the
    one running task use every core.
    """

    name = "local"

    def __init__(self, workers: int = 1) -> None:
        self.workers = max(1, workers)
        self.task_workers: int | None = None if self.workers == 1 else 1

    def map(self, task: Callable[..., R], items: Sequence[T], shared: Any = None) -> list[R]:
        workers = min(self.workers, len(items))
        function = task if shared is None else functools.partial(_with_value, task, shared)
        return list(map_ordered(function, (Task(item) for item in items), workers, chunk_size=1))

    def close(self) -> None:
        pass


class SparkEngine:
    """Tasks on Spark executors: one partition, hence one task, per input.

    A task uses ``spark.task.cpus`` processes (1 unless set), so an executor with N cores runs
    N tasks of one process each rather than N tasks of N processes.
    """

    name = "spark"

    def __init__(self, master: str | None = None, conf: dict[str, str] | None = None,
                 app_name: str = "sunset") -> None:
        self.master = master
        self.conf = {**SPARK_CONF, **(conf or {})}
        self.app_name = app_name
        self._session: Any = None
        self._owned = True
        try:
            self.task_workers: int | None = max(1, int(self.conf.get("spark.task.cpus", "1")))
        except ValueError:
            raise EngineError(f"spark.task.cpus={self.conf['spark.task.cpus']!r}: expected a whole number") \
                from None

    @property
    def session(self) -> Any:
        if self._session is None:
            self._owned = not _spark_running()
            before = set(threading.enumerate())
            self._session = start_spark(self.master, self.conf, self.app_name)
            for thread in set(threading.enumerate()) - before:
                # The driver's own threads (py4j's, the accumulator server's) wait on their sockets and
                # take no lock sunset's workers need: work done here beside them (a local engine, a
                # stage with workers) may still fork (archive.forking refuses any other thread).
                tolerate(thread)
        return self._session

    def map(self, task: Callable[..., R], items: Sequence[T], shared: Any = None) -> list[R]:
        if not items:
            return []
        context = self.session.sparkContext
        box = None if shared is None else context.broadcast(shared)
        function = task if box is None else functools.partial(_with_broadcast, task, box)
        try:
            return context.parallelize(list(items), numSlices=len(items)).map(function).collect()
        except Exception as error:  # Py4JJavaError: a task failed on every attempt (its worker died)
            raise EngineError(f"the Spark job stopped: {spark_failure(error)}") from error
        finally:
            if box is not None:
                box.unpersist()

    def close(self) -> None:
        """Stop the session, unless it was running before (a notebook's, or a caller's): not ours."""
        if self._session is not None:
            if self._owned:
                self._session.stop()
            self._session = None


def _with_value(task: Callable[..., R], shared: Any, item: Any) -> R:
    return task(item, shared)


def _with_broadcast(task: Callable[..., R], box: Any, item: Any) -> R:
    return task(item, box.value)


def _spark_running() -> bool:
    """A SparkContext is already up in this process (getOrCreate will hand it back)."""
    if "pyspark" not in sys.modules:
        return False
    from pyspark import SparkContext

    return SparkContext._active_spark_context is not None


def spark_failure(error: BaseException) -> str:
    """The one line of a Spark job failure that says why (not the JVM's stack trace): which task
    gave up after how many attempts, and the Python exception its worker raised, if any."""
    text = str(error)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    gave_up = re.search(r"Task \S+ in stage \S+ failed \d+ times", text)
    python = [line for line in lines if re.match(r"[A-Za-z_][\w.]*(Error|Exception|Exit)\b:? ", line)
              and not line.startswith(("org.", "java.", "py4j.", "scala."))]
    parts = ([gave_up.group(0)] if gave_up else []) + python[-1:]
    if not parts:
        parts = [next((line for line in lines if "Error" in line or "Exception" in line),
                      lines[0] if lines else type(error).__name__)]
    return "; ".join(parts)[:500]


def java_major(java: str) -> int | None:
    """The major version of ``java`` (8 for 1.8.0_x, 17 for 17.0.x), None if it does not run."""
    try:
        done = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r'version "(\d+)(?:\.(\d+))?', done.stderr + done.stdout)
    if not match:
        return None
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


@functools.cache
def spark_available() -> str | None:
    """None when a Spark session can be started here, else the reason it cannot."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed: pip install 'sunset[spark]'"
    home = os.environ.get("JAVA_HOME")
    java = str(Path(home) / "bin" / "java") if home else shutil.which("java")
    install = "install a JDK (e.g. apt-get install openjdk-17-jre-headless)"
    if not java:
        return f"Spark needs Java {JAVA_MAJOR} or newer: {install}"
    major = java_major(java)
    if major is None:
        return f"Spark needs Java {JAVA_MAJOR} or newer, and {java} -version does not run: {install}"
    if major < JAVA_MAJOR:
        return f"Spark needs Java {JAVA_MAJOR} or newer, and {java} is Java {major}: {install} and set JAVA_HOME"
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
        master = with_attempts(master)

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


def with_attempts(master: str) -> str:
    """``local[N]`` and ``local[*]`` retry a failed task like a cluster: ``local[N,4]``."""
    match = re.fullmatch(r"local(?:\[([^,\]]+)\])?", master.strip())
    if not match:
        return master  # local[N,F] already says it, local-cluster[...] is a cluster
    return f"local[{match.group(1) or 1},{LOCAL_ATTEMPTS}]"


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
