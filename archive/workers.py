"""Spread per-capture work over worker processes and get the results back in capture order.

The stages that parse and rewrite (normalize, the mirror's second pass) are CPU-bound Python:
threads would share one core. Results come back in the order the captures came in, so the
output (``records.jsonl``, the mirror's problem list) is byte-for-byte the single-process one.
Workers are forked (:mod:`archive.forking`, which refuses a fork beside a running thread):
the ``context`` a caller hands over (a mirror's plan and resolver) is inherited, not pickled,
and passed to the function with each item; no stage keeps it in a module global. Only a
bounded window of chunks is in flight, so memory does not grow with the site. (It lives in
``archive``, the spine, so every stage may use it.)
"""
from __future__ import annotations

import multiprocessing
import os
import queue
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import replace
from multiprocessing.connection import Connection
from typing import Generic, Self, TypeVar

from archive.capture import BytesBody, Capture, read_body
from archive.forking import can_fork, fork_context
from archive.limits import MAX_PAGE_BYTES

Item = TypeVar("Item")
Result = TypeVar("Result")


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


_NO_CONTEXT = object()
_worker_context: object = _NO_CONTEXT
"""In a worker process only: the context its pool was started with (set once, at start-up)."""


def _start_worker(context: object) -> None:
    global _worker_context
    _worker_context = context  # the child's own copy, inherited through fork; the parent's stays unset


def _run_chunk(function: Callable[..., Result], chunk: list[Item]) -> list[Result]:
    if _worker_context is _NO_CONTEXT:
        return [function(item) for item in chunk]
    return [function(_worker_context, item) for item in chunk]


class Task(Generic[Item]):
    """An item for :func:`map_ordered`; ``local`` items run at once in this process (their
    inputs cannot leave it, e.g. a large body still streaming from the WARC)."""

    __slots__ = ("item", "local")

    def __init__(self, item: Item, local: bool = False) -> None:
        self.item = item
        self.local = local


def map_ordered(function: Callable[..., Result], tasks: Iterable[Task[Item]], workers: int, *,
                chunk_size: int = 16, context: object = _NO_CONTEXT) -> Iterator[Result]:
    """``function(task.item)`` for every task, in order; on ``workers`` processes when > 1.

    With a ``context``, ``function(context, task.item)``: the context reaches the workers by
    fork, once, however large it is. ``function`` must be a module-level function (it is sent
    to the workers by name).
    """
    call: Callable[[Item], Result] = (function if context is _NO_CONTEXT
                                      else lambda item: function(context, item))
    if workers <= 1 or not can_fork():
        for task in tasks:
            yield call(task.item)
        return
    pending: deque[Future[list[Result]] | list[Result]] = deque()
    window = workers * 4
    chunk: list[Item] = []
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=fork_context(), initializer=_start_worker,
                               initargs=(context,))

    def submit() -> None:
        nonlocal chunk
        if chunk:
            pending.append(pool.submit(_run_chunk, function, chunk))
            chunk = []

    def ready(block: bool) -> Iterator[Result]:
        while pending and (block or not isinstance(pending[0], Future) or pending[0].done()):
            entry = pending.popleft()
            yield from entry.result() if isinstance(entry, Future) else entry
            block = False

    try:
        for task in tasks:
            if task.local:
                submit()
                pending.append([call(task.item)])
            else:
                chunk.append(task.item)
                if len(chunk) >= chunk_size:
                    submit()
            yield from ready(block=len(pending) > window)
        submit()
        while pending:
            yield from ready(block=True)
    except BaseException:
        # Interrupted, failed, or left early by the caller: the chunks the workers hold finish (a
        # file is never left half-written), the ones waiting are dropped, nothing is waited for.
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


class CallPool(Generic[Item, Result]):
    """``function(context, item)`` on worker processes, one call at a time, for threads that wait.

    The crawl's fetch threads find each page's links here: parsing is CPU-bound Python, and
    under one interpreter lock it took half of the fetch threads' time. A thread that waits
    on a worker lets the others fetch. Each worker has a pipe of its own and a calling thread
    borrows an idle one: no manager or feeder thread competes for the lock (a
    ``ProcessPoolExecutor``'s took a twelfth of the crawl's CPU). The workers are forked when
    the pool is made, so make it before starting threads (:mod:`archive.forking` refuses a
    fork beside a running thread). When a worker dies (the kernel's OOM killer) the calls go on
    in this process, slower but with nothing lost, and :attr:`broken` says why.
    """

    def __init__(self, function: Callable[[object, Item], Result], context: object, workers: int) -> None:
        self._function = function
        self._context = context
        self.broken: str | None = None
        self._idle: queue.SimpleQueue[Connection] = queue.SimpleQueue()
        self._workers: list[tuple[multiprocessing.process.BaseProcess, Connection]] = []
        if workers <= 1 or not can_fork() or multiprocessing.current_process().daemon:
            return  # (a daemonic process may not have children)
        fork = fork_context()
        for _ in range(workers):
            mine, theirs = fork.Pipe()
            process = fork.Process(target=_call_loop, args=(theirs, function, context), daemon=True)
            process.start()
            theirs.close()
            self._workers.append((process, mine))
            self._idle.put(mine)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def call(self, item: Item) -> Result:
        if self._workers and self.broken is None:
            connection = self._idle.get()
            try:
                connection.send(item)
                ok, value = connection.recv()
            except Exception as error:
                if not self._workers:
                    pass  # the pool was closed under this call (the crawl stopped): answered here, as after
                elif isinstance(error, (EOFError, OSError)):
                    self.broken = self.broken or f"a worker process stopped ({error or type(error).__name__})"
                else:
                    raise
            else:
                if not ok:
                    raise value  # type: ignore[misc]
                return value  # type: ignore[no-any-return]
            finally:  # a dead worker's pipe too: a thread waiting for one gets it, fails at once, goes on here
                self._idle.put(connection)
        return self._function(self._context, item)

    def close(self) -> None:
        """Each worker is told to end (a later worker holds a copy of an earlier one's pipe, so
        closing it would not reach it); one that does not end is killed."""
        workers, self._workers = self._workers, []
        for _, connection in workers:
            try:
                connection.send(_STOP)
            except OSError:  # that worker is gone already
                pass
            connection.close()
        for process, _ in workers:
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
                process.join()


_STOP = "sunset.workers.stop"


def _call_loop(connection: Connection, function: Callable[[object, object], object], context: object) -> None:
    while True:
        try:
            item = connection.recv()
        except (EOFError, OSError):  # the pool's process is gone
            return
        if item == _STOP:
            return
        outcome = _called(function, (context, item))
        try:
            connection.send(outcome)
        except Exception as error:  # noqa: BLE001 - an answer that does not pickle still says what it was
            connection.send((False, RuntimeError(f"{type(outcome[1]).__name__}: {outcome[1]}; ({error})")))


PORTABLE_BODY_BYTES = MAX_PAGE_BYTES
"""Bodies a worker reads whole anyway (a page, up to the default page limit) travel as bytes."""


def capture_task(capture: Capture, extra: object = None, *,
                 limit: int = PORTABLE_BODY_BYTES) -> Task[tuple[Capture, object]]:
    """A task for one capture (and whatever the worker needs with it): bodies up to ``limit``
    travel to a worker as bytes; larger ones stay here, streamed from their spool."""
    if capture.body.size > limit:
        return Task((capture, extra), local=True)
    return Task((replace(capture, body=BytesBody(read_body(capture.body))), extra))


STOP_WAIT = 10.0
"""Seconds an aside told to stop has to undo what it half made before it is killed."""


class Aside(Generic[Result]):
    """``function(*args)`` in a forked process of its own, while this one goes on with other work.

    For the steps after the content pass that need nothing of each other (the derived WARC and
    the mirror's link check, while the index and the WACZ are made in the parent): on two cores
    they overlap instead of waiting in turn. Forked, so nothing is pickled on the way in; the
    result (or the exception) comes back through a pipe. Start asides between stages, before any
    thread (:mod:`archive.forking` refuses otherwise). Use as a context manager, so one whose
    result is never asked for (the parent failed first, or was interrupted) is stopped.
    """

    def __init__(self, function: Callable[..., Result], *args: object) -> None:
        if not can_fork():
            self._result: tuple[bool, object] | None = _called(function, args)
            self._process = None
            return
        fork = fork_context()
        self._receive, send = fork.Pipe(duplex=False)
        self._process = fork.Process(target=_aside_main, args=(send, function, args))
        self._process.stoppable = True
        self._process.start()
        send.close()
        self._result = None

    @property
    def pid(self) -> int | None:
        """The aside's process id (None where it ran in this process)."""
        return self._process.pid if self._process is not None else None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        """Left without its result (the parent's own step failed, or Ctrl-C): stopped, not waited
        for. Told first (SIGTERM, :class:`archive.forking.Stopped` there), so its own ``with`` blocks remove what it
        half made (a WARC's ``.open`` file, a SQLite store); killed if it has not ended after
        :data:`STOP_WAIT` seconds."""
        if self._process is None or self._result is not None:
            return
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(STOP_WAIT)
            if self._process.is_alive():
                self._process.kill()
        self._process.join()
        self._receive.close()

    def result(self) -> Result:
        """The function's return value; its exception is raised here, in the parent."""
        if self._result is None:
            try:
                self._result = self._receive.recv()
            except EOFError:
                self._result = (False, RuntimeError("a worker process died without an answer "
                                                    f"(exit code {self._process.exitcode if self._process else '?'})"))
            finally:
                self._receive.close()
                if self._process is not None:
                    self._process.join()
        ok, value = self._result
        if not ok:
            raise value  # type: ignore[misc]
        return value  # type: ignore[return-value]


def _called(function: Callable[..., object], args: tuple[object, ...]) -> tuple[bool, object]:
    try:
        return True, function(*args)
    except BaseException as error:  # noqa: BLE001 - handed to the parent, which raises it
        return False, error


def _aside_main(send: Connection, function: Callable[..., object], args: tuple[object, ...]) -> None:
    outcome = _called(function, args)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # told to stop from here on: nothing left to undo
    try:
        try:
            send.send(outcome)
        except OSError:
            raise
        except Exception as error:  # noqa: BLE001 - an exception that does not pickle still says what it was
            send.send((False, RuntimeError(f"{type(outcome[1]).__name__}: {outcome[1]}; ({error})")))
    except OSError:  # the parent no longer listens (it stopped this aside): nothing to tell
        pass
    send.close()
