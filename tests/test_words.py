"""sunset's own words in the notice's language: one catalogue, every string in every language.

``site_out/templates/words.toml`` holds each string sunset writes on a page in en, de, fr, es, it,
nl, tr and ja, with the same placeholders; ``[notice] language`` (default: the language the notice
is written in) picks one, and no English is left around a German or Japanese notice. English
output is unchanged (tests/test_archive_golden.py and the rest of the suite hold it).
"""
from __future__ import annotations

import json
import re
import string
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from site_out.pages import forwarding_page
from site_out.qa.check import PageResult
from site_out.qa.options import QaThresholds
from site_out.qa.page import qa_html
from site_out.words import LANGUAGES, Words, catalogue, detect_language
from sunset.cli import main
from tests.conftest import ROOT, toml_string

CODE = "\n".join(path.read_text(encoding="utf-8") for path in sorted((ROOT / "site_out").rglob("*.py")))
DYNAMIC = ("about_dates_", "report_dates_", "glance_errors_", "glance_links_", "glance_missing_", "search_found_")
"""Keys the code names by a prefix (chosen by the date source, or by plural)."""


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(catalogue()))
def test_every_string_has_every_language(key: str) -> None:
    entry = catalogue()[key]
    assert sorted(entry) == sorted(LANGUAGES), f"{key}: {sorted(set(LANGUAGES) - set(entry))} missing"
    english = entry["en"]
    for lang, text in entry.items():
        assert type(text) is type(english) and text, f"{key}.{lang}"
        if isinstance(text, list):
            assert len(text) == len(english), f"{key}.{lang}"
        elif key == "date_format":
            assert placeholders(text) <= {"day", "month", "month_number", "year"}, f"{key}.{lang}"
        else:
            assert placeholders(text) == placeholders(english), f"{key}.{lang}: {text!r}"


def test_every_string_is_used_and_every_word_used_is_there() -> None:
    keys = set(catalogue())
    unused = [key for key in keys if f'"{key}"' not in CODE and f"'{key}'" not in CODE
              and not key.startswith(DYNAMIC) and key not in ("months", "day_one", "date_format", "thousands",
                                                              "decimal_point", "percent", "size_buckets")]
    assert unused == []
    named = set(re.findall(r"""words\(\s*["']([a-z_]+)["']""", CODE))
    assert named - keys == set()


@pytest.mark.parametrize(("lang", "day", "written"), [
    ("en", date(2005, 12, 2), "December 2, 2005"), ("de", date(2005, 12, 2), "2. Dezember 2005"),
    ("fr", date(2005, 12, 1), "1er décembre 2005"), ("es", date(2005, 12, 2), "2 de diciembre de 2005"),
    ("it", date(2005, 3, 2), "2 marzo 2005"), ("nl", date(2005, 12, 2), "2 december 2005"),
    ("tr", date(2005, 12, 2), "2 Aralık 2005"), ("ja", date(2005, 12, 2), "2005年12月2日"),
])
def test_dates_are_written_as_each_language_writes_them(lang: str, day: date, written: str) -> None:
    assert Words(lang).date(day) == written


def test_numbers_and_shares() -> None:
    assert Words("en").number(1234567) == "1,234,567" and Words("de").number(1234.5, 1) == "1.234,5"
    assert Words("en").percent(0.955) == "95.5%" and Words("tr").percent(0.5) == "%50.0".replace(".", ",")


NOTICES = {
    "en": "As of December 2, 2005, the Online Training Program has been officially retired and is no longer open.",
    "de": "Diese Website wurde am 2. Dezember 2005 stillgelegt und wird nicht mehr gepflegt. Die Inhalte sind im Archiv.",
    "fr": "Ce site a été fermé le 2 décembre 2005 et n'est plus mis à jour. Les pages sont conservées dans cette archive.",
    "es": "Este sitio fue retirado el 2 de diciembre de 2005 y ya no se actualiza. Las páginas se conservan en este archivo.",
    "it": "Questo sito è stato dismesso il 2 dicembre 2005 e non è più aggiornato. Le pagine sono conservate in questo archivio.",
    "nl": "Deze site is op 2 december 2005 buiten gebruik gesteld en wordt niet meer bijgewerkt. De pagina's zijn bewaard.",
    "tr": "Bu site 2 Aralık 2005 tarihinde kapatılmıştır ve artık güncellenmiyor. Sayfalar bu arşivde saklanıyor.",
    "ja": "このサイトは2005年12月2日に運用を終了しました。ページはこのアーカイブに保存されています。",
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_language_of_a_notice_is_told_from_its_text(lang: str) -> None:
    assert detect_language(NOTICES[lang]) == lang


@pytest.mark.parametrize("text", ["Retired.", "This site has been retired.", "OTPIC", "Retired on 2005-12-02"])
def test_a_short_or_unclear_notice_is_english(text: str) -> None:
    assert detect_language(text) == "en"


def _site(tmp_path: Path, notice: str, language: str | None) -> Path:
    site = tmp_path / "docroot" / "site"
    site.mkdir(parents=True)
    (site / "index.html").write_text(
        '<HTML><BODY><A HREF="page.htm">page</A> <A HREF="gone.htm">gone</A> '
        '<A HREF="http://elsewhere.test/">elsewhere</A> <A HREF="frames.htm">frames</A>'
        '<FORM ACTION="/cgi-bin/guestbook.pl" METHOD=POST><INPUT NAME=q></FORM></BODY></HTML>', encoding="utf-8")
    (site / "page.htm").write_text("<HTML><BODY>A page</BODY></HTML>", encoding="utf-8")
    (site / "frames.htm").write_text('<HTML><FRAMESET COLS="20%,*"><FRAME SRC="page.htm"><FRAME SRC="index.html">'
                                     "</FRAMESET></HTML>", encoding="utf-8")
    config = tmp_path / "site.toml"
    config.write_text(
        f'[site]\nname = "alt"\nbase_url = "http://old.test/site/"\n\n[source]\ndocroot = "docroot"\n'
        f'file_date = "1998-11-16"\n\n[notice]\ntitle = "R"\ndate = "2005-12-02"\ntext = {toml_string(notice)}\n'
        'successor_name = "New"\nsuccessor_url = "https://new.test/"\n'
        + (f'language = "{language}"\n' if language else ""), encoding="utf-8")
    return config


def english_left(html: str, lang: str) -> list[str]:
    """English pieces of catalogue strings (12 characters or more) that a page in ``lang`` still holds."""
    found = []
    for key, entry in catalogue().items():
        english, theirs = entry["en"], entry[lang]
        if isinstance(english, list) or english == theirs:
            continue
        for piece in re.split(r"\{[a-z_]+\}|<[^>]+>", english):
            piece = piece.strip(" .,:;()")
            if len(piece) >= 12 and piece not in theirs and piece in html:
                found.append(f"{key}: {piece!r}")
    return found


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_no_english_is_left_around_a_notice_in_another_language(tmp_path: Path, lang: str) -> None:
    config = _site(tmp_path, "R.", lang)
    out = tmp_path / "out"
    assert main(["run", str(config), "--out", str(out), "--quiet"]) == 0
    mirror = out / "mirror"
    own = [mirror / "index.html", *sorted((mirror / "_sunset").glob("*.html")), *sorted((mirror / "_sunset").glob("*.js"))]
    own = [path for path in own if not re.search(r"missing\.[a-z]{2}\.html$", path.name)]  # other pages' languages
    pages = sorted(path for path in mirror.rglob("*.htm*") if "_sunset" not in path.parts and path.name != "index.html"
                   or path.parent.name == "site")
    for path in own + pages:
        html = path.read_text(encoding="utf-8")
        assert english_left(html, lang) == [], path
    words = Words(lang)
    index = (mirror / "old.test" / "site" / "index.html").read_text(encoding="utf-8")
    assert words("notice_retired_on", date=words.date(date(2005, 12, 2))) in index
    assert words("form_closed_line") in index and words("link_external") in index.replace("&#x27;", "'")
    about = (mirror / "_sunset" / "about.html").read_text(encoding="utf-8")
    assert f'<html lang="{lang}">' in about and words("about_what") in about
    assert json.dumps(words("search_found_other")) in (mirror / "_sunset" / "search.js").read_text(encoding="utf-8")


def test_the_language_follows_the_notice_text(tmp_path: Path) -> None:
    config = _site(tmp_path, NOTICES["de"], None)
    assert main(["run", str(config), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    about = (tmp_path / "out" / "mirror" / "_sunset" / "about.html").read_text(encoding="utf-8")
    assert "Über dieses Archiv" in about and "About this archive" not in about
    assert "Stillgelegt am" not in about  # the text gives the date itself: not said twice
    missing = sorted(path.name for path in (tmp_path / "out" / "mirror" / "_sunset").glob("missing*.html"))
    assert missing == ["missing.en.html", "missing.es.html", "missing.fr.html", "missing.html"]
    assert "Seite nicht archiviert" in (tmp_path / "out" / "mirror" / "_sunset" / "missing.html").read_text("utf-8")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_qa_page_and_a_forwarding_page_speak_the_language(lang: str) -> None:
    words = Words(lang)
    result = PageResult(url="http://old.test/a.htm", path="old.test/a.htm", visual=0.5, text=0.9, failed=(),
                        original_failed=(), images_original=1, images_mirror=1, blocked=("http://x.test/",),
                        differences=(), passed=False, error="timed out", thumbs=(b"", b""))
    html = qa_html([result, replace(result, thumbs=None)], QaThresholds(), "", "alt", words)
    assert words("qa_others") in html and words("qa_th_not_loaded") in html and f'lang="{lang}"' in html
    moved = forwarding_page("", target_href="b.htm", original_url="http://old.test/a.htm", target_url="b.htm",
                            words=words)
    assert words("moved_heading") in moved
    if lang != "en":
        assert english_left(html, lang) == [] and english_left(moved, lang) == []
