"""The steps of a run, declared once: what each reads and makes, whether it may run aside, and
the function that does it.

``sunset run`` (and ``batch run``) runs the config's source step, then every step of
:data:`STEPS` in this order; each stage command (``sunset mirror``, ``sunset package``...) runs
the steps of its stage. :mod:`sunset.run_driver` runs them; this module only says what they are.
A new step (an output format) is a function and one :class:`Step` line; a new source is one line
in :data:`sunset.sources.SOURCES`.
"""
from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

from archive.capture_index import CaptureIndex
from sunset import archive_stage, pipeline, run_record, served
from sunset.config import SiteConfig
from sunset.console import RunStamp
from sunset.layout import OutputLayout
from sunset.pipeline import Listing, SourceCall, SourceRun
from sunset.preflight import check_start_page
from sunset.sources import Source, source_of


@dataclass(frozen=True, slots=True)
class RunFlags:
    """The command line's say in a run (each step reads what concerns it)."""

    quiet: bool = False
    fresh: bool = False
    """Forget an earlier or interrupted crawl and start again."""
    bagit: bool | None = None
    """Also write the bag; None: ``[archive] bagit``."""
    deep: bool = False
    """verify: also have FastWARC check every digest."""
    reuse: bool = False
    """batch: keep what an earlier attempt finished (see :attr:`Step.reusable`)."""
    listed: Listing | None = None
    """What the checks before the run found of the source (a docroot's one walk), for the source step."""
    stamp: RunStamp | None = None
    """The command's run (its id, time, version and command line): in the folder's history (the
    about page's), and named in its record of what made each output (:mod:`sunset.run_record`).
    None: no command of its own (a batch task, recorded in the batch's manifest, which a retry
    must repeat byte for byte): in no history, its outputs recorded under a new id."""


class StepContext(Protocol):
    """What a step's function is given (:class:`sunset.run_driver.Run`)."""

    config: SiteConfig
    layout: OutputLayout
    flags: RunFlags
    along: frozenset[str]
    """Later steps of this run that this step may do in the same pass (of those it declares)."""

    def result(self, step: str) -> Any:
        """The result of an earlier step of this run (waiting for it, if it runs aside)."""

    def did(self, step: str, result: object) -> None:
        """This step also did ``step`` (one of :attr:`along`), which will not run again."""

    def made(self, *outputs: str) -> bool:
        """Whether steps of this run made (or found complete) every one of ``outputs``."""

    def captures(self) -> CaptureIndex:
        """The master's capture index (:mod:`archive.capture_index`), one for the whole run: every
        step that looks a capture of the master up asks this one (made at the first question once
        the master is complete; an aside that reads the master is given it made)."""


@dataclass(frozen=True, slots=True)
class Step:
    name: str
    stage: str | None
    """The stage command that runs it (with the other steps of its stage); None: whole runs only."""
    reads: tuple[str, ...]
    """Outputs it reads (properties of :class:`sunset.layout.OutputLayout`), when they exist."""
    makes: tuple[str, ...]
    run: Callable[[StepContext], object]
    needs: tuple[str, ...] = ("warc",)
    """Of what it reads, what must exist: a stage command run too early says what to run first."""
    aside: bool = False
    """It may run in a forked process of its own, beside the steps after it, as soon as what it
    reads is made: it needs no CPU the next step needs alone, and nothing it makes is read until
    a later step waits for it."""
    along: tuple[str, ...] = ()
    """Later steps it can do in the same pass, when the run has them to do (the records and
    the mirror while crawling, the mirror in the content pass)."""
    reusable: bool = False
    """In a batch, not run again when what it makes exists and is no older than what it reads."""
    captures: bool = False
    """It looks captures of the master up, in the run's one capture index (:meth:`StepContext.captures`):
    run aside, it is given the index made before it forks, so the run makes it once."""


def _write_master(source: Source, run: StepContext) -> SourceRun:
    made = source.write(SourceCall(run.config, source.step, source.how, run.flags.quiet, run.flags.fresh, run.along,
                                   run.flags.listed))
    for step, result in made.along.items():
        run.did(step, result)
    return made


def _start_page(run: StepContext) -> None:
    """A run stops before the mirror when the start page was not archived (the mirror would open on
    "Page not archived"); a source whose files the preflight searched has been checked already."""
    if not source_of(run.config).start_page_checked:
        check_start_page(run.config, run.captures())


def _served(run: StepContext) -> object:
    """The old server's answers where they were not its files as they lay (for a source of files)."""
    return served.write_served(run.config, source_of(run.config), run.captures(), quiet=run.flags.quiet)


def _normalize(run: StepContext) -> object:
    if "mirror" in run.along:  # the content pass: records and mirror from one read of the bodies
        normalized, mirrored = pipeline.normalize_and_mirror(run.config, run.captures(), quiet=run.flags.quiet)
        run.did("mirror", mirrored)
        return normalized
    return pipeline.normalize(run.config, quiet=run.flags.quiet)


def _package(run: StepContext) -> object:
    return archive_stage.package(run.config, run.result("replay"), run.result("derived"), run.captures(),
                                 bagit=run.flags.bagit, quiet=run.flags.quiet)


_CHECKED = ("warc", "mirror", "reconstructed_warc", "derived_warc", "cdxj", "wacz", "bag")


def _verify(run: StepContext) -> object:
    """What this run made was digested by its writers as they wrote: only what it did not make is read
    again. Whatever the run made or not, every output must have been made from the folder's master
    (and the other inputs there now): the folder's record says (:mod:`sunset.run_record`)."""
    trust = run.made(*_CHECKED)
    stale = run_record.out_of_step(run.layout, run_plan(run.config), fresh=not trust, remember=trust)
    return archive_stage.verify(run.config, run.captures, quiet=run.flags.quiet, trust_run=trust,
                                deep=run.flags.deep, mirror_check=partial(run.result, "check"), out_of_step=stale)


def source_step(source: Source) -> Step:
    """A source's step: it makes the master (and, along, what the source declares it can)."""
    return Step(source.step, source.step, reads=(), makes=("warc",), run=partial(_write_master, source), needs=(),
                along=source.along, reusable=source.reusable)


STEPS: tuple[Step, ...] = (
    Step("served", "ingest", reads=("warc",), makes=("served",), run=_served, reusable=True, captures=True),
    Step("start", None, reads=("warc",), makes=(), run=_start_page, captures=True),
    Step("normalize", "normalize", reads=("warc", "served"), makes=("records",), run=_normalize, along=("mirror",),
         reusable=True, captures=True),
    Step("mirror", "mirror", reads=("warc", "served", "records"), makes=("mirror",),
         run=lambda run: pipeline.mirror(run.config, run.captures(), quiet=run.flags.quiet), captures=True),
    Step("replay", "package", reads=("warc", "served", "records"), makes=("reconstructed_warc", "cdxj", "wacz"),
         run=lambda run: archive_stage.replay_package(run.config, run.captures()), aside=True, captures=True),
    Step("derived", "package", reads=("warc", "served", "records", "mirror"), makes=("derived_warc",),
         run=lambda run: archive_stage.write_derived(run.config, run.captures()), aside=True, captures=True),
    Step("check", "verify", reads=("mirror",), makes=(), run=lambda run: archive_stage.check_mirror(run.config),
         needs=(), aside=True),
    Step("package", "package", reads=("warc", "records", "mirror", "reconstructed_warc", "cdxj", "wacz",
                                      "derived_warc"), makes=("bag",), run=_package, captures=True),
    Step("verify", "verify", reads=_CHECKED, makes=(), run=_verify, captures=True),
)
"""The steps after the source, in the order a run takes them."""


def run_plan(config: SiteConfig) -> tuple[Step, ...]:
    """Every step of ``sunset run`` for ``config``: its source's, then all of :data:`STEPS`."""
    return (source_step(source_of(config)), *STEPS)


def stage_plan(config: SiteConfig, *stages: str) -> tuple[Step, ...]:
    """The steps of these stage commands for ``config``, in run order (a source's stage is its own
    step: the config's source's, when its step is among ``stages``)."""
    every = (source_step(source_of(config)), *STEPS)
    return tuple(step for step in every if step.stage in stages)


def producer(config: SiteConfig, output: str) -> str:
    """The stage command that makes ``output`` for this config (what to run first)."""
    if output == "warc":
        return source_of(config).step
    return next(step.stage or step.name for step in STEPS if output in step.makes)


def stages(plan: Sequence[Step], names: Collection[str]) -> tuple[str, ...]:
    """The stages of the steps of ``plan`` named in ``names``, each once, in run order (what a
    batch reports as done or reused)."""
    found: list[str] = []
    for step in plan:
        if step.name in names and step.stage is not None and step.stage not in found:
            found.append(step.stage)
    return tuple(found)
