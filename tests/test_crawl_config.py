"""The crawl keys of [source]: read into CrawlOptions, checked with file:line errors, overridden by flags."""
from __future__ import annotations

from pathlib import Path

import pytest

from archive.errors import ConfigError
from archive.urls import Scope
from crawl.options import CrawlOptions
from crawl.rules import CrawlRules, FetchMap, url_pattern
from sunset.cli import apply_option_flags, build_parser
from sunset.config import parse_config

CRAWL = """[site]
name = "old"
base_url = "http://www.oldsite.test/site/"

[source]
seeds = ["http://www.oldsite.test/site/", "http://www.oldsite.test/site/orphan.htm"]
include = ["/site/"]
exclude = ["/cgi-bin/calendar"]
max_pages = 500
max_depth = 6
robots = "ignore"
user_agent = "Archivist/1.0"
concurrency = 1
delay = 1.5
retries = 5
timeout = 10
max_body_bytes = 1000000
max_url_length = 300
fetch_from = "http://staging:8080/site/"
proxy = "http://proxy.example.org:3128/"

[notice]
title = "Retired"
date = "2005-12-02"
text = "Gone."
"""


def test_crawl_keys_are_read() -> None:
    crawl = parse_config(CRAWL, Path("site.toml")).source.crawl
    assert crawl.seeds[1].endswith("orphan.htm") and crawl.include == ("/site/",)
    assert (crawl.max_pages, crawl.max_depth, crawl.robots, crawl.user_agent) == (500, 6, "ignore", "Archivist/1.0")
    assert (crawl.concurrency, crawl.delay, crawl.retries, crawl.timeout) == (1, 1.5, 5, 10.0)
    assert (crawl.max_body_bytes, crawl.max_url_length) == (1000000, 300)
    assert crawl.fetch_from == "http://staging:8080/site/" and crawl.proxy == "http://proxy.example.org:3128/"


def test_defaults_are_polite() -> None:
    crawl = parse_config(CRAWL.split("[source]")[0] + CRAWL.split("proxy.example.org:3128/\"\n")[1],
                         Path("site.toml")).source.crawl
    assert crawl == CrawlOptions()
    assert (crawl.concurrency, crawl.retries, crawl.robots) == (2, 3, "obey")


@pytest.mark.parametrize(("line", "message"), [
    ("concurrency = 0", "[source] concurrency: must be at least 1"),
    ("delay = \"slow\"", "[source] delay: expected a number"),
    ("max_pages = 2.5", "[source] max_pages: expected a whole number"),
    ("robots = \"maybe\"", '[source] robots: expected "obey" or "ignore"'),
    ("exclude = [\"(\"]", "[source] exclude: '(' is not a regular expression"),
    ("fetch_from = \"staging\"", "[source] fetch_from: expected an http:// or https:// URL"),
    ("seeds = [\"ftp://x/\"]", "[source] seeds: expected http:// or https:// URLs"),
])
def test_bad_crawl_values_name_file_line_and_key(line: str, message: str) -> None:
    key = line.split(" =")[0]
    text = "\n".join(line if existing.startswith(key + " =") else existing for existing in CRAWL.splitlines())
    with pytest.raises(ConfigError) as error:
        parse_config(text, Path("site.toml"))
    assert message in str(error.value)
    assert str(error.value).startswith("site.toml:")


def test_command_line_overrides_the_config() -> None:
    config = parse_config(CRAWL, Path("site.toml"))
    args = build_parser().parse_args(["crawl", "site.toml", "--delay", "0", "--robots", "obey",
                                      "--exclude", "a", "--exclude", "b", "--max-pages", "3"])
    crawl = apply_option_flags(config, args).source.crawl
    assert (crawl.delay, crawl.robots, crawl.exclude, crawl.max_pages) == (0.0, "obey", ("a", "b"), 3)
    assert crawl.user_agent == "Archivist/1.0"


def test_rules_scope_requisites_and_traps() -> None:
    rules = CrawlRules(Scope("http://www.oldsite.test/site/", True), CrawlOptions(max_url_length=60))
    assert rules.refuse("http://www.oldsite.test/site/a.htm", requisite=False) is None
    assert rules.refuse("http://www.oldsite.test/images/a.gif", requisite=True) is None
    assert rules.refuse("http://www.oldsite.test/other.htm", requisite=False) == "outside base_url"
    assert rules.refuse("http://elsewhere.test/site/", requisite=True) == "another host"
    assert "max_url_length" in (rules.refuse("http://www.oldsite.test/site/" + "x" * 40, requisite=False) or "")
    assert url_pattern("/cgi-bin/cal.pl?date=1998-01-02&view=day") == url_pattern("/cgi-bin/cal.pl?view=week&date=2")
    assert url_pattern("/a/1998/b.htm") != url_pattern("/a/1998/c.htm")


def test_fetch_from_maps_both_ways() -> None:
    mapping = FetchMap("http://www.oldsite.test/site/", "http://staging:8080/restored/site/")
    assert mapping.to_fetch("http://www.oldsite.test/site/a.htm") == "http://staging:8080/restored/site/a.htm"
    assert mapping.to_recorded("http://staging:8080/restored/site/dir/") == "http://www.oldsite.test/site/dir/"
    assert mapping.to_fetch("http://www.oldsite.test/icons/b.gif") == "http://staging:8080/icons/b.gif"


def test_include_and_exclude_ignore_case_on_a_case_insensitive_site() -> None:
    """On IIS ``/Private/`` and ``/private/`` are one folder: an exclude must catch both spellings."""
    options = CrawlOptions(exclude=("/private/",), include=("/site/docs/",))
    folded = CrawlRules(Scope("http://www.oldsite.test/site/", True), options)
    assert folded.refuse("http://www.oldsite.test/site/Docs/PRIVATE/x.htm", requisite=False) == \
        "matches exclude pattern '/private/'"
    assert folded.refuse("http://www.oldsite.test/site/DOCS/a.htm", requisite=False) is None
    exact = CrawlRules(Scope("http://www.oldsite.test/site/", False), options)
    assert exact.refuse("http://www.oldsite.test/site/docs/Private/x.htm", requisite=False) is None
    assert exact.refuse("http://www.oldsite.test/site/DOCS/a.htm", requisite=False) == "matches no include pattern"
