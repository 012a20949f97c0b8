"""The ``sunset`` command. ``main(argv)`` is what tests call; errors are caught here once."""
from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from sunset import __version__, pipeline
from sunset.config import SiteConfig, load_config, parse_config
from sunset.errors import ConfigError, SunsetError
from sunset.layout import OutputLayout
from sunset.normalize_cli import add_normalize_warc_arguments, command_normalize_warc, wants_normalize_warc

log = logging.getLogger("sunset")

DESCRIPTION = """\
Retire a legacy website properly: keep its original bytes in a WARC, turn every page into a
structured record, and write a static mirror that works offline and carries the retirement
notice on every page.

Start with `sunset run site.toml`; the stage commands re-run one stage over an output folder."""

EPILOG = """\
examples:
  sunset run examples/otpic/site.toml              everything, into [output] dir
  sunset run site.toml --out /tmp/otpic            everything, into /tmp/otpic
  sunset normalize out/otpic                       re-make records.jsonl from the WARC
  sunset normalize --warc x.warc.gz --out DIR      records.jsonl for any WARC (wget's, Heritrix's)
  sunset mirror out/otpic                          re-make mirror/ from the WARC
  sunset verify out/otpic                          check digests and every mirror link

outputs (in the output folder):
  NAME.warc.gz    the original bytes, one WARC record per file (the archival master)
  records.jsonl   one JSON record per page and file (docs/records.md)
  mirror/         the static mirror: open mirror/index.html
  sunset.log      what happened, including every file skipped and every problem
  site.toml       the config used, so stage commands can be given the folder alone"""


def resolve_target(target: Path, out: Path | None) -> SiteConfig:
    """A config file, or an output folder made by an earlier run (which holds its config)."""
    if target.is_dir():
        copy = target / "site.toml"
        if not copy.exists():
            raise ConfigError(f"{target} is a folder without site.toml: give a config file, or an output "
                              "folder made by `sunset run` or `sunset ingest`")
        base_dir = copy.parent
        run_info = target / "run.json"
        if run_info.exists():
            try:
                base_dir = Path(json.loads(run_info.read_text(encoding="utf-8"))["config"]).parent
            except (ValueError, KeyError, OSError):
                pass
        return parse_config(copy.read_text(encoding="utf-8"), copy, base_dir=base_dir, out=out or target)
    return load_config(target, out=out)


def _setup_logging(layout: OutputLayout | None, verbose: bool, quiet: bool) -> None:
    root = logging.getLogger()
    root.setLevel(logging.DEBUG)
    for handler in list(root.handlers):
        root.removeHandler(handler)
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.DEBUG if verbose else logging.ERROR if quiet else logging.WARNING)
    console.setFormatter(logging.Formatter("sunset: %(message)s"))
    root.addHandler(console)
    if layout is not None:
        layout.root.mkdir(parents=True, exist_ok=True)
        file_handler = logging.FileHandler(layout.log, encoding="utf-8")
        file_handler.setLevel(logging.INFO)
        file_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(file_handler)


def _print(quiet: bool, text: str) -> None:
    if not quiet:
        print(text)


def _command_run(config: SiteConfig, args: argparse.Namespace) -> int:
    layout = pipeline.layout_for(config)
    ingested = pipeline.ingest(config, quiet=args.quiet)
    normalized = pipeline.normalize(config, quiet=args.quiet)
    mirrored = pipeline.mirror(config, quiet=args.quiet)
    verified = pipeline.verify(config)
    problems = normalized.pages_with_problems + len(mirrored.problems) + len(ingested.skipped)
    _print(args.quiet, "\n".join([
        f"sunset {__version__}: {config.name} ({config.base_url})",
        f"  files archived   {ingested.files}" + (f" ({len(ingested.skipped)} skipped)" if ingested.skipped else ""),
        f"  pages            {normalized.pages}",
        f"  problems noted   {problems} (details in {layout.log})",
        f"  missing links    {mirrored.missing_links} (pages that were never on the site)",
        f"  verification     {'passed' if verified.ok else 'FAILED'} ({verified.records} WARC records)",
        "",
        f"  WARC     {layout.warc}",
        f"  records  {layout.records}",
        f"  mirror   {layout.mirror / 'index.html'}",
    ]))
    for problem in verified.problems:
        print(f"sunset: verify: {problem}", file=sys.stderr)
    return 0 if verified.ok else 1


def _command_ingest(config: SiteConfig, args: argparse.Namespace) -> int:
    summary = pipeline.ingest(config, quiet=args.quiet)
    _print(args.quiet, f"{summary.files} files archived into {summary.warc}")
    return 0


def _command_normalize(config: SiteConfig, args: argparse.Namespace) -> int:
    summary = pipeline.normalize(config, quiet=args.quiet)
    _print(args.quiet, f"{summary.records} records ({summary.pages} pages) written to {summary.output}")
    return 0


def _command_mirror(config: SiteConfig, args: argparse.Namespace) -> int:
    summary = pipeline.mirror(config, quiet=args.quiet)
    layout = pipeline.layout_for(config)
    _print(args.quiet, f"{summary.pages} pages and {summary.files} files; open {layout.mirror / 'index.html'}")
    return 0


def _command_verify(config: SiteConfig, args: argparse.Namespace) -> int:
    summary = pipeline.verify(config)
    for problem in summary.problems:
        print(f"sunset: verify: {problem}", file=sys.stderr)
    _print(args.quiet, f"verify: {'passed' if summary.ok else 'FAILED'} ({summary.records} WARC records, "
                       f"{len(summary.problems)} problems)")
    return 0 if summary.ok else 1


COMMANDS = {
    "run": (_command_run, "ingest, normalize, mirror and verify: the whole pipeline",
            "Run every stage for the site described by CONFIG and print where the results are."),
    "ingest": (_command_ingest, "archive every file of the docroot into NAME.warc.gz",
               "Read every file under [source] docroot (linked or not) into the master WARC, bytes unchanged."),
    "normalize": (_command_normalize, "make records.jsonl from the WARC",
                  "Read the master WARC and write one structured record per page and file."),
    "mirror": (_command_mirror, "make the static mirror from the WARC",
               "Write mirror/: every page as UTF-8 with links rewritten and the retirement notice."),
    "verify": (_command_verify, "check WARC digests and every mirror link",
               "Re-read the WARC (two independent readers) and resolve every link of the mirror."),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sunset", description=DESCRIPTION, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"sunset {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (_, summary, description) in COMMANDS.items():
        sub = commands.add_parser(name, help=summary, description=description)
        target_help = ("the site's TOML config" if name == "run"
                       else "the site's TOML config, or an output folder made by an earlier run")
        sub.add_argument("target", type=Path, metavar="CONFIG" if name == "run" else "CONFIG|OUTDIR",
                         help=target_help, nargs="?" if name == "normalize" else None)
        if name == "normalize":
            add_normalize_warc_arguments(sub)
        sub.add_argument("--out", type=Path, metavar="DIR", help="output folder (default: [output] dir of the config)")
        sub.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors (for scripts)")
        sub.add_argument("-v", "--verbose", action="store_true", help="log every step to the terminal")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if wants_normalize_warc(args):
        return command_normalize_warc(args)
    _setup_logging(None, args.verbose, args.quiet)
    try:
        config = resolve_target(args.target, args.out)
        _setup_logging(pipeline.layout_for(config), args.verbose, args.quiet)
        handler = COMMANDS[args.command][0]
        return handler(config, args)
    except SunsetError as error:
        print(f"sunset: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("sunset: interrupted; run the same command again to redo the unfinished stage", file=sys.stderr)
        return 130
    except OSError as error:
        print(f"sunset: error: {error.strerror or error}: {error.filename or ''}".rstrip(": "), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
