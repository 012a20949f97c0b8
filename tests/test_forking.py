"""archive.forking: every fork site refuses to fork beside a running thread, and what it forks
ignores Ctrl-C (the parent decides) and dies with its parent."""
from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from archive.errors import SunsetError
from archive.forking import ForkWithThreads, fork_context, other_threads, tolerate
from archive.growth import WarcGrowth
from archive.workers import Aside, CallPool, Task, map_ordered


def _double(number: int) -> int:
    return 2 * number


def _double_with(context: object, number: int) -> int:
    return 2 * number


@contextmanager
def _thread_running(name: str, *, tolerated: bool = False) -> Iterator[threading.Thread]:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, name=name, daemon=True)
    if tolerated:
        tolerate(thread)
    thread.start()
    try:
        yield thread
    finally:
        stop.set()
        thread.join()


FORK_SITES: dict[str, Callable[[], object]] = {
    "map_ordered": lambda: list(map_ordered(_double, [Task(number) for number in range(40)], 2)),
    "CallPool": lambda: CallPool(_double_with, None, 2).close(),
    "Aside": lambda: Aside(_double, 21).result(),
}


@pytest.mark.parametrize("site", sorted(FORK_SITES))
def test_every_fork_site_refuses_to_fork_beside_a_running_thread(site: str) -> None:
    assert other_threads() == []
    with _thread_running("progress-monitor"), pytest.raises(ForkWithThreads, match="progress-monitor") as raised:
        FORK_SITES[site]()
    assert isinstance(raised.value, SunsetError)
    assert "bug in sunset" in str(raised.value)
    FORK_SITES[site]()  # the thread is gone: the same call forks


@pytest.mark.parametrize("site", sorted(FORK_SITES))
def test_a_tolerated_thread_does_not_stop_a_fork(site: str) -> None:
    """A harness that runs sunset beside threads of its own (the tests' HTTP servers) says so."""
    with _thread_running("test-server", tolerated=True):
        FORK_SITES[site]()


def test_the_growth_counters_are_shared_with_the_forked_reader() -> None:
    growth = WarcGrowth()
    growth.advance(123)
    assert Aside(growth.readable).result() == (123, False)
    assert fork_context().get_start_method() == "fork"


def _answer_after(ready: object, go: object) -> str:
    ready.set()  # type: ignore[attr-defined]
    go.wait()  # type: ignore[attr-defined]  # the parent's SIGINT lands while this waits: ignored
    return "finished"


def test_a_forked_process_ignores_ctrl_c_and_prints_nothing(capfd: pytest.CaptureFixture[str]) -> None:
    """Ctrl-C reaches the whole process group: a worker that raised KeyboardInterrupt would print
    its own traceback. The worker ignores it; the parent, which decides, still gets it."""
    ready, go = fork_context().Event(), fork_context().Event()
    aside = Aside(_answer_after, ready, go)
    assert ready.wait(60) and aside.pid is not None
    os.kill(aside.pid, signal.SIGINT)
    go.set()
    assert aside.result() == "finished"
    assert "Traceback" not in capfd.readouterr().err
    with pytest.raises(KeyboardInterrupt):  # SIGINT was held back only for the moment of the fork
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(60)


def _sleep_long() -> None:
    time.sleep(600)


def test_an_aside_left_without_its_result_is_told_to_stop() -> None:
    """The parent failed (or was interrupted): the aside is told (SIGTERM), and ends by itself,
    running its own clean-up, rather than being waited for or killed outright."""
    with pytest.raises(RuntimeError, match="the parent failed"), Aside(_sleep_long) as aside:
        raise RuntimeError("the parent failed")
    assert aside._process is not None and aside._process.exitcode == 0


def test_a_thread_started_outside_threading_counts_while_it_runs_python() -> None:
    """Python keeps a record (a "Dummy" thread) of a thread started by C code once it ran Python,
    and calls it alive after the thread has ended: such a record no longer stops a fork."""
    import _thread

    seen: list[threading.Thread] = []
    release, done = threading.Event(), threading.Event()

    def foreign() -> None:
        seen.append(threading.current_thread())  # makes Python's record of this thread
        release.wait(60)
        done.set()

    _thread.start_new_thread(foreign, ())
    while not seen:
        time.sleep(0.01)
    assert seen[0] in other_threads()  # running Python code: it counts
    release.set()
    assert done.wait(60)
    while seen[0].ident in sys._current_frames():
        time.sleep(0.01)
    assert seen[0] not in other_threads()  # (3.11 still calls it alive)
    FORK_SITES["Aside"]()
