"""Options of the archive stage (the ``[archive]`` section of the config)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class ArchiveOptions:
    description: str | None = None
    operator: str | None = None
    contact: str | None = None
    bagit: bool = False
    """Also write ``bag/``, a BagIt 1.0 bag of the whole package."""
    source_organization: str | None = None
    """bag-info.txt Source-Organization (default: ``operator``)."""
    contact_email: str | None = None
    """bag-info.txt Contact-Email (default: ``contact``)."""
    fixed_clock: datetime | None = None
    """Date of every record sunset creates itself (warcinfo, derived): for byte-identical reruns."""
    record_id_seed: str | None = None
    """Derive record ids from this seed (uuid5) instead of drawing random ones."""
