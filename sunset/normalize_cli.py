"""``sunset normalize --warc FILE --out DIR``: records.jsonl for a WARC made by any tool, no config.

Kept apart from cli.py's config-driven commands: there is no site config here, only a WARC,
an output folder and a base URL (given, or read from the WARC).
"""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from archive.errors import SunsetError
from archive.reader import WholeFileGzipError, recompress, warc_base_url
from archive.workers import default_workers
from normalize.options import NormalizeOptions
from normalize.stage import NormalizeSummary, normalize_warc
from sunset.console import say, setup_logging, shown
from sunset.layout import OutputLayout
from sunset.options_table import WORKERS
from sunset.progress import progress

EXAMPLES = """\
examples:
  sunset normalize out/otpic
  sunset normalize --warc crawl.warc.gz --out records/ --base-url http://www.example.edu/dept/"""


def add_normalize_warc_arguments(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--warc", type=Path, metavar="FILE",
                     help="normalize this WARC (any tool's: wget, Heritrix, sunset) without a config; needs --out")
    sub.add_argument("--base-url", metavar="URL",
                     help="with --warc: the site's base URL, for the links' in_scope flag (default: the "
                          "warcinfo's sunset-base-url, else the scheme and host of the first capture)")
    sub.epilog = EXAMPLES
    sub.formatter_class = argparse.RawDescriptionHelpFormatter


def wants_normalize_warc(args: argparse.Namespace) -> bool:
    """True for ``sunset normalize`` given --warc or no CONFIG|OUTDIR (then this module reports)."""
    return args.command == "normalize" and (args.warc is not None or args.target is None)


def _normalize(args: argparse.Namespace, warc: Path, layout: OutputLayout,
               workers: int) -> tuple[str, NormalizeSummary]:
    base_url = args.base_url or warc_base_url(warc)
    if not base_url:
        raise SunsetError(f"{warc} holds no http(s) capture to take a base URL from: give --base-url URL")
    with progress("normalize", quiet=args.quiet) as tick:
        return base_url, normalize_warc(warc, NormalizeOptions(base_url), layout.records, on_record=tick,
                                        workers=workers)


def command_normalize_warc(args: argparse.Namespace) -> int:

    try:
        if args.warc is None or args.target is not None or args.out is None:
            raise SunsetError("normalize takes CONFIG|OUTDIR, or --warc FILE --out DIR (not both)")
        given = vars(args).get(WORKERS.dest)
        workers = default_workers() if given is None else WORKERS.flag_value(given)
        layout = OutputLayout(args.out, args.warc.name.split(".")[0])
        setup_logging(layout, args.verbose, args.quiet)
        if getattr(args, "run_stamp", None) is not None:
            logging.getLogger("sunset").info("%s", args.run_stamp.marker)
        try:
            base_url, summary = _normalize(args, args.warc, layout, workers)
        except WholeFileGzipError:
            # Gzipped as one stream (not record by record): rewrite it into the output folder.
            warc = recompress(args.warc, args.out)
            say(args.quiet, f"{shown(args.warc)} is gzipped as a whole; recompressed record by record into "
                            f"{shown(warc)}")
            base_url, summary = _normalize(args, warc, layout, workers)
    except (SunsetError, OSError) as error:
        print(f"sunset: error: {error}", file=sys.stderr)
        return getattr(error, "exit_code", 1)
    say(args.quiet, f"{summary.records} records ({summary.pages} pages) written to {shown(summary.output)} "
                       f"(base URL {base_url})")
    return 0
