"""Unit tests of the pure attendance rules (no app, no database)."""

from datetime import UTC, datetime, timedelta

import pytest

from lms.attendance import rules

START = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)
END = START + timedelta(hours=2)
SECRET = "test-secret"


# --- percentage -------------------------------------------------------------------------------

def test_percent_counts_present_and_late_over_held_minus_excused():
    assert rules.attendance_percent(present=5, late=1, excused=2, held=10) == 75.0
    assert rules.attendance_percent(present=0, late=0, excused=0, held=4) == 0.0


def test_percent_is_none_without_a_denominator():
    assert rules.attendance_percent(0, 0, 0, 0) is None
    assert rules.attendance_percent(0, 0, 3, 3) is None


@pytest.mark.parametrize(("attended", "held", "at_risk"), [
    (749, 1000, True),    # 74.9 %
    (750, 1000, False),   # 75.0 % exactly: meets the threshold
    (751, 1000, False),   # 75.1 %
    (3, 4, False),        # 75 % exactly with small numbers
    (2, 3, True),         # 66.7 %
])
def test_threshold_edges_after_a_quarter(attended, held, at_risk):
    # every session held (no upcoming): best possible == current
    assert rules.is_at_risk(attended, 0, 0, held, 0, 75) is at_risk


def test_percent_values_at_the_edges():
    assert rules.attendance_percent(749, 0, 0, 1000) == pytest.approx(74.9)
    assert rules.attendance_percent(750, 0, 0, 1000) == 75.0
    assert rules.attendance_percent(751, 0, 0, 1000) == pytest.approx(75.1)
    assert rules.rounded(2 * 100 / 3) == 66.7


def test_late_counts_as_attended_and_excused_leaves_the_denominator():
    # 2 present + 1 late of 5 held with 1 excused: 3 / 4 = 75 %
    assert rules.attendance_percent(2, 1, 1, 5) == 75.0
    assert not rules.is_at_risk(2, 1, 1, 5, 0, 75)
    assert rules.is_at_risk(2, 0, 1, 5, 0, 75)   # 2 / 4 = 50 %


# --- best possible ----------------------------------------------------------------------------

def test_best_possible_counts_the_sessions_to_come_as_attended():
    # 2 of 4 held, 4 to come: best (2 + 4) / 8 = 75 %
    assert rules.best_possible_percent(2, 0, 0, 4, 4) == 75.0
    # an advance excuse takes a session out of both sides
    assert rules.best_possible_percent(2, 0, 0, 4, 4, excused_upcoming=1) == pytest.approx(
        500 / 7)


def test_best_possible_none_without_sessions():
    assert rules.best_possible_percent(0, 0, 0, 0, 0) is None


def test_at_risk_when_best_possible_is_below_even_before_a_quarter():
    # 48 sessions, 2 held, both missed... still reachable: not at risk yet (before a quarter)
    assert not rules.is_at_risk(0, 0, 0, 2, 46, 75)
    # 13 missed of 48: best possible 35/48 = 72.9 % < 75: flagged as soon as that is known
    assert rules.is_at_risk(0, 0, 0, 13, 35, 75)
    # 12 missed of 48: best 36/48 = 75 % exactly: current 0 % after a quarter though
    assert rules.is_at_risk(0, 0, 0, 12, 36, 75)


def test_at_risk_current_below_only_counts_after_a_quarter():
    # 8 sessions; 1 held and missed: before a quarter (1*4 < 8), best 7/8 = 87.5 %
    assert not rules.is_at_risk(0, 0, 0, 1, 7, 75)
    # 2 held (a quarter), one missed: current 50 % < 75
    assert rules.is_at_risk(1, 0, 0, 2, 6, 75)
    # 2 held, both attended
    assert not rules.is_at_risk(2, 0, 0, 2, 6, 75)


def test_no_sessions_is_not_at_risk():
    assert not rules.is_at_risk(0, 0, 0, 0, 0, 75)


# --- check-in window --------------------------------------------------------------------------

@pytest.mark.parametrize(("offset", "open_"), [
    (timedelta(minutes=-15, seconds=-1), False),
    (timedelta(minutes=-15), True),
    (timedelta(0), True),
    (timedelta(hours=2), True),            # the end itself
    (timedelta(hours=2, seconds=1), False),
])
def test_check_in_window(offset, open_):
    assert rules.in_check_in_window(START + offset, START, END) is open_


@pytest.mark.parametrize(("offset", "status"), [
    (timedelta(minutes=-10), "present"),
    (timedelta(minutes=15), "present"),
    (timedelta(minutes=15, seconds=1), "late"),
    (timedelta(hours=1), "late"),
])
def test_late_after_start_plus_fifteen_minutes(offset, status):
    assert rules.check_in_status(START + offset, START) == status


# --- rotating code ----------------------------------------------------------------------------

def test_code_is_six_digits_and_depends_on_session_step_and_secret():
    step = rules.time_step(START)
    code = rules.rotating_code(SECRET, 7, step)
    assert len(code) == 6 and code.isdigit()
    assert code == rules.rotating_code(SECRET, 7, step)
    assert len({code, rules.rotating_code(SECRET, 8, step),
                rules.rotating_code(SECRET, 7, step + 1),
                rules.rotating_code("other", 7, step)}) == 4


def test_code_rotates_every_thirty_seconds():
    assert rules.time_step(START) == rules.time_step(START + timedelta(seconds=29))
    assert rules.time_step(START + timedelta(seconds=30)) == rules.time_step(START) + 1
    assert rules.step_expires_at(rules.time_step(START)) == START + timedelta(seconds=30)


def test_current_and_previous_codes_accepted_older_refused():
    code = rules.rotating_code(SECRET, 7, rules.time_step(START))
    assert rules.code_is_valid(SECRET, 7, code, START)
    assert rules.code_is_valid(SECRET, 7, code, START + timedelta(seconds=30))      # previous
    assert rules.code_is_valid(SECRET, 7, code, START + timedelta(seconds=59))
    assert not rules.code_is_valid(SECRET, 7, code, START + timedelta(seconds=60))  # older
    assert not rules.code_is_valid(SECRET, 7, code, START - timedelta(seconds=1))   # not yet
    assert not rules.code_is_valid(SECRET, 8, code, START)                          # other session


@pytest.mark.parametrize("bad", ["", "12345", "1234567", "abcdef", None])
def test_malformed_codes_refused(bad):
    assert not rules.code_is_valid(SECRET, 7, bad, START)


def test_code_with_a_space_is_accepted():
    code = rules.rotating_code(SECRET, 7, rules.time_step(START))
    assert rules.code_is_valid(SECRET, 7, f"{code[:3]} {code[3:]}", START)


# --- edit window ------------------------------------------------------------------------------

def test_trainer_may_edit_until_day_seven_not_day_eight():
    day7 = END + timedelta(days=7)
    assert rules.edit_decision(now=day7, ends_at=END, is_trainer=True, is_manager=False,
                               reason=None) == "ok"
    day8 = END + timedelta(days=7, minutes=1)
    assert rules.edit_decision(now=day8, ends_at=END, is_trainer=True, is_manager=False,
                               reason="typo") == "forbidden"


def test_managers_after_the_window_need_a_reason():
    late = END + timedelta(days=8)
    assert rules.edit_decision(now=late, ends_at=END, is_trainer=False, is_manager=True,
                               reason="  ") == "reason_needed"
    assert rules.edit_decision(now=late, ends_at=END, is_trainer=False, is_manager=True,
                               reason="Sheet found") == "ok"
    assert rules.edit_decision(now=END, ends_at=END, is_trainer=False, is_manager=True,
                               reason=None) == "ok"


def test_others_may_never_edit():
    assert rules.edit_decision(now=END, ends_at=END, is_trainer=False, is_manager=False,
                               reason="x") == "forbidden"
