"""One declaration per option (sunset/options_table.py): the schema, the reading, the flags and
the key tables of docs/config.md all come from it, and every declaration names the field it really fills."""
from __future__ import annotations

from collections import Counter
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

import sunset.normalize_cli
from archive.errors import ConfigError
from archive.options import ArchiveOptions
from crawl.options import CrawlOptions, SourceOptions
from crawl.wayback.options import WaybackOptions
from normalize.options import NormalizeOptions
from site_out.options import MirrorOptions, NoticeOptions
from site_out.qa.options import QaThresholds
from sunset.cli import apply_option_flags, build_parser, main
from sunset.config import SCHEMA, SiteConfig, parse_config
from sunset.options_table import (
    GROUPS,
    OPTIONS,
    PATH,
    WORKERS,
    Option,
    Site,
    dataclass_fields,
    declared_fields,
    markdown,
    TABLES,
    _main,
    doc_tables,
)
from tests.conftest import ROOT

# Fields of the stages' option dataclasses that no config key sets, and why.
NOT_FROM_CONFIG: dict[type, set[str]] = {
    SourceOptions: {"exclude_names",  # a fixed list of version-control and desktop litter
                    "crawl",  # the CrawlOptions below, whole
                    "wayback"},  # the WaybackOptions below, whole
    CrawlOptions: {"max_redirects"},  # not a setting yet
    WaybackOptions: set(),
    NoticeOptions: set(),
    ArchiveOptions: set(),
    QaThresholds: set(),
    NormalizeOptions: set(),
    MirrorOptions: {"notice",  # the NoticeOptions, whole
                    "software", "warc_name",  # sunset's version, and NAME.warc.gz
                    "date_source",  # from [source]: fetched, file_date or mtime
                    "warc_sha256", "history"},  # from the output folder's record (sunset/run_record.py)
}

BASE = "http://www.oldsite.test/site/"


def _sample(option: Option) -> tuple[str, Any]:
    """A value for the key, other than its default, as TOML text and as the field should hold it."""
    kind = option.kind
    if option.key == "name":
        return '"oldsite"', "oldsite"
    if option.key == "base_url":
        return f'"{BASE}"', BASE
    if kind.choices:
        return f'"{kind.choices[-1]}"', kind.choices[-1]
    samples: dict[str, tuple[str, Any]] = {
        "string": ('"Some text"', "Some text"),
        "URL": (f'"{BASE}other.htm"', f"{BASE}other.htm"),
        "URL or path starting with /": ('"/archive/"', "/archive/"),
        "boolean": ("true", True),
        "whole number": ("4096", 4096),
        "number of seconds": ("7.5", 7.5),
        "number from 0 to 1": ("0.5", 0.5),
        "list of strings": ('["start.htm"]', ("start.htm",)),
        "list of URLs": (f'["{BASE}orphan.htm"]', (f"{BASE}orphan.htm",)),
        "list of host names": ('["oldsite.test"]', ("oldsite.test",)),
        "env:NAME or file:PATH": ('"env:SITE_SECRET"', "env:SITE_SECRET"),
        "list of regular expressions": ('["^http://counter[.]"]', ("^http://counter[.]",)),
    }
    if kind.name == "date":
        text = '"1999-01-02"'
        return text, kind.check("1999-01-02")
    return samples[kind.name]


def _holder(config: SiteConfig, owner: type) -> Any:
    """The object holding ``owner``'s fields; only that one is built (``config.mirror`` reads the
    crawl's seeds for its start page, which another test may have replaced with a marker)."""
    return {Site: lambda: config, SourceOptions: lambda: config.source, CrawlOptions: lambda: config.source.crawl,
            WaybackOptions: lambda: config.source.wayback,
            NoticeOptions: lambda: config.notice, ArchiveOptions: lambda: config.archive,
            NormalizeOptions: lambda: config.normalize, MirrorOptions: lambda: config.mirror,
            QaThresholds: lambda: config.qa}[owner]()


def _every_key_config(tmp_path: Path) -> str:
    lines: list[str] = []
    for section in SCHEMA:
        lines.append(f"[{section}]")
        lines += [f"{option.key} = {_sample(option)[0]}" for option in OPTIONS if option.section == section]
    return "\n".join(lines) + "\n"


def test_the_tables_are_the_generated_ones() -> None:
    assert TABLES == ROOT / "docs" / "config.md"
    tables = doc_tables(TABLES.read_text(encoding="utf-8"))
    assert set(tables) == set(GROUPS), "docs/config.md lacks an <!-- options:GROUP --> block"
    for group in GROUPS:
        assert tables[group] == markdown(group), (
            f"docs/config.md's {group} table differs from sunset/options_table.py: run "
            "`python -m sunset.options_table --update`")


def test_readme_links_the_tables_and_holds_none() -> None:
    """README.md is the walkthrough: the key tables moved to docs/config.md (issue 24), and the README
    says where they are rather than keeping a second copy to fall out of date."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert doc_tables(readme) == {} and "(docs/config.md" in readme


def test_updating_a_page_without_tables_says_where_they_are(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """`--update-readme README.md`, the command from when README held the tables, would rewrite
    nothing and say nothing; it names docs/config.md instead."""
    page = tmp_path / "README.md"
    page.write_text("# no tables here\n", encoding="utf-8")
    assert _main(["--update-readme", str(page)]) == 2
    assert f"the key tables are in {TABLES}" in capsys.readouterr().err
    copy = tmp_path / "config.md"
    copy.write_text(TABLES.read_text(encoding="utf-8").replace("| `[site] name` |", "| `[site] nom` |"),
                    encoding="utf-8")
    assert _main(["--update", str(copy)]) == 0
    assert copy.read_text(encoding="utf-8") == TABLES.read_text(encoding="utf-8")


def test_each_key_is_declared_once_and_the_schema_is_the_table() -> None:
    keys = Counter((option.section, option.key) for option in OPTIONS)
    assert [key for key, count in keys.items() if count > 1] == []
    assert {(section, key) for section, keys in SCHEMA.items() for key in keys} == set(keys)
    flags = Counter(option.flag for option in OPTIONS if option.flag)
    assert [flag for flag, count in flags.items() if count > 1] == []


@pytest.mark.parametrize("owner", list(NOT_FROM_CONFIG), ids=lambda owner: owner.__name__)
def test_every_field_the_config_sets_has_exactly_one_declaration(owner: type) -> None:
    declared = declared_fields(owner)
    assert [name for name, count in Counter(declared).items() if count > 1] == []
    assert set(declared) == set(dataclass_fields(owner)) - NOT_FROM_CONFIG[owner]


def test_every_declaration_fills_the_field_it_names(tmp_path: Path) -> None:
    config = parse_config(_every_key_config(tmp_path), tmp_path / "site.toml")
    for option in OPTIONS:
        expected = _sample(option)[1]
        if option.kind is PATH:  # resolved: the docroot against the config's folder, dir against the cwd
            expected = ((tmp_path / "Some text").resolve() if option.key in ("docroot", "server_config")
                        else Path("Some text").resolve())
        for into in (option.into, *option.also):
            held = getattr(_holder(config, into.owner), into.field)
            assert held == expected, f"[{option.section}] {option.key} -> {into.owner.__name__}.{into.field}"
            if into.owner is not Site:
                default = next(item for item in fields(into.owner)
                               if item.name == into.field).default
                assert held != default, f"the sample of [{option.section}] {option.key} is its default"


def _flag_argv(option: Option) -> list[str]:
    text, value = _sample(option)
    items = value if option.kind.repeated else (text.strip('"'),)
    return [part for item in items for part in (option.flag, str(item))]


@pytest.mark.parametrize("option", [option for option in OPTIONS if option.flag], ids=lambda option: option.flag)
def test_every_flag_overrides_its_key(option: Option, tmp_path: Path) -> None:
    config = parse_config(f'[site]\nname = "oldsite"\nbase_url = "{BASE}"\n[notice]\ntitle = "t"\n'
                          f'date = 2005-12-02\ntext = "x"\n', tmp_path / "site.toml")
    for command in option.commands:
        args = build_parser().parse_args([command, "site.toml", *_flag_argv(option)])
        changed = apply_option_flags(config, args)
        assert getattr(_holder(changed, option.into.owner), option.into.field) == _sample(option)[1]


@pytest.mark.parametrize(("argv", "message"), [
    (["crawl", "site.toml", "--concurrency", "0"], "--concurrency must be at least 1, got 0"),
    (["crawl", "site.toml", "--exclude", "("], "--exclude '(' is not a regular expression"),
    (["crawl", "site.toml", "--seed", "ftp://x/"], "--seed expected http:// or https:// URLs"),
    (["mirror", "site.toml", "--workers", "0"], "--workers must be at least 1, got 0"),
])
def test_flags_are_checked_as_the_keys_are(argv: list[str], message: str, tmp_path: Path) -> None:
    config = parse_config(f'[site]\nname = "oldsite"\nbase_url = "{BASE}"\n[notice]\ntitle = "t"\n'
                          f'date = 2005-12-02\ntext = "x"\n', tmp_path / "site.toml")
    with pytest.raises(ConfigError) as caught:
        apply_option_flags(config, build_parser().parse_args(argv))
    assert str(caught.value).startswith(message)


def test_normalize_warc_honours_workers(otpic_run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    """`--workers` used to be accepted and dropped by `sunset normalize --warc`."""
    _, layout = otpic_run
    assert main(["normalize", "--warc", str(layout.warc), "--out", str(tmp_path / "bad"), "--workers", "0"]) == 2
    assert "--workers must be at least 1, got 0" in capsys.readouterr().err
    assert not (tmp_path / "bad").exists()
    real, seen = sunset.normalize_cli.normalize_warc, []

    def recording(*args: Any, **kwargs: Any) -> Any:
        seen.append(kwargs["workers"])
        return real(*args, **kwargs)

    monkeypatch.setattr(sunset.normalize_cli, "normalize_warc", recording)
    assert main(["normalize", "--warc", str(layout.warc), "--out", str(tmp_path), "-q", "--workers", "2"]) == 0
    assert seen == [WORKERS.flag_value(2)]
    assert (tmp_path / "records.jsonl").read_bytes() == layout.records.read_bytes()


def test_batch_processes_is_not_workers() -> None:
    """`batch --processes` (tasks at once) is not `[output] workers`; --workers stays its old spelling."""
    args = build_parser().parse_args(["batch", "normalize", "a.warc.gz", "--out", "o", "--processes", "3"])
    assert args.workers == 3 and WORKERS.dest not in vars(args)


def _dataclass_of(owner: type) -> type:
    """The dataclass whose field holds the default: ``Site`` stands for SiteConfig."""
    return SiteConfig if owner is Site else owner


def _field_default(into: Any) -> Any:
    item = next(item for item in fields(_dataclass_of(into.owner)) if item.name == into.field)
    return item.default_factory() if callable(item.default_factory) else item.default


@pytest.mark.parametrize("option", OPTIONS, ids=lambda option: f"{option.section}.{option.key}")
def test_the_default_shown_is_the_dataclass_default(option: Option) -> None:
    """docs/config.md and --help show ``default``; the value is the stage's: a number or none shown must be it."""
    value, shown = _field_default(option.into), option.default.strip("`").strip('"')
    if shown.endswith(" MiB"):
        assert value == int(shown.removesuffix(" MiB")) * 1024 * 1024
    elif shown in ("none", "no limit"):
        assert value in (None, ())
    elif shown in ("true", "false"):
        assert value is (shown == "true")
    elif shown.replace(".", "", 1).isdigit():
        assert value == float(shown)
    elif shown in ("obey", "mark", "/"):
        assert value == shown


class _Marker:
    """A default no copy can hold."""

    def __repr__(self) -> str:
        return "<the default of the field the key fills>"


def _with_default(owner: type, name: str, value: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``value`` the default of ``owner.name`` for this test (the dataclass's __init__ defaults)."""
    init = owner.__init__  # type: ignore[misc]
    names = [item.name for item in fields(owner) if item.init and not item.kw_only]
    defaults = list(init.__defaults__)
    defaults[names.index(name) - (len(names) - len(defaults))] = value
    monkeypatch.setattr(init, "__defaults__", tuple(defaults))


def _has_default(into: Any) -> bool:
    from dataclasses import MISSING

    item = next(item for item in fields(_dataclass_of(into.owner)) if item.name == into.field)
    return item.default is not MISSING


@pytest.mark.parametrize("option", [option for option in OPTIONS if _has_default(option.into)],
                         ids=lambda option: f"{option.section}.{option.key}")
def test_each_default_is_held_once(option: Option, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A key the config leaves out takes the default of the field it fills, and only that: a second
    copy of the default (a settings class of the config's own, as ``[mirror]`` had, or a default
    written again where the config is read, as ``max_page_bytes`` had) would hand the stage the copy."""
    marker = _Marker()
    _with_default(_dataclass_of(option.into.owner), option.into.field, marker, monkeypatch)
    config = parse_config(f'[site]\nname = "oldsite"\nbase_url = "{BASE}"\n[notice]\ntitle = "t"\n'
                          f'date = 2005-12-02\ntext = "x"\n', tmp_path / "site.toml")
    for into in (option.into, *option.also):
        held = getattr(_holder(config, into.owner), into.field)
        assert held is marker, f"[{option.section}] {option.key} -> {into.owner.__name__}.{into.field}: {held!r}"


def test_a_size_limit_is_one_constant() -> None:
    """The 8 MiB page limit was written out in six places; now each reads the one constant."""
    import re

    literal = re.compile(r"\b8\s*\*\s*1024\s*\*\s*1024\b|\b8388608\b|\b8\s*<<\s*20\b")
    found = [path.relative_to(ROOT).as_posix()
             for package in ("archive", "crawl", "normalize", "site_out", "sunset")
             for path in sorted((ROOT / package).rglob("*.py"))
             for line in path.read_text(encoding="utf-8").splitlines() if literal.search(line)]
    assert found == ["archive/limits.py", "crawl/http_fetch.py"]  # the page limit; the HTTP head allowance
