"""Scores of one page: how much of what is drawn differs, how similar the text reads.

The pictures are compared with pillow in C: both reduced 4x (averaging away anti-aliasing and
sub-pixel text positions), then the share of "ink" (pixels that differ from the page's
background in either picture) that differs between them. Dividing by ink rather than by the
whole picture keeps a short page on a white background from scoring well whatever it shows.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from io import BytesIO

from PIL import Image, ImageChops

REDUCE = 4
TOLERANCE = 40
"""Grey levels (of 255) two reduced pixels may differ by and still count as the same."""
MAX_WORDS = 20_000


@dataclass(frozen=True, slots=True)
class VisualScore:
    similarity: float
    differs_at: tuple[int, int, int, int] | None
    """The box (left, top, right, bottom; page pixels) around what differs, if anything."""


def _grey(png: bytes) -> Image.Image:
    with Image.open(BytesIO(png)) as image:
        return image.convert("L")


def _padded(image: Image.Image, size: tuple[int, int], fill: int) -> Image.Image:
    if image.size == size:
        return image
    canvas = Image.new("L", size, fill)
    canvas.paste(image, (0, 0))
    return canvas


def _background(image: Image.Image) -> int:
    histogram = image.histogram()
    return max(range(256), key=histogram.__getitem__)


def _ink(image: Image.Image, background: int) -> Image.Image:
    return image.point(lambda value: 255 if abs(value - background) > TOLERANCE else 0)


def visual_similarity(original_png: bytes, mirror_png: bytes) -> VisualScore:
    original, mirror = _grey(original_png), _grey(mirror_png)
    background = _background(original)
    size = (max(original.width, mirror.width), max(original.height, mirror.height))
    original = _padded(original, size, background).reduce(REDUCE)
    mirror = _padded(mirror, size, background).reduce(REDUCE)
    ink = ImageChops.lighter(_ink(original, background), _ink(mirror, background))
    changed = ImageChops.difference(original, mirror).point(lambda value: 255 if value > TOLERANCE else 0)
    inked = ink.histogram()[255]
    differing = changed.histogram()[255]
    if inked == 0:
        return VisualScore(1.0 if differing == 0 else 0.0, None)
    box = changed.getbbox()
    scaled = tuple(value * REDUCE for value in box) if box else None
    return VisualScore(max(0.0, 1.0 - differing / inked), scaled)  # type: ignore[arg-type]


def normal_words(text: str) -> list[str]:
    return text.split()[:MAX_WORDS]


def text_similarity(original: str, mirror: str) -> tuple[float, list[str]]:
    """Similarity of the two texts as word sequences (0-1), and a few of the differences in words."""
    a, b = normal_words(original), normal_words(mirror)
    if not a and not b:
        return 1.0, []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=len(a) > 2000)
    differences = []
    for tag, a1, a2, b1, b2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        gone, added = " ".join(a[a1:a2])[:80], " ".join(b[b1:b2])[:80]
        if tag == "delete":
            differences.append(f"missing: {gone!r}")
        elif tag == "insert":
            differences.append(f"added: {added!r}")
        else:
            differences.append(f"{gone!r} became {added!r}")
        if len(differences) >= 4:
            break
    return matcher.ratio(), differences


def thumbnail(png: bytes, width: int = 320) -> bytes:
    """The top of a rendering, small, as JPEG: for the QA page."""
    with Image.open(BytesIO(png)) as image:
        top = image.convert("RGB").crop((0, 0, image.width, min(image.height, image.width * 3 // 4)))
    top.thumbnail((width, width))
    out = BytesIO()
    top.save(out, "JPEG", quality=70, optimize=True)
    return out.getvalue()
