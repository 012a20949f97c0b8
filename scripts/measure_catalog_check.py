"""Measure what the link check of the mirror's page list costs in memory, whole or in parts.

    .venv/bin/python scripts/measure_catalog_check.py [PAGES] [--part-size N]

Writes the page list of PAGES pages (titles with an en dash, as the generated bench site's, so
the text is two bytes a character in CPython) with ``PART_SIZE`` set to N (default: the
module's; ``0``: one part, as before parts existed) into a temporary mirror whose link targets
exist (small ``.gif`` files, which the check does not read), then runs the link check
(:func:`site_out.check.iter_mirror_problems`, one worker: the pages read in this process) in a
fresh process and prints its peak resident set (``VmHWM``) over what it held after its imports.
The figures go into docs/performance.md by hand.
"""
from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHECK = """
import sys
from pathlib import Path
from site_out.check import iter_mirror_problems

def hwm():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
before = hwm()
problems = list(iter_mirror_problems(Path(sys.argv[1]), workers=1))
assert problems == [], problems[:3]
print(f"{before:.1f} {hwm():.1f}")
"""


def build(root: Path, pages: int, part_size: int) -> int:
    """The page list and its targets under ``root``; returns how many parts it has."""
    from site_out import catalog
    from site_out.catalog import CatalogEntry, write_catalog

    catalog.PART_SIZE = part_size or pages + 1
    folder = root / "site"
    folder.mkdir(parents=True)
    for number in range(pages):
        (folder / f"p{number}.gif").write_bytes(b"")
    entries = (CatalogEntry(f"../site/p{number}.gif", f"http://old.example/section/d{number // 200}/page{number}.htm",
                            f"Conflict \u2013 peace, page {number} of the old site", "")
               for number in range(pages))
    write_catalog(entries, '<div data-sunset="notice">Retired.</div>', "bench", root, io.StringIO())
    for name in ("search-index.js", "search.js"):  # (not read by the check)
        (root / "_sunset" / name).write_bytes(b"")
    return len(list((root / "_sunset").glob("index*.html")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pages", nargs="?", type=int, default=50_000)
    parser.add_argument("--part-size", type=int, default=None)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from site_out import catalog

    part_size = catalog.PART_SIZE if args.part_size is None else args.part_size
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        parts = build(root, args.pages, part_size)
        largest = max(path.stat().st_size for path in (root / "_sunset").glob("index*.html"))
        result = subprocess.run([sys.executable, "-c", CHECK, str(root)], cwd=ROOT, check=True,
                                stdout=subprocess.PIPE, text=True, env={"PYTHONPATH": str(ROOT)})
        before, peak = (float(value) for value in result.stdout.split())
    print(f"{args.pages} pages, {parts} part(s), largest {largest / 1e6:.2f} MB: the check's peak "
          f"{peak:.1f} MiB, {peak - before:+.1f} MiB over its imports")


if __name__ == "__main__":
    main()
