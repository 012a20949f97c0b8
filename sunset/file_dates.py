"""Whether an ingested docroot's dates are the site's or a copy's, in words for the log and the summary.

Without ``[source] file_date`` each file carries its modification time, which ``cp -r``, a git
checkout or an unzip set to the day of the copy: every ``WARC-Date`` would then say the site was
captured today, and the notice "Archived on" a day after its retirement. sunset cannot know the
right date, but it can tell when the dates look wrong (:meth:`archive.dates.DateSpread.copy_signs`)
and say how to set it.
"""
from __future__ import annotations

from datetime import datetime

from archive.dates import DateSpread
from sunset.config import SiteConfig

_SIGNS = {
    "after-retirement": "after the site was retired ({retired})",
    "recent": "in the days before this archive was made",
    "short-span": "within an hour of each other",
}


def copy_dates_warning(config: SiteConfig, spread: DateSpread, made: datetime) -> str | None:
    """The warning for files whose mtimes look like a copy's; None when they look like the site's
    or when the dates are not mtimes (``[source] file_date`` gives them, or a server sent them)."""
    if config.mirror.date_source != "mtime" or spread.first is None or spread.last is None:
        return None
    signs = spread.copy_signs(config.notice.date, made)
    if not signs:
        return None
    first, last = spread.first.date().isoformat(), spread.last.date().isoformat()
    when = f"on {first}" if first == last else f"between {first} and {last}"
    why = " and ".join(_SIGNS[sign].format(retired=config.notice.date.isoformat()) for sign in signs)
    files = "the file is" if spread.count == 1 else f"the {spread.count} files are all"
    return (f"{files} dated {when} (their modification times), {why}: the dates of a copy (cp -r, a git "
            f"checkout, an unzip), not the site's own. Set [source] file_date = \"YYYY-MM-DD\" in {config.path} "
            "to the date the site's files carried (or copy them with `cp -p` or `rsync -t`, which keep their "
            "dates) and run again")
