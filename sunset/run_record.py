"""The output folder's record of itself, ``run.json``: where its config came from, the runs that
wrote into it (the history the about page shows, with when each of their steps ran:
:mod:`sunset.spans`), and what each output was made from.

The last is what keeps a folder in step. A bag left by an earlier ``--bagit`` holds an earlier
master; ``sunset ingest`` alone rewrites the master under an index, a WACZ and a mirror made from
the one before. Each looks fine on its own, so ``verify`` (and the stage command that has just
changed an input of later steps) asks this record instead: for every output a step made, the
stamp of every input it read when it made it, and the run that had made that input. An output is
out of step when a later run has made one of its inputs again, and differently (or when an input
is out of step itself); the command that makes it again is its step's stage. (An input that
changed while its maker is still the one recorded was changed outside sunset: damaged or edited
by hand. Its own check says so; what was made from it is not behind.)

What a step reads and makes is declared once, in :mod:`sunset.steps`; this module is handed the
steps and knows none by name. An input's stamp is

- for a file (the master, ``records.jsonl``, the package's files): its SHA-256, by content, so
  a master made again byte for byte (a fixed clock) is the same master and a folder copied
  elsewhere (new modification times) is still in step. A file's digest is computed once and
  remembered here by its size and modification time;
- for a folder (the mirror): what it was made from (the stamps of its own inputs), so a mirror
  made again from the same master is the same mirror. (Whether its pages are still those the
  derived WARC holds is ``verify``'s check of the conversion records, by content.)

Only the process that runs the steps writes this file, once for each step as it ends (asides'
results are collected there too), reading it again each time: the source's step records its
config in it meanwhile.
"""
from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from archive.capture import file_sha256
from archive.durable import atomic_writer
from sunset.console import RunStamp, shown
from sunset.layout import OutputLayout
from sunset.spans import Span


class DeclaredStep(Protocol):
    """A step as :mod:`sunset.steps` declares it (what this record needs of it)."""

    @property
    def name(self) -> str: ...

    @property
    def stage(self) -> str | None: ...

    @property
    def reads(self) -> tuple[str, ...]: ...

    @property
    def makes(self) -> tuple[str, ...]: ...


@dataclass(frozen=True, slots=True)
class OutOfStep:
    """An output that no longer belongs to the folder's inputs, and what makes it again."""

    output: str
    """Its name in :class:`sunset.layout.OutputLayout` (``cdxj``, ``bag``)."""
    path: Path
    cause: str
    """The input that changed since it was made (the master: ``warc``), directly or through
    another output made from it."""
    cause_path: Path
    stages: tuple[str, ...]
    """The stage commands that make it again, in the order to run them: those of its inputs that
    are out of step too, then its own."""

    def problem(self, root: Path) -> str:
        """A line of ``verify``: what, why, and the commands that bring it back in step."""
        return (f"{_named(self.path)}: made from {_earlier(self.cause, self.cause_path)}: run "
                f"{_commands(self.stages, root)} to make it again")


def _commands(stages: Iterable[str], root: Path) -> str:
    return ", then ".join(f"`sunset {stage} {shown(root)}`" for stage in dict.fromkeys(stages))


def _named(path: Path) -> str:
    return path.name + ("/" if path.is_dir() else "")


def _earlier(cause: str, path: Path) -> str:
    """The cause, in words: the master is another file; any other input was made again since."""
    if cause == "warc":
        return f"another {path.name} than the folder's (the master was made again since)"
    return f"an earlier {_named(path)} (made again since)"


# --- the file ------------------------------------------------------------------------------------

def read(layout: OutputLayout) -> dict[str, Any]:
    """run.json as a dict (empty when there is none, or it is not ours)."""
    try:
        data = json.loads(layout.run_info.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write(layout: OutputLayout, data: Mapping[str, Any]) -> None:
    layout.root.mkdir(parents=True, exist_ok=True)
    with atomic_writer(layout.run_info, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2)
        handle.write("\n")


def update(layout: OutputLayout, **values: Any) -> None:
    """Set these top-level keys (``config``: where the config came from; batch's ``warc_from``),
    keeping the rest of the record."""
    data = read(layout)
    data.update(values)
    _write(layout, data)


# --- the runs ------------------------------------------------------------------------------------

def begin(layout: OutputLayout, stamp: RunStamp) -> None:
    """A run that will write into the folder: added to its history (oldest first)."""
    data = read(layout)
    runs = data.get("runs") if isinstance(data.get("runs"), list) else []
    runs.append({"id": stamp.id, "started": stamp.started.isoformat(timespec="seconds"), "sunset": stamp.version,
                 "command": stamp.command})
    data["runs"] = runs
    _write(layout, data)


def timed(layout: OutputLayout, run_id: str, spans: Sequence[Span]) -> None:
    """When each step of run ``run_id`` ran (:mod:`sunset.spans`), in its entry of the history."""
    data = read(layout)
    runs = data.get("runs") if isinstance(data.get("runs"), list) else []
    for run in runs:
        if isinstance(run, dict) and run.get("id") == run_id:
            run["steps"] = [span.as_json() for span in spans]
            _write(layout, data)
            return


def history(layout: OutputLayout) -> tuple[RunStamp, ...]:
    """The runs that wrote into the folder, oldest first (as :func:`begin` recorded them)."""
    runs = read(layout).get("runs")
    found = []
    for run in runs if isinstance(runs, list) else ():
        try:
            found.append(RunStamp(str(run["id"]), datetime.fromisoformat(run["started"]), str(run["sunset"]),
                                  str(run["command"])))
        except (KeyError, TypeError, ValueError):
            continue
    return tuple(found)


# --- what each output was made from --------------------------------------------------------------

class _Stamps:
    """The current stamp of each output of a folder (see the module's docstring), with the digests
    computed on the way, to be remembered."""

    def __init__(self, layout: OutputLayout, data: Mapping[str, Any], *, fresh: bool = False) -> None:
        self.layout = layout
        self.outputs: Mapping[str, Any] = data.get("outputs") or {}
        self.digests: dict[str, Any] = dict(data.get("digests") or {})
        self.fresh = fresh
        self.changed = False

    def digest(self, path: Path) -> str:
        """``sha256:HEX`` of a file of the folder, remembered by its size and modification time."""
        status = path.stat()
        known = self.digests.get(path.name)
        if (not self.fresh and isinstance(known, dict) and known.get("size") == status.st_size
                and known.get("mtime_ns") == status.st_mtime_ns):
            return str(known["sha256"])
        digest = "sha256:" + file_sha256(path)
        self.digests[path.name] = {"size": status.st_size, "mtime_ns": status.st_mtime_ns, "sha256": digest}
        self.changed = True
        return digest

    def entry(self, output: str) -> Mapping[str, Any] | None:
        """What the record says made ``output`` (the run, and from what), if anything."""
        entry = self.outputs.get(output)
        return entry if isinstance(entry, dict) and isinstance(entry.get("from"), dict) else None

    def run(self, output: str) -> str | None:
        """The run that made ``output``, as recorded."""
        entry = self.entry(output)
        return str(entry["run"]) if entry is not None and "run" in entry else None

    def of(self, output: str) -> str | None:
        """The output's stamp now; None when it does not exist (or, a folder, nothing recorded making it)."""
        path: Path = getattr(self.layout, output)
        if path.is_file():
            return self.digest(path)
        entry = self.entry(output)
        if not path.is_dir() or entry is None:
            return None
        made_from = {name: item.get("stamp") for name, item in entry["from"].items() if isinstance(item, dict)}
        return "made from sha256:" + hashlib.sha256(json.dumps(made_from, sort_keys=True).encode()).hexdigest()

    def changed_since(self, name: str, was: Any) -> bool:
        """Whether input ``name`` is not what an output was made from (``was``: its stamp then and the
        run that had made it): its stamp differs, and a later run made it. A file changed while the
        run that made it is still its maker was changed outside sunset (a damaged or edited file):
        its own check reports that; the outputs made from it are not behind."""
        if not isinstance(was, dict):
            return False
        now = self.of(name)
        if now is None or now == was.get("stamp"):
            return False
        return was.get("run") is None or self.run(name) != was.get("run")

    def remember(self, data: dict[str, Any]) -> None:
        data["digests"] = {name: known for name, known in self.digests.items()
                           if (self.layout.root / name).is_file()}


def made(layout: OutputLayout, step: DeclaredStep, run_id: str) -> None:
    """``step`` made its outputs in run ``run_id``: each (that exists) recorded with the stamp of
    each input it read, and the run that had made that input."""
    there = [output for output in step.makes if getattr(layout, output).exists()]
    if not there:
        return
    data = read(layout)
    stamps = _Stamps(layout, data)
    inputs = {name: {"stamp": stamp, "run": stamps.run(name)} for name in step.reads
              if (stamp := stamps.of(name)) is not None}
    outputs = dict(data.get("outputs") or {})
    for output in there:
        outputs[output] = {"run": run_id, "from": inputs}
    data["outputs"] = outputs
    stamps.remember(data)
    _write(layout, data)


def digest(layout: OutputLayout, path: Path) -> str:
    """The SHA-256 (hex) of a file of the folder, computed once for each version of it (the master's,
    for the about page and the record alike)."""
    data = read(layout)
    stamps = _Stamps(layout, data)
    found = stamps.digest(path)
    if stamps.changed:
        stamps.remember(data)
        _write(layout, data)
    return found.removeprefix("sha256:")


def out_of_step(layout: OutputLayout, steps: Sequence[DeclaredStep], *, fresh: bool = False,
                remember: bool = True) -> tuple[OutOfStep, ...]:
    """Every output of the folder made from an input that a later run has made again differently
    (or from an output that is out of step itself), in the order of ``steps``. ``fresh``: digest
    every file again, trusting no remembered one (``sunset verify``); ``remember``: keep the
    digests computed (a command that may write into the folder)."""
    data = read(layout)
    stamps = _Stamps(layout, data, fresh=fresh)
    found: dict[str, OutOfStep] = {}
    for step in steps:
        for output in step.makes:
            entry = stamps.entry(output)
            path: Path = getattr(layout, output)
            if entry is None or not path.exists():
                continue  # not made by a run recorded here (an older sunset's folder): nothing to compare
            made_from = entry["from"]
            behind = [found[name] for name in made_from if name in found]
            changed = [name for name, was in made_from.items()
                       if name not in found and stamps.changed_since(name, was)]
            if behind or changed:
                cause = changed[0] if changed else behind[0].cause
                stages = tuple(stage for item in behind for stage in item.stages)
                found[output] = OutOfStep(output, path, cause, getattr(layout, cause),
                                          (*stages, step.stage or step.name))
    if remember and stamps.changed and os.access(layout.root, os.W_OK):
        stamps.remember(data)
        _write(layout, data)
    return tuple(found.values())


def stale_outputs_notice(layout: OutputLayout, stale: Iterable[OutOfStep]) -> str:
    """What a stage command says when it has changed an input of outputs already there: which are
    now out of step, and the commands that bring them back, in the order to run them."""
    stale = list(stale)
    names = ", ".join(_named(item.path) for item in stale)
    causes = sorted({_named(item.cause_path) for item in stale})
    commands = _commands((stage for item in stale for stage in item.stages), layout.root)
    return (f"{names} {'was' if len(stale) == 1 else 'were'} made from the earlier {' and '.join(causes)}, and "
            f"{'is' if len(stale) == 1 else 'are'} now out of step (`sunset verify` fails on "
            f"{'it' if len(stale) == 1 else 'them'}): run {commands}")
