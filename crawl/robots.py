"""robots.txt, read with Protego (the parser Scrapy uses), obeyed unless the config says not.

An institution archiving its own site may set ``robots = "ignore"``: robots.txt often hid
CGI directories from search engines, not from the site's owner.
"""
from __future__ import annotations

from protego import Protego


class Robots:
    def __init__(self, text: str | None, user_agent: str, *, obey: bool) -> None:
        self._parser = Protego.parse(text) if (obey and text) else None
        self._agent = user_agent

    def allowed(self, url: str) -> bool:
        return self._parser is None or bool(self._parser.can_fetch(url, self._agent))

    def crawl_delay(self) -> float | None:
        if self._parser is None:
            return None
        delay = self._parser.crawl_delay(self._agent)
        return float(delay) if delay is not None else None


def polite_delay(asked: float | None, delay: float, cap: float) -> tuple[float, str | None]:
    """The pause between requests: robots.txt's ``Crawl-delay`` when larger than ``delay``, but
    never above ``cap``; with the log line that says which."""
    if not asked or asked <= delay:
        return delay, None
    if asked > cap:
        chosen = max(delay, cap)
        return chosen, (f"crawl: robots.txt asks for {asked:g} s between requests; capped at {chosen:g} s "
                        "(max_crawl_delay)")
    return asked, f"crawl: robots.txt asks for {asked:g} s between requests; using it"
