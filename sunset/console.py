"""What every command shares for talking to its user: the log set-up and the printed lines."""
from __future__ import annotations

import logging
import sys

from sunset.layout import OutputLayout


def setup_logging(layout: OutputLayout | None, verbose: bool, quiet: bool) -> None:
    """Warnings (or, with -v, everything) to the terminal; INFO and up to the output folder's log."""
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


def say(quiet: bool, text: str) -> None:
    """What a command tells its user on standard output (nothing with --quiet)."""
    if not quiet:
        print(text)
