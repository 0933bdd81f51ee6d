"""Charts of the coordinators' dashboard as inline SVG strings (drawn on the server, no
script): horizontal bars per row and a weekday x hour grid. Pure functions, every text escaped.

A suppressed figure ("<5") never draws its size: it is a hatched stub of one fixed width (bars)
or a hatched cell (grid) with the text "<5"; the scale comes only from the figures shown."""

from __future__ import annotations

import html
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from bot.stats.model import Figure

WIDTH = 440  # viewBox units of a bar chart; it scales to its box (CSS: width 100%, height auto)
HEAT_WIDTH = 640  # the grid has 24 columns
LABEL_MAX = 200  # the label column grows with the labels up to this
VALUE_ROOM = 44
CHAR = 8.6  # at most about how wide a character of 14 px is (DejaVu Sans), in viewBox units
STUB = 16  # the width of every suppressed bar, whatever it hides
BAR = 14
GAP = 10
FONT = 14
SERIES = 4  # series colours defined in dashboard.css (.series-0 … .series-3)
HEAT_LEVELS = 5  # .heat-0 … .heat-4
LABEL_CHARS = 22  # per line of a bar's label; a label wraps over up to LABEL_LINES lines
LABEL_LINES = 4  # 4 x 22: a tree node's name (at most 70 characters and "…") fits whole
LINE = 17  # the distance between two lines of a label


@dataclass(frozen=True)
class Series:
    """One column of a table drawn as bars: its name and one figure (or None) per row."""

    name: str
    figures: tuple[Figure | None, ...]


@dataclass(frozen=True)
class ChartTexts:
    """The words a chart needs (from the page's locale file)."""

    title: str  # the table's title
    kind: str  # "Staafdiagram" or "Raster per dag en uur"
    values: str  # lead-in of the values list in <desc>, e.g. "De cijfers:"


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def safe_id(text: str) -> str:
    """An id fragment from a table id (letters, digits, '-' and '_')."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", text) or "chart"


def short(label: str, limit: int = LABEL_CHARS) -> str:
    """A label cut to fit the label column (the table beside the chart has it in full)."""
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def wrapped(label: str, width: int = LABEL_CHARS, lines: int = LABEL_LINES) -> list[str]:
    """A label over at most `lines` lines of `width` characters, cut with "…" if longer."""
    found = textwrap.wrap(label, width, max_lines=lines, placeholder="…")
    return found or [""]


def _label(x: float, middle: float, lines: Sequence[str]) -> str:
    """A right-aligned label whose lines are centred on `middle`."""
    first = middle + FONT / 3 - (len(lines) - 1) * LINE / 2
    spans = "".join(
        f'<tspan x="{x:.0f}" y="{first + n * LINE:.1f}">{esc(line)}</tspan>'
        for n, line in enumerate(lines)
    )
    return f'<text class="chart-label" text-anchor="end">{spans}</text>'


def _scale(figures: Sequence[Figure | None]) -> float:
    """The largest shown figure (suppressed ones never count), at least 1."""
    shown = [f.value for f in figures if f is not None and not f.suppressed]
    return max([1.0, *shown])


def _svg_open(
    chart_id: str, height: int, texts: ChartTexts, desc: str, width: int = WIDTH
) -> list[str]:
    cid = safe_id(chart_id)
    return [
        f'<svg class="chart-svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{cid}-title {cid}-desc" xmlns="http://www.w3.org/2000/svg" '
        f'focusable="false">',
        f'<title id="{cid}-title">{esc(texts.kind)}: {esc(texts.title)}</title>',
        f'<desc id="{cid}-desc">{esc(desc)}</desc>',
        "<defs>"
        f'<pattern id="{cid}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)">'
        '<rect class="hatch-bg" width="6" height="6"/>'
        '<line class="hatch-line" x1="0" y1="0" x2="0" y2="6"/></pattern></defs>',
    ]


def bar_chart(
    chart_id: str, labels: Sequence[str], series: Sequence[Series], texts: ChartTexts
) -> str:
    """Horizontal bars: one group per row, one bar per series (a legend when more than one)."""
    cid = safe_id(chart_id)
    scale = _scale([f for s in series for f in s.figures])
    lines = [wrapped(label) for label in labels]
    longest = max((len(line) for found in lines for line in found), default=4)
    left = min(LABEL_MAX, 10 + longest * CHAR)
    room = WIDTH - left - VALUE_ROOM
    legend, legend_height = _legend(series) if len(series) > 1 else ("", 0)
    bars = len(series) * (BAR + 2)
    rows = [max(bars, len(found) * LINE) + GAP for found in lines]  # each row's height
    height = legend_height + (sum(rows) if rows else bars + GAP) + 4
    desc = _bar_desc(labels, series, texts)
    parts = _svg_open(chart_id, height, texts, desc)
    parts.append(legend)
    top = legend_height
    for row, found in enumerate(lines):
        inner = top + (rows[row] - GAP - bars) / 2  # the bars sit in the middle of the row
        parts.append(_label(left - 6, inner + bars / 2, found))
        for n, s in enumerate(series):
            figure = s.figures[row] if row < len(s.figures) else None
            parts.append(_bar(cid, n, figure, left + 1, inner + n * (BAR + 2), room / scale))
        top += rows[row]
    parts.append(
        f'<line class="chart-axis" x1="{left:.0f}" y1="{legend_height}" '
        f'x2="{left:.0f}" y2="{height - 2}"/>'
    )
    parts.append("</svg>")
    return "".join(parts)


def _bar(cid: str, n: int, figure: Figure | None, x: float, y: float, per_unit: float) -> str:
    text_y = y + BAR - 3
    if figure is None:
        return ""
    if figure.suppressed:
        return (
            f'<rect class="bar bar-small" x="{x:.0f}" y="{y:.1f}" width="{STUB}" height="{BAR}" '
            f'fill="url(#{cid}-hatch)"/>'
            f'<text class="chart-value chart-value-small" x="{x + STUB + 4:.0f}" y="{text_y:.1f}">'
            f"{esc(figure.text())}</text>"
        )
    width = per_unit * figure.value
    return (
        f'<rect class="bar series-{n % SERIES}" x="{x:.0f}" y="{y:.1f}" width="{width:.1f}" '
        f'height="{BAR}"/>'
        f'<text class="chart-value" x="{x + width + 4:.1f}" y="{text_y:.1f}">'
        f"{esc(figure.text())}</text>"
    )


def _legend(series: Sequence[Series]) -> tuple[str, int]:
    """The series' colours and names, wrapped over as many lines as they need."""
    parts = ['<g class="chart-legend">']
    x, line = 4.0, 0
    for n, s in enumerate(series):
        name = short(s.name, 30)
        wide = 24 + len(name) * CHAR
        if x > 4 and x + wide > WIDTH:
            x, line = 4.0, line + 1
        y = 6 + line * 20
        parts.append(
            f'<rect class="series-{n % SERIES}" x="{x:.0f}" y="{y}" width="12" height="12"/>'
            f'<text class="chart-label" x="{x + 16:.0f}" y="{y + 11}">{esc(name)}</text>'
        )
        x += wide
    parts.append("</g>")
    return "".join(parts), 6 + (line + 1) * 20 + 4


def _bar_desc(labels: Sequence[str], series: Sequence[Series], texts: ChartTexts) -> str:
    rows = []
    for row, label in enumerate(labels):
        figures = [(s.name, s.figures[row] if row < len(s.figures) else None) for s in series]
        shown = [(name, f.text()) for name, f in figures if f is not None]
        if len(series) == 1:
            rows.append(f"{label}: {shown[0][1]}" if shown else label)
        else:
            rows.append(f"{label}: " + ", ".join(f"{name} {text}" for name, text in shown))
    return f"{texts.values} " + "; ".join(rows) + "."


def heat_grid(
    chart_id: str,
    days: Sequence[str],
    hours: Sequence[str],
    cells: Sequence[Sequence[Figure | None]],
    texts: ChartTexts,
) -> str:
    """A weekday x hour grid; the darker a cell, the more contacts (levels from shown figures)."""
    cid = safe_id(chart_id)
    left, top, size_x, size_y = 92, 22, (HEAT_WIDTH - 92) / max(1, len(hours)), 24
    height = int(top + len(days) * size_y + 4)
    scale = _scale([f for row in cells for f in row])
    parts = _svg_open(chart_id, height, texts, texts.values, HEAT_WIDTH)
    for h, hour in enumerate(hours):
        if h % 3 == 0:  # every third hour keeps the labels readable
            x = left + h * size_x + size_x / 2
            parts.append(
                f'<text class="chart-label chart-hour" x="{x:.1f}" y="15" '
                f'text-anchor="middle">{esc(hour)}</text>'
            )
    for d, day in enumerate(days):
        y = top + d * size_y
        parts.append(
            f'<text class="chart-label" x="{left - 6}" y="{y + size_y / 2 + FONT / 3:.1f}" '
            f'text-anchor="end">{esc(short(day, 12))}</text>'
        )
        row = cells[d] if d < len(cells) else ()
        for h in range(len(hours)):
            figure = row[h] if h < len(row) else None
            parts.append(_cell(cid, figure, left + h * size_x, y, size_x, size_y, scale))
    parts.append("</svg>")
    return "".join(parts)


def _cell(
    cid: str, figure: Figure | None, x: float, y: float, w: float, h: float, scale: float
) -> str:
    box = f'x="{x + 1:.1f}" y="{y + 1:.1f}" width="{w - 2:.1f}" height="{h - 2:.1f}"'
    if figure is None:
        return f'<rect class="heat-none" {box}/>'
    cx, cy = x + w / 2, y + h / 2 + 4
    if figure.suppressed:
        return (
            f'<rect class="heat-small" {box} fill="url(#{cid}-hatch)"/>'
            f'<text class="heat-text heat-text-small" x="{cx:.1f}" y="{cy:.1f}" '
            f'text-anchor="middle">{esc(figure.text())}</text>'
        )
    level = min(HEAT_LEVELS - 1, 1 + int((HEAT_LEVELS - 1) * figure.value / (scale + 1e-9)))
    return (
        f'<rect class="heat heat-{level}" {box}/>'
        f'<text class="heat-text heat-text-{level}" x="{cx:.1f}" y="{cy:.1f}" '
        f'text-anchor="middle">{esc(figure.text())}</text>'
    )
