"""Pure report rules: shares, at-risk flags and chart geometry (no Flask, no database)."""

import math
from dataclasses import dataclass
from datetime import date

from lms.attendance import rules as attendance_rules


def recent_months(today: date, count: int) -> list[str]:
    """The `count` months up to today's, newest first, as YYYY-MM (none skipped)."""
    y, m = today.year, today.month
    out = []
    for _ in range(count):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return out


def share(part: float, whole: float) -> float | None:
    """part / whole as a percentage with one decimal, None when whole is 0."""
    if not whole:
        return None
    return round(100.0 * part / whole, 1)


def attendance_percent(attended: int, excused: int, held: int) -> float | None:
    """(present + late) / (held - excused), one decimal: the attendance feature's rule."""
    return attendance_rules.rounded(attendance_rules.attendance_percent(attended, 0, excused, held))


def best_possible_percent(attended: int, excused: int, held: int, upcoming: int) -> float | None:
    """The percentage if every session still to come is attended, one decimal."""
    return attendance_rules.rounded(
        attendance_rules.best_possible_percent(attended, 0, excused, held, upcoming))


def at_risk(attended: int, excused: int, held: int, upcoming: int, threshold: float) -> bool:
    """The attendance feature's at-risk rule, on aggregated counts."""
    return attendance_rules.is_at_risk(attended, 0, excused, held, upcoming, threshold)


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    y: float
    width: float
    target_x: float | None = None  # x of the target mark, if any


def nice_ticks(top: float, most: int = 5) -> list[int]:
    """Whole-number ticks from 0 to at least `top` in steps of 1, 2 or 5 times a power of ten."""
    if top <= 0:
        return [0, 1]
    raw = top / (most - 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    step = max(1, int(round(step)))
    return [i * step for i in range(math.ceil(top / step) + 1)]


# Charts are drawn about as wide as a phone (360 units): at 375 px their 12-unit text is 12 px
# (the stylesheet caps them at 30rem wide elsewhere, so text stays under 16 px on a laptop).
def bar_chart(items: list[tuple[str, float, float | None]], width: int = 360,
              label_width: int = 96, row: int = 26) -> dict:
    """Geometry of a horizontal bar chart: items are (label, value, target or None).

    Horizontal bars keep twelve park names readable on a phone.
    """
    ticks = nice_ticks(max([v for _, v, _ in items] + [t or 0 for _, _, t in items] + [1]), 4)
    top = ticks[-1]
    plot_w = width - label_width - 36
    bars = []
    for i, (label, value, target) in enumerate(items):
        tx = None if target is None else label_width + plot_w * target / top
        bars.append(Bar(label, value, 8 + i * row, plot_w * value / top, tx))
    height = 8 + len(items) * row + 24
    return {"width": width, "height": height, "bars": bars, "row": row,
            "ticks": [(label_width + plot_w * t / top, t) for t in ticks],
            "bar_h": row * 0.6, "label_width": label_width, "axis_y": height - 20}


def line_chart(series: dict[str, list[float]], labels: list[str], width: int = 360,
               height: int = 200, gutter: int = 40, label_room: int = 44) -> dict:
    """Geometry of a line chart: one polyline per named series over shared x labels.

    Every n-th x label is drawn so that labels never overlap (`label_room` units each); the last
    one is anchored at its end so it is never clipped.
    """
    ticks = nice_ticks(max([v for values in series.values() for v in values] + [1]))
    top = ticks[-1]
    plot_h = height - gutter - 10
    right = 14
    n = max(len(labels), 1)
    step = (width - gutter - right) / max(n - 1, 1)
    lines = {}
    for name, values in series.items():
        pts = [(gutter + i * step, 10 + plot_h - plot_h * v / top) for i, v in enumerate(values)]
        lines[name] = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
    every = max(1, math.ceil(label_room / step)) if n > 1 else 1
    shown = [i for i in range(n) if (n - 1 - i) % every == 0]  # always the latest month
    xs = [(gutter + i * step, labels[i], "end" if i == n - 1 and n > 1 else "middle")
          for i in shown if i < len(labels)]
    return {"width": width, "height": height, "lines": lines, "xs": xs,
            "ticks": [(10 + plot_h - plot_h * t / top, t) for t in ticks],
            "baseline": 10 + plot_h, "gutter": gutter}
