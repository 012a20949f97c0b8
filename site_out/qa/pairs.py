"""The pages to compare: each HTML capture the mirror wrote, with its capture time and its mirror file."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from archive.capture_index import CaptureIndex
from archive.served import SiteIndex
from archive.urls import lookup_key
from site_out.plan import build_plan


@dataclass(frozen=True, slots=True)
class PagePair:
    url: str
    timestamp: str
    """The capture's 14-digit time, as pywb's URLs name it."""
    path: str
    """The mirror file, relative to ``mirror/``."""


def archived_spellings(warc_path: Path, *, case_insensitive: bool) -> dict[str, str]:
    """lookup key -> the URL as archived: on an IIS-like site ``LOGO.GIF`` finds ``logo.gif``, as it did live."""
    with CaptureIndex(warc_path) as index, SiteIndex(index) as site:
        return {lookup_key(capture.url, case_insensitive): capture.url for capture in site.captures()}


def iter_page_pairs(warc_path: Path, *, case_insensitive: bool) -> Iterator[PagePair]:
    """Every page of the mirror that came from a capture, in WARC order (headers only: cheap); for a
    docroot, the site as served (:mod:`archive.served`: the expanded page, the folder's listing), which
    the replay's index serves first too."""
    with CaptureIndex(warc_path) as index, SiteIndex(index) as site, \
            build_plan(site, case_insensitive=case_insensitive) as plan:
        for ordinal, capture in enumerate(site.captures()):
            planned = plan.files.get(ordinal)
            if planned is not None and planned.kind == "html" and planned.url == capture.url:
                yield PagePair(capture.url, capture.date.strftime("%Y%m%d%H%M%S"), planned.path)
