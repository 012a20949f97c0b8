"""What every command shares for talking to its user: the log set-up and the printed lines."""
from __future__ import annotations

import logging
import re
import shlex
import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Protocol

from sunset import __version__

_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/@\s]*@")


@dataclass(frozen=True, slots=True)
class RunStamp:
    """One command's run, as ``sunset.log`` marks where it begins."""

    id: str
    started: datetime
    version: str
    command: str
    """As typed, quoted for a shell; a URL's user name and password left out."""

    @property
    def marker(self) -> str:
        return (f"==== run {self.id}: {self.started.isoformat(timespec='seconds')}, sunset {self.version}: "
                f"{self.command} ====")


def without_userinfo(text: str) -> str:
    """``text`` with the user name and password of every URL in it left out (a proxy's)."""
    return _USERINFO.sub(r"\1", text)


def run_stamp(argv: Sequence[str]) -> RunStamp:
    """A new run of ``sunset ARGV``: a fresh id, now, this version and the command line."""
    command = shlex.join(["sunset", *map(without_userinfo, argv)])
    return RunStamp(uuid.uuid4().hex[:12], datetime.now(timezone.utc), __version__, command)


class _Folder(Protocol):
    """An output folder as the log needs it (:class:`sunset.layout.OutputLayout`, which names this
    module's :func:`shown` in its messages)."""

    @property
    def root(self) -> Path: ...

    @property
    def log(self) -> Path: ...


def setup_logging(layout: _Folder | None, verbose: bool, quiet: bool) -> None:
    """Warnings (or, with -v, everything) to the terminal; INFO and up to the output folder's log.

    Each command's lines there follow its :class:`RunStamp` marker (written once the command
    holds the folder: :func:`sunset.lock.lock_for`), so the runs appended to one log can be told apart."""
    root = logging.getLogger()
    root.setLevel(logging.DEBUG)
    for handler in list(root.handlers):
        root.removeHandler(handler)
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.DEBUG if verbose else logging.ERROR if quiet else logging.WARNING)
    console.setFormatter(logging.Formatter("sunset: %(message)s"))
    root.addHandler(console)
    if layout is not None:
        try:
            layout.root.mkdir(parents=True, exist_ok=True)
            file_handler = logging.FileHandler(layout.log, encoding="utf-8")
        except OSError as error:  # a read-only folder: `verify` still works; writers fail on the lock
            logging.getLogger("sunset").warning("cannot write the log %s: %s", layout.log, error.strerror or error)
            return
        file_handler.setLevel(logging.INFO)
        logging.getLogger("bagit").setLevel(logging.WARNING)  # one INFO line per file bagged would drown the log
        file_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(file_handler)


def shown(path: Path, pattern: str = "") -> str:
    """A path as every command prints it: relative to the current folder when it is under it, and
    quoted for a shell when it needs to be (a space, a quote), so it can be pasted into the next
    command. ``pattern`` (``redirects.*``) is added after the quoting, for a reader to expand."""
    try:
        text = str(path.relative_to(Path.cwd()))
    except ValueError:
        text = str(path)
    text = shlex.quote(text)
    return f"{text}/{pattern}" if pattern else text


def say(quiet: bool, text: str) -> None:
    """What a command tells its user on standard output (nothing with --quiet)."""
    if not quiet:
        print(text)
