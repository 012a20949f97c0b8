"""The config is a contract: every mistake is named with its file, line and key."""
from __future__ import annotations

from pathlib import Path

import pytest

from sunset.cli import main
from sunset.config import load_config, parse_config
from sunset.errors import ConfigError
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
        (VALID.replace('name = "otpic"', 'name = "../evil"'), "site.toml:2: [site] name: expected letters"),
        (VALID.replace('text = "Gone."', ""), "[notice] text is missing"),
        (VALID.split("[notice]")[0], "missing section [notice]"),
        (VALID + "\n[output\n", "not valid TOML"),
        (VALID.replace("[source]\n", '[source]\nindex_files = "index.html"\n'),
         "[source] index_files: expected a list of strings"),
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
