"""The ``sunset`` command. ``main(argv)`` is what tests call; errors are caught here once."""
from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

from sunset import __version__, archive_stage, pipeline
from sunset.batch_cli import add_batch_parser, command_batch
from sunset.config import SiteConfig, load_config, parse_config
from archive.errors import ConfigError, SunsetError
from sunset.layout import OutputLayout
from sunset.lock import lock_for
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
  sunset crawl site.toml --delay 1                 fetch a live site (no docroot) into the WARC;
                                                   run it again after an interruption to resume
  sunset serve out/otpic --port 8000               look at the mirror on http://127.0.0.1:8000/
  sunset normalize out/otpic                       re-make records.jsonl from the WARC
  sunset normalize --warc x.warc.gz --out DIR      records.jsonl for any WARC (wget's, Heritrix's)
  sunset mirror out/otpic                          re-make mirror/ from the WARC
  sunset package out/otpic --bagit                 derived WARC, CDXJ, WACZ and a BagIt bag
  sunset verify out/otpic                          check digests, index, WACZ, bag, every mirror link
  sunset replay out/otpic --port 8080              browse the original pages in pywb

outputs (in the output folder):
  NAME.warc.gz    the original bytes, one WARC record per file (the archival master)
  records.jsonl   one JSON record per page and file (docs/records.md)
  redirects.*     old URL -> mirror maps: redirects.csv, redirects.nginx.conf, redirects.htaccess
  mirror/_sunset/about.html  what the archive is; mirror/_sunset/index.html: every page, with search
  mirror/         the static mirror: open mirror/index.html
  NAME-derived.warc.gz  records and mirror pages as WARC records tied to the originals
  NAME.cdxj       sorted CDXJ index of the master (pywb)
  NAME.wacz       master + index + page list in one file (ReplayWeb.page)
  bag/            BagIt 1.0 bag of all of it (--bagit or [archive] bagit = true)
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
        try:
            layout.root.mkdir(parents=True, exist_ok=True)
            file_handler = logging.FileHandler(layout.log, encoding="utf-8")
        except OSError as error:  # a read-only folder: `verify` still works; writers fail on the lock
            logging.getLogger("sunset").warning("cannot write the log %s: %s", layout.log, error.strerror or error)
            return
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
    normalized, mirrored = pipeline.normalize_and_mirror(config, quiet=args.quiet)
    packaged = archive_stage.package(config, bagit=args.bagit or None, quiet=args.quiet)
    verified = archive_stage.verify(config, trust_run=True)
    problems = normalized.pages_with_problems + len(mirrored.problems) + skipped + len(packaged.problems)
    _print(args.quiet, "\n".join([
        f"sunset {__version__}: {config.name} ({config.base_url})",
        archived_line,
        f"  pages            {normalized.pages}",
        f"  problems noted   {problems} (details in {layout.log})",
        f"  missing links    {mirrored.missing_links} (pages that were never on the site)",
        f"  scripts left     {mirrored.scripts_left} (script navigations not rewritten; see the log)",
        f"  verification     {'passed' if verified.ok else 'FAILED'} ({verified.records} WARC records)",
        "",
        f"  mirror   {layout.mirror / 'index.html'}   (about: {layout.mirror / '_sunset' / 'about.html'})",
        f"  WARC     {layout.warc}",
        f"  records  {layout.records}",
        f"  redirects {layout.root / 'redirects.*'} (CSV, nginx, Apache: for the old host)",
        *_package_lines(layout, packaged),
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
    summary = archive_stage.verify(config, deep=args.deep)
    for problem in summary.problems:
        print(f"sunset: verify: {problem}", file=sys.stderr)
    _print(args.quiet, f"verify: {'passed' if summary.ok else 'FAILED'} ({summary.records} WARC records, "
                       f"{len(summary.problems)} problems)")
    if summary.checked:
        _print(args.quiet, f"  also checked: {', '.join(summary.checked)}")
    return 0 if summary.ok else 1


def _package_lines(layout: OutputLayout, summary: archive_stage.PackageSummary) -> list[str]:
    lines = [f"  derived  {layout.derived_warc}", f"  index    {layout.cdxj}", f"  WACZ     {layout.wacz}"]
    if summary.bag_files is not None:
        lines.append(f"  bag      {layout.bag}")
    return lines


def _command_package(config: SiteConfig, args: argparse.Namespace) -> int:
    summary = archive_stage.package(config, bagit=args.bagit or None, quiet=args.quiet)
    layout = pipeline.layout_for(config)
    _print(args.quiet, "\n".join([
        f"package: {summary.derived.metadata} metadata and {summary.derived.conversions} conversion records, "
        f"{summary.cdxj_lines} index lines, {summary.wacz_pages} pages listed in the WACZ",
        *_package_lines(layout, summary),
    ]))
    for problem in summary.problems:
        print(f"sunset: package: {problem}", file=sys.stderr)
    return 0


def _command_replay(config: SiteConfig, args: argparse.Namespace) -> int:
    import subprocess

    from archive.package.replay import ReplayError, page_url, wayback_command

    root, start_url = archive_stage.prepare_replay(config)
    try:
        command = wayback_command(args.port)
    except ReplayError as error:
        raise SunsetError(str(error)) from error
    print(f"pywb is serving {config.name} at {page_url(args.port, config.name, start_url)}\n"
          f"  all captures: http://127.0.0.1:{args.port}/{config.name}/*/{config.base_url}*\n"
          "  press Ctrl-C to stop", flush=True)
    try:
        return subprocess.run(command, cwd=root, check=False).returncode
    except KeyboardInterrupt:
        return 0


def _add_archive_flags(name: str, sub: argparse.ArgumentParser) -> None:
    """Flags of the archive stage on the commands that write WARCs, and replay's port."""
    if name in ("run", "ingest", "package"):
        sub.add_argument("--fixed-clock", metavar="DATE", type=_utc_datetime,
                         help="date every record sunset creates (warcinfo, derived) carries, e.g. "
                              "2026-01-01T00:00:00Z: with --record-id-seed, reruns give byte-identical WARCs")
        sub.add_argument("--record-id-seed", metavar="TEXT",
                         help="derive record ids from TEXT instead of drawing random ones (reproducible output)")
    if name in ("run", "package"):
        sub.add_argument("--bagit", action="store_true", help="also write bag/, a BagIt 1.0 bag of the package "
                                                              "(default: [archive] bagit)")
    if name == "verify":
        sub.add_argument("--deep", action="store_true",
                         help="also have the second reader (FastWARC) check every digest, not only count records")
    if name == "replay":
        sub.add_argument("--port", type=int, default=8080, help="port on 127.0.0.1 (default 8080)")


def _utc_datetime(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"expected a date such as 2026-01-01T00:00:00Z, got {text!r}") from error
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _apply_archive_flags(config: SiteConfig, args: argparse.Namespace) -> SiteConfig:
    changes = {key: getattr(args, key) for key in ("fixed_clock", "record_id_seed")
               if getattr(args, key, None) is not None}
    if not changes:
        return config
    return replace(config, archive=replace(config.archive, **changes))


COMMANDS = {
    "run": (_command_run, "ingest (or crawl), normalize, mirror, package and verify: the whole pipeline",
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
    "verify": (_command_verify, "check WARC digests, the index, the WACZ, the bag and every mirror link",
               "Re-read the WARCs (two independent readers), check the CDXJ index against the master, "
               "validate the WACZ and the bag, compare the mirror with the derived records, and resolve "
               "every link of the mirror."),
    "package": (_command_package, "make the derived WARC, the CDXJ index, the WACZ (and the bag)",
                "From the master WARC, records.jsonl and mirror/: NAME-derived.warc.gz, NAME.cdxj, NAME.wacz, "
                "and bag/ with --bagit or [archive] bagit = true."),
    "replay": (_command_replay, "serve the master WARC in pywb on 127.0.0.1",
               "Build a pywb collection (replay/) over the master WARC and its CDXJ index, start pywb on "
               "127.0.0.1 and print the URL to open. Needs the replay extra: pip install 'sunset[replay]'."),
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
        _add_archive_flags(name, sub)
        if name in WORKER_COMMANDS:
            sub.add_argument("--workers", type=int, metavar="N",
                             help="processes that parse and rewrite pages (default: [output] workers, "
                                  "else one per core); 1 runs everything in one process")
        if name in CRAWL_COMMANDS:
            _add_crawl_flags(sub)
    _add_serve_parser(commands)
    add_batch_parser(commands)
    return parser


CRAWL_COMMANDS = ("run", "crawl")
WORKER_COMMANDS = ("run", "normalize", "mirror")
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
    "--max-fetch-time": ("max_fetch_time", float, "seconds for one whole response, however slowly it comes "
                                                  "(default 1200)"),
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


def _add_serve_parser(commands: argparse._SubParsersAction) -> None:
    sub = commands.add_parser(
        "serve", help="serve the mirror on 127.0.0.1 for a quick look in a browser",
        description="Serve the mirror over HTTP on 127.0.0.1 (this computer only) and print its address. "
                    "Ctrl-C stops. To publish the mirror, copy mirror/ to any static web host.",
        epilog="example:\n  sunset serve out/otpic --port 8000", formatter_class=argparse.RawDescriptionHelpFormatter)
    sub.add_argument("target", type=Path, metavar="OUTDIR", help="an output folder (or its mirror/ folder)")
    sub.add_argument("--port", type=int, default=8000, metavar="N", help="port to listen on (default 8000; 0: any free port)")
    sub.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    sub.add_argument("-v", "--verbose", action="store_true", help="log every request to the terminal")


def _command_serve(args: argparse.Namespace) -> int:
    from site_out.serve import ServeError, make_server, mirror_root, server_url

    try:
        root = mirror_root(args.target)
    except ServeError as error:
        print(f"sunset: error: {error}", file=sys.stderr)
        return 1
    try:
        server = make_server(root, args.port)
    except OSError as error:
        print(f"sunset: error: cannot listen on 127.0.0.1:{args.port}: {error.strerror or error}", file=sys.stderr)
        return 1
    with server:
        _print(args.quiet, f"Serving {root} at {server_url(server)} (Ctrl-C stops)")
        sys.stdout.flush()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            print("sunset: stopped", file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if wants_normalize_warc(args):
        return command_normalize_warc(args)
    _setup_logging(None, args.verbose, args.quiet)
    if args.command == "serve":
        return _command_serve(args)
    try:
        if args.command == "batch":
            return command_batch(args)
        config = _apply_archive_flags(resolve_target(args.target, args.out), args)
        if args.command in CRAWL_COMMANDS:
            config = apply_crawl_flags(config, args)
        if getattr(args, "workers", None) is not None:
            if args.workers < 1:
                raise SunsetError(f"--workers must be at least 1, got {args.workers}")
            config = dataclasses.replace(config, workers=args.workers)
        _setup_logging(pipeline.layout_for(config), args.verbose, args.quiet)
        handler = COMMANDS[args.command][0]
        with lock_for(args.command, pipeline.layout_for(config).lock):
            return handler(config, args)
    except SunsetError as error:
        print(f"sunset: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("sunset: interrupted; run the same command again to redo the unfinished stage", file=sys.stderr)
        return 130
    except OSError as error:
        print(f"sunset: error: {error.strerror or error}: {error.filename or ''}".rstrip(": ")
              + _disk_advice(error), file=sys.stderr)
        return 1


def _disk_advice(error: OSError) -> str:
    """What to do about a full or read-only disk; the files under their final names are intact."""
    import errno

    if error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return ("\nsunset: the output folder's disk is full; nothing written so far is damaged: free some space "
                "and run the same command again to finish")
    if error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return "\nsunset: the output folder cannot be written: choose another with --out, or fix its permissions"
    return ""


if __name__ == "__main__":
    sys.exit(main())
