"""A crawl with ``seeds`` opens where it began: the first seed, unless ``[site] start_url`` says otherwise.

A site whose root has no page (CERN's ``/hypertext/``) is crawled from a seed; the mirror, the
notice's start link and the start-page check must not fall back to the empty root.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from sunset.cli import main
from sunset.config import parse_config
from tests.conftest import toml_string
from tests.crawlserver import serve, site_route
from tests.test_crawl_site import crawl_config

CRAWL = """[site]
name = "s"
base_url = "http://old.test/"
{site}
[source]
{source}
seeds = ["http://elsewhere.test/a.htm", "http://old.test/hypertext/WWW/TheProject.html", "http://old.test/b.htm"]

[notice]
title = "Retired"
date = "2005-12-02"
text = "Retired."
"""


@pytest.mark.parametrize(("site", "source", "start"), [
    ("", "", "http://old.test/hypertext/WWW/TheProject.html"),  # the first seed on the site's host
    ('start_url = "http://old.test/b.htm"', "", "http://old.test/b.htm"),  # start_url wins
    ("", 'docroot = "."', "http://old.test/"),  # seeds mean nothing to a docroot: base_url
])
def test_the_start_page_of_a_crawl_is_its_first_seed(site: str, source: str, start: str) -> None:
    config = parse_config(CRAWL.format(site=site, source=source), Path("/tmp/site.toml"))
    assert config.start == start and config.mirror.start_url == start


def test_a_crawl_from_a_seed_under_an_empty_root_opens_at_the_seed(tmp_path: Path) -> None:
    with serve(site_route) as site:
        config = crawl_config(tmp_path, site, base_url=site.origin + "/", fetch_from=None,
                              extra=f'robots = "ignore"\nmax_pages = 6\nseeds = [{toml_string(site.origin + "/site/index.htm")}]')
        out = tmp_path / "out"
        assert main(["run", str(config), "--out", str(out), "--quiet"]) == 0
    opening = (out / "mirror" / "index.html").read_text(encoding="utf-8")
    assert f'url=127.0.0.1_{site.port}/site/index.htm"' in opening


def test_a_start_page_not_archived_suggests_the_seed_the_crawl_began_at(tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    with serve(site_route) as site:
        seed = site.origin + "/site/glossary.htm"
        config = crawl_config(tmp_path, site, base_url=site.origin + "/site/", fetch_from=None,
                              extra=f'robots = "ignore"\nmax_pages = 4\nseeds = [{toml_string(seed)}]')
        text = config.read_text(encoding="utf-8").replace(
            "[source]", f"start_url = {toml_string(site.origin + '/site/nowhere.htm')}\n\n[source]", 1)
        config.write_text(text, encoding="utf-8")
        assert main(["run", str(config), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    error = capsys.readouterr().err
    assert "[site] start_url: the start page" in error and f'such as "{seed}"' in error
