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


# --- advance excuses, the quarter boundary, known answers ----------------------------------------

def test_advance_excuses_shrink_the_best_possible_and_can_put_at_risk():
    # 8 sessions, the first held and missed, 7 to come: best 7/8 = 87.5 %, before a quarter
    assert not rules.is_at_risk(0, 0, 0, 1, 7, 75)
    # five of the seven excused in advance: best 2/3 = 66.7 % < 75
    assert rules.is_at_risk(0, 0, 0, 1, 7, 75, excused_upcoming=5)
    # four excused: best 3/4 = 75 % exactly, still reachable
    assert not rules.is_at_risk(0, 0, 0, 1, 7, 75, excused_upcoming=4)
    assert rules.best_possible_percent(0, 0, 0, 1, 7, excused_upcoming=5) == pytest.approx(
        200 / 3)


def test_more_advance_excuses_than_sessions_to_come_count_as_none_to_come():
    assert rules.best_possible_percent(3, 0, 0, 4, 1, excused_upcoming=3) == 75.0
    assert not rules.is_at_risk(3, 0, 0, 4, 1, 75, excused_upcoming=3)


def test_a_quarter_held_is_reached_exactly_at_one_in_four():
    # 9 sessions, 2 held (less than a quarter), 1 of them missed: current 50 % is not used yet
    assert not rules.is_at_risk(1, 0, 0, 2, 7, 75)
    # 8 sessions, 2 held: exactly a quarter, the current 50 % counts
    assert rules.is_at_risk(1, 0, 0, 2, 6, 75)
    # a quarter of 12 held: 2 of 3 attended (66.7 %) is below 75, 3 of 3 is not
    assert rules.is_at_risk(2, 0, 0, 3, 9, 75)
    assert not rules.is_at_risk(3, 0, 0, 3, 9, 75)


def test_excused_held_sessions_leave_the_current_percentage():
    # a quarter of 8 held: 1 attended, 1 excused -> 1/1 = 100 %
    assert not rules.is_at_risk(1, 0, 1, 2, 6, 75)
    # 1 attended of 3 held, 1 excused -> 1/2 = 50 % after a quarter
    assert rules.is_at_risk(1, 0, 1, 3, 5, 75)
    assert rules.is_at_risk(0, 1, 1, 3, 5, 75)  # late counts as attended: the same


def test_rotating_code_known_answers():
    # HMAC-SHA256(key, "check-in:<session>:<step>"), dynamic truncation (RFC 4226), six digits
    assert rules.rotating_code("test-secret", 7, 0) == "077719"         # leading zero kept
    assert rules.rotating_code(b"test-secret", 7, 59046000) == "688328"  # offset 15, high bit
    assert rules.rotating_code("test-secret", 1, 1) == "422344"
    assert rules.rotating_code("k", 42, 100) == "173288"


def test_time_steps_are_thirty_seconds_of_unix_time():
    assert rules.time_step(datetime(2026, 3, 2, 5, 0, tzinfo=UTC)) == 59080920
    assert rules.time_step(datetime(1970, 1, 1, 0, 0, 29, tzinfo=UTC)) == 0
    assert rules.step_expires_at(0) == datetime(1970, 1, 1, 0, 0, 30, tzinfo=UTC)


def test_a_known_code_is_accepted_with_spaces_around_and_inside():
    now = datetime(1970, 1, 1, 0, 0, 10, tzinfo=UTC)  # step 0
    assert rules.code_is_valid("test-secret", 7, " 077 719 ", now)
    assert not rules.code_is_valid("test-secret", 7, "77719", now)
    assert not rules.code_is_valid("test-secret", 7, "0777190", now)
    assert not rules.code_is_valid("test-secret", 7, "07771x", now)


def test_window_instants():
    assert rules.check_in_opens_at(START) == datetime(2026, 3, 2, 4, 45, tzinfo=UTC)
    assert rules.trainer_edit_deadline(END) == datetime(2026, 3, 9, 7, 0, tzinfo=UTC)
    assert rules.within_trainer_window(datetime(2026, 3, 9, 7, 0, tzinfo=UTC), END)
    assert not rules.within_trainer_window(datetime(2026, 3, 9, 7, 0, 1, tzinfo=UTC), END)


def test_inside_the_window_the_trainer_alone_may_edit_without_a_reason():
    assert rules.edit_decision(now=END, ends_at=END, is_trainer=True, is_manager=False,
                               reason=None) == "ok"
    late = END + timedelta(days=8)
    assert rules.edit_decision(now=late, ends_at=END, is_trainer=True, is_manager=True,
                               reason=None) == "reason_needed"


def test_rounding_for_display():
    assert rules.rounded(None) is None
    assert rules.rounded(66.66666) == 66.7
    assert rules.rounded(66.66666, 2) == 66.67


def test_attended_statuses():
    assert rules.ATTENDED == ("present", "late")


def test_one_session_counts():
    assert rules.attendance_percent(1, 0, 0, 1) == 100.0
    assert rules.attendance_percent(0, 0, 2, 3) == 0.0
    assert rules.best_possible_percent(0, 0, 0, 1, 0) == 0.0
    assert rules.best_possible_percent(1, 1, 0, 2, 2) == 100.0
    assert rules.is_at_risk(0, 0, 0, 1, 0, 75)  # the only session, missed


def test_no_advance_excuse_unless_given():
    # 5 sessions, 1 held and missed: best 4/5 = 80 %, not below an 80 % threshold
    assert not rules.is_at_risk(0, 0, 0, 1, 4, 80)


def test_every_session_to_come_excused():
    # 6 sessions, 1 held and missed, 5 excused in advance: best 0/1, below even 50 %
    assert rules.is_at_risk(0, 0, 0, 1, 5, 50, excused_upcoming=5)
