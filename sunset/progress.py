"""Progress for long stages: a bar on a terminal, periodic log lines elsewhere, nothing with --quiet."""
from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

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
        from tqdm import tqdm

        with tqdm(desc=label, total=total, unit=" items", leave=False, file=sys.stderr) as bar:
            yield Progress(label, total, bar, every_seconds)
        return
    yield Progress(label, total, None, every_seconds)


@contextmanager
def crawl_progress(*, quiet: bool = False, every_seconds: float = 15.0) -> Iterator[Callable[[object], None]]:
    """Crawl progress: a live line on a terminal (done, queued, errors, pages/s), else a line now and then."""
    if quiet:
        yield lambda stats: None
        return
    if sys.stderr.isatty():
        from tqdm import tqdm

        with tqdm(desc="crawl", unit=" pages", leave=False, file=sys.stderr) as bar:
            def show(stats: object) -> None:
                bar.n = stats.done  # type: ignore[attr-defined]
                bar.set_postfix(queued=stats.queued, errors=stats.errors, refresh=False)  # type: ignore[attr-defined]
                bar.refresh()

            yield show
        return
    last = [time.monotonic()]

    def line(stats: object) -> None:
        now = time.monotonic()
        if now - last[0] >= every_seconds:
            last[0] = now
            print(f"sunset: crawl: {stats.done} done, {stats.queued} queued, {stats.errors} errors, "  # type: ignore[attr-defined]
                  f"{stats.rate:.1f} pages/s", file=sys.stderr, flush=True)  # type: ignore[attr-defined]

    yield line
