"""Options of the normalize stage."""
from __future__ import annotations

from dataclasses import dataclass

DEFAULT_MAX_PAGE_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class NormalizeOptions:
    base_url: str
    case_insensitive: bool = False
    max_page_bytes: int = DEFAULT_MAX_PAGE_BYTES
    """Pages larger than this are parsed only up to it (and marked ``truncated``)."""
