"""Unit tests of the pure assessment rules (no app, no database)."""

from datetime import UTC, datetime, timedelta

import pytest

from lms.assessments import rules
from lms.assessments.rules import AttemptFacts, Key

OPTS = ({"id": 1, "text": "a", "correct": True}, {"id": 2, "text": "b", "correct": False},
        {"id": 3, "text": "c", "correct": True}, {"id": 4, "text": "d", "correct": False})


def test_single_choice():
    key = Key("single", 2, OPTS[:2])
    assert rules.grade(key, 1) == 2
    assert rules.grade(key, 2) == 0
    assert rules.grade(key, None) == 0
    assert rules.grade(key, "1") == 0  # wrong type counts as no answer
    assert rules.grade(key, 99) == 0


@pytest.mark.parametrize("chosen,expected", [
    ([1, 3], 4.0),          # all right
    ([1], 2.0),             # half the right ones
    ([1, 2], 0.0),          # one right, one wrong cancel
    ([1, 3, 2], 2.0),       # (2 - 1) / 2
    ([2, 4], 0.0),          # never below zero
    ([1, 2, 3, 4], 0.0),    # everything chosen earns nothing
    ([], 0.0),
    ([3, 3, 1], 4.0),       # duplicates count once
])
def test_multiple_choice_partial_credit(chosen, expected):
    assert rules.grade(Key("multiple", 4, OPTS), chosen) == expected


def test_multiple_ignores_options_removed_since():
    assert rules.grade(Key("multiple", 4, OPTS), [1, 3, 77]) == 4.0


def test_true_false():
    key = Key("true_false", 1, answer=False)
    assert rules.grade(key, False) == 1
    assert rules.grade(key, True) == 0
    assert rules.grade(key, 0) == 0  # not a boolean
    assert rules.grade(key, "false") == 0


@pytest.mark.parametrize("given,ok", [
    ("Kubelet", True), ("  kubelet ", True), ("KUBELET", True), ("kube   let", False),
    ("Node   Agent", True), ("node agent", True), ("nodeagent", False), ("", False),
])
def test_short_text_case_and_space_insensitive(given, ok):
    key = Key("short_text", 1, accepted_answers=("Kubelet", "node agent"))
    assert rules.grade(key, given) == (1 if ok else 0)


@pytest.mark.parametrize("given,ok", [
    (3.14, True), (3.15, True), (3.13, True),      # exactly on the edges: inclusive
    (3.1501, False), (3.1299, False), (3, False),
])
def test_numeric_tolerance_edges(given, ok):
    assert rules.grade(Key("numeric", 1, answer=3.14, tolerance=0.01), given) == (1 if ok else 0)


def test_numeric_zero_tolerance_and_types():
    key = Key("numeric", 5, answer=42, tolerance=None)
    assert rules.grade(key, 42) == 5
    assert rules.grade(key, 42.0) == 5
    assert rules.grade(key, 42.001) == 0
    assert rules.grade(key, True) == 0
    assert rules.grade(key, "42") == 0


def test_essay_waits_for_trainer_unless_blank():
    key = Key("essay", 4)
    assert rules.grade(key, "some text") is None
    assert rules.grade(key, "   ") == 0
    assert rules.grade(key, None) == 0


def test_clean_response_by_kind():
    assert rules.clean_response("multiple", [3, 1, 3], [1, 2, 3]) == [1, 3]
    with pytest.raises(ValueError):
        rules.clean_response("single", True, [1])
    with pytest.raises(ValueError):
        rules.clean_response("numeric", float("nan"))
    with pytest.raises(ValueError):
        rules.clean_response("true_false", "yes")
    with pytest.raises(ValueError):
        rules.clean_response("short_text", 5)
    assert rules.clean_response("essay", "  ") is None


def test_response_from_form():
    assert rules.response_from_form("numeric", ["1,234.5"]) == 1234.5
    assert rules.response_from_form("numeric", ["7"]) == 7
    assert rules.response_from_form("true_false", ["false"]) is False
    assert rules.response_from_form("multiple", ["2", "4"]) == [2, 4]
    assert rules.response_from_form("single", []) is None
    with pytest.raises(ValueError):
        rules.response_from_form("numeric", ["abc"])


def test_totals_and_pass():
    assert rules.totals([2, 1.5, 0], [2, 3, 1]) == (3.5, 6, 58.33)
    assert rules.totals([2, None], [2, 4]) == (2, 6, None)
    assert rules.passed(60.0, 60) and not rules.passed(59.99, 60) and not rules.passed(None, 0)


def test_grading_methods():
    attempts = [AttemptFacts(1, "graded", 40.0), AttemptFacts(2, "graded", 80.0),
                AttemptFacts(3, "graded", 60.0), AttemptFacts(4, "needs_grading", None),
                AttemptFacts(5, "open", None)]
    assert rules.result_percent(attempts, "highest") == 80.0
    assert rules.result_percent(attempts, "latest") == 60.0
    assert rules.result_percent(attempts, "average") == 60.0
    assert rules.result_percent(attempts[3:], "highest") is None
    assert rules.result_status(attempts) == "needs_grading"
    assert rules.result_status(attempts[:3]) == "graded"
    assert rules.result_status(attempts[4:]) == "in_progress"
    assert rules.result_status([]) == "not_attempted"


def test_deadline_is_start_plus_limit_never_after_close():
    start = datetime(2026, 3, 1, 10, tzinfo=UTC)
    assert rules.deadline(start, 30, None) == start + timedelta(minutes=30)
    assert rules.deadline(start, 30, start + timedelta(minutes=10)) == start + timedelta(minutes=10)
    assert rules.deadline(start, None, start + timedelta(hours=2)) == start + timedelta(hours=2)
    assert rules.deadline(start, None, None) is None


def test_window_and_override():
    t = datetime(2026, 3, 1, 10, tzinfo=UTC)
    assert rules.window_state(t, t, None) == "open"
    assert rules.window_state(t, t + timedelta(seconds=1), None) == "not_yet"
    assert rules.window_state(t, None, t) == "closed"
    assert rules.effective_window(t, t, None, t + timedelta(days=1)) == (t, t + timedelta(days=1))


def test_review_modes():
    now = datetime(2026, 3, 1, 10, tzinfo=UTC)
    assert rules.may_review("after_submit", "graded", now, None)
    assert not rules.may_review("after_submit", "open", now, None)
    assert not rules.may_review("after_close", "graded", now, now + timedelta(hours=1))
    assert rules.may_review("after_close", "needs_grading", now, now)
    assert not rules.may_review("after_close", "graded", now, None)
    assert not rules.may_review("never", "graded", now, now - timedelta(days=9))


def test_draw_and_shuffle_are_seeded_and_stable():
    pool = list(range(1, 21))
    seed = rules.attempt_seed(1, 2, 1)
    drawn = rules.draw_questions(pool, 5, False, seed)
    assert len(drawn) == 5 and drawn == sorted(drawn)  # pool order kept without shuffling
    assert drawn == rules.draw_questions(pool, 5, False, seed)
    shuffled = rules.draw_questions(pool, None, True, seed)
    assert sorted(shuffled) == pool and shuffled == rules.draw_questions(pool, None, True, seed)
    others = {tuple(rules.draw_questions(pool, 5, True, rules.attempt_seed(1, 2, n)))
              for n in range(1, 6)}
    assert len(others) > 1
    assert rules.option_order([1, 2, 3, 4], "s") == rules.option_order([1, 2, 3, 4], "s")


def test_option_ids_stay_stable():
    old = [{"id": 1, "text": "A"}, {"id": 2, "text": "B"}, {"id": 3, "text": "C"}]
    new = rules.assign_option_ids([{"text": "c"}, {"text": "New"}, {"id": 1, "text": "A!"}], old)
    assert [o["id"] for o in new] == [3, 4, 1]


@pytest.mark.parametrize("data,field", [
    ({"kind": "single", "prompt": "p", "options": [{"text": "a", "correct": True},
                                                    {"text": "b", "correct": True}]}, "options"),
    ({"kind": "multiple", "prompt": "p", "options": [{"text": "a"}, {"text": "b"}]}, "options"),
    ({"kind": "single", "prompt": "p", "options": [{"text": "a", "correct": True}]}, "options"),
    ({"kind": "true_false", "prompt": "p", "answer": "yes"}, "answer"),
    ({"kind": "short_text", "prompt": "p", "accepted_answers": ["  "]}, "accepted_answers"),
    ({"kind": "numeric", "prompt": "p", "answer": 1, "tolerance": -1}, "tolerance"),
    ({"kind": "numeric", "prompt": "p", "answer": "1"}, "answer"),
    ({"kind": "essay", "prompt": " "}, "prompt"),
    ({"kind": "essay", "prompt": "p", "points": -1}, "points"),
    ({"kind": "poem", "prompt": "p"}, "kind"),
])
def test_validate_question_by_kind(data, field):
    _clean, errors = rules.validate_question(data)
    assert field in errors


def test_validate_question_drops_fields_of_other_kinds():
    clean, errors = rules.validate_question({"kind": "essay", "prompt": "p", "answer": 5,
                                             "options": [{"text": "x", "correct": True}]})
    assert not errors and clean["answer"] is None and clean["options"] == []
