"""Report rules: shares, attendance on aggregated counts, chart geometry."""

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
    # plot width 300 - 110 - 50 = 140 for the top value 100
    assert chart["bars"] == [rules.Bar("A", 50, 8, 70.0, 250.0), rules.Bar("B", 100, 34, 140.0)]
    assert chart["ticks"] == [(110, 0), (180.0, 50), (250.0, 100)]
    assert {k: v for k, v in chart.items() if k not in ("bars", "ticks")} == {
        "width": 300, "height": 84, "row": 26, "bar_h": 15.6, "label_width": 110, "axis_y": 64}


def test_bar_chart_scales_to_the_target_and_never_to_zero():
    chart = rules.bar_chart([("A", 10, 40)], width=300, label_width=100, row=20)
    assert chart["bars"] == [rules.Bar("A", 10, 8, 37.5, 250.0)]
    assert chart["height"] == 52
    empty = rules.bar_chart([])
    assert empty["bars"] == [] and empty["ticks"][-1] == (590, 1)


def test_line_chart_geometry_by_hand():
    chart = rules.line_chart({"x": [0, 5, 10]}, ["1", "2", "3"], width=200, height=140)
    assert chart["lines"] == {"x": "40.0,100.0 115.0,55.0 190.0,10.0"}
    assert chart["xs"] == [(40.0, "1"), (115.0, "2"), (190.0, "3")]
    assert chart["ticks"] == [(100, 0), (55.0, 5), (10.0, 10)]
    assert (chart["width"], chart["height"], chart["baseline"], chart["gutter"]) == (
        200, 140, 100, 40)
    single = rules.line_chart({"y": [0]}, ["only"], width=200, height=140, gutter=20)
    assert single["lines"] == {"y": "20.0,120.0"} and single["ticks"][-1] == (10.0, 1)
