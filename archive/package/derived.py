"""``<name>-derived.warc.gz``: what sunset made from the master, each record tied to its original.

Kept in a WARC of its own so the master holds nothing but what the server sent, and so no
replay index built from the master can ever serve a notice page in place of an original.
Every record names its original by ``WARC-Refers-To`` (record id), ``-Target-URI`` and ``-Date``.
"""
from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from archive.capture_index import CaptureIndex, Original
from archive.records_file import iter_page_records
from archive.served import SiteIndex
from archive.warc_writer import WarcArchive

MIRROR_PATH_HEADER = "Sunset-Mirror-Path"
"""On conversion records: the mirror file (relative to the output folder) holding the same bytes."""


@dataclass(frozen=True, slots=True)
class ConvertedPage:
    """A mirror page and the URL of the capture it was made from."""

    url: str
    path: str
    """Relative to the output folder, with ``/`` separators (``mirror/host/page.htm``)."""


@dataclass(frozen=True, slots=True)
class DerivedSummary:
    path: Path
    metadata: int
    conversions: int
    problems: tuple[str, ...]


def _refers_to(original: Original) -> dict[str, str]:
    return {"WARC-Refers-To": original.record_id, "WARC-Refers-To-Target-URI": original.url,
            "WARC-Refers-To-Date": original.date}


def write_derived(path: Path, index: CaptureIndex | SiteIndex, records_path: Path | None, out_root: Path,
                  converted: Iterable[ConvertedPage], archive: WarcArchive) -> DerivedSummary:
    """Write the metadata and conversion records into ``archive`` (already entered)."""
    problems: list[str] = []
    metadata = conversions = 0
    if records_path is not None and records_path.exists():
        for record, line in iter_page_records(records_path):
            original = index.find(record.get("warc_record_id"), record.get("url", ""))
            if original is None:
                problems.append(f"records.jsonl: {record.get('url')}: no such capture in the master WARC")
                continue
            archive.write_record("metadata", original.url, io.BytesIO(line), length=len(line),
                                 content_type="application/json", headers=_refers_to(original))
            metadata += 1
    for page in converted:
        original = index.find(None, page.url)
        file = out_root / page.path
        if original is None or not file.is_file():
            problems.append(f"{page.path}: " + ("no capture of " + page.url if original is None else "missing"))
            continue
        with file.open("rb") as body:
            archive.write_record("conversion", original.url, body, length=file.stat().st_size,
                                 content_type="text/html; charset=utf-8",
                                 headers={**_refers_to(original), MIRROR_PATH_HEADER: page.path})
        conversions += 1
    return DerivedSummary(path, metadata, conversions, tuple(problems))
