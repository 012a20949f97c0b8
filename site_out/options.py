"""Options of the mirror stage (``[notice]`` and ``[mirror]`` sections of the config)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from archive.limits import MAX_PAGE_BYTES
from archive.urls import DEFAULT_INDEX_FILES
from site_out.words import Words, notice_words

ExternalLinks = Literal["keep", "mark", "wayback"]
EXTERNAL_LINK_MODES: tuple[str, ...] = ("keep", "mark", "wayback")


@dataclass(frozen=True, slots=True)
class NoticeOptions:
    """The retirement notice shown at the top of every mirror page (plain text, escaped)."""

    title: str
    date: date
    text: str
    successor_name: str | None = None
    successor_url: str | None = None
    language: str | None = None
    """The language of sunset's own words around the notice and on its pages (one of
    :data:`site_out.words.LANGUAGES`); None: the language the notice is written in."""

    @property
    def words(self) -> Words:
        return notice_words(self.language, self.title, self.text)


DATE_SOURCES = ("fetched", "archived", "file_date", "mtime")
"""Where captures' dates can come from: ``fetched`` (a crawl), ``archived`` (the days a web archive
took the captures a site was rebuilt from), ``file_date`` (the one date the config gives ingested
files), ``mtime`` (each ingested file's modification time, which a copy may have reset)."""


@dataclass(frozen=True, slots=True)
class PastRun:
    """A run of sunset that wrote into the archive's folder, as the about page lists it."""

    id: str
    started: datetime
    software: str
    """``sunset 0.1.0``."""
    command: str


@dataclass(frozen=True, slots=True)
class MirrorOptions:
    base_url: str
    notice: NoticeOptions
    site_name: str = "site"
    case_insensitive: bool = False
    aliases: tuple[str, ...] = ()
    """Other host names of the same site: links to them lead to the mirror's files."""
    index_files: tuple[str, ...] = DEFAULT_INDEX_FILES
    external_links: ExternalLinks = "mark"
    """keep: as written; mark: a title saying the link leaves the archive; wayback: through
    the Internet Archive's copy at the page's capture date."""
    drop: tuple[str, ...] = ()
    """Regular expressions (searched in the absolute URL) of images that meant something only
    on the live server (hit counters, CGI images): shown as a transparent pixel instead."""
    publish_url: str = "/"
    """Where the old host's folder of the mirror is published, for the redirect maps."""
    software: str = "sunset"
    """Named on the about page (the tool that made the archive)."""
    warc_name: str | None = None
    """Shown on the about page; default: the WARC's file name."""
    warc_sha256: str | None = None
    """The WARC's SHA-256 (hex), shown on the about page; default: computed from the WARC."""
    history: tuple[PastRun, ...] = ()
    """The runs that made the archive's folder, oldest first, listed on the about page."""
    start_url: str | None = None
    """The page ``mirror/index.html`` and the notice's start link open; default: ``base_url``."""
    date_source: str | None = None
    """Where the captures' dates come from, for the about page and the report: one of
    :data:`DATE_SOURCES`; None: not known."""
    max_page_bytes: int = MAX_PAGE_BYTES
    """Pages and style sheets are rewritten up to this many bytes; the rest is cut from the
    mirror (noted; the WARC keeps it whole), so one hostile page cannot exhaust memory."""
