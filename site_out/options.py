"""Options of the mirror stage (``[notice]`` and ``[mirror]`` sections of the config)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from crawl.options import DEFAULT_INDEX_FILES


@dataclass(frozen=True, slots=True)
class NoticeOptions:
    """The retirement notice shown at the top of every mirror page (plain text, escaped)."""

    title: str
    date: date
    text: str
    successor_name: str | None = None
    successor_url: str | None = None


@dataclass(frozen=True, slots=True)
class MirrorOptions:
    base_url: str
    notice: NoticeOptions
    site_name: str = "site"
    case_insensitive: bool = False
    index_files: tuple[str, ...] = DEFAULT_INDEX_FILES
