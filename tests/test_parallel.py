"""Worker processes change nothing but speed: records, mirror and checks equal the one-process run."""
from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from archive.errors import ConfigError
from archive.workers import Task, map_ordered
from normalize.stage import normalize_warc
from site_out.check import iter_broken_links
from site_out.mirror import write_mirror
from sunset.cli import main
from sunset.config import load_config
from sunset.pipeline import workers_for
from tests.conftest import ROOT, write_config


def _square(number: int) -> int:
    return number * number


def test_map_ordered_keeps_order_with_local_tasks_between() -> None:
    tasks = [Task(number, local=number % 7 == 0) for number in range(200)]
    assert list(map_ordered(_square, tasks, 2, chunk_size=3)) == [number * number for number in range(200)]
    assert list(map_ordered(_square, iter(tasks), 1)) == [number * number for number in range(200)]


def _files(root: Path) -> dict[str, bytes]:
    return {os.path.relpath(os.path.join(folder, name), root): Path(folder, name).read_bytes()
            for folder, _, names in os.walk(root) for name in names}


def test_two_workers_write_what_one_writes(otpic_run, tmp_path: Path) -> None:
    config, layout = otpic_run
    outputs = {}
    for workers in (1, 2):
        out = tmp_path / f"workers-{workers}"
        records = out / "records.jsonl"
        normalized = normalize_warc(layout.warc, config.normalize, records, workers=workers)
        mirrored = write_mirror(layout.warc, records, config.mirror, out, workers=workers)
        broken = list(iter_broken_links(out / "mirror", workers=workers))
        outputs[workers] = (replace(normalized, output=None), replace(mirrored, index_path=None, root=None,
                                                                      redirect_maps=()),
                            broken, _files(out))
    one, two = outputs[1], outputs[2]
    assert one[0] == two[0] and one[1] == two[1] and one[2] == two[2]
    assert one[3].keys() == two[3].keys()
    assert [name for name in one[3] if one[3][name] != two[3][name]] == []
    assert one[3]["records.jsonl"] == layout.records.read_bytes()


def test_workers_from_config_and_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "docroot" / "site").mkdir(parents=True)  # base_url is http://old.example.org/site/
    (tmp_path / "docroot" / "site" / "index.html").write_bytes(b"<HTML><BODY>Hi</BODY></HTML>")
    config = load_config(write_config(tmp_path, extra="[output]\nworkers = 3\n"))
    assert config.workers == 3 and workers_for(config) == 3
    assert workers_for(replace(config, workers=None)) >= 1
    with pytest.raises(ConfigError, match="workers"):
        load_config(write_config(tmp_path, extra="[output]\nworkers = 0\n"))
    assert main(["run", str(write_config(tmp_path)), "--out", str(tmp_path / "out"), "--workers", "0"]) != 0
    assert "--workers must be at least 1" in capsys.readouterr().err
    assert main(["run", str(write_config(tmp_path)), "--out", str(tmp_path / "out"), "--workers", "1", "-q"]) == 0


def test_workers_die_with_a_killed_parent(tmp_path) -> None:
    """kill -9 of sunset must not leave workers behind holding the output lock and its pipes."""
    import signal
    import subprocess
    import sys
    import time

    script = tmp_path / "parent.py"
    script.write_text(
        "import os, sys, time\n"
        "from archive.workers import Task, map_ordered\n"
        "def pid(_):\n"
        "    time.sleep(0.05)\n"
        "    return os.getpid()\n"
        "seen = set()\n"
        "for worker in map_ordered(pid, (Task(i) for i in range(10**6)), 2, chunk_size=1):\n"
        "    if worker not in seen:\n"
        "        seen.add(worker)\n"
        "        print(worker, flush=True)\n"
        "    if len(seen) == 2:\n"
        "        time.sleep(60)\n",
        encoding="utf-8",
    )
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True,
                              cwd=str(ROOT))
    assert parent.stdout is not None
    workers = [int(parent.stdout.readline()) for _ in range(2)]
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(os.path.exists(f"/proc/{pid}") and
                                              "Z" not in _state(pid) for pid in workers):
        time.sleep(0.1)
    assert all(not os.path.exists(f"/proc/{pid}") or "Z" in _state(pid) for pid in workers)


def _state(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"


def test_an_aside_hands_back_its_result_or_its_error() -> None:
    """The package's steps and the mirror check run in asides: what they return, or raise, reaches the parent."""
    from archive.workers import Aside

    with Aside(pow, 2, 10) as aside:
        assert aside.result() == 1024
    with Aside(int, "not a number") as aside, pytest.raises(ValueError, match="not a number"):
        aside.result()


def test_an_aside_whose_result_is_never_asked_for_is_stopped() -> None:
    """When the parent's own step fails first, the aside is killed, not waited for."""
    import time

    from archive.workers import Aside

    with Aside(time.sleep, 600) as aside:
        process = aside._process
    assert process is not None and not process.is_alive()


def _power(exponent: int, base: int) -> int:
    if base < 0:
        raise ValueError(f"no negative bases: {base}")
    return base ** exponent


def test_a_call_pool_answers_threads_from_its_workers_and_closes_at_once() -> None:
    """The crawl's fetch threads find links in a CallPool: answers, errors, and a close that does
    not wait (a later worker holds a copy of an earlier one's pipe, so only a word ends it)."""
    import threading

    from archive.workers import CallPool

    pool: CallPool[int, int] = CallPool(_power, 3, 2)
    answers: dict[int, int] = {}

    def ask(numbers: range) -> None:
        for number in numbers:
            answers[number] = pool.call(number)

    threads = [threading.Thread(target=ask, args=(range(start, 300, 3),)) for start in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == {number: number ** 3 for number in range(300)}
    with pytest.raises(ValueError, match="no negative bases: -2"):
        pool.call(-2)
    workers = [process for process, _ in pool._workers]
    assert {process.pid for process in workers} and all(process.pid != os.getpid() for process in workers)
    pool.close()
    assert [process.exitcode for process in workers] == [0, 0]  # each ended by itself, none killed


def test_a_call_pool_whose_worker_dies_goes_on_in_this_process() -> None:
    """A worker killed (the OOM killer) loses no call: the rest are answered here, and the pool says why."""
    import signal

    from archive.workers import CallPool

    with CallPool(_power, 2, 2) as pool:
        for process, _ in pool._workers:
            os.kill(process.pid, signal.SIGKILL)
            process.join()
        assert [pool.call(number) for number in range(5)] == [0, 1, 4, 9, 16]
        assert pool.broken and "worker process stopped" in pool.broken
    assert CallPool(_power, 2, 1).call(7) == 49  # one worker: no process at all
