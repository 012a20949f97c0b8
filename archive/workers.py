"""Spread per-capture work over worker processes and get the results back in capture order.

The stages that parse and rewrite (normalize, the mirror's second pass) are CPU-bound Python:
threads would share one core. Results come back in the order the captures came in, so the
output (``records.jsonl``, the mirror's problem list) is byte-for-byte the single-process one.
Workers are forked: the ``context`` a caller hands over (a mirror's plan and resolver) is
inherited, not pickled, and passed to the function with each item; no stage keeps it in a
module global. Only a bounded window of chunks is in flight, so memory does not grow with the
site. (It lives in ``archive``, the spine, so every stage may use it.)
"""
from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import replace
from typing import Generic, TypeVar

from archive.capture import BytesBody, Capture, read_body

Item = TypeVar("Item")
Result = TypeVar("Result")


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


PR_SET_PDEATHSIG = 1


_NO_CONTEXT = object()
_worker_context: object = _NO_CONTEXT
"""In a worker process only: the context its pool was started with (set once, at start-up)."""


def _start_worker(parent: int, context: object) -> None:
    global _worker_context
    _worker_context = context  # the child's own copy, inherited through fork; the parent's stays unset
    _die_with_parent(parent)


def _die_with_parent(parent: int) -> None:
    """Worker start-up: a worker must not outlive a killed sunset.

    Forked workers share the output folder's lock and the terminal's pipes; left orphaned by a
    ``kill -9`` they would keep the lock (the next run would refuse to start) and never exit.
    Linux delivers SIGKILL to them when their parent dies.
    """
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: nothing to ask for
        pass
    if os.getppid() != parent:  # the parent died before the request above took effect
        os._exit(1)


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
    if workers <= 1 or not hasattr(os, "fork"):
        for task in tasks:
            yield call(task.item)
        return
    fork = multiprocessing.get_context("fork")
    pending: deque[Future[list[Result]] | list[Result]] = deque()
    window = workers * 4
    chunk: list[Item] = []
    with ProcessPoolExecutor(max_workers=workers, mp_context=fork, initializer=_start_worker,
                             initargs=(os.getpid(), context)) as pool:

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


PORTABLE_BODY_BYTES = 8 * 1024 * 1024


def capture_task(capture: Capture, extra: object = None, *,
                 limit: int = PORTABLE_BODY_BYTES) -> Task[tuple[Capture, object]]:
    """A task for one capture (and whatever the worker needs with it): bodies up to ``limit``
    travel to a worker as bytes; larger ones stay here, streamed from their spool."""
    if capture.body.size > limit:
        return Task((capture, extra), local=True)
    return Task((replace(capture, body=BytesBody(read_body(capture.body))), extra))
