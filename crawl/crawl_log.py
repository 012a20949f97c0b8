"""``crawl.log``: one tab-separated line per fetch, appended as the crawl goes.

Columns: time (UTC), HTTP status (or ``-`` when no response came), size in bytes, URL,
referrer, content type, duration in ms, note (retry, truncation, why it failed or was skipped).
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import TextIO


def _clean(value: object) -> str:
    text = "-" if value is None or value == "" else str(value)
    return text.replace("\t", " ").replace("\n", " ").replace("\r", " ")


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as handle:
        handle.seek(-1, 2)
        return handle.read(1) == b"\n"


class CrawlLog:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._handle: TextIO = path.open("a", encoding="utf-8")
        if self._handle.tell() and not _ends_with_newline(path):
            self._handle.write("\n")  # a killed crawl's half line stays a line of its own

    def write(self, *, status: int | None, size: int | None, url: str, referrer: str | None,
              content_type: str | None, duration: float | None, note: str = "") -> None:
        when = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        millis = None if duration is None else f"{duration * 1000:.0f}"
        fields = (when, status, size, url, referrer, content_type, millis, note)
        self._handle.write("\t".join(_clean(field) for field in fields) + "\n")
        self._handle.flush()

    def close(self) -> None:
        self._handle.close()
