"""crawl/robots.py: robots.txt obeyed (or not, when the site's owner says so), and Crawl-delay capped."""
from __future__ import annotations

import pytest

from crawl.robots import Robots, polite_delay

ROBOTS = """User-agent: *
Disallow: /cgi-bin/
Crawl-delay: 5

User-agent: sunset
Disallow: /private/
"""


@pytest.mark.parametrize(("agent", "url", "allowed"), [
    ("other/1.0", "http://h/cgi-bin/count.pl", False),
    ("other/1.0", "http://h/private/a.htm", True),
    ("sunset/0.1 (archiving)", "http://h/private/a.htm", False),  # its own group, by product token
    ("sunset/0.1 (archiving)", "http://h/cgi-bin/count.pl", True),  # not in its group
    ("other/1.0", "http://h/index.html", True),
])
def test_obeyed(agent: str, url: str, allowed: bool) -> None:
    assert Robots(ROBOTS, agent, obey=True).allowed(url) is allowed


@pytest.mark.parametrize("text", [ROBOTS, None, ""])
def test_ignored_or_absent_allows_everything(text: str | None) -> None:
    robots = Robots(text, "other/1.0", obey=False)
    assert robots.allowed("http://h/cgi-bin/count.pl")
    assert robots.crawl_delay() is None
    assert Robots(text or None, "other/1.0", obey=True).allowed("http://h/") is True


def test_crawl_delay_of_the_agents_group() -> None:
    assert Robots(ROBOTS, "other/1.0", obey=True).crawl_delay() == 5.0
    assert Robots(ROBOTS, "sunset/0.1", obey=True).crawl_delay() is None


@pytest.mark.parametrize(("asked", "delay", "cap", "chosen", "says"), [
    (None, 0.5, 60, 0.5, None),
    (0.2, 0.5, 60, 0.5, None),  # our own pause is longer already
    (5, 0.5, 60, 5, "using it"),
    (86400, 0.5, 60, 60, "capped at 60 s"),
    (86400, 90, 60, 90, "capped at 90 s"),  # never below the configured delay
])
def test_polite_delay(asked: float | None, delay: float, cap: float, chosen: float, says: str | None) -> None:
    pause, line = polite_delay(asked, delay, cap)
    assert pause == chosen
    assert (line is None) if says is None else (says in line and "robots.txt asks for" in line)
