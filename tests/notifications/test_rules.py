"""Pure notification rules (no app)."""

from datetime import UTC, date, datetime, timedelta

from lms.notifications import rules


def test_backoff_doubles_up_to_six_hours():
    assert [rules.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert rules.backoff(30) == timedelta(hours=6)


def test_after_failure_requeues_until_the_last_try():
    now = datetime(2026, 3, 2, 10, tzinfo=UTC)
    assert rules.after_failure(1, 3, now) == ("queued", now + timedelta(minutes=1))
    assert rules.after_failure(2, 3, now) == ("queued", now + timedelta(minutes=2))
    assert rules.after_failure(3, 3, now) == ("failed", now)


def test_claim_capacity_keeps_to_the_rate():
    assert rules.claim_capacity(60, 0, 0, 20) == 20
    assert rules.claim_capacity(60, 50, 5, 20) == 5
    assert rules.claim_capacity(60, 60, 0, 20) == 0
    assert rules.claim_capacity(60, 70, 3, 20) == 0


def test_sessions_needed_to_reach_the_threshold():
    # 3 of 6 attended: 75 % needs 6 more in a row ((3+6)/(6+6) = 75 %)
    assert rules.sessions_needed(3, 6, 10, 75) == 6
    assert rules.sessions_needed(3, 6, 5, 75) is None  # only 5 to come: out of reach
    assert rules.sessions_needed(6, 8, 4, 75) == 0  # 75 % already
    assert rules.sessions_needed(0, 0, 0, 75) is None  # nothing held, nothing to come
    assert rules.sessions_needed(2, 3, 4, 75) == 1  # (2+1)/(3+1)


def test_reach_sentence_names_what_is_still_possible():
    assert rules.reach_sentence(6, 75) == \
        "You can still reach 75 % if you attend the next 6 sessions."
    assert rules.reach_sentence(1, 80) == \
        "You can still reach 80 % if you attend the next session."
    assert "no longer reach 75 %" in rules.reach_sentence(None, 75)


def test_optional_kinds_and_preferences():
    assert rules.wants("session_reminder", {"reminders": False}) is False
    assert rules.wants("session_reminder", None) is True
    assert rules.wants("at_risk_trainer", {"at_risk": False}) is False
    assert rules.wants("welcome", {"reminders": False, "at_risk": False, "digest": False})
    assert rules.wants("session_moved", {"reminders": False})  # not optional
    assert not rules.is_optional("password_reset") and rules.is_optional("digest")


def test_week_key_and_reset_limits_and_error_clipping():
    assert rules.week_key(date(2026, 3, 2)) == "2026-W10"
    assert rules.week_key(date(2026, 1, 1)) == "2026-W01"
    assert rules.reset_allowed(2, 3) and not rules.reset_allowed(3, 3)
    assert rules.clip_error("a\n b  " + "x" * 600).startswith("a b x")
    assert len(rules.clip_error("x" * 600)) == 500
