"""Progress for long stages: a bar on a terminal, periodic log lines elsewhere, nothing with --quiet."""
from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

log = logging.getLogger("sunset")

Tick = Callable[[str], None]


@contextmanager
def progress(label: str, *, quiet: bool = False, total: int | None = None, every: int = 500) -> Iterator[Tick]:
    """Yield a function to call once per item processed."""
    if quiet:
        yield lambda item: None
        return
    if sys.stderr.isatty():
        from tqdm import tqdm

        with tqdm(desc=label, total=total, unit=" items", leave=False, file=sys.stderr) as bar:
            yield lambda item: bar.update(1)
        return
    count = 0

    def tick(item: str) -> None:
        nonlocal count
        count += 1
        if count % every == 0:
            log.info("%s: %d done (last: %s)", label, count, item)

    yield tick


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
    import time

    last = [time.monotonic()]

    def line(stats: object) -> None:
        now = time.monotonic()
        if now - last[0] >= every_seconds:
            last[0] = now
            print(f"sunset: crawl: {stats.done} done, {stats.queued} queued, {stats.errors} errors, "  # type: ignore[attr-defined]
                  f"{stats.rate:.1f} pages/s", file=sys.stderr, flush=True)  # type: ignore[attr-defined]

    yield line
