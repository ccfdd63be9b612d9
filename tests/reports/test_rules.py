"""Report rules: shares, attendance on aggregated counts, chart geometry."""

import pytest

from lms.reports import rules


def test_rules_percentages_and_risk():
    assert rules.attendance_percent(2, 0, 2) == 100.0
    assert rules.attendance_percent(0, 1, 1) is None
    assert rules.best_possible_percent(0, 1, 2, 2) == 66.7
    assert rules.at_risk(0, 1, 2, 2, 75)          # cannot reach 75 any more
    assert rules.at_risk(1, 0, 2, 2, 75)          # 50 % after half the sessions
    assert not rules.at_risk(2, 0, 2, 2, 75)
    assert not rules.at_risk(0, 0, 0, 8, 75)       # nothing held yet
    assert not rules.at_risk(3, 0, 4, 0, 75)       # exactly on the threshold


def test_chart_geometry():
    chart = rules.bar_chart([("A", 50, 100), ("B", 100, None)], width=300)
    a, b = chart["bars"]
    assert b.width == 2 * a.width and b.y > a.y and a.target_x > chart["label_width"] + a.width
    assert b.target_x is None
    line = rules.line_chart({"x": [0, 5, 10]}, ["1", "2", "3"], width=200, height=140)
    assert len(line["lines"]["x"].split()) == 3


def test_share_and_percentages_to_one_decimal():
    assert rules.share(1, 3) == 33.3
    assert rules.share(2, 3) == 66.7
    assert rules.share(5, 0) is None
    assert rules.attendance_percent(2, 1, 4) == 66.7
    assert rules.best_possible_percent(1, 0, 2, 1) == 66.7
    assert rules.best_possible_percent(0, 0, 0, 0) is None


def test_bar_chart_geometry_by_hand():
    chart = rules.bar_chart([("A", 50, 100), ("B", 100, None)], width=300)
    # plot width 300 - 96 - 36 = 168 for the top tick 100 (ticks 0, 50, 100)
    assert chart["bars"] == [rules.Bar("A", 50, 8, 84.0, 264.0), rules.Bar("B", 100, 34, 168.0)]
    assert chart["ticks"] == [(96.0, 0), (180.0, 50), (264.0, 100)]
    assert {k: v for k, v in chart.items() if k not in ("bars", "ticks")} == {
        "width": 300, "height": 84, "row": 26, "bar_h": 15.6, "label_width": 96, "axis_y": 64}


def test_bar_chart_scales_to_the_target_and_never_to_zero():
    chart = rules.bar_chart([("A", 10, 40)], width=300, label_width=100, row=20)
    # plot width 300 - 100 - 36 = 164 for the top tick 40 (ticks 0, 20, 40)
    assert chart["bars"] == [rules.Bar("A", 10, 8, 41.0, 264.0)]
    assert chart["height"] == 52
    empty = rules.bar_chart([])
    assert empty["bars"] == [] and empty["ticks"] == [(96.0, 0), (324.0, 1)]


def test_line_chart_geometry_by_hand():
    chart = rules.line_chart({"x": [0, 5, 10]}, ["1", "2", "3"], width=200, height=140)
    # x step (200 - 40 - 14) / 2 = 73; plot height 140 - 40 - 10 = 90 for the top tick 10
    assert chart["lines"] == {"x": "40.0,100.0 113.0,55.0 186.0,10.0"}
    assert chart["xs"] == [(40.0, "1", "middle"), (113.0, "2", "middle"), (186.0, "3", "end")]
    assert chart["ticks"] == [(100.0, 0), (55.0, 5), (10.0, 10)]
    assert (chart["width"], chart["height"], chart["baseline"], chart["gutter"]) == (
        200, 140, 100, 40)
    single = rules.line_chart({"y": [0]}, ["only"], width=200, height=140, gutter=20)
    assert single["lines"] == {"y": "20.0,120.0"} and single["ticks"][-1] == (10.0, 1)


@pytest.mark.parametrize(("top", "ticks"), [
    (0, [0, 1]), (1, [0, 1]), (3, [0, 1, 2, 3]), (4, [0, 1, 2, 3, 4]), (7, [0, 2, 4, 6, 8]),
    (750, [0, 200, 400, 600, 800]), (6000, [0, 2000, 4000, 6000]), (6001, [0, 2000, 4000, 6000, 8000]),
    (12, [0, 5, 10, 15]), (100, [0, 50, 100]),
])
def test_chart_ticks_are_round_whole_numbers_covering_the_top(top, ticks):
    assert rules.nice_ticks(top) == ticks


def test_line_chart_labels_never_overlap_and_the_last_is_not_clipped():
    labels = [f"26-{m:02d}" for m in range(1, 13)]
    chart = rules.line_chart({"a": [0, 1, 2, 3] * 3}, labels)
    xs = chart["xs"]
    assert xs[-1][1] == "26-12" and xs[-1][2] == "end" and xs[-1][0] <= chart["width"]
    gaps = [b[0] - a[0] for a, b in zip(xs, xs[1:], strict=False)]
    assert min(gaps) >= 44
    assert [t for _, t in chart["ticks"]] == [0, 1, 2, 3]
    few = rules.line_chart({"a": [1, 2]}, ["26-11", "26-12"])
    assert [label for _, label, _ in few["xs"]] == ["26-11", "26-12"]
