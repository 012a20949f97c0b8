"""The ``sunset`` command. ``main(argv)`` is what tests call; errors are caught here once."""
from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from archive.errors import SunsetError
from sunset import __version__, archive_stage, interrupt, pipeline, plan, qa_cli, run_driver, run_record, steps
from sunset.batch_cli import add_batch_parser, command_batch
from sunset.config import SiteConfig, resolve_target, with_values
from sunset.console import run_stamp, say, setup_logging, shown
from sunset.layout import OutputLayout
from sunset.folder_site import other_site, replace_contents
from sunset.lock import WRITING_COMMANDS, lock_for
from sunset.normalize_cli import (
    add_normalize_warc_arguments,
    command_normalize_warc,
    wants_normalize_warc,
)
from sunset.options_table import CRAWL, cli_help, flags_of
from sunset.sources import SOURCES, check_command, source_of
from sunset.steps import RunFlags, Step

log = logging.getLogger("sunset")

DESCRIPTION = """\
Retire a legacy website properly: keep its original bytes in a WARC, turn every page into a
structured record, and write a static mirror that works offline and carries the retirement
notice on every page.

Start with `sunset run site.toml`; the stage commands re-run one stage over an output folder."""

EPILOG = """\
examples:
  sunset plan site.toml                            what a run would archive (a dry run: writes nothing)
  sunset run examples/otpic/site.toml              everything, into [output] dir
  sunset run site.toml --out /tmp/otpic            everything, into /tmp/otpic
  sunset crawl site.toml --delay 1                 fetch a live site (no docroot) into the WARC;
                                                   run it again after an interruption to resume
  sunset run site.toml --as-of 1998-11             with [source] wayback: the site as a web archive
                                                   held it in November 1998
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
  wayback.sqlite  a web archive's listing of the site and the rebuild's progress
  site.toml       the config used, so stage commands can be given the folder alone
  run.json        the commands that wrote here, and what each output was made from (verify checks it)"""


def _flags(args: argparse.Namespace) -> RunFlags:
    return RunFlags(quiet=args.quiet, fresh=getattr(args, "fresh", False), bagit=getattr(args, "bagit", False) or None,
                    deep=getattr(args, "deep", False), listed=getattr(args, "docroot_files", None),
                    stamp=getattr(args, "run_stamp", None))


def _run_steps(config: SiteConfig, args: argparse.Namespace, plan: Sequence[Step] | None = None) -> run_driver.Run:
    """``plan``, by default the steps of ``sunset COMMAND``; what the source could not fetch is shown as it ends.

    A stage command that has changed an input of outputs already in the folder (``sunset ingest``
    under a mirror and a package) says which are now out of step, and what to run."""
    source = source_of(config).step

    def after(step: Step, result: Any) -> None:
        if step.name == source and result is not None:
            _print_failures(source, result.failures)

    made = run_driver.run(config, plan or steps.stage_plan(config, args.command), _flags(args), after=after)
    if plan is None and args.command in WRITING_COMMANDS:
        stale = run_record.out_of_step(made.layout, steps.run_plan(config))
        if stale:
            log.warning("%s: %s", args.command, run_record.stale_outputs_notice(made.layout, stale))
    return made


def _command_run(config: SiteConfig, args: argparse.Namespace) -> int:
    layout = pipeline.layout_for(config)
    source_step = source_of(config).step
    made = _run_steps(config, args, steps.run_plan(config)).results
    source, normalized, mirrored = made[source_step], made["normalize"], made["mirror"]
    packaged, verified = made["package"], made["verify"]
    served = made.get("served")
    problems = normalized.pages_with_problems + len(mirrored.problems) + source.problems + len(packaged.problems)
    pages = f"{normalized.pages}" if normalized.pages == mirrored.pages else (
        f"{normalized.pages} in records.jsonl, {mirrored.pages} rewritten in the mirror (the others: see the log)")
    pages += other_orders_note(normalized.other_orders) + error_pages_note(normalized.error_pages)
    say(args.quiet, "\n".join([
        f"sunset {__version__}: {config.name} ({config.base_url})",
        source.summary_line(layout),
        f"  pages            {pages}",
        f"  problems noted   {problems} (details in {shown(layout.log)})",
        f"  missing links    {_missing_line(mirrored)}",
        f"  scripts left     {mirrored.scripts_left} (script navigations not rewritten; see the log)",
        *_leftover_lines(mirrored),
        *(served.summary_lines() if served is not None else ()),
        f"  verification     {'passed' if verified.ok else 'FAILED'} ({verified.records} WARC records)",
        "",
        f"  mirror    {shown(layout.mirror / 'index.html')}   (about: {shown(layout.mirror / '_sunset' / 'about.html')})",
        f"  report    {shown(layout.mirror / '_sunset' / 'report.html')}   (CSV: {shown(layout.root / 'reports')})",
        f"  WARC      {shown(layout.warc)}",
        f"  records   {shown(layout.records)}",
        f"  redirects {shown(layout.root, 'redirects.*')} (CSV, nginx, Apache: for the old host)",
        *_package_lines(layout, packaged),
    ]))
    for problem in verified.problems:
        print(f"sunset: verify: {problem}", file=sys.stderr)
    return 0 if verified.ok else 1


def other_orders_note(count: int) -> str:
    """A served view's folder listings in another order (``?C=M;O=A``) are pages the old server made,
    nine to a folder: said apart, or a files run of 249 pages reads as 834 (Linux Gazette)."""
    return (f" ({count} of them a folder's listing in another order, kept only so that its column headings "
            "open)") if count else ""


def error_pages_note(count: int) -> str:
    """Error and redirect bodies (a 404 page) are counted apart from the site's pages."""
    return (f" (and {count} error or redirect page{'s' if count != 1 else ''}: kept in the WARC, not counted as "
            "pages; see the report)") if count else ""


def _print_failures(source: str, failures: tuple[str, ...], shown: int = 20) -> None:
    if not failures:
        return
    lines = [f"sunset: {source}: {failure}" for failure in failures[:shown]]
    if len(failures) > shown:
        lines.append(f"sunset: {source}: ... and {len(failures) - shown} more (each in sunset.log)")
    print("\n".join(lines), file=sys.stderr)


def _command_plan(config: SiteConfig, args: argparse.Namespace) -> int:
    """``sunset plan``: the dry run of the config's source (its line in ``SOURCES``), then the output folder."""
    return plan.command_plan(config, args, source_of(config).plan)


def _command_source(config: SiteConfig, args: argparse.Namespace) -> int:
    """``sunset crawl``, ``sunset ingest``: the source step alone."""
    made = _run_steps(config, args).results[args.command]
    say(args.quiet, made.done_line(pipeline.layout_for(config)))
    return 0


def _command_normalize(config: SiteConfig, args: argparse.Namespace) -> int:
    summary = _run_steps(config, args).results["normalize"]
    say(args.quiet, f"{summary.records} records ({summary.pages} pages) written to {shown(summary.output)}")
    return 0


def _command_mirror(config: SiteConfig, args: argparse.Namespace) -> int:
    summary = _run_steps(config, args).results["mirror"]
    layout = pipeline.layout_for(config)
    say(args.quiet, f"{summary.pages} pages and {summary.files} files; open {shown(layout.mirror / 'index.html')}")
    return 0


def _command_verify(config: SiteConfig, args: argparse.Namespace) -> int:
    summary = _run_steps(config, args).results["verify"]
    for problem in summary.problems:
        print(f"sunset: verify: {problem}", file=sys.stderr)
    say(args.quiet, f"verify: {'passed' if summary.ok else 'FAILED'} ({summary.records} WARC records, "
                       f"{len(summary.problems)} problems)")
    if summary.checked:
        say(args.quiet, f"  also checked: {', '.join(summary.checked)}")
    return 0 if summary.ok else 1


def _missing_line(mirrored: pipeline.MirrorSummary) -> str:
    """Counted in pages, not links: a page that links the same lost page ten times is noted once."""
    targets = len({link.url or link.raw for link in mirrored.missing})
    linking = len({link.page for link in mirrored.missing})
    return (f"{linking} page{' links' if linking == 1 else 's link'} to {targets} page{'' if targets == 1 else 's'} "
            "not in the archive (each listed once in the log)")


def _leftover_lines(mirrored: pipeline.MirrorSummary) -> list[str]:
    """The site's own dead ends, counted (each is in the log and the report): never a failure."""
    if not mirrored.leftovers:
        return []
    pages = len({link.page for link in mirrored.leftovers})
    return [f"  local links      {len(mirrored.leftovers)} on {pages} page{'' if pages == 1 else 's'} pointed where "
            "no reader can go (the authors' own disks: file:, C:\\...); made inert, listed in the log and report"]


def _package_lines(layout: OutputLayout, summary: archive_stage.PackageSummary) -> list[str]:
    lines = [f"  derived   {shown(layout.derived_warc)}"]
    if layout.reconstructed_warc.exists():
        lines.append(f"  spellings {shown(layout.reconstructed_warc)} (sunset's reconstruction of other URL spellings)")
    lines += [f"  index     {shown(layout.cdxj)}", f"  WACZ      {shown(layout.wacz)}"]
    if summary.bag_files is not None:
        again = " (made again: an earlier run made it, and it must match this package)" if summary.bag_again else ""
        lines.append(f"  bag       {shown(layout.bag)}{again}")
    return lines


def _command_package(config: SiteConfig, args: argparse.Namespace) -> int:
    summary = _run_steps(config, args).results["package"]
    layout = pipeline.layout_for(config)
    say(args.quiet, "\n".join([
        f"package: {summary.derived.metadata} metadata and {summary.derived.conversions} conversion records, "
        f"{summary.cdxj_lines} index lines, {summary.wacz_pages} pages listed in the WACZ",
        *_package_lines(layout, summary),
    ]))
    for problem in summary.problems:
        print(f"sunset: package: {problem}", file=sys.stderr)
    return 0


def _command_replay(config: SiteConfig, args: argparse.Namespace) -> int:
    from archive.package.replay import ReplayError, page_url, serve, wayback_command

    root, start_url = archive_stage.prepare_replay(config)
    try:
        command = wayback_command(args.port)
    except ReplayError as error:
        raise SunsetError(str(error)) from error
    print(f"pywb is serving {config.name} at {page_url(args.port, config.name, start_url)}\n"
          f"  all captures: http://127.0.0.1:{args.port}/{config.name}/*/{config.base_url}*\n"
          "  press Ctrl-C to stop", flush=True)
    code = serve(command, root)
    interrupt.forget()  # Ctrl-C is how replay is stopped, not an interruption
    print("sunset: replay stopped", file=sys.stderr)
    return code


def _add_archive_flags(name: str, sub: argparse.ArgumentParser) -> None:
    """--bagit and replay's port (--fixed-clock and --record-id-seed are in the options table)."""
    if name in ("run", "package"):
        sub.add_argument("--bagit", action="store_true", help="also write bag/, a BagIt 1.0 bag of the package "
                                                              "(default: [archive] bagit)")
    if name == "verify":
        sub.add_argument("--deep", action="store_true",
                         help="also have the second reader (FastWARC) check every digest, not only count records")
    if name == "replay":
        sub.add_argument("--port", type=int, default=8080, help="port on 127.0.0.1 (default 8080)")


COMMANDS = {
    "plan": (_command_plan, plan.SUMMARY, plan.DESCRIPTION),
    "run": (_command_run, "ingest (or crawl), normalize, mirror, package and verify: the whole pipeline",
            "Run every stage for the site described by CONFIG and print where the results are."),
    "crawl": (_command_source, "fetch the site over HTTP (or from a web archive) into NAME.warc.gz (resumable)",
              "Crawl the site from base_url (or [source] seeds) politely, keeping every response byte for byte "
              "in the master WARC; with [source] wayback, rebuild it from that web archive as of [source] as_of. "
              "Run the same command again after an interruption to continue."),
    "ingest": (_command_source, "archive every file of the docroot into NAME.warc.gz",
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
    "qa": (qa_cli.command_qa, qa_cli.SUMMARY, qa_cli.DESCRIPTION),
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
        _add_option_flags(name, sub)
    qa_cli.add_qa_flags(commands.choices["qa"])
    _add_serve_parser(commands)
    add_batch_parser(commands)
    return parser


CRAWL_COMMANDS = CRAWL
FORCE_COMMANDS = ("run", *dict.fromkeys(source.step for source in SOURCES))
"""The commands that make a master, and so may replace a folder of another site (``--force``)."""


def _add_option_flags(name: str, sub: argparse.ArgumentParser) -> None:
    """The flags of the options table on command ``name`` (crawl keys in a group); each overrides its key."""
    group = None
    for option in flags_of(name):
        kind = option.kind
        target: argparse._ActionsContainer = sub
        if option.group == "crawl":
            group = group or sub.add_argument_group(
                "crawling (when the config has no docroot; --exclude also leaves a docroot's files out; "
                "each overrides the [source] key)")
            target = group
        if kind.repeated:
            target.add_argument(option.flag, dest=option.dest, action="append", metavar=kind.metavar,
                                help=cli_help(option))
        else:
            target.add_argument(option.flag, dest=option.dest, type=kind.cli_type, choices=kind.choices,
                                metavar=None if kind.choices else kind.metavar, help=cli_help(option))
    if name in CRAWL_COMMANDS:
        (group or sub).add_argument("--fresh", action="store_true",
                                    help="forget an earlier or interrupted crawl in the output folder and start again")
    if name in FORCE_COMMANDS:
        sub.add_argument("--force", action="store_true",
                         help="the output folder holds another site's output: remove everything in it first "
                              "(without --force such a folder is refused)")


def apply_option_flags(config: SiteConfig, args: argparse.Namespace) -> SiteConfig:
    """The config with the command line's settings (the options table's flags) in place of the file's."""
    given = vars(args)
    changes = {option: option.flag_value(given[option.dest]) for option in flags_of(args.command)
               if given.get(option.dest) is not None}
    return with_values(config, changes) if changes else config


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
        say(args.quiet, f"Serving {shown(root)} at {server_url(server)} (Ctrl-C stops)")
        sys.stdout.flush()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            print("sunset: stopped", file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.run_stamp = run_stamp(sys.argv[1:] if argv is None else argv)
    if wants_normalize_warc(args):
        return command_normalize_warc(args)
    setup_logging(None, args.verbose, args.quiet)
    if args.command == "serve":
        return _command_serve(args)
    layout = None
    try:
        with interrupt.handled():
            if args.command == "batch":
                return command_batch(args)
            config = apply_option_flags(resolve_target(args.target, args.out), args)
            if args.command == "plan":  # a dry run: it writes nothing, not even the log
                return _command_plan(config, args)
            force = getattr(args, "force", None)  # None: this command takes no --force
            args.docroot_files = check_command(config, args.command, force=force)  # the run's one walk of its docroot
            layout = pipeline.layout_for(config)
            setup_logging(layout, args.verbose, args.quiet)
            handler = COMMANDS[args.command][0]
            other = other_site(config) if force else None
            removed: list[str] = []
            with lock_for(args.command, layout, args.run_stamp.marker,
                          first=(lambda: removed.extend(replace_contents(layout, other))) if other else None):
                if other is not None:
                    log.warning("--force: %s held the output of site %s: removed %s", shown(layout.root), other.named,
                                ", ".join(removed) or "nothing")
                return handler(config, args)
    except SunsetError as error:
        print(f"sunset: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print(_interrupted_line(layout), file=sys.stderr)
        return 130
    except OSError as error:
        print(f"sunset: error: {error.strerror or error}: {error.filename or ''}".rstrip(": ")
              + _disk_advice(error), file=sys.stderr)
        return 1


def _interrupted_line(layout: OutputLayout | None) -> str:
    """What Ctrl-C left: the workers stopped and the temporary files gone (:mod:`sunset.lock`), but
    what a crawl (or a web archive's source) fetched is kept to be continued."""
    kept = layout.resumable_master if layout is not None else None
    if kept is not None:
        return (f"sunset: interrupted; what was fetched so far is kept in {shown(kept)}: run the same command "
                "again to continue")
    return "sunset: interrupted; run the same command again to redo the unfinished stage"


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
