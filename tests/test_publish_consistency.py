"""Small things an archivist notices: sunset says the same thing everywhere it says it.

qa's install hint is README's; the QA page's notice links the start page like every other page;
the WACZ is titled after the site, not its file name; a name with an accent is refused saying
that only ASCII letters do.
"""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from sunset.config import load_config, parse_config
from sunset.qa_cli import DESCRIPTION, INSTALL_QA, qa_notice
from tests.conftest import OTPIC_CONFIG, ROOT
from tests.test_config import VALID


def test_qa_names_the_install_command_readme_gives() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"`{INSTALL_QA}`" in readme and INSTALL_QA in DESCRIPTION
    assert "pip install 'sunset[qa]'" not in (ROOT / "sunset" / "qa_cli.py").read_text(encoding="utf-8")


def test_the_qa_pages_notice_links_the_start_page() -> None:
    notice = qa_notice(load_config(OTPIC_CONFIG))
    assert '<a href="../index.html"' in notice and "Start page of the archived site" in notice
    assert '<a href="index.html"' in notice and '<a href="about.html"' in notice


def test_the_wacz_is_titled_after_the_site(otpic_run) -> None:  # noqa: ANN001 - the fixture's pair
    _, layout = otpic_run
    with zipfile.ZipFile(layout.wacz) as wacz:
        package = json.loads(wacz.read("datapackage.json"))
    title = "International Online Training Program On Intractable Conflict (http://www.colorado.edu/conflict/peace/)"
    assert package["title"] == title and package["metadata"]["title"] == title


@pytest.mark.parametrize("name", ["apache-ü", "café", "ötpic"])
def test_a_name_with_an_accent_is_refused_as_not_ascii(name: str) -> None:
    from archive.errors import ConfigError

    with pytest.raises(ConfigError, match=r"\[site\] name: expected up to 64 ASCII letters \(a-z, A-Z, no accents\)"):
        parse_config(VALID.replace('name = "otpic"', f'name = "{name}"'), Path("site.toml"))
