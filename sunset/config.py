"""Read a site's TOML config into the stages' own option dataclasses.

Unknown sections and keys are errors, not silently ignored: a typo such as
``case_insensitve`` would otherwise change what gets archived without a word. Which keys there are,
what each takes and which field it fills is declared once, in :mod:`sunset.options_table`.
"""
from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from archive.durable import atomic_writer
from archive.errors import ConfigError
from archive.options import ArchiveOptions
from archive.urls import Scope, host_of
from crawl.credentials import resolve_file
from crawl.options import CrawlOptions, SourceOptions
from crawl.wayback.options import WaybackOptions, shown
from archive.limits import MAX_PAGE_BYTES
from normalize.options import NormalizeOptions
from site_out.options import MirrorOptions, NoticeOptions
from site_out.qa.options import QaThresholds
from sunset import __version__
from sunset.options_table import OPTIONS, SECRET, SECTIONS, Invalid, Option, Site, in_section

# section -> key -> (expected type description, required); from the one table of options.
SCHEMA: dict[str, dict[str, tuple[str, bool]]] = {
    section: {option.key: (option.kind.name, option.required) for option in in_section(section)}
    for section in SECTIONS
}
SECRET_KEYS = frozenset(option.key for option in OPTIONS if option.kind is SECRET)
REQUIRED_SECTIONS = tuple(section for section in SECTIONS if any(option.required for option in in_section(section)))


@dataclass(frozen=True, slots=True)
class SiteConfig:
    """A whole config, resolved: paths absolute, dates parsed, stage options built.

    Each key's default is held once, by the field it fills (:mod:`sunset.options_table`): a key the
    config does not set is not passed on, so the stage's option dataclass (or, for ``[site]`` and
    ``[output]``, this one) decides its value.
    """

    path: Path
    name: str
    base_url: str
    source: SourceOptions
    notice: NoticeOptions
    archive: ArchiveOptions
    output_dir: Path
    mirror_keys: tuple[tuple[str, Any], ...] = ()
    """The ``[mirror]`` keys the config sets, as (field, value): :attr:`mirror` hands them to
    :class:`MirrorOptions`, which keeps their defaults."""
    workers: int | None = None
    """Processes for normalize and the mirror ([output] workers, --workers); None: one per core."""
    max_page_bytes: int = MAX_PAGE_BYTES
    """How much of one page or style sheet normalize, the mirror and verify read ([output])."""
    start_url: str = ""
    """The page that opens the site ([site] start_url); empty: the first seed of a crawl, else base_url."""
    aliases: tuple[str, ...] = ()
    """Other host names of the same site ([site] aliases)."""
    qa: QaThresholds = field(default_factory=lambda: QaThresholds())

    @property
    def start(self) -> str:
        """The page that opens the site: ``start_url``; for a crawl with ``seeds``, the first seed on
        base_url's host (where the crawl began); else ``base_url``."""
        return self.start_url or self.first_seed or self.base_url

    @property
    def first_seed(self) -> str | None:
        """The first ``[source] seeds`` URL on base_url's host, for a crawl (no docroot)."""
        if self.source.docroot is not None:
            return None
        host = urlsplit(self.base_url).hostname
        return next((seed for seed in self.source.crawl.seeds if urlsplit(seed).hostname == host), None)

    @property
    def scope(self) -> Scope:
        """Which URLs are the site's: under base_url, on its host or an alias."""
        return Scope(self.base_url, self.source.case_insensitive, self.aliases)

    @property
    def normalize(self) -> NormalizeOptions:
        return NormalizeOptions(self.base_url, self.source.case_insensitive, self.max_page_bytes, self.aliases)

    @property
    def mirror(self) -> MirrorOptions:
        return MirrorOptions(
            base_url=self.base_url,
            notice=self.notice,
            site_name=self.name,
            case_insensitive=self.source.case_insensitive,
            aliases=self.aliases,
            index_files=self.source.index_files,
            software=f"sunset {__version__}",
            warc_name=f"{self.name}.warc.gz",
            start_url=self.start,
            date_source=("archived" if self.source.wayback.enabled else "fetched" if self.source.docroot is None
                         else "file_date" if self.source.file_date is not None else "mtime"),
            max_page_bytes=self.max_page_bytes,
            **dict(self.mirror_keys),
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


def _did_you_mean(word: str, known: Any, form: str = "{}") -> str:
    """``; did you mean case_insensitive?`` for a near miss, else nothing."""
    import difflib

    close = difflib.get_close_matches(word, list(known), n=1, cutoff=0.7)
    return f"; did you mean {form.format(close[0])}?" if close else ""


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
                raise self.fail(section, None, f"unknown section{_did_you_mean(section, SCHEMA, '[{}]')} "
                                               f"(known sections: {known})")
            if not isinstance(value, dict):
                raise self.fail(section, None, "must be a section ([name] followed by key = value lines)")
            for key in value:
                if key not in SCHEMA[section]:
                    known = ", ".join(SCHEMA[section])
                    raise self.fail(section, key, f"unknown key{_did_you_mean(key, SCHEMA[section])} "
                                                  f"(known keys in [{section}]: {known})")
        for section in REQUIRED_SECTIONS:
            if section not in self.data:
                raise ConfigError(f"{self.path}: missing section [{section}]")
        for section, keys in SCHEMA.items():
            for key, (kind, required) in keys.items():
                if required and key not in self.data.get(section, {}):
                    raise ConfigError(f"{self.path}: [{section}] {key} is missing (expected a {kind})")

    def read(self) -> dict[type, dict[str, Any]]:
        """Every key present, checked by its kind, by the dataclass it fills: ``{owner: {field: value}}``."""
        values: dict[type, dict[str, Any]] = {}
        for option in OPTIONS:
            value = self.data.get(option.section, {}).get(option.key)
            if value is None:
                continue
            try:
                checked = option.kind.check(value)
            except Invalid as error:
                raise self.fail(option.section, option.key, str(error)) from error
            values.setdefault(option.into.owner, {})[option.into.field] = checked
        return values


def parse_config(text: str, path: Path, *, base_dir: Path | None = None, out: Path | None = None) -> SiteConfig:
    """Build a :class:`SiteConfig` from TOML text; ``base_dir`` resolves a relative docroot."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from error
    reader = _Reader(path, text, data)
    reader.check_keys()
    values = reader.read()
    site: dict[str, Any] = values.get(Site, {})  # only the keys given: the defaults are the fields'
    name, base_url = site.pop("name"), site.pop("base_url")
    written_dir = site.pop("output_dir", None)
    output_dir = out or Path(written_dir or f"out/{name}")
    if "start_url" in site:
        _check_start_url(reader, base_url, site["start_url"])
    if "aliases" in site:
        _check_aliases(reader, base_url, site["aliases"])
    source_values = values.get(SourceOptions, {})
    for key in ("docroot", "server_config"):  # the paths of [source], relative to the config's folder; "" is none
        written = source_values.pop(key, None)
        if written:
            source_values[key] = ((base_dir or path.parent) / written).resolve()
    crawl_values = values.get(CrawlOptions, {})
    for key in SECRET_KEYS & crawl_values.keys():  # file:PATH, like docroot, relative to the config
        crawl_values[key] = resolve_file(crawl_values[key], base_dir or path.parent)
    source = SourceOptions(base_url=base_url, crawl=CrawlOptions(**crawl_values),
                           wayback=_wayback(reader, values.get(WaybackOptions, {})), **source_values)
    return SiteConfig(path, name, base_url, source, NoticeOptions(**values[NoticeOptions]),
                      ArchiveOptions(**values.get(ArchiveOptions, {})), output_dir.resolve(),
                      mirror_keys=tuple(values.get(MirrorOptions, {}).items()),
                      qa=QaThresholds(**values.get(QaThresholds, {})), **site)


def _wayback(reader: _Reader, given: dict[str, Any]) -> WaybackOptions:
    """The web-archive keys written (by field) agree: ``as_of`` with ``wayback``, inside ``from``..``to``."""
    options = WaybackOptions(**given)
    keys = {option.into.field: option.key for option in OPTIONS if option.into.owner is WaybackOptions}
    if "replay" not in given:
        if given:
            raise reader.fail("source", keys[next(iter(given))], "only means something with [source] wayback (the "
                                                                 "web archive to rebuild the site from, e.g. wayback = "
                                                                 '"https://web.archive.org/web/")')
        return options
    if "as_of" not in given:
        raise reader.fail("source", keys["replay"], 'needs [source] as_of, the date to rebuild the site as of '
                                                    '(e.g. as_of = "1998-11")')
    start, end = given.get("window_from"), given.get("window_to")
    if start and end and start > end:
        raise reader.fail("source", keys["window_from"], f"{shown(start)} is after [source] to ({shown(end)})")
    if not options.in_window(options.as_of):
        raise reader.fail("source", keys["as_of"], f"{shown(options.as_of)} lies outside the window of [source] "
                                                   f"from and to ({options.describe_window()})")
    return options


def _check_start_url(reader: _Reader, base_url: str, start: str) -> None:
    """``[site] start_url``: must lie on base_url's host (the mirror can only open a page it has)."""
    if urlsplit(start).hostname != urlsplit(base_url).hostname:
        raise reader.fail("site", "start_url", f"expected a page of the site {base_url}, got {start!r}")


def _check_aliases(reader: _Reader, base_url: str, aliases: tuple[str, ...]) -> None:
    """``[site] aliases``: other hosts, each once (base_url's own host is the site already)."""
    scheme = urlsplit(base_url).scheme
    own = urlsplit(Scope(base_url).base_url).netloc
    seen: set[str] = set()
    for alias in aliases:
        host = host_of(alias, scheme)
        if host == own:
            raise reader.fail("site", "aliases", f"{alias!r} is base_url's own host; list only the other names "
                                                 "the site was reached by")
        if host in seen:
            raise reader.fail("site", "aliases", f"{alias!r} is listed twice")
        seen.add(host)


def with_values(config: SiteConfig, changes: dict[Option, Any]) -> SiteConfig:
    """``config`` with these options set to these (checked) values, e.g. from the command line."""
    by_owner: dict[type, dict[str, Any]] = {}
    for option, value in changes.items():
        by_owner.setdefault(option.into.owner, {})[option.into.field] = value
    source = config.source
    if CrawlOptions in by_owner:
        source = replace(source, crawl=replace(source.crawl, **by_owner.pop(CrawlOptions)))
    if WaybackOptions in by_owner:
        source = replace(source, wayback=replace(source.wayback, **by_owner.pop(WaybackOptions)))
    if SourceOptions in by_owner:
        source = replace(source, **by_owner.pop(SourceOptions))
    parts = {"notice": (config.notice, NoticeOptions), "archive": (config.archive, ArchiveOptions),
             "qa": (config.qa, QaThresholds)}
    updated: dict[str, Any] = {name: replace(part, **by_owner.pop(owner))
                               for name, (part, owner) in parts.items() if owner in by_owner}
    if MirrorOptions in by_owner:
        updated["mirror_keys"] = tuple({**dict(config.mirror_keys), **by_owner.pop(MirrorOptions)}.items())
    site = by_owner.pop(Site, {})
    if by_owner:
        raise TypeError(f"SiteConfig has no place for {', '.join(owner.__name__ for owner in by_owner)}")
    return replace(config, source=source, **updated, **site)


def load_config(path: Path, *, out: Path | None = None) -> SiteConfig:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise ConfigError(f"{path}: no such config file") from error
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read config: {error}") from error
    return parse_config(text, path, out=out)


def resolve_target(target: Path, out: Path | None) -> SiteConfig:
    """A config file, or an output folder made by an earlier run (which holds its config)."""
    if target.is_dir():
        copy = target / "site.toml"
        if not copy.exists():
            raise ConfigError(f"{target} is a folder without site.toml: give a config file, or an output "
                              "folder made by `sunset run` or `sunset ingest`")
        base_dir = copy.parent
        run_info = target / "run.json"
        if run_info.exists():
            try:
                base_dir = Path(json.loads(run_info.read_text(encoding="utf-8"))["config"]).parent
            except (ValueError, KeyError, OSError):
                pass
        return parse_config(copy.read_text(encoding="utf-8"), copy, base_dir=base_dir, out=out or target)
    return load_config(target, out=out)


CREDENTIALS_LEFT_OUT = ("# sunset left the user name and password of [source] proxy out of this copy: give them "
                        "again (--proxy URL or http_proxy) to go on crawling through the proxy\n")


def config_copy_text(config: SiteConfig) -> str:
    """The config file's text as the output folder keeps it: byte for byte, except that a
    password in ``[source] proxy`` (``http://user:password@host/``) is left out, and said so in
    a comment; an archivist's credential belongs in no output."""
    text = config.path.read_bytes().decode("utf-8")
    proxy = config.source.crawl.proxy
    parts = urlsplit(proxy) if proxy else None
    if parts is None or (parts.username is None and parts.password is None):
        return text
    userinfo = parts.netloc.rpartition("@")[0]
    return CREDENTIALS_LEFT_OUT + text.replace(userinfo + "@", "")


def copy_config(config: SiteConfig, target: Path) -> None:
    """Keep the config beside the output (see :func:`config_copy_text`), never half written."""
    with atomic_writer(target, "w", encoding="utf-8", newline="") as handle:
        handle.write(config_copy_text(config))
