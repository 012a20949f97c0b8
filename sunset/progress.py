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
