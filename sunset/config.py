"""Read a site's TOML config into the stages' own option dataclasses.

Unknown sections and keys are errors, not silently ignored: a typo such as
``case_insensitve`` would otherwise change what gets archived without a word.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from archive.options import ArchiveOptions
from archive.urls import DEFAULT_INDEX_FILES
from crawl.options import CrawlOptions, SourceOptions
from normalize.options import NormalizeOptions
from site_out.options import EXTERNAL_LINK_MODES, MirrorOptions, NoticeOptions
from sunset import __version__
from archive.errors import ConfigError

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")

# section -> key -> (expected type description, required)
SCHEMA: dict[str, dict[str, tuple[str, bool]]] = {
    "site": {"name": ("string", True), "base_url": ("URL", True)},
    "source": {
        "docroot": ("string", False),
        "docroot_url": ("URL", False),
        "case_insensitive": ("boolean", False),
        "index_files": ("list of strings", False),
        "file_date": ("date", False),
        # Crawling (used when there is no docroot): see crawl.options.CrawlOptions.
        "seeds": ("list of URLs", False),
        "include": ("list of regular expressions", False),
        "exclude": ("list of regular expressions", False),
        "max_pages": ("whole number", False),
        "max_depth": ("whole number", False),
        "max_per_pattern": ("whole number", False),
        "robots": ('"obey" or "ignore"', False),
        "user_agent": ("string", False),
        "concurrency": ("whole number", False),
        "delay": ("number of seconds", False),
        "retries": ("whole number", False),
        "retry_wait": ("number of seconds", False),
        "timeout": ("number of seconds", False),
        "max_fetch_time": ("number of seconds", False),
        "max_body_bytes": ("whole number", False),
        "max_url_length": ("whole number", False),
        "fetch_from": ("URL", False),
        "proxy": ("URL", False),
    },
    "notice": {
        "title": ("string", True),
        "date": ("date", True),
        "text": ("string", True),
        "successor_name": ("string", False),
        "successor_url": ("URL", False),
    },
    "mirror": {
        "external_links": ("one of keep, mark, wayback", False),
        "drop": ("list of regular expressions", False),
        "publish_url": ("URL or path starting with /", False),
    },
    "output": {"dir": ("string", False), "workers": ("whole number", False)},
    "archive": {"description": ("string", False), "operator": ("string", False), "contact": ("string", False),
                "bagit": ("boolean", False), "source_organization": ("string", False),
                "contact_email": ("string", False), "fixed_clock": ("date", False),
                "record_id_seed": ("string", False)},
}
REQUIRED_SECTIONS = ("site", "notice")


@dataclass(frozen=True, slots=True)
class MirrorSettings:
    """The ``[mirror]`` section as written (MirrorOptions is built from it and the rest)."""

    external_links: str = "mark"
    drop: tuple[str, ...] = ()
    publish_url: str = "/"


@dataclass(frozen=True, slots=True)
class SiteConfig:
    """A whole config, resolved: paths absolute, dates parsed, stage options built."""

    path: Path
    name: str
    base_url: str
    source: SourceOptions
    notice: NoticeOptions
    archive: ArchiveOptions
    output_dir: Path
    mirror_extra: MirrorSettings = field(default_factory=lambda: MirrorSettings())
    workers: int | None = None
    """Processes for normalize and the mirror ([output] workers, --workers); None: one per core."""

    @property
    def normalize(self) -> NormalizeOptions:
        return NormalizeOptions(self.base_url, self.source.case_insensitive)

    @property
    def mirror(self) -> MirrorOptions:
        return MirrorOptions(
            base_url=self.base_url,
            notice=self.notice,
            site_name=self.name,
            case_insensitive=self.source.case_insensitive,
            index_files=self.source.index_files,
            external_links=self.mirror_extra.external_links,  # type: ignore[arg-type]
            drop=self.mirror_extra.drop,
            publish_url=self.mirror_extra.publish_url,
            software=f"sunset {__version__}",
            warc_name=f"{self.name}.warc.gz",
        )


def _line_of(text: str, section: str, key: str | None) -> int:
    """The line where ``[section]`` (or ``key`` inside it) is written; 0 if not found."""
    current = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        header = re.match(r"^\[\s*([^\]]+?)\s*\]", stripped)
        if header:
            current = header.group(1).strip().strip('"')
            if key is None and current == section:
                return number
            continue
        if current == section and key is not None and re.match(rf"^\"?{re.escape(key)}\"?\s*=", stripped):
            return number
    return 0


class _Reader:
    """Typed access to one parsed config, with errors that point at the line."""

    def __init__(self, path: Path, text: str, data: dict[str, Any]) -> None:
        self.path, self.text, self.data = path, text, data

    def fail(self, section: str, key: str | None, message: str) -> ConfigError:
        line = _line_of(self.text, section, key)
        where = f"{self.path}:{line}" if line else str(self.path)
        name = f"[{section}] {key}" if key else f"[{section}]"
        return ConfigError(f"{where}: {name}: {message}")

    def check_keys(self) -> None:
        for section, value in self.data.items():
            if section not in SCHEMA:
                known = ", ".join(f"[{name}]" for name in SCHEMA)
                raise self.fail(section, None, f"unknown section (known sections: {known})")
            if not isinstance(value, dict):
                raise self.fail(section, None, "must be a section ([name] followed by key = value lines)")
            for key in value:
                if key not in SCHEMA[section]:
                    known = ", ".join(SCHEMA[section])
                    raise self.fail(section, key, f"unknown key (known keys in [{section}]: {known})")
        for section in REQUIRED_SECTIONS:
            if section not in self.data:
                raise ConfigError(f"{self.path}: missing section [{section}]")
        for section, keys in SCHEMA.items():
            for key, (kind, required) in keys.items():
                if required and key not in self.data.get(section, {}):
                    raise ConfigError(f"{self.path}: [{section}] {key} is missing (expected a {kind})")

    def get(self, section: str, key: str) -> Any:
        return self.data.get(section, {}).get(key)

    def string(self, section: str, key: str, default: str | None = None) -> str | None:
        value = self.get(section, key)
        if value is None:
            return default
        if not isinstance(value, str):
            raise self.fail(section, key, f"expected a string in quotes, got {value!r}")
        return value

    def boolean(self, section: str, key: str, default: bool) -> bool:
        value = self.get(section, key)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.fail(section, key, f"expected true or false, got {value!r}")
        return value

    def strings(self, section: str, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
        value = self.get(section, key)
        if value is None:
            return default
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self.fail(section, key, f'expected a list of strings such as ["a", "b"], got {value!r}')
        return tuple(value)

    def url(self, section: str, key: str) -> str | None:
        value = self.string(section, key)
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise self.fail(section, key, f"expected an http:// or https:// URL with a host, got {value!r}")
        return value

    def number(self, section: str, key: str, *, whole: bool, minimum: float) -> float | int | None:
        value = self.get(section, key)
        if value is None:
            return None
        kinds = (int,) if whole else (int, float)
        if isinstance(value, bool) or not isinstance(value, kinds):
            raise self.fail(section, key, f"expected a {'whole ' if whole else ''}number, got {value!r}")
        if value < minimum:
            raise self.fail(section, key, f"must be at least {minimum:g}, got {value!r}")
        return value

    def date(self, section: str, key: str) -> date | datetime | None:
        value = self.get(section, key)
        if value is None:
            return None
        if isinstance(value, (date, datetime)):
            return value
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
            except ValueError:
                pass
        raise self.fail(section, key, f"expected a date such as 2005-12-02, got {value!r}")


def _as_datetime(value: date | datetime | None) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return datetime.combine(value, time(12, 0), tzinfo=timezone.utc)


def _crawl_options(reader: _Reader) -> CrawlOptions:
    """The crawl keys of ``[source]``; absent keys keep CrawlOptions' defaults."""
    values: dict[str, Any] = {}
    seeds = reader.strings("source", "seeds", ())
    for seed in seeds:
        if urlsplit(seed).scheme not in ("http", "https") or not urlsplit(seed).hostname:
            raise reader.fail("source", "seeds", f"expected http:// or https:// URLs, got {seed!r}")
    values["seeds"] = seeds
    for key in ("include", "exclude"):
        patterns = reader.strings("source", key, ())
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as error:
                raise reader.fail("source", key, f"{pattern!r} is not a regular expression: {error}") from error
        values[key] = patterns
    for key, whole, minimum in (("max_pages", True, 1), ("max_depth", True, 0), ("max_per_pattern", True, 1),
                                ("concurrency", True, 1), ("retries", True, 1), ("max_body_bytes", True, 1),
                                ("max_url_length", True, 16), ("delay", False, 0), ("retry_wait", False, 0),
                                ("timeout", False, 0.001), ("max_fetch_time", False, 0.001)):
        value = reader.number("source", key, whole=whole, minimum=minimum)
        if value is not None:
            values[key] = float(value) if not whole else value
    robots = reader.string("source", "robots")
    if robots is not None:
        if robots not in ("obey", "ignore"):
            raise reader.fail("source", "robots", f'expected "obey" or "ignore", got {robots!r}')
        values["robots"] = robots
    user_agent = reader.string("source", "user_agent")
    if user_agent is not None:
        values["user_agent"] = user_agent
    for key in ("fetch_from", "proxy"):
        url = reader.url("source", key)
        if url is not None:
            values[key] = url
    return CrawlOptions(**values)


def parse_config(text: str, path: Path, *, base_dir: Path | None = None, out: Path | None = None) -> SiteConfig:
    """Build a :class:`SiteConfig` from TOML text; ``base_dir`` resolves a relative docroot."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from error
    reader = _Reader(path, text, data)
    reader.check_keys()
    folder = base_dir or path.parent
    name = reader.string("site", "name") or ""
    if not _NAME.match(name):
        raise reader.fail("site", "name", f"expected letters, digits, '.', '_' or '-' (it names files), got {name!r}")
    base_url = reader.url("site", "base_url") or ""
    docroot = reader.string("source", "docroot")
    index_files = reader.strings("source", "index_files", DEFAULT_INDEX_FILES)
    source = SourceOptions(
        base_url=base_url,
        docroot=(folder / docroot).resolve() if docroot else None,
        docroot_url=reader.url("source", "docroot_url"),
        case_insensitive=reader.boolean("source", "case_insensitive", False),
        index_files=index_files,
        file_date=_as_datetime(reader.date("source", "file_date")),
        crawl=_crawl_options(reader),
    )
    notice_date = reader.date("notice", "date")
    notice = NoticeOptions(
        title=reader.string("notice", "title") or "",
        date=notice_date.date() if isinstance(notice_date, datetime) else notice_date,  # type: ignore[arg-type]
        text=reader.string("notice", "text") or "",
        successor_name=reader.string("notice", "successor_name"),
        successor_url=reader.url("notice", "successor_url"),
    )
    archive = ArchiveOptions(
        description=reader.string("archive", "description"),
        operator=reader.string("archive", "operator"),
        contact=reader.string("archive", "contact"),
        bagit=reader.boolean("archive", "bagit", False),
        source_organization=reader.string("archive", "source_organization"),
        contact_email=reader.string("archive", "contact_email"),
        fixed_clock=_as_datetime(reader.date("archive", "fixed_clock")),
        record_id_seed=reader.string("archive", "record_id_seed"),
    )
    output_dir = out or Path(reader.string("output", "dir") or f"out/{name}")
    return SiteConfig(path, name, base_url, source, notice, archive, output_dir.resolve(), _mirror_settings(reader),
                      reader.number("output", "workers", whole=True, minimum=1))


def _mirror_settings(reader: _Reader) -> MirrorSettings:
    external = reader.string("mirror", "external_links", "mark") or "mark"
    if external not in EXTERNAL_LINK_MODES:
        modes = ", ".join(EXTERNAL_LINK_MODES)
        raise reader.fail("mirror", "external_links", f"expected one of {modes}, got {external!r}")
    drop = reader.strings("mirror", "drop", ())
    for pattern in drop:
        try:
            re.compile(pattern)
        except re.error as error:
            raise reader.fail("mirror", "drop", f"{pattern!r} is not a regular expression: {error}") from error
    publish = reader.string("mirror", "publish_url", "/") or "/"
    parts = urlsplit(publish)
    is_path = publish.startswith("/") and not parts.netloc
    if not is_path and not (parts.scheme in ("http", "https") and parts.hostname):
        raise reader.fail("mirror", "publish_url",
                          f"expected a path such as / or /archive/, or an http(s) URL, got {publish!r}")
    return MirrorSettings(external, drop, publish)


def load_config(path: Path, *, out: Path | None = None) -> SiteConfig:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise ConfigError(f"{path}: no such config file") from error
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read config: {error}") from error
    return parse_config(text, path, out=out)
