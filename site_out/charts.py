"""Charts as inline SVG, made here: the report must open from ``file://`` on a machine with no network.

A plotting library would bring a script or a raster image; two chart shapes cover what the
retirement report shows (bars for categories, columns for years), and plain SVG keeps the text
selectable and the numbers in the page for the tests to read (``data-value`` on each bar).
"""
from __future__ import annotations

from collections.abc import Sequence
from html import escape

PALETTE = ("#3366aa", "#dd7722", "#339944", "#aa3333", "#7755aa", "#886644", "#cc66aa", "#777777")
_FONT = 'font-family="sans-serif" font-size="12"'


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


EMPTY = '<p class="empty">None.</p>'
"""What a chart with nothing to show draws (``empty`` replaces it in another language)."""


def bar_chart(rows: Sequence[tuple[str, float]], *, label: str, unit: str = "", width: int = 520,
              notes: Sequence[str] | None = None, empty: str = EMPTY) -> str:
    """Horizontal bars, largest first as given: one row per category, its value written after the bar.

    ``label`` names the chart for screen readers; ``notes`` (one per row) add a grey remark after the value.
    """
    if not rows:
        return empty
    label_width, bar_height, gap = 190, 18, 6
    value_room = 150
    scale = max(value for _, value in rows) or 1
    height = len(rows) * (bar_height + gap) + gap
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(label, quote=True)}" '
             f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" class="chart">']
    for index, (name, value) in enumerate(rows):
        y = gap + index * (bar_height + gap)
        length = max(1.0, (width - label_width - value_room) * value / scale) if value else 0
        shown = name if len(name) <= 28 else name[:27] + "\u2026"
        note = f" {notes[index]}" if notes and notes[index] else ""
        parts.append(
            f'<g data-label="{escape(name, quote=True)}" data-value="{value:g}">'
            f"<title>{escape(name)}: {_number(value)}{escape(unit)}{escape(note)}</title>"
            f'<text x="{label_width - 6}" y="{y + 13}" text-anchor="end" {_FONT} fill="#222222">{escape(shown)}</text>'
            f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar_height}" '
            f'fill="{PALETTE[index % len(PALETTE)]}"/>'
            f'<text x="{label_width + length + 5:.1f}" y="{y + 13}" {_FONT} fill="#222222">'
            f'{_number(value)}{escape(unit)}<tspan fill="#777777">{escape(note)}</tspan></text></g>')
    parts.append("</svg>")
    return "".join(parts)


def column_chart(columns: Sequence[tuple[str, float]], *, label: str, width: int = 520, height: int = 180,
                 empty: str = EMPTY) -> str:
    """Vertical columns in the order given (years, oldest first), each labelled below and valued above."""
    if not columns:
        return empty
    top, bottom = 18, 22
    slot = width / len(columns)
    column = max(2.0, min(48.0, slot * 0.7))
    scale = max(value for _, value in columns) or 1
    every = max(1, round(len(columns) / 12))  # at most about a dozen labels under the axis
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(label, quote=True)}" '
             f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" class="chart">',
             f'<line x1="0" y1="{height - bottom}" x2="{width}" y2="{height - bottom}" stroke="#999999"/>']
    for index, (name, value) in enumerate(columns):
        x = index * slot + (slot - column) / 2
        tall = (height - top - bottom) * value / scale
        y = height - bottom - tall
        centre = x + column / 2
        parts.append(
            f'<g data-label="{escape(name, quote=True)}" data-value="{value:g}">'
            f"<title>{escape(name)}: {_number(value)}</title>"
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{column:.1f}" height="{tall:.1f}" fill="{PALETTE[0]}"/>'
            + (f'<text x="{centre:.1f}" y="{y - 4:.1f}" text-anchor="middle" {_FONT} fill="#222222">'
               f"{_number(value)}</text>" if value else "")
            + (f'<text x="{centre:.1f}" y="{height - 6}" text-anchor="middle" {_FONT} fill="#444444">'
               f"{escape(name)}</text>" if index % every == 0 else "")
            + "</g>")
    parts.append("</svg>")
    return "".join(parts)
