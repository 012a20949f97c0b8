"""The addresses of a Wayback-style archive: its CDX API, a capture's raw (``id_``) URL, and the
original URL inside an archive's URL (a rewritten link, a redirect's ``Location``)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

IA_HOSTS = ("web.archive.org", "wayback.archive.org")
"""The Internet Archive's Wayback Machine: its own CDX path and a polite pace (:mod:`crawl.wayback.fetch`)."""
IA_CDX_PATH = "/cdx/search/cdx"
RAW = "id_"
"""The replay modifier for the bytes as archived: no rewriting, no banner."""
_MEMENTO_PATH = re.compile(r"^(\d{1,14})([a-z]{2}_)?/(.+)$", re.S)


def is_internet_archive(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host in IA_HOSTS


def derived_cdx_api(replay: str) -> str:
    """The CDX API of the archive whose replay prefix is ``replay``: the Internet Archive's
    ``/cdx/search/cdx``; pywb's ``COLL/cdx`` beside the collection's replay path."""
    prefix = replay if replay.endswith("/") else replay + "/"
    if is_internet_archive(prefix):
        parts = urlsplit(prefix)
        return f"{parts.scheme}://{parts.netloc}{IA_CDX_PATH}"
    return prefix + "cdx"


@dataclass(frozen=True, slots=True)
class Archive:
    """One archive: where it replays captures and where its index answers."""

    replay: str
    cdx_api: str

    @classmethod
    def at(cls, replay: str, cdx_api: str | None = None) -> "Archive":
        prefix = replay if replay.endswith("/") else replay + "/"
        return cls(prefix, cdx_api or derived_cdx_api(prefix))

    @property
    def host(self) -> str:
        """``scheme://host:port`` of the replay: one connection is kept per archive host."""
        parts = urlsplit(self.replay)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def is_internet_archive(self) -> bool:
        return is_internet_archive(self.replay)

    def raw_url(self, url: str, timestamp: str) -> str:
        """The capture of ``url`` at ``timestamp`` as archived (``…/19981116093000id_/http://…``)."""
        return f"{self.replay}{timestamp}{RAW}/{url}"

    def original_of(self, address: str, base: str | None = None) -> tuple[str, str] | None:
        """(original URL, timestamp) when ``address`` (absolute, or relative to ``base``) is one of
        this archive's replay URLs, in any mode (``id_``, ``im_``, none); else None."""
        absolute = urljoin(base or self.replay, address.strip())
        replay = urlsplit(self.replay)
        parts = urlsplit(absolute)
        if parts.netloc.lower() != replay.netloc.lower() or not parts.path.startswith(replay.path):
            return None
        rest = absolute[absolute.index(replay.path, len(parts.scheme) + 3) + len(replay.path):]
        match = _MEMENTO_PATH.match(rest)
        if match is None:
            return None
        original = match.group(3)
        if original.startswith(("http:/", "https:/")) and not original.startswith(("http://", "https://")):
            original = original.replace(":/", "://", 1)  # a proxy folded the double slash
        return original, match.group(1)
