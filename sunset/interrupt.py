"""Ctrl-C in a command: stop, say so in one line, exit 130.

The worker processes ignore SIGINT (:mod:`archive.forking`): this process alone decides. Python
raises ``KeyboardInterrupt`` wherever the main thread is when SIGINT arrives; if that is a
finaliser (a ``__del__`` a garbage collection runs at any moment), Python prints "Exception
ignored" with a traceback and drops it, and the command went on to finish as if never stopped.
So the handler here also remembers the interrupt: :func:`check` raises it again (the progress
display calls it on every tick), and a dropped one is not printed.
"""
from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

_interrupted = False


def _on_sigint(signum: int, frame: FrameType | None) -> None:
    global _interrupted
    _interrupted = True
    raise KeyboardInterrupt


def check() -> None:
    """Raise ``KeyboardInterrupt`` again if a Ctrl-C came and was dropped on its way."""
    if _interrupted:
        raise KeyboardInterrupt


def forget() -> None:
    """The Ctrl-C that came was the command's own way to stop (``sunset replay`` serves until it)."""
    global _interrupted
    _interrupted = False


def _unraisable(hook: Any) -> Any:
    def quiet(unraisable: Any) -> None:
        if isinstance(unraisable.exc_value, KeyboardInterrupt):
            return  # remembered: :func:`check` raises it where it can stop the command
        hook(unraisable)

    return quiet


@contextmanager
def handled() -> Iterator[None]:
    """Ctrl-C handled as above while the block runs (from the main thread; elsewhere, as is)."""
    global _interrupted
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:  # started with Ctrl-C ignored (nohup, `&`): so be it
        yield
        return
    try:
        previous = signal.signal(signal.SIGINT, _on_sigint)
    except ValueError:  # not the main thread: signals are not ours to set
        yield
        return
    previous_hook = sys.unraisablehook
    sys.unraisablehook = _unraisable(previous_hook)
    try:
        yield
        check()
    finally:
        signal.signal(signal.SIGINT, previous)
        sys.unraisablehook = previous_hook
        _interrupted = False
