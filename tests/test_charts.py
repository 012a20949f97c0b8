"""site_out/charts.py: inline SVG charts whose numbers a reader (and a test) can find in the page."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree

from site_out.charts import PALETTE, bar_chart, column_chart

SVG = "{http://www.w3.org/2000/svg}"


def _bars(svg: str) -> list[tuple[str, float, float]]:
    """(label, value, drawn length) of each bar or column."""
    root = ElementTree.fromstring(svg)
    found = []
    for group in root.iter(f"{SVG}g"):
        rect = group.find(f"{SVG}rect")
        assert rect is not None
        size = float(rect.get("width") if root.find(f"{SVG}line") is None else rect.get("height"))
        found.append((group.get("data-label"), float(group.get("data-value")), size))
    return found


def test_bars_are_scaled_to_the_largest_and_keep_their_values() -> None:
    svg = bar_chart([("text/html", 300), ("image/gif", 150), ("a & <b>", 0), ("x" * 40, 1.5)], label="types",
                    unit=" files", notes=["1 MB", None, "", "tiny"])
    bars = _bars(svg)
    assert [(label, value) for label, value, _ in bars] == [
        ("text/html", 300), ("image/gif", 150), ("a & <b>", 0), ("x" * 40, 1.5)]
    assert bars[0][2] == 2 * bars[1][2] and bars[2][2] == 0 and bars[3][2] >= 1  # a small value stays visible
    assert 'aria-label="types"' in svg
    assert "x" * 27 + "\u2026</text>" in svg  # a long label is cut on the chart, whole in its title
    assert f"<title>{'x' * 40}: 1.5 files tiny</title>" in svg
    assert "300 files" in svg and "1 MB" in svg
    assert svg.count(PALETTE[0]) == 1


def test_columns_in_the_order_given_with_a_dozen_labels_at_most() -> None:
    years = [(str(year), float(year % 7)) for year in range(1990, 2014)]
    svg = column_chart(years, label="years")
    columns = _bars(svg)
    assert [label for label, _, _ in columns] == [str(year) for year in range(1990, 2014)]
    tallest = max(height for _, _, height in columns)
    assert all(abs(height - tallest * value / 6) < 0.2 for _, value, height in columns)
    labels = re.findall(r'fill="#444444">(\d{4})</text>', svg)
    assert labels[0] == "1990" and len(labels) <= 12


def test_an_empty_chart_says_so() -> None:
    assert bar_chart([], label="x") == column_chart([], label="x") == '<p class="empty">None.</p>'


def test_all_zero_values_draw_nothing_and_divide_by_nothing() -> None:
    assert [size for _, _, size in _bars(bar_chart([("a", 0), ("b", 0)], label="x"))] == [0, 0]
    assert [size for _, _, size in _bars(column_chart([("1998", 0)], label="x"))] == [0]
