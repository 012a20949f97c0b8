"""Options of the crawl stage (the ``[source]`` section of the config)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

DEFAULT_INDEX_FILES = ("index.html", "index.htm", "default.htm")


@dataclass(frozen=True, slots=True)
class SourceOptions:
    """Where the captures come from and how the old server named things."""

    base_url: str
    docroot: Path | None = None
    docroot_url: str | None = None
    """The URL the docroot folder was served at; default: the root of ``base_url``'s host."""
    case_insensitive: bool = False
    index_files: tuple[str, ...] = DEFAULT_INDEX_FILES
    file_date: datetime | None = None
    """The date ingested files carry; default: each file's modification time."""
    exclude_names: tuple[str, ...] = field(default=(".git", ".svn", "CVS", ".DS_Store", "Thumbs.db"))
