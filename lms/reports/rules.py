"""Pure report rules: shares, at-risk flags and chart geometry (no Flask, no database)."""

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


def bar_chart(items: list[tuple[str, float, float | None]], width: int = 640,
              label_width: int = 110, row: int = 26) -> dict:
    """Geometry of a horizontal bar chart: items are (label, value, target or None).

    Horizontal bars keep twelve park names readable on a phone.
    """
    top = max([v for _, v, _ in items] + [t or 0 for _, _, t in items] + [1])
    plot_w = width - label_width - 50
    bars = []
    for i, (label, value, target) in enumerate(items):
        tx = None if target is None else label_width + plot_w * target / top
        bars.append(Bar(label, value, 8 + i * row, plot_w * value / top, tx))
    height = 8 + len(items) * row + 24
    ticks = [(label_width + plot_w * f, round(top * f)) for f in (0, 0.5, 1)]
    return {"width": width, "height": height, "bars": bars, "ticks": ticks, "row": row,
            "bar_h": row * 0.6, "label_width": label_width, "axis_y": height - 20}


def line_chart(series: dict[str, list[float]], labels: list[str], width: int = 640,
               height: int = 240, gutter: int = 40) -> dict:
    """Geometry of a line chart: one polyline per named series over shared x labels."""
    top = max([v for values in series.values() for v in values] + [1])
    plot_h = height - gutter - 10
    n = max(len(labels), 1)
    step = (width - gutter - 10) / max(n - 1, 1)
    lines = {}
    for name, values in series.items():
        pts = [(gutter + i * step, 10 + plot_h - plot_h * v / top) for i, v in enumerate(values)]
        lines[name] = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
    xs = [(gutter + i * step, label) for i, label in enumerate(labels)]
    ticks = [(10 + plot_h - plot_h * f, round(top * f)) for f in (0, 0.5, 1)]
    return {"width": width, "height": height, "lines": lines, "xs": xs, "ticks": ticks,
            "baseline": 10 + plot_h, "gutter": gutter}
