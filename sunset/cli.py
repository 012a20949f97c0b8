"""The ``sunset`` command. ``main(argv)`` is what tests call; errors are caught here once."""
from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from sunset import __version__, pipeline
from sunset.config import SiteConfig, load_config, parse_config
from sunset.errors import ConfigError, SunsetError
from sunset.layout import OutputLayout

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
  sunset crawl site.toml --delay 1                 fetch a live site (no docroot) into the WARC;
                                                   run it again after an interruption to resume
  sunset normalize out/otpic                       re-make records.jsonl from the WARC
  sunset mirror out/otpic                          re-make mirror/ from the WARC
  sunset verify out/otpic                          check digests and every mirror link

outputs (in the output folder):
  NAME.warc.gz    the original bytes, one WARC record per file (the archival master)
  records.jsonl   one JSON record per page and file (docs/records.md)
  mirror/         the static mirror: open mirror/index.html
  sunset.log      what happened, including every file skipped and every problem
  crawl.log       one line per fetch: time, status, size, URL, referrer, type, duration
  crawl.sqlite    the crawl's frontier and seen-set (what makes a crawl resumable)
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
    if config.source.docroot is None:
        crawled = pipeline.crawl(config, quiet=args.quiet, fresh=args.fresh)
        _print_crawl_failures(args.quiet, crawled)
        archived_line = (f"  URLs fetched     {crawled.summary.fetched} ({crawled.summary.errors} failed, "
                         f"{crawled.summary.skipped} left out; see {layout.crawl_log})")
        skipped = 0
    else:
        ingested = pipeline.ingest(config, quiet=args.quiet)
        archived_line = f"  files archived   {ingested.files}" + (
            f" ({len(ingested.skipped)} skipped)" if ingested.skipped else "")
        skipped = len(ingested.skipped)
    normalized = pipeline.normalize(config, quiet=args.quiet)
    mirrored = pipeline.mirror(config, quiet=args.quiet)
    verified = pipeline.verify(config)
    problems = normalized.pages_with_problems + len(mirrored.problems) + skipped
    _print(args.quiet, "\n".join([
        f"sunset {__version__}: {config.name} ({config.base_url})",
        archived_line,
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


def _print_crawl_failures(quiet: bool, crawled: pipeline.CrawlRun, shown: int = 20) -> None:
    failures = crawled.summary.failures
    if not failures:
        return
    lines = [f"sunset: crawl: {failure}" for failure in failures[:shown]]
    if len(failures) > shown:
        lines.append(f"sunset: crawl: ... and {len(failures) - shown} more (see the crawl log)")
    print("\n".join(lines), file=sys.stderr)


def _command_crawl(config: SiteConfig, args: argparse.Namespace) -> int:
    if config.source.docroot is not None:
        raise ConfigError(f"{config.path}: [source] docroot is set, so there is nothing to crawl: use "
                          "`sunset ingest` (or remove docroot to fetch the site over HTTP)")
    crawled = pipeline.crawl(config, quiet=args.quiet, fresh=args.fresh)
    _print_crawl_failures(args.quiet, crawled)
    summary = crawled.summary
    layout = pipeline.layout_for(config)
    state = "already complete" if crawled.already_complete else "done"
    _print(args.quiet, f"crawl {state}: {summary.fetched} URLs fetched ({summary.errors} failed, {summary.skipped} "
                       f"left out, {summary.revisits} duplicates as revisits) into {crawled.warc}; "
                       f"log: {layout.crawl_log}")
    return 0


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
    "run": (_command_run, "ingest (or crawl), normalize, mirror and verify: the whole pipeline",
            "Run every stage for the site described by CONFIG and print where the results are."),
    "crawl": (_command_crawl, "fetch the site over HTTP into NAME.warc.gz (resumable)",
              "Crawl the site from base_url (or [source] seeds) politely, keeping every response byte for byte "
              "in the master WARC. Run the same command again after an interruption to continue."),
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
                         help=target_help)
        sub.add_argument("--out", type=Path, metavar="DIR", help="output folder (default: [output] dir of the config)")
        sub.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors (for scripts)")
        sub.add_argument("-v", "--verbose", action="store_true", help="log every step to the terminal")
        if name in CRAWL_COMMANDS:
            _add_crawl_flags(sub)
    return parser


CRAWL_COMMANDS = ("run", "crawl")
# flag -> (CrawlOptions field, type, help); each overrides the [source] key of the same name.
CRAWL_FLAGS: dict[str, tuple[str, type, str]] = {
    "--seed": ("seeds", str, "a URL to start from (repeat for several; default: base_url)"),
    "--include": ("include", str, "only URLs matching this regex (repeatable; requisites excepted)"),
    "--exclude": ("exclude", str, "skip URLs matching this regex (repeatable)"),
    "--max-pages": ("max_pages", int, "stop after fetching this many URLs"),
    "--max-depth": ("max_depth", int, "follow links at most this many clicks from a seed"),
    "--max-per-pattern": ("max_per_pattern", int, "URLs per path pattern before it counts as a trap"),
    "--robots": ("robots", str, "obey (default) or ignore robots.txt"),
    "--user-agent": ("user_agent", str, "User-Agent header to identify the crawl"),
    "--concurrency": ("concurrency", int, "simultaneous requests to the host (default 2)"),
    "--delay": ("delay", float, "seconds between requests per connection (default 0.5)"),
    "--retries": ("retries", int, "tries for connection errors, timeouts and 5xx (default 3)"),
    "--retry-wait": ("retry_wait", float, "seconds before the first retry; doubles each time (default 1)"),
    "--timeout": ("timeout", float, "seconds to wait for the server (default 30)"),
    "--max-body-bytes": ("max_body_bytes", int, "cut bodies larger than this (marked WARC-Truncated)"),
    "--max-url-length": ("max_url_length", int, "skip URLs longer than this"),
    "--fetch-from": ("fetch_from", str, "fetch from this restored copy; record URLs under base_url"),
    "--proxy": ("proxy", str, "HTTP proxy URL (http_proxy/https_proxy are honoured too)"),
}
_REPEATED = ("seeds", "include", "exclude")


def _add_crawl_flags(sub: argparse.ArgumentParser) -> None:
    group = sub.add_argument_group("crawling (when the config has no docroot; each overrides the [source] key)")
    for flag, (field_name, kind, text) in CRAWL_FLAGS.items():
        if field_name in _REPEATED:
            group.add_argument(flag, dest=f"crawl_{field_name}", action="append", metavar="REGEX" if kind is str
                               and field_name != "seeds" else "URL", help=text)
        elif field_name == "robots":
            group.add_argument(flag, dest="crawl_robots", choices=("obey", "ignore"), help=text)
        else:
            metavar = "N" if kind is int else "SECONDS" if kind is float else "URL" if "url" in text.lower() \
                or field_name in ("fetch_from", "proxy") else "TEXT"
            group.add_argument(flag, dest=f"crawl_{field_name}", type=kind, metavar=metavar, help=text)
    group.add_argument("--fresh", action="store_true",
                       help="forget an earlier or interrupted crawl in the output folder and start again")


def apply_crawl_flags(config: SiteConfig, args: argparse.Namespace) -> SiteConfig:
    """The config with the command line's crawl settings in place of the file's."""
    changes = {}
    for field_name, _, _ in CRAWL_FLAGS.values():
        value = getattr(args, f"crawl_{field_name}", None)
        if value is not None:
            changes[field_name] = tuple(value) if field_name in _REPEATED else value
    if not changes:
        return config
    crawl = dataclasses.replace(config.source.crawl, **changes)
    return dataclasses.replace(config, source=dataclasses.replace(config.source, crawl=crawl))


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _setup_logging(None, args.verbose, args.quiet)
    try:
        config = resolve_target(args.target, args.out)
        if args.command in CRAWL_COMMANDS:
            config = apply_crawl_flags(config, args)
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
