"""The original response, rebuilt from what the archive replays, and checked for the archive's marks.

Asked with ``id_``, a Wayback-style archive sends the archived payload unchanged, but not the
archived head: the Internet Archive and pywb both send the original headers as
``X-Archive-Orig-Server``, ``X-Archive-Orig-Date``… beside their own (``Date``, ``Server``,
``Memento-Datetime``, ``Link``…), and pass a few through as they were because a browser needs
them (``Content-Type``, ``Content-Length``, ``Location``, which the Internet Archive points at its
own copy of the target). So the head is rebuilt: the prefixed headers without their prefix, the
passed-through ones (``Location`` unwrapped to the original target), the archive's own left out.
``Transfer-Encoding`` goes too: the archive sends the payload de-chunked. The record says it was
rebuilt; the ``Memento-Datetime`` is the capture's date.

Then the payload: an archive asked for ``id_`` should add nothing, yet copies saved by download
scripts carry the Wayback toolbar, its ``/_static/`` scripts and links rewritten to
``web.archive.org/web/…``. What the archive inserts between its own markers is cut out (the rest
is then the original); a link rewritten into the archive cannot be undone exactly, so a payload
with one is refused.
"""
from __future__ import annotations

import email.utils
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from http import HTTPStatus

from archive.errors import SunsetError
from archive.limits import MAX_PAGE_BYTES
from crawl.wayback.endpoints import Archive
from crawl.wayback.fetch import Answer

ORIGINAL_PREFIX = "x-archive-orig-"
PASSED_THROUGH = frozenset({
    "content-type", "content-length", "content-encoding", "content-disposition", "content-language",
    "content-range", "accept-ranges", "allow", "location", "link", "set-cookie", "www-authenticate",
    "proxy-authenticate", "accept-patch", "refresh",
})
"""Headers archives send as the original had them (pywb's ``keep`` rules; what the Internet Archive
leaves unprefixed). Any other unprefixed header is the archive's own."""
MEMENTO_RELS = re.compile(r'rel="?[^",;]*\b(original|timegate|timemap|memento)\b', re.I)


class NotAMemento(SunsetError):
    """The archive's answer is no capture (no ``Memento-Datetime``): an error page, a redirect of its own."""


class Contaminated(SunsetError):
    """The payload carries what the archive adds on replay and cannot be taken out exactly."""


@dataclass(frozen=True, slots=True)
class Rebuilt:
    """The original response's status and head, as far as the archive's answer tells them."""

    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]
    date: datetime
    """The capture's date (``Memento-Datetime``)."""
    location: str | None
    """An archived redirect's target, as the old server named it."""
    notes: tuple[str, ...]
    """What was changed in rebuilding the head, for the record's provenance."""


def memento_date(answer: Answer) -> datetime | None:
    value = answer.header("Memento-Datetime")
    if not value:
        return None
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


_ORIGINAL_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="?original"?', re.I)


def memento_original(answer: Answer) -> str | None:
    """The URL the answer is a capture of, as the archive's ``Link: <…>; rel="original"`` names it."""
    match = _ORIGINAL_LINK.search(answer.header("Link") or "")
    return match.group(1) if match else None


def rebuild_response(answer: Answer, archive: Archive) -> Rebuilt:
    """The original status and head from a raw (``id_``) answer of the archive."""
    date = memento_date(answer)
    if date is None:
        raise NotAMemento(f"{answer.address}: the archive answered {answer.status} {answer.reason} "
                          "without Memento-Datetime: no capture")
    prefixed = {name[len(ORIGINAL_PREFIX):].lower() for name, _ in answer.headers
                if name.lower().startswith(ORIGINAL_PREFIX)}
    headers: list[tuple[str, str]] = []
    notes: list[str] = []
    location = None
    for name, value in answer.headers:
        lowered = name.lower()
        if lowered.startswith(ORIGINAL_PREFIX):
            original = name[len(ORIGINAL_PREFIX):]
            if original.lower() == "transfer-encoding":
                notes.append(f"Transfer-Encoding: {value} dropped (the archive sends the payload de-chunked)")
                continue
            headers.append((original, value))
        elif lowered in PASSED_THROUGH and lowered not in prefixed:
            if lowered == "link" and MEMENTO_RELS.search(value):
                continue  # the archive's Memento links
            if lowered == "location":
                unwrapped = archive.original_of(value, answer.address)
                if unwrapped is not None:
                    value = unwrapped[0]
                    notes.append("Location unwrapped from the archive's URL")
                location = value
            if lowered == "content-length" and value.strip() != str(answer.body.size):
                notes.append(f"Content-Length: {value} dropped (the payload has {answer.body.size} bytes)")
                continue
            headers.append((name, value))
    reason = answer.reason or _phrase(answer.status)
    return Rebuilt(answer.status, reason, tuple(headers), date, location, tuple(notes))


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


# -- the payload ----------------------------------------------------------------------------
_INSERTS = (
    # The Internet Archive's toolbar, between its own comments.
    re.compile(rb"<!-- BEGIN WAYBACK TOOLBAR INSERT -->.*?<!-- END WAYBACK TOOLBAR INSERT -->\s*", re.S),
    # Its head inserts: the playback scripts and styles (each tag it adds names /_static/).
    re.compile(rb"<script[^>]*/_static/js/[^>]*>\s*</script>\s*", re.I),
    re.compile(rb"<script[^>]*archive\.org/includes/[^>]*>\s*</script>\s*", re.I),
    re.compile(rb"<link[^>]*/_static/css/[^>]*>\s*", re.I),
    re.compile(rb"<script>window\.RufflePlayer[^<]*</script>\s*", re.I),
    re.compile(rb"<script[^>]*>\s*__wm\.init\([^<]*</script>\s*", re.I),
    re.compile(rb"<!-- End Wayback Rewrite JS Include -->\s*", re.I),
    # pywb's banner insert.
    re.compile(rb"<!-- WB Insert -->.*?<!-- End WB Insert -->\s*", re.S),
    # The Internet Archive's closing comment ("FILE ARCHIVED ON … AND RETRIEVED FROM THE INTERNET ARCHIVE ON …").
    re.compile(rb"\s*<!--\s*FILE ARCHIVED ON .*?-->\s*(<!--\s*playback timings.*?-->\s*)?$", re.S),
)
_MARKS = (b"/_static/", b"WAYBACK TOOLBAR", b"__wm.", b"wombat.js", b"_WBWombat", b"FILE ARCHIVED ON",
          b"<!-- WB Insert -->")
CHECKED_BYTES = MAX_PAGE_BYTES
"""How much of a text payload is searched for the archive's marks: what the mirror rewrites."""


def _rewritten_link(archive: Archive, site_host: str) -> re.Pattern[bytes]:
    """A link into the archive's replay of the site itself: ``…/web/19981116093000/http://host/…``,
    absolute or from the archive's root, in any replay mode."""
    replay = archive.replay.encode("ascii", "replace")
    path = re.escape(replay[replay.index(b"/", replay.index(b"//") + 2):])
    host = re.escape(site_host.encode("ascii", "replace"))
    return re.compile(rb"(?:https?:)?(?://[^/\"'\s>]+)?" + path + rb"\d{1,14}(?:[a-z]{2}_)?/(?:https?:)?/{1,2}"
                      + host + rb"[:/\"'\s>]", re.I)


def check_payload(body: bytes, archive: Archive, site_host: str) -> tuple[bytes, list[str]]:
    """``body`` without what the archive inserted, and what was cut; raises :class:`Contaminated`
    when a link of the site was rewritten into the archive (that cannot be undone exactly)."""
    head = body[:CHECKED_BYTES]
    if _rewritten_link(archive, site_host).search(head):
        raise Contaminated("the archive's copy has links rewritten into the archive (a replayed copy, not "
                           "the original bytes)")
    if not any(mark in head for mark in _MARKS):
        return body, []
    cut: list[str] = []
    for pattern in _INSERTS:
        body, count = pattern.subn(b"", body)
        if count:
            cut.append(pattern.pattern[:60].decode("ascii", "replace"))
    if any(mark in body[:CHECKED_BYTES] for mark in (b"WAYBACK TOOLBAR", b"__wm.", b"wombat.js", b"_WBWombat")):
        raise Contaminated("the archive's copy carries its replay scripts where they cannot be cut out exactly")
    return body, cut
