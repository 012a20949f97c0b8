"""`sunset qa` on the bundled site: every page rendered beside its original (pywb replay of the master).

The intact mirror passes the default thresholds; a mirror with an image removed and a page whose
text was altered fails on exactly those pages, and the QA page shows them first. The QA page then
opens in Chromium with no failed request and nothing off the machine. Real parts throughout:
pywb on 127.0.0.1, Debian's Chromium through Playwright.
"""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from site_out.check import iter_broken_links, iter_page_problems
from sunset.cli import main

pytest.importorskip("playwright.async_api", reason="playwright is not installed (pip install '.[qa]')")
pytest.importorskip("PIL", reason="pillow is not installed (pip install '.[qa]')")
if not Path("/usr/bin/chromium").exists():
    pytest.skip("Debian's chromium is not installed (make test installs it as root)", allow_module_level=True)

SITE = "www.colorado.edu/conflict/peace/"
IMAGE = SITE + "images/navbar.gif"
IMAGE_PAGES = {"http://www.colorado.edu/conflict/peace/treatment/track2.htm"}
"""The pages that draw the image (!home.htm names it only as LOWSRC, which browsers never load)."""
ALTERED = "http://www.colorado.edu/conflict/peace/treatment/track1.htm"


def _copy(otpic_run, folder: Path) -> Path:
    _, layout = otpic_run
    out = folder / "out"
    shutil.copytree(layout.root, out, ignore=shutil.ignore_patterns("replay", ".sunset.lock"))
    return out


def _qa(out: Path) -> tuple[int, dict]:
    try:
        from archive.package.replay import pywb_tool
        pywb_tool("wayback")
    except Exception as error:  # the replay extra is missing
        pytest.skip(str(error))
    code = main(["qa", str(out), "--quiet"])
    return code, json.loads((out / "qa.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def intact(otpic_run, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, dict]:
    out = _copy(otpic_run, tmp_path_factory.mktemp("qa-intact"))
    return (out, *_qa(out))


@pytest.fixture(scope="module")
def broken(otpic_run, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, dict]:
    out = _copy(otpic_run, tmp_path_factory.mktemp("qa-broken"))
    (out / "mirror" / IMAGE).unlink()
    page = out / "mirror" / SITE / "treatment" / "track1.htm"
    html = page.read_text(encoding="utf-8")
    altered = re.sub(r"Official diplomacy also has limits\..*?unofficial tracks\.",
                     "Nothing of the original paragraph is left here: a later editor wrote these words instead, "
                     "and no one can tell from the page what the old one said.", html, flags=re.S)
    assert altered != html
    page.write_text(altered, encoding="utf-8")
    return (out, *_qa(out))


def test_the_bundled_site_passes_the_default_thresholds(intact) -> None:
    out, code, figures = intact
    assert code == 0, [result for result in figures["results"] if not result["passed"]]
    assert figures["failed"] == 0
    assert figures["pages"] == 16 == len(figures["results"])
    for result in figures["results"]:
        assert result["failed"] == [] and result["blocked"] == [], result
        assert result["images_original"] == result["images_mirror"], result
    html = (out / "mirror" / "_sunset" / "qa.html").read_text(encoding="utf-8")
    assert 'data-pages="16" data-failed="0"' in html
    # the QA page is a page of the mirror like the others: notice, and every link and picture resolves
    assert list(iter_broken_links(out / "mirror")) == []
    assert list(iter_page_problems(out / "mirror")) == []


def test_a_removed_image_and_an_altered_text_are_flagged_worst_first(broken) -> None:
    out, code, figures = broken
    assert code == 1
    failed = {result["url"]: result for result in figures["results"] if not result["passed"]}
    assert set(failed) == IMAGE_PAGES | {ALTERED}
    for url in IMAGE_PAGES:
        assert failed[url]["missing_resources"] >= 1
        assert any(IMAGE.rsplit("/", 1)[1] in entry for entry in failed[url]["failed"]), failed[url]
    assert failed[ALTERED]["text"] < figures["thresholds"]["min_text"]
    assert failed[ALTERED]["missing_resources"] == 0
    assert any("Nothing of the original" in difference for difference in failed[ALTERED]["differences"])
    # qa.json lists the failed pages first, and the QA page shows the same order and the same scores
    order = [result["url"] for result in figures["results"]]
    assert set(order[:len(failed)]) == set(failed)
    html = (out / "mirror" / "_sunset" / "qa.html").read_text(encoding="utf-8")
    cards = re.findall(r'<section class="qa-page [^"]*" data-url="([^"]+)" data-visual="([^"]+)" '
                       r'data-text="([^"]+)" data-missing="(\d+)" data-passed="(\w+)"', html)
    assert [url for url, *_ in cards] == order
    for (url, visual, text, missing, passed), result in zip(cards, figures["results"]):
        assert (float(visual), float(text), int(missing), passed == "true") == (
            result["visual"], result["text"], result["missing_resources"], result["passed"]), url
    assert f'data-pages="16" data-failed="{len(failed)}"' in html


def test_the_qa_page_opens_in_chromium_with_nothing_failed(broken) -> None:
    from tests.test_report import open_in_chromium

    out, _, figures = broken
    opened = open_in_chromium(out / "mirror" / "_sunset" / "qa.html")
    assert opened.failed == [] and opened.foreign == [] and opened.broken_images == []
    assert opened.images == 2 * figures["pages"]  # two thumbnails a page (fewer than [qa] thumbnails pages)


def test_the_mirror_of_an_ssi_site_is_compared_with_what_apache_served(dept_run, tmp_path: Path) -> None:
    """Issue 22's Apache site from its files: the original each mirror page is compared with is the
    site as served (the home page with its includes done, the folder its DirectoryIndex opened, a
    listing), which pywb replays first; the mirror, made from the same answers, matches it."""
    _, layout = dept_run
    out = tmp_path / "out"
    shutil.copytree(layout.root, out, ignore=shutil.ignore_patterns("replay", ".sunset.lock"))
    code, report = _qa(out)
    assert code == 0, [page["url"] for page in report["results"] if not page["passed"]]
    results = {page["url"]: page for page in report["results"]}
    base = "http://www.example.edu/dept/peace/"
    for url in (base + "index.shtml", base, base + "papers/"):
        assert results[url]["passed"] and results[url]["text"] == 1.0, results[url]
