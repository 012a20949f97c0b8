"""The config is a contract: every mistake is named with its file, line and key."""
from __future__ import annotations

from pathlib import Path

import pytest

from archive.errors import ConfigError
from sunset.cli import main
from sunset.config import load_config, parse_config
from tests.conftest import OTPIC_CONFIG

VALID = """[site]
name = "otpic"
base_url = "http://www.colorado.edu/conflict/peace/"

[source]
docroot = "docroot"
case_insensitive = true

[notice]
title = "Retired"
date = "2005-12-02"
text = "Gone."
"""


def test_bundled_config_loads() -> None:
    config = load_config(OTPIC_CONFIG)
    assert config.name == "otpic"
    assert config.source.case_insensitive is True
    assert config.source.docroot == (OTPIC_CONFIG.parent / "docroot").resolve()
    assert config.source.file_date is not None and config.source.file_date.year == 1998
    assert config.notice.date.isoformat() == "2005-12-02"
    assert config.output_dir == Path("out/otpic").resolve()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (VALID.replace("case_insensitive", "case_insensitve"), "site.toml:7: [source] case_insensitve: unknown key"),
        (VALID + "\n[sorce]\nx = 1\n", "site.toml:14: [sorce]: unknown section"),
        (VALID.replace("case_insensitive = true", 'case_insensitive = "yes"'),
         "site.toml:7: [source] case_insensitive: expected true or false"),
        (VALID.replace('"http://www.colorado.edu/conflict/peace/"', '"www.colorado.edu"'),
         "site.toml:3: [site] base_url: expected an http:// or https:// URL"),
        (VALID.replace('date = "2005-12-02"', 'date = "December 2"'), "site.toml:11: [notice] date: expected a date"),
        (VALID.replace('name = "otpic"', 'name = "../evil"'), "site.toml:2: [site] name: expected up to 64 ASCII letters"),
        (VALID.replace('text = "Gone."', ""), "[notice] text is missing"),
        (VALID.split("[notice]")[0], "missing section [notice]"),
        (VALID + "\n[output\n", "not valid TOML"),
        (VALID.replace("[source]\n", '[source]\nindex_files = "index.html"\n'),
         "[source] index_files: expected a list of strings"),
        (VALID.replace("[source]", 'aliases = ["http://colorado.edu/"]\n[source]'),
         "site.toml:5: [site] aliases: expected host names such as linuxgazette.net (no http://, no path)"),
        (VALID.replace("[source]", 'aliases = ["WWW.Colorado.EDU"]\n[source]'),
         "site.toml:5: [site] aliases: 'WWW.Colorado.EDU' is base_url's own host"),
        (VALID.replace("[source]", 'aliases = ["colorado.edu", "colorado.edu:80"]\n[source]'),
         "site.toml:5: [site] aliases: 'colorado.edu:80' is listed twice"),
    ],
)
def test_config_errors_name_file_line_and_key(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, tmp_path / "site.toml")
    assert expected in str(caught.value)


def test_cli_reports_config_error_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "site.toml"
    config.write_text(VALID.replace("docroot =", "docrot ="), encoding="utf-8")
    assert main(["run", str(config), "--out", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0
    assert f"{config}:6: [source] docrot: unknown key" in error


def test_missing_config_file_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(tmp_path / "nope.toml")]) == 2
    assert "no such config file" in capsys.readouterr().err


def test_mirror_section() -> None:
    text = VALID + '\n[mirror]\nexternal_links = "wayback"\ndrop = ["/cgi-bin/counter"]\npublish_url = "/old/"\n'
    options = parse_config(text, Path("site.toml")).mirror
    assert (options.external_links, options.drop, options.publish_url) == ("wayback", ("/cgi-bin/counter",), "/old/")
    defaults = parse_config(VALID, Path("site.toml")).mirror
    assert (defaults.external_links, defaults.drop, defaults.publish_url) == ("mark", (), "/")
    assert defaults.warc_name == "otpic.warc.gz" and defaults.software.startswith("sunset ")


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ('external_links = "hide"', "site.toml:15: [mirror] external_links: expected one of keep, mark, wayback"),
        ('drop = ["(unclosed"]', "site.toml:15: [mirror] drop: '(unclosed' is not a regular expression"),
        ('drop = "counter"', "site.toml:15: [mirror] drop: expected a list of strings"),
        ('publish_url = "archive/"', "site.toml:15: [mirror] publish_url: expected a path such as /"),
        ("wayback = true", "site.toml:15: [mirror] wayback: unknown key"),
    ],
)
def test_mirror_section_errors(lines: str, expected: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_config(VALID + "\n[mirror]\n" + lines + "\n", Path("site.toml"))
    assert str(error.value).startswith(expected)
