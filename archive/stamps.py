"""Record ids and dates for new records: random and current by default, fixed for reproducible runs.

Two runs over the same input with the same fixed clock and seed must give byte-identical
WARCs (golden files, reproducible packages). warcio otherwise draws a uuid4 and the current
time for every record it creates; this is the one place that decides instead.
"""
from __future__ import annotations

import uuid
from collections import Counter
from datetime import datetime, timezone

from archive.dates import warc_date

_NAMESPACE = uuid.UUID("6f1c8a5e-3f4b-5d2a-9c7e-2b1d0e4f5a60")


class RecordStamps:
    """Hands out ``WARC-Record-ID`` and ``WARC-Date`` values for the records sunset creates."""

    def __init__(self, clock: datetime | None = None, seed: str | None = None) -> None:
        self.clock = clock.astimezone(timezone.utc) if clock is not None else None
        self.seed = seed
        self._seen: Counter[tuple[str, str]] = Counter()

    @property
    def fixed(self) -> bool:
        return self.clock is not None or self.seed is not None

    def record_id(self, record_type: str, url: str) -> str:
        """uuid5 of seed, type, URL and occurrence when seeded (a URL may be captured twice)."""
        if self.seed is None:
            return f"<urn:uuid:{uuid.uuid4()}>"
        key = (record_type, url)
        self._seen[key] += 1
        name = f"{self.seed}\n{record_type}\n{url}\n{self._seen[key]}"
        return f"<urn:uuid:{uuid.uuid5(_NAMESPACE, name)}>"

    def now(self) -> str:
        return warc_date(self.clock or datetime.now(timezone.utc))
