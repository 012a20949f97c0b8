"""The web-archive keys of [source] (crawl/wayback/options.py, checked in sunset/config.py): a date
in the archive's digits or ISO, and keys that agree with each other, or one line naming the mistake."""
from __future__ import annotations

from pathlib import Path

import pytest

from archive.errors import ConfigError
from crawl.wayback.options import archive_timestamp
from sunset.cli import main
from sunset.config import parse_config

ARCHIVED = """[site]
name = "old"
base_url = "http://www.colorado.edu/conflict/peace/"

[source]
wayback = "https://web.archive.org/web/"
as_of = "1998-11"

[notice]
title = "Retired"
date = "2005-12-02"
text = "Gone."
"""


@pytest.mark.parametrize(("given", "latest", "expected"), [
    ("1998", False, "19980101000000"), ("1998", True, "19981231235959"), ("199802", True, "19980228235959"),
    ("19981116", False, "19981116000000"), ("19981116093000", True, "19981116093000"),
    ("1998-11", False, "19981101000000"), ("1998-11-16", True, "19981116235959"),
    ("1998-11-16T10:30:00+01:00", False, "19981116093000"), (1998, False, "19980101000000"),
])
def test_a_date_as_the_archive_writes_it(given: object, latest: bool, expected: str) -> None:
    assert archive_timestamp(given, latest=latest) == expected


def test_the_keys_reach_the_source() -> None:
    config = parse_config(ARCHIVED.replace('as_of = "1998-11"', 'as_of = 1998-11-16\nfrom = "1998"\nto = "1999"'),
                          Path("site.toml"))
    wayback = config.source.wayback
    assert wayback.enabled and wayback.replay == "https://web.archive.org/web/"
    assert (wayback.as_of, wayback.window_from, wayback.window_to) == ("19981116000000", "19980101000000",
                                                                        "19991231235959")


@pytest.mark.parametrize(("text", "expected"), [
    (ARCHIVED.replace('as_of = "1998-11"', 'as_of = "1998-13"'),
     "site.toml:7: [source] as_of: expected a date: 4 to 14 digits"),
    (ARCHIVED.replace('as_of = "1998-11"', 'as_of = "Nov 1998"'), "site.toml:7: [source] as_of: expected a date"),
    (ARCHIVED.replace('as_of = "1998-11"', 'as_of = "19981"'), "site.toml:7: [source] as_of: expected a date"),
    (ARCHIVED.replace('as_of = "1998-11"\n', ""), "site.toml:6: [source] wayback: needs [source] as_of"),
    (ARCHIVED.replace('wayback = "https://web.archive.org/web/"\n', ""),
     "site.toml:6: [source] as_of: only means something with [source] wayback"),
    (ARCHIVED.replace('wayback = "https://web.archive.org/web/"', 'wayback = "web.archive.org"'),
     "site.toml:6: [source] wayback: expected an http:// or https:// URL"),
    (ARCHIVED.replace('as_of = "1998-11"', 'as_of = "1998-11"\nfrom = "1999"\nto = "1998"'),
     "site.toml:8: [source] from: 1999-01-01 is after [source] to (1998-12-31)"),
    (ARCHIVED.replace('as_of = "1998-11"', 'as_of = "1998-11"\nfrom = "1999"'),
     "site.toml:7: [source] as_of: 1998-11-01 lies outside the window of [source] from and to (1999-01-01 to the last)"),
], ids=["no-such-month", "words", "odd-digits", "as_of-missing", "wayback-missing", "not-a-url", "from-after-to",
        "outside-window"])
def test_mistakes_are_named_with_file_line_and_key(text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, Path("site.toml"))
    assert str(caught.value).startswith(expected), str(caught.value)


@pytest.mark.parametrize("extra", ['docroot = "docroot"', 'fetch_from = "http://staging:8080/conflict/peace/"'])
def test_one_source_at_a_time(extra: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "site.toml"
    config.write_text(ARCHIVED.replace('as_of = "1998-11"', f'as_of = "1998-11"\n{extra}'), encoding="utf-8")
    assert main(["run", str(config), "--out", str(tmp_path / "out")]) == 2
    both = "docroot and wayback" if extra.startswith("docroot") else "wayback and fetch_from"
    assert f"[source] {both} are both set" in capsys.readouterr().err
    assert main(["plan", str(config), "--out", str(tmp_path / "out")]) == 2  # the dry run says it too
    said = capsys.readouterr()
    assert f"[source] {both} are both set" in said.out + said.err
    assert not (tmp_path / "out").exists()
