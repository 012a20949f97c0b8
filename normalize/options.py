"""Options of the normalize stage."""
from __future__ import annotations

from dataclasses import dataclass

from archive.limits import MAX_PAGE_BYTES


@dataclass(frozen=True, slots=True)
class NormalizeOptions:
    base_url: str
    case_insensitive: bool = False
    max_page_bytes: int = MAX_PAGE_BYTES
    """Pages larger than this are parsed only up to it (and marked ``truncated``)."""
    aliases: tuple[str, ...] = ()
    """Other host names of the same site: links to them are in scope (``archive.urls.Scope``)."""
