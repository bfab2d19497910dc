"""Geometry of the health page's small bar charts, drawn as inline SVG by the template. Pure.

A chart is horizontal bars in a fixed ``viewBox`` (it scales to the page width), sized by
SVG attributes, never inline styles, so the page keeps its Content-Security-Policy; each
chart is followed by a table with the same figures for screen readers
(docs/console.md, "Team health").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 480
LABEL = 140  # the names' column
BAR_AREA = 260  # the bars' column; the value is written after the bar
ROW = 22
BAR = 14


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar: its label, value, where it is drawn and whether it is over the cap."""

    label: str
    value: float
    text: str
    y: int
    width: float
    over: bool


@dataclass(frozen=True, slots=True)
class Chart:
    """The bars of a chart, its height, and the cap's line (x), if it has one."""

    bars: tuple[Bar, ...]
    height: int
    cap_x: float | None
    width: int = WIDTH
    label_width: int = LABEL


def bar_chart(
    items: Sequence[tuple[str, float, str]], cap: float | None = None, top: float | None = None
) -> Chart:
    """Return a chart of ``(label, value, text)`` items; ``text`` is written after the bar.

    Bars scale to ``top`` (default: the largest value or the cap, at least 1); a value at
    or above ``cap`` is marked ``over``.
    """
    scale = max([top or 0.0, *(value for _, value, _ in items), cap or 0.0, 1.0])
    bars = tuple(
        Bar(
            label=label,
            value=value,
            text=text,
            y=index * ROW + (ROW - BAR) // 2,
            width=round(BAR_AREA * max(value, 0.0) / scale, 1),
            over=cap is not None and value >= cap,
        )
        for index, (label, value, text) in enumerate(items)
    )
    cap_x = None if cap is None else round(LABEL + BAR_AREA * cap / scale, 1)
    return Chart(bars=bars, height=max(len(items), 1) * ROW, cap_x=cap_x)


def percent(share: float | None) -> str:
    """Return a share as ``97 %`` (``no data`` when nothing was due)."""
    return "no data" if share is None else f"{share * 100:.0f} %"
