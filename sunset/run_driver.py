"""Runs a plan of steps (:mod:`sunset.steps`): ``sunset run``, each stage command, ``batch run``.

The driver knows nothing of any step; four rules make every route:

- Steps run in the plan's order. A step that an earlier one did along (the records and the
  mirror while the crawl fetched, the mirror in the content pass) is not run again: a step is offered the later
  steps of the plan it declares it can do along, and says which it did.
- A step declared ``aside`` starts in a forked process (:class:`archive.workers.Aside`) as soon
  as every earlier step of the plan that makes something it reads is done, and runs beside the
  steps after it. A step that reads what an aside makes waits for it first; asked for an aside's
  result, the driver waits for it; the run waits for every aside before it ends. Asides start
  only here, between steps, from the main thread.
- What a step needs and no earlier step of the plan makes must exist already; if not, it stops
  with the message that names the command to run first (:func:`sunset.layout.require_input`).
- With ``reuse`` (a batch run again), a reusable step whose outputs exist and are no older than
  what it reads is not run. (A step may also find its work complete by itself, as a crawl run
  again does: its result says ``reused``.) A reused step's outputs count as made by the run.

Every step that looks a capture of the master up asks the run's one capture index
(:meth:`Run.captures`, :mod:`archive.capture_index`): made at the first question once the step
that makes the master is over, and before an aside declared to ask it (``captures``) forks, so
the steps and every aside share it (each process reads it through a connection of its own).

A command's plan that makes anything is a run in the folder's history, and each step that did
its work leaves in the folder's record what it made from what (:mod:`sunset.run_record`), so
that an output a later run leaves behind, made from another master, can be told.

The driver times every step it runs, here, aside or along (:mod:`sunset.spans`): when the run ends,
its entry in that history holds each step's start, end and CPU seconds, and ``sunset.log`` a line
for each (``make bench`` prints them: where each second of a run went, steps overlapping).
"""
from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from archive.capture_index import CaptureIndex
from archive.workers import Aside
from sunset import run_record, spans
from sunset.config import SiteConfig
from sunset.console import run_stamp
from sunset.layout import require_input
from sunset.pipeline import layout_for
from sunset.spans import Span
from sunset.steps import RunFlags, Step, producer

log = logging.getLogger("sunset")

StepDone = Callable[[Step, Any], None]


@dataclass(frozen=True, slots=True)
class _Timed:
    """An aside's result, with when it ran and the CPU it took (its process's own, and its workers')."""

    result: Any
    start: float
    end: float
    cpu: float


def _timed(function: Callable[[Any], Any], run: Run) -> _Timed:
    """``function(run)`` in an aside's process, timed there."""
    start, cpu = spans.now(), spans.cpu_seconds()
    result = function(run)
    return _Timed(result, start, spans.now(), spans.cpu_seconds() - cpu)


class Run:
    """One run of a plan: what each step is given (:class:`sunset.steps.StepContext`), and what
    the steps did."""

    def __init__(self, config: SiteConfig, plan: Sequence[Step], flags: RunFlags) -> None:
        self.config = config
        self.layout = layout_for(config)
        self.flags = flags
        self.stamp = flags.stamp or run_stamp(())
        self.plan = tuple(plan)
        self.along: frozenset[str] = frozenset()
        self.results: dict[str, Any] = {}
        """Each step's result, by step name (a step found complete, or reused, may have none)."""
        self.done: list[str] = []
        """Steps that did their work (here, aside or along), in the order they finished."""
        self.reused: list[str] = []
        """Steps that found their outputs complete and did nothing."""
        self.spans: list[Span] = []
        """When each step that did its work ran (:mod:`sunset.spans`); by start once the run has ended."""
        self._made: set[str] = set()
        self._asides: dict[str, Aside[_Timed]] = {}
        self._captures: CaptureIndex | None = None
        self._running: tuple[str, float] | None = None  # the step running here, and its start
        self._reaped_cpu = 0.0  # the CPU of the asides' processes this one has waited for: theirs, not a step's

    # --- what a step is given -------------------------------------------------------------------

    def result(self, step: str) -> Any:
        if step in self._asides:
            before = spans.children_cpu_seconds()
            aside = self._asides.pop(step)
            timed = aside.result()  # its process waited for: its CPU counts among this one's children's
            if aside.pid is not None:  # (unless multiprocessing reaped it already, as it starts another)
                self._reaped_cpu += spans.children_cpu_seconds() - before
            # Its CPU as its own process counted it: the reaping above may have come before.
            self.spans.append(Span(step, timed.start, timed.end, timed.cpu, aside=True))
            self._finished(self._step(step), timed.result)
        return self.results.get(step)

    def did(self, step: str, result: object) -> None:
        if self._running is not None:
            along, start = self._running
            self.spans.append(Span(step, start, spans.now(), None, along=along))
        self._finished(self._step(step), result)

    def made(self, *outputs: str) -> bool:
        return all(output in self._made for output in outputs)

    def captures(self) -> CaptureIndex:
        if self._captures is None:
            self._captures = CaptureIndex(self.layout.warc)
        return self._captures

    # --- the driver -----------------------------------------------------------------------------

    def _step(self, name: str) -> Step:
        return next(step for step in self.plan if step.name == name)

    def _over(self, step: Step) -> bool:
        return step.name in self.done or step.name in self.reused

    def _finished(self, step: Step, result: object) -> None:
        self.results[step.name] = result
        self._outputs_made(step)
        if getattr(result, "reused", False):
            self.reused.append(step.name)
            return
        self.done.append(step.name)
        run_record.made(self.layout, step, self.stamp.id)

    def _outputs_made(self, step: Step) -> None:
        self._made.update(step.makes)
        if "warc" in step.makes:  # an index asked for before was of the master as it was then
            self._forget_captures()

    def _check_needs(self, step: Step, index: int) -> None:
        made_here = {output for earlier in self.plan[:index] for output in earlier.makes}
        for need in step.needs:
            if need not in made_here:
                require_input(getattr(self.layout, need), step.stage or step.name, producer(self.config, need))

    def _reusable(self, step: Step) -> bool:
        if not (self.flags.reuse and step.reusable):
            return False
        outputs = [getattr(self.layout, name) for name in step.makes]
        if not all(path.exists() for path in outputs):
            return False
        inputs = [path for path in (getattr(self.layout, name) for name in step.reads) if path.exists()]
        newest_input = max((path.stat().st_mtime for path in inputs), default=float("-inf"))
        return min(path.stat().st_mtime for path in outputs) >= newest_input

    def _start_asides(self, stack: contextlib.ExitStack) -> None:
        """Every aside whose inputs the earlier steps of the plan have made."""
        for index, step in enumerate(self.plan):
            if not step.aside or self._over(step) or step.name in self._asides:
                continue
            makers = [earlier for earlier in self.plan[:index] if set(earlier.makes) & set(step.reads)]
            if all(self._over(maker) for maker in makers):
                self._check_needs(step, index)
                if step.captures:
                    self.captures()  # made here, before the fork: the aside and the steps beside it share it
                self._asides[step.name] = stack.enter_context(Aside(_timed, step.run, self))

    def _wait_for_inputs(self, step: Step) -> None:
        for name in list(self._asides):
            if set(self._step(name).makes) & set(step.reads):
                self.result(name)

    def _run(self, step: Step, index: int) -> Any:
        self._wait_for_inputs(step)
        self._check_needs(step, index)
        if self._reusable(step):
            self.reused.append(step.name)
            self._outputs_made(step)
            return None
        later = {later.name for later in self.plan[index + 1:] if not self._over(later)}
        self.along = frozenset(name for name in step.along if name in later)
        start, cpu, reaped = spans.now(), spans.cpu_seconds(), self._reaped_cpu
        self._running = (step.name, start)
        try:
            result = step.run(self)
        finally:
            self.along = frozenset()
            self._running = None
        own_cpu = spans.cpu_seconds() - cpu - (self._reaped_cpu - reaped)
        self.spans.append(Span(step.name, start, spans.now(), own_cpu))
        self._finished(step, result)
        return result

    def drive(self, after: StepDone | None) -> None:
        """Every step of the plan, by the rules above. (An aside is given the run as it stood when it
        started, in its own process: it reads files, and asks for no other step's result.)"""
        begun = self.flags.stamp is not None and any(step.makes for step in self.plan)
        if begun:
            run_record.begin(self.layout, self.stamp)
        with contextlib.ExitStack() as stack:  # an aside left running when a step fails is stopped
            stack.callback(self._forget_captures)
            for index, step in enumerate(self.plan):
                self._start_asides(stack)
                if step.aside or self._over(step):
                    continue
                result = self._run(step, index)
                if after is not None:
                    after(step, result)
            self._start_asides(stack)
            for name in list(self._asides):
                self.result(name)
        self.spans.sort(key=lambda span: (span.start, span.along is not None))
        for span in self.spans:
            log.info("run: %s", span.line())
        if begun:
            run_record.timed(self.layout, self.stamp.id, self.spans)

    def _forget_captures(self) -> None:
        """Close this process's connection to the capture index (the index stays, beside the master)."""
        if self._captures is not None:
            self._captures.close()
            self._captures = None


def run(config: SiteConfig, plan: Sequence[Step], flags: RunFlags = RunFlags(), *,
        after: StepDone | None = None) -> Run:
    """Run ``plan`` for ``config``; ``after(step, result)`` is called as each step of this process ends."""
    state = Run(config, plan, flags)
    state.drive(after)
    return state
