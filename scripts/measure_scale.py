"""Measure the batch engines on this machine: Spark start-up, and records/s local vs spark.

    .venv/bin/python scripts/measure_scale.py [WORKDIR]

Inputs: the bundled OTPIC site and, when ../shared/corpus is present, the Apache 1.3 manual and
Linux Gazette 1998-99, each ingested by `sunset ingest`, plus copies so there are 8 WARCs.
The figures go into docs/scale.md by hand.
"""
from __future__ import annotations

import json
import logging
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sunset.batch import normalize_many  # noqa: E402
from sunset.cli import main  # noqa: E402
from sunset.engines import LocalEngine, SparkEngine  # noqa: E402

OTPIC_CONFIG = ROOT / "examples" / "otpic" / "site.toml"
CORPUS = ROOT.parent / "shared" / "corpus"


def write_config(folder: Path, *, docroot: str, base_url: str) -> Path:
    """A minimal config for ingesting one corpus site (the tests have their own helper)."""
    path = folder / "site.toml"
    path.write_text(f"""[site]
name = "test"
base_url = {json.dumps(base_url)}

[source]
docroot = {json.dumps(docroot)}

[notice]
title = "Retired"
date = "2005-12-02"
text = "This site has been retired."
""", encoding="utf-8")
    return path


def inputs(work: Path) -> list[str]:
    warcs = []
    main(["ingest", str(OTPIC_CONFIG), "--out", str(work / "otpic"), "-q"])
    warcs.append(work / "otpic" / "otpic.warc.gz")
    for name, docroot, base in (("apache", CORPUS / "apache13-manual" / "htdocs", "http://localhost/"),
                                ("lg", CORPUS / "linuxgazette1998-99-cp1252", "http://www.linuxgazette.com/")):
        if docroot.is_dir():
            (work / name).mkdir()
            config = write_config(work / name, docroot=str(docroot), base_url=base)
            main(["ingest", str(config), "--out", str(work / name / "out"), "-q"])
            warcs.append(work / name / "out" / "test.warc.gz")
    for handler in list(logging.getLogger().handlers):  # main() logged into the ingest folders
        logging.getLogger().removeHandler(handler)
    copies = [copy for index in range(8 // len(warcs) + 1) for copy in warcs][:8]
    sources = []
    for index, warc in enumerate(copies):
        target = work / f"in-{index}.warc.gz"
        shutil.copyfile(warc, target)
        sources.append(str(target))
    return sources


def measure(label: str, engine, sources: list[str], out: Path) -> None:
    started = time.perf_counter()
    summary = normalize_many(sources, out, engine)
    seconds = time.perf_counter() - started
    size = sum(Path(source).stat().st_size for source in sources) / 1e6
    print(f"{label:28s} {summary.records:6d} records {size:6.1f} MB  {seconds:6.2f} s  "
          f"{summary.records / seconds:7.0f} records/s")


def run(work: Path) -> None:
    sources = inputs(work)
    print(f"{len(sources)} WARCs")
    measure("local, loop", LocalEngine(1), sources, work / "loop")
    measure("local, 2 processes", LocalEngine(2), sources, work / "pool")
    started = time.perf_counter()
    spark = SparkEngine("local[2]")
    spark.session
    print(f"spark session start-up       {time.perf_counter() - started:6.2f} s")
    measure("spark local[2], first job", spark, sources, work / "spark1")
    measure("spark local[2], warm", spark, sources, work / "spark2")
    spark.close()


if __name__ == "__main__":
    if len(sys.argv) > 1:
        run(Path(sys.argv[1]))
    else:
        with tempfile.TemporaryDirectory() as folder:
            run(Path(folder))
