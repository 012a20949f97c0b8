"""sunset's own words on the pages it writes, in the language of the retirement notice.

The notice text is the site owner's, in the site's language; what sunset writes around it
("Retired on...", "Archived on...", the links under the notice) and on its own pages (the about
page, the page list, the report, the QA page, the missing-page and form-closed pages) must not be
English around a German or Turkish notice. Every such string is one entry of the catalogue,
``templates/words.toml``, with one text per language of :data:`LANGUAGES` (``tests/test_words.py``
checks that every entry has every language, with the same ``{placeholders}``).

The language is ``[notice] language``, else the language of the notice text, told cheaply from
its commonest small words (:func:`detect_language`), else English.

Entries are HTML fragments of sunset's own: the caller escapes each value it puts into one, and
escapes a whole entry where the page always did (a ``<title>``, a text node).
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib.resources import files
from typing import Any

LANGUAGES: tuple[str, ...] = ("en", "de", "fr", "es", "it", "nl", "tr", "ja")
"""The languages every entry of the catalogue has; English is the default."""
DEFAULT_LANGUAGE = "en"
CATALOGUE_FILE = "templates/words.toml"


@cache
def catalogue() -> dict[str, dict[str, Any]]:
    """key -> language -> text (a few entries are lists: the month names)."""
    return tomllib.loads(files("site_out").joinpath(CATALOGUE_FILE).read_text(encoding="utf-8"))


@dataclass(frozen=True, slots=True)
class Words:
    """sunset's words in one language: ``words("notice_start")``, ``words("when_on", date=...)``."""

    lang: str = DEFAULT_LANGUAGE

    def __call__(self, key: str, **values: object) -> str:
        return str(catalogue()[key][self.lang]).format(**values)

    def items(self, key: str) -> list[str]:
        """An entry that is a list (the month names, the rows of a chart)."""
        return list(catalogue()[key][self.lang])

    def plural(self, key: str, count: int, **values: object) -> str:
        """``KEY_one`` or ``KEY_other`` by ``count`` (French counts 0 as one, as it speaks), formatted."""
        one = count in (0, 1) if self.lang == "fr" else count == 1
        return self(f"{key}_{'one' if one else 'other'}", count=self.number(count), **values)

    def date(self, day: date) -> str:
        """A date written out, so no reader mistakes day for month: ``December 2, 2005``, ``2. Dezember 2005``."""
        month = self.items("months")[day.month - 1]
        number = self("day_one") if day.day == 1 else str(day.day)
        return self("date_format", day=number, month=month, month_number=day.month, year=day.year)

    def number(self, value: float, decimals: int = 0) -> str:
        """``1,234`` / ``1.234``; ``12.5`` / ``12,5``: grouped and pointed as the language writes it."""
        written = f"{value:,.{decimals}f}"
        grouping, point = self("thousands"), self("decimal_point")
        return written.replace(",", "\x00").replace(".", point).replace("\x00", grouping)

    def percent(self, share: float) -> str:
        """A share as a percentage with one decimal: ``95.0%``, ``95,0 %``, ``%95,0``."""
        return self("percent", value=self.number(share * 100, 1))


ENGLISH = Words(DEFAULT_LANGUAGE)

# The commonest small words of each language (and letters only it uses): a notice of a sentence
# or two holds several. Words shared by many of the languages (de, la, en) are left out.
_SMALL_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset("the and of to is has have been this was for with on as by are no longer our its "
                    "will it be from at".split()),
    "de": frozenset("der die das und ist nicht wurde wird ein eine einer mit für von zu dem den des auf "
                    "im sich diese dieser dieses seite mehr wir unsere am bei nach".split()),
    "fr": frozenset("le les et est des du une ce cette pour dans sur été plus n'est au aux qui par nous "
                    "notre ne pas".split()),
    "es": frozenset("el los las y es del que un una para este esta sitio ha sido por con más nuestro "
                    "nuestra al se".split()),
    "it": frozenset("il lo gli è di della del che per questo questa sito stato non più con dal dalla "
                    "nostro nostra alla al".split()),
    "nl": frozenset("het een en van dit deze niet meer voor met op wordt zijn werd naar onze ons is "
                    "bij ook".split()),
    "tr": frozenset("ve bir bu için ile olarak artık sitesi tarihinde tarafından değil olan yeni "
                    "kapatılmıştır".split()),
}
_OWN_LETTERS: dict[str, str] = {"tr": "ıığşİ", "es": "ñ¿¡", "de": "ß", "fr": "çœêû", "it": "ìò"}
_KANA = re.compile(r"[\u3040-\u30ff]")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


@cache
def detect_language(text: str) -> str:
    """The language of ``text`` among :data:`LANGUAGES`, told from its small words (Japanese from
    its kana); English when nothing stands out."""
    if _KANA.search(text):
        return "ja"
    words = [word.lower() for word in _WORD.findall(text)]
    scores = {lang: sum(word in small for word in words) for lang, small in _SMALL_WORDS.items()}
    for lang, letters in _OWN_LETTERS.items():
        scores[lang] += 2 * sum(text.count(letter) for letter in letters)
    ranked = sorted(scores.items(), key=lambda item: -item[1])
    (best, top), (_, second) = ranked[0], ranked[1]
    return best if top >= 2 and top > second else DEFAULT_LANGUAGE


def notice_words(language: str | None, title: str, text: str) -> Words:
    """The words for a notice: its ``language`` if set, else the language its title and text are in."""
    return Words(language or detect_language(f"{title}\n{text}"))
