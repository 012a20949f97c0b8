"""The ``[qa]`` thresholds: below any of them a page fails the QA run (and ``sunset qa`` exits 1)."""
from __future__ import annotations

from dataclasses import dataclass

VIEWPORT = (800, 600)
"""The window both renderings get: the 800x600 screens the old sites were written for (and fewer pixels
to draw, encode and compare than a modern window)."""


@dataclass(frozen=True, slots=True)
class QaThresholds:
    min_visual: float = 0.9
    """Share of the page's drawn pixels (below the notice) that look the same, 0-1."""
    min_text: float = 0.95
    """Similarity of the visible text, whitespace normalised (the notice left out), 0-1."""
    max_failed: int = 0
    """Resources a mirror page may fail to load (missing files, broken images)."""
    thumbnails: int = 200
    """Pages, worst first, shown with pictures on the QA page; the rest are listed with their scores."""
