"""Find the page addresses that old JavaScript navigates to, when they are plain literals.

1998 sites opened pop-ups with ``window.open('glossary.htm')`` and jumped with
``location.href = "page.htm"``. Those literals can be pointed into the mirror safely; a URL
built at run time (``'page' + n + '.htm'``, a variable) cannot, so it is reported instead of
guessed at. No JavaScript parser: only these few navigation forms are looked for.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

_NAVIGATION = re.compile(
    r"""\b(?:
        (?P<call>window\.open|location\.(?:replace|assign))\s*\(\s*
      | (?P<assign>location(?:\.href)?)\s*=(?!=)\s*
    )""",
    re.VERBOSE,
)
_LITERAL = re.compile(r"""(["'])([^"'\\\r\n]*)\1""")
_AFTER_CALL = re.compile(r"\s*[,)]")
_AFTER_ASSIGN = re.compile(r"\s*(?:[;}\r\n]|$)")
_SNIPPET = 60


@dataclass(frozen=True, slots=True)
class ScriptURL:
    """A plain string literal naming a page: ``start``/``end`` span its contents in the script."""

    url: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class ScriptNavigation:
    """A navigation whose target is not a plain literal: left alone, reported."""

    snippet: str


def iter_script_navigation(script: str) -> Iterator[ScriptURL | ScriptNavigation]:
    """Each navigation in ``script``: its literal URL, or the code that builds one."""
    for match in _NAVIGATION.finditer(script):
        literal = _LITERAL.match(script, match.end())
        after = _AFTER_CALL if match.group("call") else _AFTER_ASSIGN
        if literal is not None and after.match(script, literal.end()):
            yield ScriptURL(literal.group(2), literal.start(2), literal.end(2))
        else:
            snippet = script[match.start() : match.start() + _SNIPPET].splitlines()[0].split(";")[0]
            yield ScriptNavigation(snippet.strip())
