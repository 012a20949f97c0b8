"""Run the QA: render each pair, score it, keep the worst pages' thumbnails, judge against the thresholds."""
from __future__ import annotations

import asyncio
import heapq
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from site_out.qa.compare import text_similarity, thumbnail, visual_similarity
from site_out.qa.options import QaThresholds
from site_out.qa.pairs import PagePair
from site_out.qa.render import Rendering, Tab, map_pages
from site_out.resolve import MISSING_PAGE


@dataclass(frozen=True, slots=True)
class PageResult:
    url: str
    path: str
    visual: float
    text: float
    failed: tuple[str, ...]
    """What the mirror page could not load: failed requests and broken images."""
    original_failed: tuple[str, ...]
    """What the original (in pywb) could not load: usually files the old site never had."""
    images_original: int
    images_mirror: int
    blocked: tuple[str, ...]
    differences: tuple[str, ...]
    passed: bool
    error: str | None = None
    thumbs: tuple[bytes, bytes] | None = None
    """JPEG thumbnails (original, mirror) of the worst pages."""

    @property
    def worst_score(self) -> float:
        return min(self.visual, self.text)

    @property
    def missing_resources(self) -> int:
        return max(len(self.failed), self.images_original - self.images_mirror)

    def order(self) -> tuple:
        """Sort key: failed pages first, then the lowest score, then the most missing resources."""
        return (self.passed, self.worst_score, -self.missing_resources, self.url)


def _strip(entry: str) -> str:
    return entry.rsplit(" (", 1)[0]


_MISSING = re.compile("/" + re.escape(MISSING_PAGE).replace(r"\.html", r"(\.[A-Za-z-]+)?\.html") + "$")
"""``_sunset/missing.html`` and its translations (``missing.de.html``)."""


def _wanted(url: str) -> str:
    """The old site's URL a mirror request stands for: a link to the missing page carries it in ``url=``."""
    parts = urlsplit(url)
    if parts.scheme == "file" and _MISSING.search(parts.path):
        return parse_qs(parts.query).get("url", [url])[0]
    return url


def judge(pair: PagePair, original: Rendering, mirror: Rendering, thresholds: QaThresholds) -> PageResult:
    error = original.error and f"original: {original.error}" or mirror.error and f"mirror: {mirror.error}"
    if error:
        visual, at, text, words = 0.0, None, 0.0, []
    else:
        score = visual_similarity(original.shot, mirror.shot)
        visual, at = score.similarity, score.differs_at
        text, words = text_similarity(original.text, mirror.text)
    original_failed = tuple(dict.fromkeys(_strip(entry) for entry in original.failed + original.broken_images))
    every = tuple(dict.fromkeys([_strip(entry) for entry in mirror.failed] + list(mirror.broken_images)))
    failed = tuple(url for url in every if _wanted(url) not in original_failed)
    differences = list(words)
    if len(every) > len(failed):
        differences.append(f"{len(every) - len(failed)} resources the original could not load either "
                           "(never archived; the mirror points them to its missing page)")
    if at is not None and visual < 1:
        differences.insert(0, f"picture differs within x {at[0]}-{at[2]}, y {at[1]}-{at[3]} px (below the notice)")
    if mirror.images < original.images:
        differences.append(f"{original.images - mirror.images} of {original.images} images drawn in the original "
                           "are not drawn in the mirror")
    differences.extend(f"not loaded in the mirror: {url}" for url in failed[:5])
    missing = max(len(failed), original.images - mirror.images)
    passed = (error is None and visual >= thresholds.min_visual and text >= thresholds.min_text
              and missing <= thresholds.max_failed)
    return PageResult(pair.url, pair.path, round(visual, 4), round(text, 4), failed, original_failed,
                      original.images, mirror.images, tuple(dict.fromkeys(original.blocked + mirror.blocked)),
                      tuple(differences), passed, error or None)


def _thumbs(original: Rendering, mirror: Rendering) -> tuple[bytes, bytes] | None:
    if not original.shot or not mirror.shot:
        return None
    return thumbnail(original.shot), thumbnail(mirror.shot)


def run_checks(pairs: Iterable[PagePair], replay: Callable[[PagePair, str], str], mirror_root: Path,
               thresholds: QaThresholds, *, concurrency: int,
               on_page: Callable[[str], None] | None = None) -> list[PageResult]:
    """Every pair rendered and judged; the ``thresholds.thumbnails`` worst keep their thumbnails.

    ``replay(pair, url)`` is where the original side fetches ``url`` (a request of ``pair``'s page).
    """

    async def work(tabs: tuple[Tab, Tab], pair: PagePair):
        mirror_url = (mirror_root / pair.path).resolve().as_uri()
        original, mirror = await asyncio.gather(tabs[0].render(pair.url, lambda url: replay(pair, url)),
                                                tabs[1].render(mirror_url))
        result = await asyncio.to_thread(judge, pair, original, mirror, thresholds)
        return result, original, mirror

    async def collect() -> list[PageResult]:
        results: list[PageResult] = []
        worst: list[tuple] = []  # a heap of (negated order, index): the best of the kept on top
        async for result, original, mirror in map_pages(pairs, work, concurrency=concurrency):
            index = len(results)
            results.append(result)
            if on_page is not None:
                on_page(result.url)
            key = _negated(result.order())
            if len(worst) < thresholds.thumbnails:
                heapq.heappush(worst, (key, index))
            elif worst and key > worst[0][0]:
                _, dropped = heapq.heapreplace(worst, (key, index))
                results[dropped] = replace(results[dropped], thumbs=None)
            else:
                continue
            results[index] = replace(result, thumbs=await asyncio.to_thread(_thumbs, original, mirror))
        return sorted(results, key=PageResult.order)

    return asyncio.run(collect())


def _negated(order: tuple) -> tuple:
    """A key under which the worst page is the largest (heapq keeps the smallest on top)."""
    passed, score, missing, url = order
    return (not passed, -score, -missing, url)
