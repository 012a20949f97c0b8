"""Options of the archive stage (the ``[archive]`` section of the config)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ArchiveOptions:
    site_name: str
    base_url: str
    description: str | None = None
    operator: str | None = None
    contact: str | None = None
