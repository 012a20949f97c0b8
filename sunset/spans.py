"""When each step of a run ran, and what CPU it took: the run driver's one record of where the
seconds went (``run.json``'s run entry, a line per step in ``sunset.log``; ``make bench`` prints it).

Steps overlap: an aside runs in a process of its own beside the steps after it, and a step done
along another (the mirror in the content pass, the records and the mirror while the crawl fetches) shares that
step's time. So a span is a start and an end, not a share of a total. Times are seconds since the
command's process started (its imports and the checks before the run are the time before the first
step); every process of the run reads the same clock (``time.monotonic``), so an aside's span,
measured in its own process, lines up with the others.

CPU seconds are user + system time, the step's own process and the worker processes it waited
for: on a machine shared with other work they say more than the wall times.
"""
from __future__ import annotations

import os
import resource
import time
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Span:
    step: str
    start: float
    """Seconds since the command's process started."""
    end: float
    cpu: float | None
    """User + system seconds of the step's processes; None for a step done along another (its CPU
    is that step's)."""
    aside: bool = False
    along: str | None = None
    """The step that did this one along with its own work."""

    @property
    def seconds(self) -> float:
        return self.end - self.start

    def as_json(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"step": self.step, "start": round(self.start, 3), "end": round(self.end, 3),
                                 "seconds": round(self.seconds, 3)}
        if self.cpu is not None:
            entry["cpu"] = round(self.cpu, 3)
        if self.aside:
            entry["aside"] = True
        if self.along is not None:
            entry["along"] = self.along
        return entry

    def line(self) -> str:
        """Its line in ``sunset.log``."""
        how = " aside" if self.aside else f" along {self.along}" if self.along else ""
        cpu = f", CPU {self.cpu:.2f} s" if self.cpu is not None else ""
        return f"step {self.step}{how}: {self.start:.2f} s to {self.end:.2f} s ({self.seconds:.2f} s{cpu})"


def _process_started() -> float:
    """This process's start on the ``time.monotonic`` clock (Linux: its start time in ``/proc``);
    elsewhere, the time this module was imported."""
    try:
        with open(f"/proc/{os.getpid()}/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
        ticks = int(fields[19])  # field 22, starttime: clock ticks after boot
        age = time.clock_gettime(time.CLOCK_BOOTTIME) - ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError, AttributeError):
        return time.monotonic()
    return time.monotonic() - max(0.0, age)


PROCESS_STARTED = _process_started()
"""In a forked process: its parent's start (a fork inherits it), which is what a span counts from."""


def now() -> float:
    """Seconds since the command's process started."""
    return time.monotonic() - PROCESS_STARTED


def cpu_seconds() -> float:
    """User + system seconds of this process and the processes it has waited for."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime + children_cpu_seconds()


def children_cpu_seconds() -> float:
    """User + system seconds of the processes this one has waited for (and those they waited for)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return children.ru_utime + children.ru_stime
