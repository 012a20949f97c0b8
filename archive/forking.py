"""Every process sunset forks is started here, and only when a fork is safe.

sunset's workers are forked, not spawned: what they need (a mirror's plan, the crawl's link
finder, a WARC's growth counter) is inherited, not pickled. A fork copies only the thread that
asks for it; a lock another thread held at that moment (a logging handler's, a stream's, a
progress bar's) stays locked in the child forever, and the child hangs on it one day in a
hundred. So the rule "fork before starting threads" is not left to comments: a fork beside a
running thread raises :class:`ForkWithThreads`, naming the threads, before anything is forked.

Every process started through :func:`fork_context` also

- ignores SIGINT. A Ctrl-C reaches the whole process group; the parent alone decides what to do
  (stop its workers, remove what is half made, print one line), and a worker's own
  ``KeyboardInterrupt`` would only print a traceback. SIGINT is blocked across the fork, so no
  Ctrl-C lands in the moment before the child has said it ignores it.
- dies with its parent (Linux's ``PR_SET_PDEATHSIG``): a worker orphaned by a ``kill -9`` would
  keep the output folder's lock and the terminal's pipes.
- when it is ``stoppable``, takes SIGTERM as :class:`Stopped`, raised where it is, so its ``with``
  blocks remove what it half made (SIGTERM too is blocked across the fork, so the parent may
  stop it at once).
"""
from __future__ import annotations

import contextlib
import multiprocessing.context
import multiprocessing.process
import os
import signal
import sys
import threading
import weakref
from collections.abc import Iterator

from archive.errors import SunsetError

PR_SET_PDEATHSIG = 1


class ForkWithThreads(SunsetError):
    """A process was to be forked while other threads of this one were running."""


class Stopped(BaseException):
    """Raised in a stoppable process told to stop (SIGTERM from the parent that no longer needs
    it): not an ``Exception``, so no ``except Exception`` of the stage it runs mistakes it for a
    problem to note and go on."""


_tolerated: weakref.WeakSet[threading.Thread] = weakref.WeakSet()
_DUMMY = getattr(threading, "_DummyThread", ())
"""The class of the record Python makes of a thread started outside ``threading``."""


def can_fork() -> bool:
    """Whether this system forks at all (elsewhere the work runs in this process)."""
    return hasattr(os, "fork")


def tolerate(thread: threading.Thread) -> threading.Thread:
    """Let sunset fork beside ``thread`` (best called before the thread starts).

    Only for threads that never take a lock sunset's workers need: those of a program that runs
    sunset in its own process (the tests' HTTP servers), or of a host sunset started (Spark's
    driver, :mod:`sunset.engines`). The threads sunset's own work starts are never tolerated.
    """
    _tolerated.add(thread)
    return thread


def other_threads() -> list[threading.Thread]:
    """The threads of this process running beside the calling one (tolerated ones aside).

    A thread started outside ``threading`` (by a library's C code, as Spark's driver does) is known
    to Python only by the record it leaves once it ran Python code, which 3.11 keeps (and calls
    alive) after the thread has gone: it counts only while it runs Python code now.
    """
    me = threading.current_thread()
    running = sys._current_frames()
    return [thread for thread in threading.enumerate()
            if thread is not me and thread.is_alive() and thread not in _tolerated
            and (not isinstance(thread, _DUMMY) or thread.ident in running)]


def refuse_beside_threads(what: str) -> None:
    """Raise :class:`ForkWithThreads` if another thread is running: ``what`` is to be forked."""
    others = other_threads()
    if others:
        names = ", ".join(sorted(thread.name for thread in others))
        raise ForkWithThreads(
            f"sunset was about to fork {what} while other threads ran ({names}); a forked process could "
            "hang on a lock one of them held. This is a bug in sunset (a process must be started before "
            "any thread): please report it with this message.")


_ForkProcess = getattr(multiprocessing.context, "ForkProcess", multiprocessing.process.BaseProcess)
_ForkContext = getattr(multiprocessing.context, "ForkContext", multiprocessing.context.BaseContext)
"""(Absent where there is no fork; then :func:`can_fork` is false and nothing is forked.)"""


class _SunsetProcess(_ForkProcess):  # type: ignore[misc,valid-type]
    """A forked process that checks for threads before the fork and sets itself up after."""

    stoppable = False
    """Set before :meth:`start`: SIGTERM raises :class:`Stopped` in the process (else it ends it)."""

    def start(self) -> None:
        refuse_beside_threads("a worker process")
        _flush_std_streams()
        self._sunset_parent = os.getpid()
        with _signals_blocked():
            super().start()

    def run(self) -> None:
        _become_worker(self._sunset_parent, self.stoppable)
        try:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
            super().run()
        except Stopped:  # told to stop outside the work's own handling: nothing to report, no traceback
            pass


class _SunsetForkContext(_ForkContext):  # type: ignore[misc,valid-type]
    Process = _SunsetProcess  # type: ignore[assignment]


_CONTEXT = _SunsetForkContext()


def fork_context() -> multiprocessing.context.ForkContext:
    """The one multiprocessing context sunset forks with: ``Process``, ``Pipe``, ``RawValue``, and
    ``mp_context`` of a ``ProcessPoolExecutor`` (which forks all its workers at its first
    ``submit``, before it starts its own threads)."""
    return _CONTEXT


_HELD = {signal.SIGINT, signal.SIGTERM}


@contextlib.contextmanager
def _signals_blocked() -> Iterator[None]:
    """SIGINT and SIGTERM held back in this thread (the child inherits the mask) until the block ends."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _become_worker(parent: int, stoppable: bool) -> None:
    """In the child, first thing: ignore Ctrl-C (a SIGINT pending since the fork is dropped), take
    SIGTERM as :class:`Stopped` if ``stoppable``, and die with the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if stoppable:
        signal.signal(signal.SIGTERM, _raise_stopped)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # SIGTERM: once set up (see run)
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: nothing to ask for
        pass
    if os.getppid() != parent:  # the parent died before the request above took effect
        os._exit(1)


def _raise_stopped(signum: int, frame: object) -> None:
    raise Stopped("told to stop by the process that started it")


def _flush_std_streams() -> None:
    """Before a fork: text still buffered here would be written by the child too."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):  # closed or gone: nothing to duplicate
            pass
