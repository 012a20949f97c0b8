"""``sunset batch ...``: the many-WARC, many-site commands, on the local engine or on Spark.

A subcommand of its own, so the one-site commands keep their CONFIG|OUTDIR argument untouched.
"""
from __future__ import annotations

import argparse
import glob
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

from archive.errors import ConfigError
from sunset.batch import (
    STAGES,
    normalize_many,
    run_sites,
    site_result_line,
    write_sites_manifest,
)
from sunset.config import SiteConfig, resolve_target
from sunset.console import shown
from sunset.engines import ENGINES, make_engine

DESCRIPTION = """\
Process many WARCs or many sites at once. Each WARC (normalize) or site (mirror, run) is one
task; `--engine local` runs the tasks here (a loop, or --processes N), `--engine spark`
runs them as Spark tasks (pip install 'sunset[spark]'; Java 17). The tasks call the same code as
the one-site commands, so both engines write the same records and mirrors."""

EPILOG = """\
examples:
  sunset batch normalize a.warc.gz b.warc.gz --out recs/                 parts + manifest.json
  sunset batch normalize --engine spark --master 'local[4]' warcs/*.warc.gz --out recs/ --merge
  sunset batch mirror out/site1 out/site2 --engine spark                  re-make two mirrors
  sunset batch mirror --sites 'sites/*.toml' --warc crawl-1.warc.gz --warc crawl-2.warc.gz --out-root out/
  sunset batch run --sites 'sites/*.toml' --engine spark --out-root out/  every stage, one task per site

on a cluster (spark-submit runs a .py file: give it sunset/cli.py of the installed package):
  spark-submit --master spark://HOST:7077 "$(python -c 'import sunset.cli as c; print(c.__file__)')" \\
      batch run --sites '/shared/sites/*.toml' --out-root /shared/out --engine spark
(see docs/scale.md)

A WARC or site that fails is reported as `sunset: error: ...` (one line each) and in the manifest;
the others finish, and the exit status is 1."""

SUBCOMMANDS = {
    "normalize": ("records for many WARCs: one JSON Lines part per WARC and a manifest",
                  "Normalize every WARC given (paths or file:// URIs) into OUT/parts/part-NNNNN.jsonl, one "
                  "task per WARC, and write OUT/manifest.json (inputs, parts, record counts, digests)."),
    "mirror": ("mirrors for many sites: one task per site",
               "Write the mirror of every site given. With --warc, the WARCs are indexed first (one task "
               "each, headers only), the index is grouped by site, and each site's captures are copied "
               "byte for byte into its own NAME.warc.gz before its mirror is written."),
    "run": ("every stage for many sites: one task per site",
            "ingest (or crawl), normalize, mirror, package and verify each site in a task of its own, as "
            "`sunset run` does. A re-run resumes: a "
            "site whose WARC is already complete is not fetched again."),
}


def _add_engine_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("engine")
    group.add_argument("--engine", choices=ENGINES, default="local",
                       help="where the tasks run (default: local)")
    group.add_argument("--processes", "--workers", dest="workers", type=int, default=1, metavar="N",
                       help="local engine: tasks run at once, each in a process of its own (default: 1, a plain "
                            "loop). Not [output] workers, which a site's task uses for its own pages; "
                            "--workers is this flag's old name")
    group.add_argument("--master", metavar="URL",
                       help="spark engine: the Spark master, e.g. 'local[4]' or spark://host:7077 "
                            "(default: spark-submit's --master, else local[*])")
    group.add_argument("--conf", action="append", default=[], metavar="KEY=VALUE",
                       help="spark engine: a Spark setting (repeatable), e.g. spark.executor.memory=4g")
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors (for scripts)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every step to the terminal")


def add_batch_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    batch = commands.add_parser("batch", help="many WARCs or many sites at once (local or Spark)",
                                description=DESCRIPTION, epilog=EPILOG,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = batch.add_subparsers(dest="batch_command", metavar="BATCH_COMMAND", required=True)
    for name, (summary, description) in SUBCOMMANDS.items():
        parser = sub.add_parser(name, help=summary, description=description)
        if name == "normalize":
            parser.add_argument("warcs", nargs="+", metavar="WARC", help="WARC files: paths or file:// URIs")
            parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder")
            parser.add_argument("--base-url", metavar="URL",
                                help="the site's URL for every WARC (default: each WARC's warcinfo "
                                     "sunset-base-url, else the scheme and host of its first capture)")
            parser.add_argument("--case-insensitive", action="store_true",
                                help="the old server matched URLs whatever their case (IIS)")
            parser.add_argument("--merge", action="store_true",
                                help="also write OUT/records.jsonl: every part, in input order")
        else:
            parser.add_argument("sites", nargs="*", metavar="SITE",
                                help="site configs (TOML) or output folders of earlier runs")
            parser.add_argument("--sites", dest="site_globs", action="append", default=[], metavar="GLOB",
                                help="site configs by pattern, e.g. 'sites/*.toml' (quote it; repeatable)")
            parser.add_argument("--out-root", type=Path, metavar="DIR",
                                help="write each site into DIR/NAME (default: each config's [output] dir)")
            if name == "mirror":
                parser.add_argument("--warc", dest="warcs", action="append", default=[], metavar="WARC",
                                    help="take the sites' captures from these WARCs (repeatable)")
            parser.add_argument("--manifest", type=Path, metavar="FILE",
                                help="write what every site and WARC did (and why any failed) here "
                                     "(default: OUT_ROOT/manifest.json with --out-root)")
        _add_engine_options(parser)


def _site_configs(args: argparse.Namespace) -> list[SiteConfig]:

    targets = [Path(site) for site in args.sites]
    for pattern in args.site_globs:
        matches = sorted(glob.glob(os.path.expanduser(pattern)))
        if not matches:
            raise ConfigError(f"--sites {pattern!r} matches no file")
        targets.extend(Path(match) for match in matches)
    if not targets:
        raise ConfigError("no sites given: name site configs or output folders, or use --sites 'GLOB'")
    configs = []
    for target in targets:
        config = resolve_target(target, None)
        if args.out_root is not None:
            config = replace(config, output_dir=(args.out_root / config.name).resolve())
        configs.append(config)
    return configs


def command_batch(args: argparse.Namespace) -> int:
    engine = make_engine(args.engine, workers=args.workers, master=args.master, conf=args.conf)
    try:
        if args.batch_command == "normalize":
            summary = normalize_many(args.warcs, args.out, engine, base_url=args.base_url,
                                     case_insensitive=args.case_insensitive, merge=args.merge)
            for part in summary.parts:
                if part.error:
                    print(f"sunset: error: {part.error}", file=sys.stderr)
                elif not args.quiet:
                    print(f"{part.source}: {part.records} records ({part.pages} pages) -> {shown(Path(part.part))}")
            if not args.quiet:
                read = f"{len(summary.parts) - len(summary.failed)} of " if summary.failed else ""
                print(f"{summary.records} records from {read}{len(summary.parts)} WARCs in {summary.seconds:.1f}s "
                      f"({engine.name}); "
                      f"manifest {shown(summary.manifest)}")
            return 1 if summary.failed else 0
        stages = ("mirror",) if args.batch_command == "mirror" else STAGES
        started = time.perf_counter()
        command = f"batch {args.batch_command}"
        run = run_sites(_site_configs(args), stages, engine, warcs=getattr(args, "warcs", ()), command=command)
        manifest = args.manifest or (args.out_root / "manifest.json" if args.out_root is not None else None)
        if manifest is not None:
            write_sites_manifest(manifest, run, engine, command, time.perf_counter() - started)
    finally:
        engine.close()
    for index in run.inputs:
        if index.error:
            print(f"sunset: error: {index.error}", file=sys.stderr)
    for result in run.sites:
        failed = bool(result.error) or result.verified is False
        if not args.quiet or failed:
            print(site_result_line(result), file=sys.stderr if failed else sys.stdout)
    if not args.quiet:
        good = sum(1 for r in run.sites if not r.error and r.verified is not False)
        print(f"{good} of {len(run.sites)} sites done ({engine.name})"
              + (f"; manifest {shown(manifest)}" if manifest is not None else ""))
    return 1 if run.failed else 0
