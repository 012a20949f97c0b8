"""site_out/scripts.py: the page addresses old JavaScript navigates to, when they are plain literals
(a table of script and what is found, as pywb's rewriter tests)."""
from __future__ import annotations

import pytest

from site_out.scripts import ScriptNavigation, ScriptURL, iter_script_navigation


def _found(script: str) -> list[str]:
    return [f"url:{script[found.start:found.end]}" if isinstance(found, ScriptURL) else f"code:{found.snippet}"
            for found in iter_script_navigation(script)]


@pytest.mark.parametrize(("script", "expected"), [
    ("window.open('glossary.htm')", ["url:glossary.htm"]),
    ('window.open("pop.htm", "win", "width=300")', ["url:pop.htm"]),
    ("window.open ( 'a.htm' ) ;", ["url:a.htm"]),
    ('location.href = "next.htm";', ["url:next.htm"]),
    ("location='home.htm'", ["url:home.htm"]),
    ('location.replace("new.htm")', ["url:new.htm"]),
    ('location.assign("b.htm")', ["url:b.htm"]),
    ("if (x) { location.href = 'x.htm' }", ["url:x.htm"]),
    ("location.href = 'page' + n + '.htm';", ["code:location.href = 'page' + n + '.htm'"]),
    ("window.open(url)", ["code:window.open(url)"]),
    ("location.href = base + 'x.htm'", ["code:location.href = base + 'x.htm'"]),
    ("if (location == 'a.htm') {}", []),  # a comparison, not a jump
    ("document.write('<a href=x.htm>')", []),  # not a navigation this module knows
    ("mywindow.open('a.htm')", []),
    ("window.open('it\\'s.htm')", ["code:window.open('it\\'s.htm')"]),  # an escape: not plain
    ("window.open('a.htm'); location.href='b.htm'", ["url:a.htm", "url:b.htm"]),
])
def test_script_navigation(script: str, expected: list[str]) -> None:
    assert _found(script) == expected


def test_a_long_snippet_is_cut_to_its_first_line_and_statement() -> None:
    (found,) = iter_script_navigation("location.href = pages[i]\n  + '.htm'; other()")
    assert found == ScriptNavigation("location.href = pages[i]")
    (found,) = iter_script_navigation("window.open(" + "x" * 200 + ")")
    assert isinstance(found, ScriptNavigation) and len(found.snippet) == 60
