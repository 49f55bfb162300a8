"""Server-side SVG charts: the one rendering path for the dashboard page and the PDF report.

No JavaScript and no chart library: each function returns a ``Chart`` whose ``svg`` is plain
markup (every label escaped) with ``role="img"``, a ``<title>`` and a ``<desc>`` for screen
readers, and whose ``rows`` feed the table fallback printed under it
(``templates/reports/_chart.html``). WeasyPrint draws inline SVG, so the PDF shows the very
same drawing. Chinese labels use the Noto CJK fonts (fonts-noto-cjk).
"""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

FONT = "'Noto Sans CJK SC', 'Noto Sans SC', 'Microsoft YaHei', sans-serif"
FONT_SIZE = 12
BAR_HEIGHT = 18
BAR_GAP = 8
WIDTH = 560
PALETTE = ("#1f4e8c", "#b45309", "#2f855a", "#9b2c2c", "#6b46c1", "#4a5566")
_ids = itertools.count(1)


@dataclass
class Chart:
    """A drawn chart and the same figures as rows (the accessible table fallback)."""

    title: str
    svg: SafeString
    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    links: list[str | None] = field(default_factory=list)


def text_width(text: str, size: float = FONT_SIZE) -> float:
    """Estimate the drawn width of a label: wide (CJK) characters take a full em, others about half."""
    return sum(size if unicodedata.east_asian_width(char) in "WF" else size * 0.58 for char in text)


def _number(value: float) -> str:
    return f"{value:,.1f}" if isinstance(value, float) and not value.is_integer() else f"{int(value):,}"


def _open(width: float, height: float, title: str, desc: str, css_class: str = "chart") -> tuple[str, str]:
    uid = next(_ids)
    title_id, desc_id = f"chart-{uid}-title", f"chart-{uid}-desc"
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{css_class}" role="img" '
        f'aria-labelledby="{title_id} {desc_id}" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" font-family="{FONT}" font-size="{FONT_SIZE}">'
        f'<title id="{title_id}">{escape(title)}</title><desc id="{desc_id}">{escape(desc)}</desc>'
    )
    return head, "</svg>"


def bar_chart(
    title: str,
    rows: Sequence[tuple[str, float]],
    *,
    value_header: str,
    label_header: str,
    links: Sequence[str | None] | None = None,
    color: str = PALETTE[0],
) -> Chart:
    """Horizontal bars, one per (label, value), longest first as given; the value is printed after each bar."""
    rows = list(rows)
    label_width = max([text_width(label) for label, _value in rows] + [40]) + 12
    value_width = max([text_width(_number(value)) for _label, value in rows] + [20]) + 10
    plot = max(WIDTH - label_width - value_width, 120)
    top = max((value for _label, value in rows), default=0) or 1
    height = max(len(rows), 1) * (BAR_HEIGHT + BAR_GAP) + BAR_GAP
    desc = "; ".join(f"{label}: {_number(value)}" for label, value in rows) or "—"
    head, tail = _open(label_width + plot + value_width, height, title, desc)
    parts = [head]
    for index, (label, value) in enumerate(rows):
        y = BAR_GAP + index * (BAR_HEIGHT + BAR_GAP)
        length = plot * value / top
        url = links[index] if links is not None and index < len(links) else None
        bar = (
            f'<text x="{label_width - 8:.0f}" y="{y + BAR_HEIGHT * 0.72:.1f}" text-anchor="end" fill="#1b2430">'
            f"{escape(label)}</text>"
            f'<rect x="{label_width:.0f}" y="{y}" width="{max(length, 1 if value else 0):.1f}" '
            f'height="{BAR_HEIGHT}" fill="{color}" rx="2"/>'
            f'<text x="{label_width + length + 4:.1f}" y="{y + BAR_HEIGHT * 0.72:.1f}" fill="#1b2430">'
            f"{_number(value)}</text>"
        )
        # On the page each bar opens the list behind it (the PDF is drawn without links).
        parts.append(f'<a href="{escape(url)}" class="chart-link">{bar}</a>' if url else bar)
    if not rows:
        parts.append(f'<text x="8" y="{BAR_HEIGHT}" fill="#4a5566">—</text>')
    parts.append(tail)
    return Chart(
        title=title,
        svg=mark_safe("".join(parts)),  # noqa: S308 (every label passed through escape above)
        headers=[label_header, value_header],
        rows=[[label, value] for label, value in rows],
        links=list(links) if links is not None else [None] * len(rows),
    )


def funnel_chart(
    title: str,
    steps: Sequence[tuple[str, int]],
    *,
    label_header: str,
    value_header: str,
    share_header: str,
    links: Sequence[str | None] | None = None,
) -> Chart:
    """A funnel: one bar per step, each as wide as its share of the first step, the share printed beside it."""
    steps = list(steps)
    first = steps[0][1] if steps and steps[0][1] else 0
    chart = bar_chart(title, steps, label_header=label_header, value_header=value_header, links=links, color=PALETTE[0])
    chart.headers.append(share_header)
    for row in chart.rows:
        row.append(f"{row[1] * 100 / first:.1f}%" if first else "—")
    return chart


def line_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
    *,
    label_header: str,
    links: Sequence[str | None] | None = None,
) -> Chart:
    """Lines over months (x: labels, one line per series), with a legend; zero-based y axis with 4 gridlines."""
    left, right, top_pad, bottom = 48, 28, 28, 26
    width = WIDTH + 320  # the trend spans the page: drawn wider
    plot_w, plot_h = width - left - right, 200
    height = top_pad + plot_h + bottom
    peak = max((value for _name, values in series for value in values), default=0) or 1
    step = _nice_step(peak / 4)
    top = step * 4 if step * 4 >= peak else step * 5
    count = len(labels)
    desc = "; ".join(
        f"{name}: " + ", ".join(f"{label} {_number(value)}" for label, value in zip(labels, values, strict=True))
        for name, values in series
    )
    head, tail = _open(width, height, title, desc or "—", css_class="chart chart-wide")
    parts = [head]

    def x_at(index: int) -> float:
        return left + (plot_w * index / (count - 1) if count > 1 else plot_w / 2)

    def y_at(value: float) -> float:
        return top_pad + plot_h - plot_h * value / top

    for tick in range(5):
        value = top * tick / 4
        y = y_at(value)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#d5dbe3" stroke-width="1"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#4a5566" font-size="10">'
            f"{_number(value)}</text>"
        )
    every = max(1, -(-count // 12))
    for index, label in enumerate(labels):
        if (count - 1 - index) % every == 0:  # counted from the last month, so the newest always shows
            parts.append(
                f'<text x="{x_at(index):.1f}" y="{top_pad + plot_h + 16}" text-anchor="middle" fill="#4a5566" '
                f'font-size="10">{escape(label)}</text>'
            )
    legend_x: float = left
    for number, (name, values) in enumerate(series):
        color = PALETTE[number % len(PALETTE)]
        points = " ".join(f"{x_at(i):.1f},{y_at(v):.1f}" for i, v in enumerate(values))
        if count > 1:
            parts.append(f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="2"/>')
        for i, v in enumerate(values):
            parts.append(f'<circle cx="{x_at(i):.1f}" cy="{y_at(v):.1f}" r="2.5" fill="{color}"/>')
        parts.append(
            f'<rect x="{legend_x:.1f}" y="8" width="12" height="12" fill="{color}"/>'
            f'<text x="{legend_x + 16:.1f}" y="18" fill="#1b2430">{escape(name)}</text>'
        )
        legend_x += 16 + text_width(name) + 18
    parts.append(tail)
    return Chart(
        title=title,
        svg=mark_safe("".join(parts)),  # noqa: S308 (every label passed through escape above)
        headers=[label_header, *(name for name, _values in series)],
        rows=[[label, *(values[i] for _name, values in series)] for i, label in enumerate(labels)],
        links=list(links) if links is not None else [None] * count,
    )


def _nice_step(raw: float) -> float:
    """Round a gridline step up to 1, 2 or 5 times a power of ten."""
    if raw <= 1:
        return 1.0
    magnitude = float(10 ** (len(str(int(raw))) - 1))
    for factor in (1, 2, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def rows_for(chart: Chart) -> list[dict[str, Any]]:
    """The table fallback's rows, each with its link (templates use this)."""
    return [{"cells": row, "url": url} for row, url in zip(chart.rows, chart.links, strict=False)]


def as_context(chart: Chart) -> dict[str, Any]:
    return {"title": chart.title, "svg": chart.svg, "headers": chart.headers, "rows": rows_for(chart)}
