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


# --- exact limits, messages and tables -----------------------------------------------------------

def test_a_session_must_last_at_least_a_minute():
    assert rules.pattern_errors(date(2026, 1, 5), date(2026, 1, 5), ["mon"], time(10), time(10)) == {
        "end_time": ["The end time must be after the start time."]}
    assert rules.pattern_errors(date(2026, 1, 5), date(2026, 1, 5), ["mon"], time(10),
                                time(10, 1)) == {}


def test_a_cohort_runs_for_at_most_732_days():
    start = date(2026, 1, 5)
    assert rules.pattern_errors(start, date(2028, 1, 7), ["mon"], time(10), time(12)) == {}
    assert rules.pattern_errors(start, date(2028, 1, 8), ["mon"], time(10), time(12)) == {
        "end_date": ["A cohort runs for at most two years."]}


def test_pattern_error_messages():
    assert rules.pattern_errors(date(2026, 1, 6), date(2026, 1, 5), [], time(12), time(10)) == {
        "end_date": ["The end date must not be before the start date."],
        "meeting_days": ["Choose at least one meeting day."],
        "end_time": ["The end time must be after the start time."]}
    assert rules.pattern_errors(date(2026, 1, 5), date(2026, 1, 5), ["mon", "xyz", "abc"],
                                time(10), time(12)) == {
        "meeting_days": ["Unknown day(s): xyz, abc; use mon, tue, ... sun."]}
    assert rules.pattern_errors(None, None, ["mon"], None, None) == {
        "start_date": ["A start date is required."], "end_date": ["An end date is required."],
        "start_time": ["A start time is required."], "end_time": ["An end time is required."]}


def test_every_weekday_by_short_and_full_name():
    names = ["Sunday", "saturday", "FRIDAY", "Thursday", "wednesday", "Tuesday", "monday"]
    assert rules.normalize_days(names) == ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    assert rules.normalize_days(" Mon ,, TUE ") == ["mon", "tue"]
    assert rules.normalize_days(["xyz", "sun", "mon"]) == ["mon", "sun", "xyz"]
    week = rules.meeting_dates(date(2026, 1, 5), date(2026, 1, 11),
                               ["mon", "tue", "wed", "thu", "fri", "sat", "sun", "xyz"])
    assert week == [date(2026, 1, d) for d in range(5, 12)]


def test_day_labels():
    assert rules.DAY_LABELS == {"mon": "Monday", "tue": "Tuesday", "wed": "Wednesday",
                                "thu": "Thursday", "fri": "Friday", "sat": "Saturday",
                                "sun": "Sunday"}


def test_documented_limits_and_status_groups():
    # services refuse more sessions than this and look this far back for clashes
    assert rules.MAX_SESSIONS == 500
    assert rules.MAX_SESSION_LENGTH.total_seconds() == 24 * 3600
    assert rules.COHORT_STATUSES == ("planned", "open", "running", "completed", "cancelled")
    assert rules.HOLDING_STATUSES == ("enrolled", "waitlisted")
    assert rules.SEATED_STATUSES == ("enrolled", "completed")
    assert rules.CLOSED_COHORT_STATUSES == ("completed", "cancelled")


ALLOWED = {("planned", "open"), ("planned", "cancelled"), ("open", "planned"), ("open", "running"),
           ("open", "cancelled"), ("running", "completed"), ("running", "cancelled")}
STATUSES = ("planned", "open", "running", "completed", "cancelled")


@pytest.mark.parametrize("current", STATUSES)
@pytest.mark.parametrize("new", STATUSES)
def test_every_status_change_staff_may_or_may_not_make(current, new):
    error = rules.status_change_error(current, new)
    if current == new or (current, new) in ALLOWED:
        assert error is None
    else:
        assert error == f"A {current} cohort cannot become {new}."


def test_unknown_statuses():
    assert rules.status_change_error("open", "bogus") == "Unknown status 'bogus'."
    assert rules.status_change_error("bogus", "open") == "A bogus cohort cannot become open."


def test_enrolment_dates():
    start, end = date(2026, 2, 1), date(2026, 3, 1)
    assert rules.enrol_dates_errors(start, end, date(2026, 1, 10), date(2026, 1, 10)) == {}
    assert rules.enrol_dates_errors(start, end, None, date(2026, 3, 1)) == {}
    assert rules.enrol_dates_errors(start, end, date(2026, 1, 10), date(2026, 1, 9)) == {
        "enrol_closes_on": ["Enrolment must close after it opens."]}
    assert rules.enrol_dates_errors(start, end, None, date(2026, 3, 2)) == {
        "enrol_closes_on": ["Enrolment must close by the cohort's end date."]}
    assert rules.enrol_dates_errors(None, None, None, None) == {}


def test_enrol_window_messages():
    today = date(2026, 1, 5)
    assert rules.enrol_window_error(today, date(2026, 1, 6), None) == (
        "Enrolment opens on 06 Jan 2026.")
    assert rules.enrol_window_error(today, None, date(2026, 1, 4)) == (
        "Enrolment closed on 04 Jan 2026.")


def test_initial_status_on_the_boundary_days():
    today = date(2026, 1, 10)
    assert rules.initial_status(date(2026, 1, 1), today, today) == "running"  # ends today
    assert rules.initial_status(today, date(2026, 2, 1), today) == "running"  # starts today
    assert rules.initial_status(date(2026, 2, 1), date(2026, 3, 1), today,
                                enrol_opens_on=today) == "open"


def test_seats_at_the_capacity():
    assert rules.seat_decision(0, 0) == "waitlisted"
    assert rules.seats_left(28, 30) == 2
    assert rules.seats_left(30, 30) == 0
    t = utc(2026, 1, 1)
    assert rules.waitlist_position((t, 3), [(t, 3), (t, 5)]) == 1


def test_drop_overlapping_checks_every_kept_session():
    kept = [(utc(2026, 1, 5, 5), utc(2026, 1, 5, 7)), (utc(2026, 1, 6, 5), utc(2026, 1, 6, 7))]
    pairs = [(utc(2026, 1, 6, 6), utc(2026, 1, 6, 8)), (utc(2026, 1, 7, 5), utc(2026, 1, 7, 7))]
    assert rules.drop_overlapping(pairs, kept) == [pairs[1]]
    assert rules.drop_overlapping(pairs, []) == pairs


def test_park_instant():
    assert rules.park_instant(date(2026, 1, 5), time(0, 0)) == utc(2026, 1, 4, 19)
    assert rules.week_start(date(2026, 1, 5)) == date(2026, 1, 5)
    assert rules.week_start(date(2026, 1, 11)) == date(2026, 1, 5)


def test_a_pair_inside_a_kept_session_is_dropped():
    kept = [(utc(2026, 1, 5, 5), utc(2026, 1, 5, 9))]
    assert rules.drop_overlapping([(utc(2026, 1, 5, 6), utc(2026, 1, 5, 8))], kept) == []


def test_generated_sessions_skip_holidays():
    pairs = rules.generate_sessions(date(2026, 1, 5), date(2026, 1, 12), ["mon"], time(10, 0),
                                    time(11, 0), holidays=[date(2026, 1, 5)])
    assert pairs == [(utc(2026, 1, 12, 5, 0), utc(2026, 1, 12, 6, 0))]


def test_one_missing_date_is_reported_alone():
    assert rules.pattern_errors(None, date(2026, 1, 5), ["mon"], time(10), time(12)) == {
        "start_date": ["A start date is required."]}
    assert rules.pattern_errors(date(2026, 1, 5), None, ["mon"], time(10), time(12)) == {
        "end_date": ["An end date is required."]}
