"""Every key of the config schema, given a value of the wrong type, is named in one line with the
file, the line, the key and what was expected; so is every unknown key, missing section and bad URL."""
from __future__ import annotations

from pathlib import Path

import pytest

from archive.errors import ConfigError
from sunset.cli import main
from sunset.config import REQUIRED_SECTIONS, SCHEMA, parse_config
from tests.test_config import VALID

# A value of the wrong type for each kind of value the schema names.
WRONG = {"string": "12", "URL": "12", "boolean": '"yes"', "date": "7", "whole number": '"many"',
         "number of seconds": '"soon"', "list of strings": "5", "list of URLs": "5",
         "list of regular expressions": "5", '"obey" or "ignore"': "3", "one of keep, mark, wayback": "3",
         "URL or path starting with /": "3", "number from 0 to 1": '"high"',
         "one of en, de, fr, es, it, nl, tr, ja": '"klingon"', "list of host names": "5",
         "env:NAME or file:PATH": '"admin:hunter2"', '"basic" or "digest"': '"ntlm"', '"apache" or "iis"': "3"}


def _with_key(section: str, key: str, value: str) -> tuple[str, int]:
    """VALID with ``key = value`` in ``[section]`` (replacing the key if there); and its line."""
    lines = VALID.splitlines()
    if f"[{section}]" not in lines:
        lines += ["", f"[{section}]"]
    start = lines.index(f"[{section}]")
    end = next((number for number in range(start + 1, len(lines)) if lines[number].startswith("[")), len(lines))
    for number in range(start + 1, end):
        if lines[number].split("=")[0].strip() == key:
            lines[number] = f"{key} = {value}"
            return "\n".join(lines) + "\n", number + 1
    lines.insert(start + 1, f"{key} = {value}")
    return "\n".join(lines) + "\n", start + 2


KEYS = [(section, key, kind) for section, keys in SCHEMA.items() for key, (kind, _) in keys.items()]


def test_every_kind_has_a_wrong_value() -> None:
    assert {kind for _, _, kind in KEYS} <= set(WRONG)


@pytest.mark.parametrize("section, key, kind", KEYS, ids=[f"{section}.{key}" for section, key, _ in KEYS])
def test_a_wrong_type_names_file_line_key_and_expectation(section: str, key: str, kind: str) -> None:
    text, line = _with_key(section, key, WRONG[kind])
    with pytest.raises(ConfigError) as caught:
        parse_config(text, Path("site.toml"))
    message = str(caught.value)
    assert message.startswith(f"site.toml:{line}: [{section}] {key}: expected "), message
    assert "\n" not in message


@pytest.mark.parametrize("section", list(SCHEMA))
def test_an_unknown_key_in_every_section(section: str) -> None:
    text, line = _with_key(section, "colour", '"blue"')
    with pytest.raises(ConfigError) as caught:
        parse_config(text, Path("site.toml"))
    assert str(caught.value).startswith(f"site.toml:{line}: [{section}] colour: unknown key (known keys in ")


@pytest.mark.parametrize("section", REQUIRED_SECTIONS)
def test_a_missing_section(section: str) -> None:
    blocks = ("\n" + VALID).split("\n[")
    text = "\n[".join(block for block in blocks if not block.startswith(f"{section}]")).lstrip("\n")
    with pytest.raises(ConfigError) as caught:
        parse_config(text, Path("site.toml"))
    assert str(caught.value) == f"site.toml: missing section [{section}]"


URL_KEYS = [(section, key) for section, key, kind in KEYS if kind in ("URL", "list of URLs")]


@pytest.mark.parametrize("section, key", URL_KEYS, ids=[f"{section}.{key}" for section, key in URL_KEYS])
@pytest.mark.parametrize("bad", ["ftp://files.example/", "www.example.org/", "http://", "javascript:alert(1)"])
def test_a_bad_url(section: str, key: str, bad: str) -> None:
    value = f'["{bad}"]' if key == "seeds" else f'"{bad}"'
    text, _ = _with_key(section, key, value)
    if key in ("seeds", "fetch_from", "proxy"):
        text = text.replace('docroot = "docroot"\n', "")  # crawl keys: a config without a docroot
    with pytest.raises(ConfigError) as caught:
        parse_config(text, Path("site.toml"))
    message = str(caught.value)
    assert f"[{section}] {key}: expected" in message and "\n" not in message, message
    assert message.startswith("site.toml:"), message


def test_the_cli_prints_the_line_and_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "site.toml"
    text, line = _with_key("source", "timeout", '"soon"')
    config.write_text(text, encoding="utf-8")
    assert main(["run", str(config), "--out", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err.strip()
    assert error == f'sunset: error: {config}:{line}: [source] timeout: expected a number, got \'soon\''
    assert not (tmp_path / "out").exists()
