"""Both renderings of every page in Chromium (Playwright, Debian's ``/usr/bin/chromium``), in parallel.

One browser; per concurrent slot a context with two tabs (original, mirror) that load page after page. Every request that
would leave the machine is refused (and listed): the original comes from pywb on 127.0.0.1,
the mirror from ``file://``. The notice is taken out of the mirror page before its picture and
text are compared, so what is compared is the page "below the notice".
So are the other marks sunset adds (every element with ``data-sunset``, e.g. the "form closed" note).
"""
from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from site_out.frames import BANNER_FRAME
from site_out.notice import NOTICE_ID
from site_out.qa.options import VIEWPORT

CHROMIUM = "/usr/bin/chromium"
HEADLESS_SHELL = "/usr/bin/chromium-headless-shell"
"""Debian's ``chromium-headless-shell`` (the old headless mode) when installed: a third less CPU per page."""
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-dev-shm-usage", "--hide-scrollbars", "--font-render-hinting=none",
                 # No host name resolves: the original side is answered by pywb through the tab's route, so
                 # nothing a page asks for can leave the machine, whatever slips past the route.
                 "--host-resolver-rules=MAP * ~NOTFOUND"]
PAGE_TIMEOUT_MS = 30_000

_INSPECT = """(remove) => {
  const notice = document.getElementById(%r);
  if (remove && notice) { notice.remove(); }
  if (remove) { document.querySelectorAll("[data-sunset]").forEach(added => added.remove()); }
  const banner = remove ? document.querySelector('frame[name="%s"]') : null;
  if (banner) { const rows = banner.parentElement; banner.remove(); rows.setAttribute("rows", "*"); }
  const images = Array.from(document.images);
  return {
    text: document.body ? document.body.innerText : "",
    broken: images.filter(i => i.getAttribute("src") && (!i.complete || i.naturalWidth === 0)).map(i => i.src),
    loaded: images.filter(i => i.naturalWidth > 0).length,
  };
}""" % (NOTICE_ID, BANNER_FRAME)


class RenderError(RuntimeError):
    """Chromium or Playwright is missing."""


@dataclass(frozen=True, slots=True)
class Rendering:
    """One page as Chromium drew it."""

    shot: bytes
    """PNG of the first screen (on the mirror side without the notice and sunset's other marks)."""
    text: str
    failed: tuple[str, ...]
    """Requests that failed or were answered with an error (>= 400)."""
    broken_images: tuple[str, ...]
    images: int
    """Images drawn."""
    blocked: tuple[str, ...]
    """Requests to other machines, refused."""
    error: str | None = None


_WEB = re.compile(r"^https?://", re.IGNORECASE)


def _local(url: str) -> bool:
    return urlsplit(url).scheme in ("file", "data", "blob", "about")


_DROPPED_HEADERS = ("content-encoding", "content-length", "transfer-encoding")
"""Playwright hands over the body decoded; the browser must not decode it again."""


class Tab:
    """A browser tab reused for page after page (opening a tab costs more than loading an old page).

    With a ``replay`` (the original side) the tab asks for the old site's own URLs and every
    request is answered from ``replay(url)``, pywb's ``id_`` (raw) URL on 127.0.0.1: the
    original bytes, with no banner and no rewriting, and links resolve as they did on the old
    host. Without it (the mirror side) only ``file:`` and ``data:`` URLs load. Nothing goes
    off the machine either way.
    """

    def __init__(self, page, strip_notice: bool) -> None:
        self.page = page
        self.strip_notice = strip_notice
        self.replay: Callable[[str], str] | None = None
        self.failed: list[str] = []
        self.blocked: list[str] = []

    @classmethod
    async def open(cls, context, *, strip_notice: bool, replayed: bool) -> "Tab":
        tab = cls(await context.new_page(), strip_notice)
        if replayed:  # the mirror's tab has no route: file: URLs need none, and the rest cannot resolve
            await tab.page.route(_WEB, tab._answer)
        tab.page.on("requestfailed", tab._failed)
        tab.page.on("response", lambda response: tab.failed.append(f"{response.url} ({response.status})")
                    if response.status >= 400 and response.request.resource_type != "document" else None)
        return tab

    def _failed(self, request) -> None:
        if request.url in self.blocked:
            return
        if not _local(request.url) and "ERR_NAME_NOT_RESOLVED" in (request.failure or ""):
            self.blocked.append(request.url)  # a request that would have left the machine
        else:
            self.failed.append(f"{request.url} ({request.failure})")

    async def _answer(self, route) -> None:
        request = route.request
        if self.replay is None:
            self.blocked.append(request.url)
            await route.abort("blockedbyclient")
            return
        try:
            answer = await route.fetch(url=self.replay(request.url), max_redirects=0, timeout=PAGE_TIMEOUT_MS)
        except Exception as error:  # pywb gone or slow: the request fails as it would have
            self.failed.append(f"{request.url} ({type(error).__name__})")
            await route.abort("failed")
            return
        headers = {name: value for name, value in answer.headers.items() if name.lower() not in _DROPPED_HEADERS}
        await route.fulfill(status=answer.status, headers=headers, body=await answer.body())

    async def _inspect(self) -> tuple[list[str], list[str], int]:
        text, broken, images = [], [], 0
        for frame in list(self.page.frames):
            if frame.is_detached():  # the frameset's notice row, just taken out
                continue
            facts = await frame.evaluate(_INSPECT, self.strip_notice)
            text.append(facts["text"])
            broken.extend(facts["broken"])
            images += facts["loaded"]
        return text, broken, images

    async def render(self, url: str, replay: Callable[[str], str] | None = None) -> Rendering:
        """Load ``url`` and record what it drew (the first screen), said and loaded."""
        self.replay, self.failed, self.blocked = replay, [], []
        failed, blocked = self.failed, self.blocked
        try:
            await self.page.goto(url, wait_until="load", timeout=PAGE_TIMEOUT_MS)
            try:
                text, broken, images = await self._inspect()
            except Exception as error:  # a page that moved on (meta refresh, script): look at where it went
                if "context was destroyed" not in str(error) and "navigat" not in str(error):
                    raise
                await self.page.wait_for_load_state("load", timeout=PAGE_TIMEOUT_MS)
                text, broken, images = await self._inspect()
            shot = await self.page.screenshot(type="png", animations="disabled", caret="hide")
            return Rendering(shot, "\n".join(text), tuple(failed), tuple(broken), images, tuple(blocked))
        except Exception as error:  # a page that never loads, navigates away or crashes the tab: a QA finding
            return Rendering(b"", "", tuple(failed), (), 0, tuple(blocked), error=f"{type(error).__name__}: "
                             f"{str(error).splitlines()[0] if str(error) else ''}")
        finally:
            self.replay = None


def default_concurrency() -> int:
    """Pages open at once: two per core (Chromium spreads each over its own processes)."""
    return max(1, min(8, 2 * (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)))


def chromium_path() -> str:
    for candidate in (HEADLESS_SHELL, CHROMIUM):
        if os.path.exists(candidate):
            return candidate
    raise RenderError(f"{CHROMIUM} is not installed (Debian: apt-get install chromium, or chromium-headless-shell)")


async def _browser(playwright):
    return await playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)


async def map_pages(items: Iterable, work, *, concurrency: int) -> AsyncIterator:
    """Run ``work(tabs, item)`` for every item, ``concurrency`` at a time; yield results as they finish.

    ``tabs`` is (original tab, mirror tab) of the slot's own context.
    """
    try:
        from playwright.async_api import async_playwright
    except ImportError as error:
        raise RenderError("playwright is not installed: install the qa extra (.venv/bin/pip install -e '.[qa]' in "
                          "sunset's folder)") from error
    queue: asyncio.Queue = asyncio.Queue()
    results: asyncio.Queue = asyncio.Queue()
    count = 0
    for item in items:
        queue.put_nowait(item)
        count += 1
    async with async_playwright() as playwright:
        browser = await _browser(playwright)
        try:
            async def worker() -> None:
                context = await browser.new_context(viewport={"width": VIEWPORT[0], "height": VIEWPORT[1]},
                                                    device_scale_factor=1, service_workers="block")
                tabs = (await Tab.open(context, strip_notice=False, replayed=True),
                        await Tab.open(context, strip_notice=True, replayed=False))
                try:
                    while True:
                        try:
                            item = queue.get_nowait()
                        except asyncio.QueueEmpty:
                            return
                        try:
                            await results.put(await work(tabs, item))
                        except Exception as error:  # handed to the consumer, which raises it
                            await results.put(error)
                finally:
                    await context.close()

            tasks = [asyncio.create_task(worker()) for _ in range(max(1, min(concurrency, count)))]
            for _ in range(count):
                result = await results.get()
                if isinstance(result, Exception):
                    for task in tasks:
                        task.cancel()
                    raise result
                yield result
            await asyncio.gather(*tasks)
        finally:
            await browser.close()
