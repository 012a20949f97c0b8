"""The QA's scores without a browser: pictures drawn with pillow, texts, and the verdict on one page."""
from __future__ import annotations

from io import BytesIO

import pytest

PIL = pytest.importorskip("PIL", reason="pillow is not installed (pip install '.[qa]')")
from PIL import Image, ImageDraw  # noqa: E402

from site_out.qa.check import judge  # noqa: E402
from site_out.qa.compare import text_similarity, visual_similarity  # noqa: E402
from site_out.qa.options import QaThresholds  # noqa: E402
from site_out.qa.pairs import PagePair  # noqa: E402
from site_out.qa.render import Rendering  # noqa: E402


def picture(lines: list[str], *, top: int = 20, image: bool = True) -> bytes:
    canvas = Image.new("RGB", (400, 300), "white")
    draw = ImageDraw.Draw(canvas)
    for number, line in enumerate(lines):
        draw.text((10, top + 14 * number), line, fill="black")
    if image:
        draw.rectangle((300, 200, 380, 280), fill="navy")
    out = BytesIO()
    canvas.save(out, "PNG")
    return out.getvalue()


LINES = ["Official (Track 1) diplomacy", "is the communication and negotiation", "carried out between governments"]


def test_the_same_picture_scores_one_and_a_changed_one_less() -> None:
    same = visual_similarity(picture(LINES), picture(LINES))
    assert same.similarity == 1.0 and same.differs_at is None
    missing_image = visual_similarity(picture(LINES), picture(LINES, image=False))
    assert missing_image.similarity < 0.9
    left, top, right, bottom = missing_image.differs_at
    assert 290 <= left and right <= 390 and 190 <= top and bottom <= 290
    moved = visual_similarity(picture(LINES), picture(LINES, top=60))
    assert moved.similarity < 0.9


def test_text_similarity_ignores_white_space_and_names_what_changed() -> None:
    assert text_similarity("a  b\n\tc", "a b c") == (1.0, [])
    score, differences = text_similarity("one two three four five", "one two six four five")
    assert 0.7 < score < 1 and differences == ["'three' became 'six'"]


def rendering(failed=(), broken=(), images=1, shot=None) -> Rendering:
    return Rendering(shot or picture(LINES), "\n".join(LINES), tuple(failed), tuple(broken), images, ())


def test_a_resource_the_original_missed_too_is_not_held_against_the_mirror() -> None:
    pair = PagePair("http://old.example/a.htm", "19981116093000", "old.example/a.htm")
    gone = "http://old.example/never.gif"
    original = rendering(failed=[f"{gone} (404)"], broken=[gone])
    mirror_missing = "file:///m/_sunset/missing.html?url=http%3A%2F%2Fold.example%2Fnever.gif"
    mirror = rendering(broken=[mirror_missing])
    result = judge(pair, original, mirror, QaThresholds())
    assert result.passed and result.failed == () and result.original_failed == (gone,)
    lost = judge(pair, rendering(images=2), rendering(failed=["file:///m/old.example/logo.gif (net::ERR_FILE_NOT_FOUND)"],
                                                       images=1), QaThresholds())
    assert not lost.passed and lost.failed == ("file:///m/old.example/logo.gif",) and lost.missing_resources == 1
