"""Pure scheduling rules: no app, no database."""

from datetime import UTC, date, datetime, time

import pytest

from lms.scheduling import rules


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def test_sessions_are_generated_in_park_time_and_stored_in_utc():
    pairs = rules.generate_sessions(date(2026, 1, 5), date(2026, 1, 7), ["mon", "wed"],
                                    time(10, 0), time(12, 30))
    assert pairs == [(utc(2026, 1, 5, 5, 0), utc(2026, 1, 5, 7, 30)),
                     (utc(2026, 1, 7, 5, 0), utc(2026, 1, 7, 7, 30))]
    assert all(s.tzinfo is not None for s, _ in pairs)


def test_end_date_is_inclusive_and_start_date_too():
    days = rules.meeting_dates(date(2026, 1, 5), date(2026, 1, 12), ["mon"])
    assert days == [date(2026, 1, 5), date(2026, 1, 12)]


def test_single_day_cohort():
    assert rules.meeting_dates(date(2026, 1, 5), date(2026, 1, 5), ["mon"]) == [date(2026, 1, 5)]
    assert rules.meeting_dates(date(2026, 1, 5), date(2026, 1, 5), ["tue"]) == []


def test_holidays_are_skipped():
    days = rules.meeting_dates(date(2026, 1, 5), date(2026, 1, 19), ["mon"],
                               holidays={date(2026, 1, 12), date(2026, 1, 13)})
    assert days == [date(2026, 1, 5), date(2026, 1, 19)]


def test_early_morning_park_time_is_the_previous_day_in_utc():
    [(start, end)] = rules.generate_sessions(date(2026, 3, 2), date(2026, 3, 2), ["mon"],
                                             time(2, 0), time(4, 0))
    assert start == utc(2026, 3, 1, 21, 0)
    assert end == utc(2026, 3, 1, 23, 0)


def test_overlap_and_back_to_back():
    a = (utc(2026, 1, 5, 5), utc(2026, 1, 5, 7))
    assert rules.overlaps(*a, utc(2026, 1, 5, 6), utc(2026, 1, 5, 8))
    assert rules.overlaps(*a, utc(2026, 1, 5, 4), utc(2026, 1, 5, 9))  # contains
    assert rules.overlaps(*a, *a)  # identical
    assert not rules.overlaps(*a, utc(2026, 1, 5, 7), utc(2026, 1, 5, 9))  # back-to-back after
    assert not rules.overlaps(*a, utc(2026, 1, 5, 3), utc(2026, 1, 5, 5))  # back-to-back before


def test_drop_overlapping_keeps_clear_pairs():
    kept = [(utc(2026, 1, 5, 5), utc(2026, 1, 5, 7))]
    pairs = [(utc(2026, 1, 5, 6), utc(2026, 1, 5, 8)), (utc(2026, 1, 5, 7), utc(2026, 1, 5, 9))]
    assert rules.drop_overlapping(pairs, kept) == [pairs[1]]


@pytest.mark.parametrize("days,expected", [
    ("mon,wed", ["mon", "wed"]), (["Wed", "mon", "mon"], ["mon", "wed"]),
    (["Monday", "friday"], ["mon", "fri"]), (None, []), (["xyz"], ["xyz"]),
])
def test_normalize_days(days, expected):
    assert rules.normalize_days(days) == expected


def test_pattern_errors():
    ok = rules.pattern_errors(date(2026, 1, 5), date(2026, 1, 30), ["mon"], time(10), time(12))
    assert ok == {}
    bad = rules.pattern_errors(date(2026, 1, 30), date(2026, 1, 5), [], time(12), time(10))
    assert set(bad) == {"end_date", "meeting_days", "end_time"}
    assert "meeting_days" in rules.pattern_errors(date(2026, 1, 5), date(2026, 1, 30), ["xyz"],
                                                  time(10), time(12))
    assert "end_date" in rules.pattern_errors(date(2026, 1, 5), date(2029, 1, 5), ["mon"],
                                              time(10), time(12))
    assert set(rules.pattern_errors(None, None, ["mon"], None, None)) == {
        "start_date", "end_date", "start_time", "end_time"}


def test_seats_and_waitlist():
    assert rules.seat_decision(29, 30) == "enrolled"
    assert rules.seat_decision(30, 30) == "waitlisted"
    assert rules.seats_left(31, 30) == 0
    t = utc(2026, 1, 1)
    assert rules.waitlist_position((t, 5), [(t, 3), (t, 5), (utc(2026, 1, 2), 1)]) == 2


def test_enrol_window():
    assert rules.enrol_window_error(date(2026, 1, 5), None, None) is None
    assert "opens" in rules.enrol_window_error(date(2026, 1, 5), date(2026, 1, 6), None)
    assert "closed" in rules.enrol_window_error(date(2026, 1, 5), None, date(2026, 1, 4))
    assert rules.enrol_window_error(date(2026, 1, 5), date(2026, 1, 5), date(2026, 1, 5)) is None


def test_status_rules():
    today = date(2026, 1, 10)
    assert rules.initial_status(date(2025, 12, 1), date(2026, 1, 9), today) == "running"
    assert rules.initial_status(date(2026, 1, 1), date(2026, 1, 10), today) == "running"
    assert rules.initial_status(date(2026, 2, 1), date(2026, 3, 1), today) == "open"
    assert rules.initial_status(date(2026, 2, 1), date(2026, 3, 1), today,
                                enrol_opens_on=date(2026, 1, 20)) == "planned"
    assert rules.status_change_error("open", "running") is None
    assert rules.status_change_error("completed", "open")
    assert rules.status_change_error("open", "bogus")


def test_missing_prerequisites():
    assert rules.missing_prerequisites({1: "B-1", 2: "A-1"}, {1}) == ["A-1"]
    assert rules.missing_prerequisites({}, set()) == []


def test_week_start_and_park_day_bounds():
    assert rules.week_start(date(2026, 1, 8)) == date(2026, 1, 5)
    start, end = rules.park_day_bounds(date(2026, 1, 5))
    assert start == utc(2026, 1, 4, 19) and end == utc(2026, 1, 5, 19)
