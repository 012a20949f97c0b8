"""``<name>.wacz``: the master, its index and a page list in one file (WACZ 1.1.1, py-wacz).

ReplayWeb.page and other viewers open it directly. Only the master goes in: the derived
WARC would let a viewer serve a notice page in place of an original.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from archive.package.derived import OriginalIndex
from archive.records_file import iter_page_records


class WaczError(RuntimeError):
    """The WACZ could not be written."""


@dataclass(frozen=True, slots=True)
class Page:
    url: str
    title: str | None
    date: str


def iter_pages(records_path: Path, index: OriginalIndex) -> Iterable[Page]:
    """Every HTML page of the records, with its title and the date of its capture."""
    for record, _ in iter_page_records(records_path):
        original = index.find(record.get("warc_record_id"), record.get("url", ""))
        if original is not None:
            yield Page(original.url, record.get("title"), original.date)


def _run_wacz(args: list[str]) -> tuple[int, str]:
    """py-wacz's own command, its chatter captured (it prints every step)."""
    from wacz.main import main as wacz_main

    chatter = io.StringIO()
    with contextlib.redirect_stdout(chatter):
        try:
            code = wacz_main(args)
        except (ValueError, OSError, KeyError) as error:
            return 1, f"{chatter.getvalue()}{error}"
    return int(code or 0), chatter.getvalue()


def write_wacz(master: Path, pages: Iterable[Page], output: Path, *, title: str, description: str,
               main_url: str | None) -> int:
    """Write ``output`` (complete or not at all); returns the number of pages listed."""
    with tempfile.TemporaryDirectory(prefix="sunset-wacz-", dir=output.parent) as folder:
        pages_file = Path(folder) / "pages.jsonl"
        count = 0
        with pages_file.open("w", encoding="utf-8") as handle:
            handle.write(json.dumps({"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}) + "\n")
            for page in pages:
                entry = {"url": page.url, "ts": page.date, "title": page.title or page.url}
                handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
                count += 1
        partial = Path(folder) / output.name
        args = ["create", "-o", str(partial), "--hash-type", "sha256", "-p", str(pages_file),
                "--title", title, "--desc", description, str(master)]
        if main_url:
            args[1:1] = ["--url", main_url]
        code, chatter = _run_wacz(args)
        if code != 0 or not partial.exists():
            raise WaczError(f"py-wacz could not write {output.name}: {chatter.strip()[-500:]}")
        os.replace(partial, output)
    return count


def validate_wacz(path: Path) -> list[str]:
    """Problems ``wacz validate`` finds (empty when it passes)."""
    code, chatter = _run_wacz(["validate", "-f", str(path)])
    if code == 0:
        return []
    lines = [line for line in chatter.splitlines() if line.strip()]
    return [f"{path.name}: wacz validate failed: " + "; ".join(lines[-3:])]
