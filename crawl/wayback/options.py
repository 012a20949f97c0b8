"""Options of the web-archive source (``[source] wayback``, ``as_of``, ``from``, ``to``, ``cdx_api``),
and the archive's way of writing a moment: 14 digits, ``YYYYMMDDhhmmss``, UTC."""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timezone

TIMESTAMP_FORMAT = "%Y%m%d%H%M%S"


@dataclass(frozen=True, slots=True)
class WaybackOptions:
    """Which archive, and which moment of the site; ``replay`` None: the source is not an archive."""

    replay: str | None = None
    """The archive's replay prefix: ``https://web.archive.org/web/``, ``http://host/COLL/``."""
    as_of: str = ""
    """The moment wanted, 14 digits: each URL's capture nearest to it is taken."""
    window_from: str | None = None
    """The earliest capture accepted, 14 digits (``from``); None: any."""
    window_to: str | None = None
    """The latest capture accepted, 14 digits (``to``); None: any."""
    cdx_api: str | None = None
    """The archive's CDX API; None: derived from ``replay`` (:mod:`crawl.wayback.endpoints`)."""

    @property
    def enabled(self) -> bool:
        return bool(self.replay)

    def in_window(self, timestamp: str) -> bool:
        return (self.window_from is None or timestamp >= self.window_from) and (
            self.window_to is None or timestamp <= self.window_to)

    def describe_window(self) -> str:
        """``1998-01-01 to 1999-12-31`` (or ``any date``), for messages and the warcinfo."""
        if self.window_from is None and self.window_to is None:
            return "any date"
        start = shown(self.window_from) if self.window_from else "the first capture"
        end = shown(self.window_to) if self.window_to else "the last"
        return f"{start} to {end}"


_DIGITS = re.compile(r"^\d{4}(\d{2}){0,5}$")
_ISO_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2}))?$")
EXPECTED = ("expected a date: 4 to 14 digits as the archive writes it (1998, 199811, 19981116, "
            "19981116093000) or ISO (1998-11, 1998-11-16, 1998-11-16T09:30:00Z)")


def archive_timestamp(value: object, *, latest: bool = False) -> str:
    """``value`` (a config's ``as_of``, ``from`` or ``to``) as 14 digits, UTC.

    A partial moment stands for its earliest second, or with ``latest`` its last: ``to = "1999"``
    accepts every capture of 1999. Raises ValueError with what was expected.
    """
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return moment.astimezone(timezone.utc).strftime(TIMESTAMP_FORMAT)
    if isinstance(value, date):
        return _padded(value.strftime("%Y%m%d"), latest)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError(f"{EXPECTED}, got {value!r}")
    text = value.strip()
    if _DIGITS.match(text):
        return _padded(text, latest)
    partial = _ISO_PARTIAL.match(text)
    if partial:
        return _padded(partial.group(1) + (partial.group(2) or ""), latest)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{EXPECTED}, got {value!r}") from None
    if "T" not in text and " " not in text:
        return _padded(parsed.strftime("%Y%m%d"), latest)
    return archive_timestamp(parsed)


def _padded(digits: str, latest: bool) -> str:
    """Fill the missing fields with their first (or last) value, and check the date exists."""
    year = int(digits[:4])
    month = int(digits[4:6] or (12 if latest else 1))
    last_day = calendar.monthrange(year, month)[1] if 1 <= month <= 12 else 31
    day = int(digits[6:8] or (last_day if latest else 1))
    rest = digits[8:] + ("235959" if latest else "000000")[len(digits[8:]):]
    text = f"{year:04d}{month:02d}{day:02d}{rest}"
    try:
        datetime.strptime(text, TIMESTAMP_FORMAT)
    except ValueError:
        raise ValueError(f"{EXPECTED}; {digits!r} is no date") from None
    return text


def timestamp_datetime(timestamp: str) -> datetime:
    """14 digits (or fewer, the rest earliest) as a UTC datetime."""
    return datetime.strptime(_padded(timestamp, False) if len(timestamp) < 14 else timestamp[:14],
                             TIMESTAMP_FORMAT).replace(tzinfo=timezone.utc)


def shown(timestamp: str) -> str:
    """``1998-11-16 09:30:00`` (time left out when it is midnight or the day's last second)."""
    moment = timestamp_datetime(timestamp)
    if moment.strftime("%H%M%S") in ("000000", "235959"):
        return moment.strftime("%Y-%m-%d")
    return moment.strftime("%Y-%m-%d %H:%M:%S")
