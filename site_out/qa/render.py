"""Both renderings of every page in Chromium (Playwright, Debian's ``/usr/bin/chromium``), in parallel.

One browser, one context per concurrent slot; each page is opened fresh. Every request that
would leave the machine is refused (and listed): the original comes from pywb on 127.0.0.1,
the mirror from ``file://``. The notice is taken out of the mirror page before its picture and
text are compared, so what is compared is the page "below the notice"; the thumbnail keeps it.
So are the other marks sunset adds (every element with ``data-sunset``, e.g. the "form closed" note).
"""
from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from site_out.notice import NOTICE_ID
from site_out.qa.options import SHOT_HEIGHT, VIEWPORT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-dev-shm-usage", "--hide-scrollbars", "--font-render-hinting=none"]
PAGE_TIMEOUT_MS = 30_000

_INSPECT = """(remove) => {
  const notice = document.getElementById(%r);
  if (remove && notice) { notice.remove(); }
  if (remove) { document.querySelectorAll("[data-sunset]").forEach(added => added.remove()); }
  const images = Array.from(document.images);
  const root = document.documentElement;
  return {
    text: document.body ? document.body.innerText : "",
    broken: images.filter(i => i.getAttribute("src") && (!i.complete || i.naturalWidth === 0)).map(i => i.src),
    loaded: images.filter(i => i.naturalWidth > 0).length,
    height: Math.max(root ? root.scrollHeight : 0, document.body ? document.body.scrollHeight : 0),
  };
}""" % NOTICE_ID


class RenderError(RuntimeError):
    """Chromium or Playwright is missing."""


@dataclass(frozen=True, slots=True)
class Rendering:
    """One page as Chromium drew it."""

    shot: bytes
    """PNG of the top of the page (notice removed on the mirror side)."""
    thumb_shot: bytes | None
    """PNG of the first screen as a reader sees it (the mirror side, with its notice)."""
    text: str
    failed: tuple[str, ...]
    """Requests that failed or were answered with an error (>= 400)."""
    broken_images: tuple[str, ...]
    images: int
    """Images drawn."""
    blocked: tuple[str, ...]
    """Requests to other machines, refused."""
    error: str | None = None


def _local(url: str) -> bool:
    return urlsplit(url).scheme in ("file", "data", "blob", "about")


_DROPPED_HEADERS = ("content-encoding", "content-length", "transfer-encoding")
"""Playwright hands over the body decoded; the browser must not decode it again."""


async def render(context, url: str, *, strip_notice: bool, replay: Callable[[str], str] | None = None) -> Rendering:
    """Open ``url`` in a fresh tab of ``context`` and record what it drew, said and loaded.

    With ``replay`` (the original side) the tab asks for the old site's own URLs and every
    request is answered from ``replay(url)``, pywb's ``id_`` (raw) URL on 127.0.0.1: the
    original bytes, with no banner and no rewriting, and links resolve as they did on the old
    host. Without it (the mirror side) only ``file:`` and ``data:`` URLs load. Nothing goes
    off the machine either way.
    """
    failed: list[str] = []
    blocked: list[str] = []
    page = await context.new_page()

    async def from_replay(route) -> None:
        request = route.request
        if _local(request.url):
            await route.continue_()
            return
        if urlsplit(request.url).scheme not in ("http", "https") or replay is None:
            blocked.append(request.url)
            await route.abort("blockedbyclient")
            return
        try:
            answer = await route.fetch(url=replay(request.url), max_redirects=0, timeout=PAGE_TIMEOUT_MS)
        except Exception as error:  # pywb gone or slow: the request fails as it would have
            failed.append(f"{request.url} ({type(error).__name__})")
            await route.abort("failed")
            return
        headers = {name: value for name, value in answer.headers.items() if name.lower() not in _DROPPED_HEADERS}
        await route.fulfill(status=answer.status, headers=headers, body=await answer.body())

    await page.route("**/*", from_replay)
    page.on("requestfailed", lambda request: None if request.url in blocked
            else failed.append(f"{request.url} ({request.failure})"))
    page.on("response", lambda response: failed.append(f"{response.url} ({response.status})")
            if response.status >= 400 and response.request.resource_type != "document" else None)
    try:
        await page.goto(url, wait_until="load", timeout=PAGE_TIMEOUT_MS)
        thumb = None
        if strip_notice:
            thumb = await page.screenshot(type="png", animations="disabled", caret="hide")
        text, broken, images, height = [], [], 0, VIEWPORT[1]
        for index, frame in enumerate(page.frames):
            facts = await frame.evaluate(_INSPECT, strip_notice)
            text.append(facts["text"])
            broken.extend(facts["broken"])
            images += facts["loaded"]
            if index == 0:
                height = max(VIEWPORT[1], min(SHOT_HEIGHT, int(facts["height"])))
        shot = await page.screenshot(type="png", full_page=True, animations="disabled", caret="hide",
                                     clip={"x": 0, "y": 0, "width": VIEWPORT[0], "height": height})
        return Rendering(shot, thumb, "\n".join(text), tuple(failed), tuple(broken), images, tuple(blocked))
    except Exception as error:  # a page that never loads, navigates away or crashes the tab: a QA finding
        return Rendering(b"", None, "", tuple(failed), (), 0, tuple(blocked), error=f"{type(error).__name__}: "
                         f"{str(error).splitlines()[0] if str(error) else ''}")
    finally:
        await page.close()


def default_concurrency() -> int:
    """Pages open at once: two per core (Chromium spreads each over its own processes)."""
    return max(1, min(8, 2 * (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)))


async def _browser(playwright):
    if not os.path.exists(CHROMIUM):
        raise RenderError(f"{CHROMIUM} is not installed (Debian: apt-get install chromium)")
    return await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


async def map_pages(items: Iterable, work, *, concurrency: int) -> AsyncIterator:
    """Run ``work(context, item)`` for every item, ``concurrency`` at a time; yield results as they finish."""
    try:
        from playwright.async_api import async_playwright
    except ImportError as error:
        raise RenderError("playwright is not installed: pip install 'sunset[qa]'") from error
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
                try:
                    while True:
                        try:
                            item = queue.get_nowait()
                        except asyncio.QueueEmpty:
                            return
                        try:
                            await results.put(await work(context, item))
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
