"""Progress for long stages: a bar on a terminal, periodic log lines elsewhere, nothing with --quiet.

A bar draws from the thread that updates it and starts no thread of its own (tqdm's monitor
thread is off, see :func:`_bar`): the stages it wraps fork their workers while it is shown, and
:mod:`archive.forking` refuses a fork beside a running thread.
"""
from __future__ import annotations

import functools
import logging
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sunset import interrupt

log = logging.getLogger("sunset")

Tick = Callable[[str], None]


class Progress:
    """Called once per item. On a terminal a tqdm bar (count, total, rate, time left); elsewhere
    a line on stderr every ``every_seconds`` (count, total and time left when known), so a run
    under cron or in CI shows that it is alive."""

    def __init__(self, label: str, total: int | None, bar: object | None, every_seconds: float) -> None:
        self.label, self.total, self.bar, self.every_seconds = label, total, bar, every_seconds
        self.count = 0
        self.started = self.last = time.monotonic()

    def set_total(self, total: int) -> None:
        """The number of items, once the stage knows it (the mirror after its plan)."""
        self.total = total
        if self.bar is not None:
            self.bar.total = total  # type: ignore[attr-defined]
            self.bar.refresh()  # type: ignore[attr-defined]

    def __call__(self, item: str) -> None:
        interrupt.check()
        self.count += 1
        if self.bar is not None:
            self.bar.update(1)  # type: ignore[attr-defined]
            return
        now = time.monotonic()
        if now - self.last >= self.every_seconds:
            self.last = now
            print(f"sunset: {self.line(now)}", file=sys.stderr, flush=True)

    def line(self, now: float) -> str:
        elapsed = now - self.started
        if not self.total:
            return f"{self.label}: {self.count} done ({self.count / max(elapsed, 1e-9):.1f}/s)"
        done = f"{self.label}: {self.count} of {self.total} ({100 * self.count // self.total}%)"
        if self.count >= self.total:
            return done
        return f"{done}, about {_duration(elapsed * (self.total - self.count) / self.count)} left"


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{max(1, round(seconds))} s"
    if seconds < 3600:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


def _bar(**options: object) -> Any:
    """A tqdm bar on stderr without tqdm's monitor thread. The monitor only redraws a bar whose
    dynamic ``miniters`` let it fall silent; with ``miniters=1`` each update redraws once
    ``mininterval`` has passed, so nothing is lost."""
    return _bar_class()(leave=False, file=sys.stderr, miniters=1, **options)


@functools.cache
def _bar_class() -> type:
    """tqdm with ``monitor_interval = 0`` on a class of our own (tqdm's global setting is left alone)."""
    from tqdm import tqdm

    class Bar(tqdm):  # type: ignore[type-arg]
        monitor_interval = 0

    return Bar


EVERY_SECONDS = 15.0
"""How often a progress line is printed when stderr is not a terminal (the crawl's rhythm too)."""


@contextmanager
def progress(label: str, *, quiet: bool = False, total: int | None = None,
             every_seconds: float | None = None) -> Iterator[Tick]:
    """Yield a :class:`Progress` to call once per item processed."""
    every_seconds = EVERY_SECONDS if every_seconds is None else every_seconds
    if quiet:
        yield Progress(label, total, None, float("inf"))
        return
    if sys.stderr.isatty():
        with _bar(desc=label, total=total, unit=" items") as bar:
            yield Progress(label, total, bar, every_seconds)
        return
    yield Progress(label, total, None, every_seconds)


@contextmanager
def crawl_progress(*, quiet: bool = False, every_seconds: float = 15.0) -> Iterator[Callable[[object], None]]:
    """Crawl progress: a live line on a terminal (done, queued, errors, pages/s), else a line now and then."""
    if quiet:
        yield lambda stats: interrupt.check()
        return
    if sys.stderr.isatty():
        with _bar(desc="crawl", unit=" pages") as bar:
            def show(stats: object) -> None:
                interrupt.check()
                bar.n = stats.done  # type: ignore[attr-defined]
                bar.set_postfix(queued=stats.queued, errors=stats.errors, refresh=False)  # type: ignore[attr-defined]
                bar.refresh()

            yield show
        return
    last = [time.monotonic()]

    def line(stats: object) -> None:
        interrupt.check()
        now = time.monotonic()
        if now - last[0] >= every_seconds:
            last[0] = now
            print(f"sunset: crawl: {stats.done} done, {stats.queued} queued, {stats.errors} errors, "  # type: ignore[attr-defined]
                  f"{stats.rate:.1f} pages/s", file=sys.stderr, flush=True)  # type: ignore[attr-defined]

    yield line
