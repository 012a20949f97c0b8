"""Shared fixtures: the bundled example, a finished run of it, a finished run of issue 22's Apache
site (server-side includes, ``.htaccess``), and the real 1990s corpus."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from sunset.cli import main
from sunset.config import SiteConfig, load_config
from sunset.layout import OutputLayout

ROOT = Path(__file__).resolve().parents[1]
OTPIC_CONFIG = ROOT / "examples" / "otpic" / "site.toml"
OTPIC_DOCROOT = ROOT / "examples" / "otpic" / "docroot"
CORPUS = ROOT.parent / "shared" / "corpus"
SEED = ROOT / "tests" / "data" / "otpic-track2-1998.txt"  # text of the original page (shared/seed)
DEPT = ROOT / "tests" / "data" / "served" / "dept"
"""Issue 22's 1998 Apache departmental site: its docroot (SSI, ``.htaccess``) and an httpd.conf excerpt."""
DEPT_BASE = "http://www.example.edu/dept/peace/"


@pytest.fixture(scope="session")
def otpic_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[SiteConfig, OutputLayout]:
    """One full ``sunset run`` of the bundled example, shared by the tests that read its output."""
    out = tmp_path_factory.mktemp("otpic")
    assert main(["run", str(OTPIC_CONFIG), "--out", str(out), "--quiet"]) == 0
    config = load_config(OTPIC_CONFIG, out=out)
    return config, OutputLayout(out, config.name)


@pytest.fixture(scope="session")
def dept_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[SiteConfig, OutputLayout]:
    """One full ``sunset run`` of the departmental site from its files, no start_url: the old server
    opened its base URL with the ``DirectoryIndex`` of its ``.htaccess`` (``index.shtml``)."""
    folder = tmp_path_factory.mktemp("dept")
    shutil.copytree(DEPT / "docroot", folder / "docroot")
    shutil.copy(DEPT / "server.conf", folder / "server.conf")
    config_path = folder / "site.toml"
    config_path.write_text(f"""[site]
name = "dept"
base_url = {toml_string(DEPT_BASE)}

[source]
docroot = "docroot"
server_config = "server.conf"
file_date = "1998-11-16T09:30:00Z"

[notice]
title = "Retired"
date = "2005-12-02"
text = "This site has been retired."

[archive]
fixed_clock = "2026-01-01T00:00:00Z"
record_id_seed = "dept"
""", encoding="utf-8")
    out = folder / "out"
    assert main(["run", str(config_path), "--out", str(out), "--quiet"]) == 0
    config = load_config(config_path, out=out)
    return config, OutputLayout(out, config.name)


def toml_string(value: str) -> str:
    """A TOML basic string (JSON's string syntax is a subset of TOML's)."""
    return json.dumps(value, ensure_ascii=False)


def write_config(folder: Path, *, docroot: str = "docroot", base_url: str = "http://old.example.org/site/",
                 extra: str = "", notice_text: str = "This site has been retired.",
                 notice_title: str = "Retired") -> Path:
    """A minimal valid config in ``folder`` (for tests on sites other than the bundled one)."""
    path = folder / "site.toml"
    path.write_text(
        f"""[site]
name = "test"
base_url = {toml_string(base_url)}

[source]
docroot = {toml_string(docroot)}
{extra}
[notice]
title = {toml_string(notice_title)}
date = "2005-12-02"
text = {toml_string(notice_text)}
successor_name = "The New Site"
successor_url = "https://new.example.org/"
""",
        encoding="utf-8",
    )
    return path


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true",
                     help="show how this run's output differs from tests/golden/ (add --overwrite-golden to "
                          "rewrite the files)")
    parser.addoption("--overwrite-golden", action="store_true",
                     help="with --update-golden: rewrite tests/golden/ from this run, after reviewing its diff")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> str | None:
    """None (compare), "show" (print the diff, change nothing) or "overwrite"."""
    if not request.config.getoption("--update-golden"):
        return None
    return "overwrite" if request.config.getoption("--overwrite-golden") else "show"
