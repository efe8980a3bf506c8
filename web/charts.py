"""Bar charts drawn on the server as SVG geometry: no script, no external library.

:func:`bar_chart` only computes coordinates; the template ``_admin_chart.html`` writes the SVG,
so every label is escaped by Jinja like any other text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

WIDTH = 560
HEIGHT = 200
LEFT = 36  # room for the scale
BOTTOM = 22  # room for the week labels
TOP = 8
GRIDLINES = 4


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int
    series: int
    title: str


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class XLabel:
    x: float
    label: str


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    width: int
    height: int
    bars: list[Bar]
    ticks: list[Tick]
    labels: list[XLabel]
    legend: list[str]
    total: list[int]
    baseline: float


def nice_max(value: int) -> int:
    """Top of the scale: ``GRIDLINES`` steps of a round whole step (1, 2, 5 × 10^n)."""
    magnitude = 1
    while True:
        for step in (magnitude, 2 * magnitude, 5 * magnitude):
            if step * GRIDLINES >= value:
                return step * GRIDLINES
        magnitude *= 10


def bar_chart(
    key: str,
    title: str,
    weeks: list[date],
    series: list[tuple[str, list[int]]],
) -> Chart:
    """Grouped bars, one group per week and one bar per series within it."""
    top = nice_max(max((v for _, values in series for v in values), default=0))
    plot_w, plot_h = WIDTH - LEFT - 4, HEIGHT - TOP - BOTTOM
    baseline = TOP + plot_h
    group = plot_w / max(len(weeks), 1)
    bar_w = group * 0.7 / max(len(series), 1)
    bars = []
    for w, week in enumerate(weeks):
        for s, (name, values) in enumerate(series):
            value = values[w]
            height = plot_h * value / top
            bars.append(
                Bar(
                    x=round(LEFT + w * group + group * 0.15 + s * bar_w, 2),
                    y=round(baseline - height, 2),
                    width=round(bar_w, 2),
                    height=round(height, 2),
                    value=value,
                    series=s,
                    title=f"{week.isoformat()} {name}: {value}",
                )
            )
    ticks = [
        Tick(y=round(baseline - plot_h * i / GRIDLINES, 2), label=str(top * i // GRIDLINES))
        for i in range(GRIDLINES + 1)
    ]
    every = max(1, math.ceil(len(weeks) / 6))  # at most six week labels
    labels = [
        XLabel(x=round(LEFT + w * group + group / 2, 2), label=f"{week.month}/{week.day}")
        for w, week in enumerate(weeks)
        if w % every == 0
    ]
    return Chart(
        key=key,
        title=title,
        width=WIDTH,
        height=HEIGHT,
        bars=bars,
        ticks=ticks,
        labels=labels,
        legend=[name for name, _ in series],
        total=[sum(values) for _, values in series],
        baseline=baseline,
    )
