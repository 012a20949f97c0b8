"""The README says what the program does (issue 14, point 9)."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from sunset.cli import main
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_tests_paragraph_is_there_once() -> None:
    assert README.count("`make test` runs the suite") == 1
    assert README.count("skip when that folder is absent") == 1


def test_the_start_page_rule_is_stated() -> None:
    assert "start_url" in README and "**The start page.**" in README
    assert "a docroot one level too deep" in README


def test_the_bagit_validate_line_is_true(otpic_run, tmp_path: Path) -> None:
    """After `make run` (the bundled config: no bag) the README's two commands work in its order."""
    _, layout = otpic_run
    line = next(line for line in README.splitlines() if "bagit.py --validate out/otpic/bag" in line)
    before = README[:README.index(line) + len(line)]
    assert "sunset package out/otpic --bagit" in before.split("Check the package")[1]
    out = tmp_path / "otpic"
    shutil.copytree(layout.root, out, ignore=shutil.ignore_patterns(".sunset.lock"))
    assert not (out / "bag").exists()
    assert main(["package", str(out), "--bagit", "--quiet"]) == 0
    bagit = Path(sys.executable).parent / "bagit.py"
    result = subprocess.run([str(bagit), "--validate", str(out / "bag")], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr[-2000:]


README_LINES = 478
"""README.md's length when issue 24 asked for a walkthrough "kept under the current length by moving
reference tables to docs/"."""


def test_the_readme_is_a_walkthrough_and_the_reference_is_in_docs() -> None:
    assert len(README.splitlines()) <= README_LINES, (
        f"README.md has {len(README.splitlines())} lines, more than {README_LINES}: move reference material "
        "(tables, every option, every file) into docs/ and link it")
    walkthrough = README[README.index("## The first hour with your own site"):README.index("## Configuration")]
    steps = ["sunset plan site.toml", "sunset run site.toml", "sunset serve out/", "sunset qa out/",
             "sunset verify out/", "Before you publish or deposit"]
    places = [walkthrough.find(step) for step in steps]
    assert -1 not in places and places == sorted(places), dict(zip(steps, places))
    for section in ("## Quick start", "## Configuration", "## Commands", "## What is in the output folder",
                    "## Browse the mirror and replay the WARC", "## What the old server did"):
        assert README.count(section + "\n") == 1, section


def _slug(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _outside_code(text: str) -> str:
    return re.sub(r"```.*?```", "", text, flags=re.S)


def test_every_link_of_the_readme_and_docs_leads_somewhere() -> None:
    """The reference moved from README.md into docs/: each relative link names a file that exists and,
    after '#', a heading of it."""
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    broken = []
    for page in pages:
        for target in re.findall(r"\]\(([^)\s]+)\)", _outside_code(page.read_text(encoding="utf-8"))):
            if re.match(r"[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            dest = (page.parent / path).resolve() if path else page
            if not dest.exists():
                broken.append(f"{page.name}: {target} (no such file)")
            elif anchor and dest.suffix == ".md":
                headings = re.findall(r"^#+ (.*)$", _outside_code(dest.read_text(encoding="utf-8")), re.M)
                if anchor not in {_slug(heading) for heading in headings}:
                    broken.append(f"{page.name}: {target} (no such heading)")
    assert broken == []
