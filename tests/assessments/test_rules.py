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


# --- validators with good input: the exact cleaned question, kind by kind ------------------------

def test_clean_single_choice_question():
    clean, errors = rules.validate_question({
        "kind": "single", "prompt": "  Which port does HTTPS use?  ", "points": 2,
        "feedback": "  See RFC 2818. ",
        "options": [{"id": 7, "text": " 443 ", "correct": True}, {"text": "80", "correct": False},
                    {"text": "8080"}]})
    assert errors == {}
    assert clean == {"kind": "single", "prompt": "Which port does HTTPS use?", "points": 2.0,
                     "options": [{"id": 7, "text": "443", "correct": True},
                                 {"id": None, "text": "80", "correct": False},
                                 {"id": None, "text": "8080", "correct": False}],
                     "accepted_answers": [], "answer": None, "tolerance": None,
                     "feedback": "See RFC 2818.", "upload_rules": None}


def test_clean_multiple_choice_question():
    clean, errors = rules.validate_question({
        "kind": "multiple", "prompt": "Clouds", "options": [
            {"text": "AWS", "correct": True}, {"text": "Azure", "correct": True},
            {"text": "Excel", "correct": "yes"}]})
    assert errors == {}
    assert clean == {"kind": "multiple", "prompt": "Clouds", "points": 1.0,
                     "options": [{"id": None, "text": "AWS", "correct": True},
                                 {"id": None, "text": "Azure", "correct": True},
                                 {"id": None, "text": "Excel", "correct": False}],
                     "accepted_answers": [], "answer": None, "tolerance": None,
                     "feedback": None, "upload_rules": None}


def test_clean_true_false_question():
    assert rules.validate_question({"kind": "true_false", "prompt": "S3 is a database.",
                                    "answer": False, "points": 0.5, "feedback": "   "}) == (
        {"kind": "true_false", "prompt": "S3 is a database.", "points": 0.5, "options": [],
         "accepted_answers": [], "answer": False, "tolerance": None, "feedback": None,
         "upload_rules": None}, {})


def test_clean_short_text_question():
    assert rules.validate_question({"kind": "short_text", "prompt": "Agent on each node?",
                                    "accepted_answers": ["  kubelet ", "node   agent", " "]}) == (
        {"kind": "short_text", "prompt": "Agent on each node?", "points": 1.0, "options": [],
         "accepted_answers": ["kubelet", "node agent"], "answer": None, "tolerance": None,
         "feedback": None, "upload_rules": None}, {})


def test_clean_numeric_question_without_a_tolerance_has_tolerance_zero():
    assert rules.validate_question({"kind": "numeric", "prompt": "2 + 2?", "answer": 4}) == (
        {"kind": "numeric", "prompt": "2 + 2?", "points": 1.0, "options": [],
         "accepted_answers": [], "answer": 4, "tolerance": 0.0, "feedback": None,
         "upload_rules": None}, {})


def test_clean_numeric_question_with_a_tolerance():
    clean, errors = rules.validate_question({"kind": "numeric", "prompt": "pi?", "answer": 3.14,
                                             "tolerance": 1, "points": 1000})
    assert errors == {}
    assert (clean["answer"], clean["tolerance"], clean["points"]) == (3.14, 1.0, 1000.0)
    assert isinstance(clean["tolerance"], float)


def test_clean_essay_question():
    assert rules.validate_question({"kind": "essay", "prompt": "Explain IaC.", "points": 0}) == (
        {"kind": "essay", "prompt": "Explain IaC.", "points": 0.0, "options": [],
         "accepted_answers": [], "answer": None, "tolerance": None, "feedback": None,
         "upload_rules": None}, {})


# --- validators with bad input: exact messages at the exact limits --------------------------------

def _errors(**data):
    return rules.validate_question({"kind": "essay", "prompt": "p", **data})[1]


def test_prompt_points_and_feedback_limits():
    assert _errors(prompt="P" * 5000) == {}
    assert _errors(prompt="P" * 5001) == {"prompt": ["A prompt of 1 to 5,000 characters is required."]}
    assert _errors(prompt=None) == {"prompt": ["A prompt of 1 to 5,000 characters is required."]}
    assert _errors(points=1000) == {}
    assert _errors(points=1000.5) == {"points": ["Points must be a number from 0 to 1,000."]}
    assert _errors(points=-0.5) == {"points": ["Points must be a number from 0 to 1,000."]}
    assert _errors(points=True) == {"points": ["Points must be a number from 0 to 1,000."]}
    assert _errors(feedback="F" * 5000) == {}
    assert _errors(feedback="F" * 5001) == {"feedback": ["At most 5,000 characters."]}
    assert _errors(feedback=3) == {"feedback": ["At most 5,000 characters."]}
    assert rules.validate_question({"kind": "poem"}) == (
        {}, {"kind": ["One of: single, multiple, true_false, short_text, numeric, essay, file_upload."]})


def test_a_bad_prompt_or_points_still_cleans_to_safe_values():
    clean, _ = rules.validate_question({"kind": "essay", "prompt": 5, "points": "x"})
    assert (clean["prompt"], clean["points"]) == ("", 0.0)


def _options(n, **extra):
    return [{"text": f"option {i}", "correct": i == 0, **extra} for i in range(n)]


def test_option_count_and_text_limits():
    def errors(options, kind="single"):
        return rules.validate_question({"kind": kind, "prompt": "p", "options": options})[1]

    assert errors(_options(2)) == {}
    assert errors(_options(20)) == {}
    assert errors(_options(1)) == {"options": ["Give from 2 to 20 options."]}
    assert errors(_options(21)) == {"options": ["Give from 2 to 20 options."]}
    assert errors([]) == {"options": ["Give from 2 to 20 options."]}
    long = [{"text": "L" * 1000, "correct": True}, {"text": "b"}]
    assert errors(long) == {}
    too_long = [{"text": "L" * 1001, "correct": True}, {"text": "b"}]
    bad = {"options": ["Every option needs a text of 1 to 1,000 characters."]}
    assert errors(too_long) == bad
    assert errors([{"text": " ", "correct": True}, {"text": "b"}]) == bad
    assert errors([{"correct": True}, {"text": "b"}]) == bad
    assert errors(["a", "b"]) == bad
    assert errors("a, b") == bad


def test_right_options_and_duplicates():
    def errors(options, kind):
        return rules.validate_question({"kind": kind, "prompt": "p", "options": options})[1]

    two_right = [{"text": "a", "correct": True}, {"text": "b", "correct": True}]
    none_right = [{"text": "a"}, {"text": "b"}]
    assert errors(two_right, "single") == {"options": ["Mark exactly one option as correct."]}
    assert errors(none_right, "single") == {"options": ["Mark exactly one option as correct."]}
    assert errors(two_right, "multiple") == {}
    assert errors(none_right, "multiple") == {"options": ["Mark at least one option as correct."]}
    same = [{"text": "Docker", "correct": True}, {"text": "  docker ", "correct": False}]
    assert errors(same, "single") == {"options": ["Two options have the same text."]}
    assert errors([*same, {"text": "x", "correct": True}], "single") == {
        "options": ["Mark exactly one option as correct.", "Two options have the same text."]}


def test_short_text_answer_limits():
    def errors(accepted):
        return rules.validate_question({"kind": "short_text", "prompt": "p",
                                        "accepted_answers": accepted})[1]

    assert errors([f"a{i}" for i in range(50)]) == {}
    assert errors(["A" * 500]) == {}
    limit = {"accepted_answers": ["At most 50 answers of 500 characters each."]}
    assert errors([f"a{i}" for i in range(51)]) == limit
    assert errors(["A" * 501]) == limit
    assert errors([]) == {"accepted_answers": ["Give at least one accepted answer."]}
    assert errors(None) == {"accepted_answers": ["Give at least one accepted answer."]}
    assert errors(["a", 5]) == {"accepted_answers": ["Accepted answers must be texts."]}
    assert errors("kubelet") == {"accepted_answers": ["Accepted answers must be texts."]}


def test_true_false_and_numeric_messages():
    assert rules.validate_question({"kind": "true_false", "prompt": "p"})[1] == {
        "answer": ["Say whether the statement is true or false."]}
    assert rules.validate_question({"kind": "numeric", "prompt": "p", "answer": True})[1] == {
        "answer": ["The answer must be a number."]}
    clean, errors = rules.validate_question({"kind": "numeric", "prompt": "p", "answer": 1,
                                             "tolerance": "0.5"})
    assert errors == {"tolerance": ["The tolerance must be a number of 0 or more."]}
    assert clean["tolerance"] is None
    assert rules.validate_question({"kind": "numeric", "prompt": "p", "answer": 1,
                                    "tolerance": 0})[1] == {}


def test_key_fields_of_each_kind():
    single, _ = rules.validate_question({"kind": "single", "prompt": "p", "points": 2, "options": [
        {"id": 1, "text": "a", "correct": True}, {"id": 2, "text": "b"}]})
    assert rules.key_fields(single) == {
        "points": 2.0, "options": [{"id": 1, "correct": True}, {"id": 2, "correct": False}],
        "accepted_answers": [], "answer": None, "tolerance": None}
    numeric, _ = rules.validate_question({"kind": "numeric", "prompt": "p", "answer": 4})
    assert rules.key_fields(numeric) == {"points": 1.0, "options": [], "accepted_answers": [],
                                         "answer": 4, "tolerance": 0.0}
    short, _ = rules.validate_question({"kind": "short_text", "prompt": "p",
                                        "accepted_answers": ["x"]})
    assert rules.key_fields(short)["accepted_answers"] == ["x"]
    assert rules.key_fields({}) == {"points": None, "options": [], "accepted_answers": [],
                                    "answer": None, "tolerance": None}


@pytest.mark.parametrize(("before", "after"), [
    ({"kind": "true_false", "answer": True}, {"kind": "true_false", "answer": False}),
    ({"kind": "numeric", "answer": 4}, {"kind": "numeric", "answer": 5}),
    ({"kind": "numeric", "answer": 4}, {"kind": "numeric", "answer": 4, "tolerance": 0.5}),
    ({"kind": "short_text", "accepted_answers": ["a"]},
     {"kind": "short_text", "accepted_answers": ["a", "b"]}),
    ({"kind": "essay", "points": 1}, {"kind": "essay", "points": 2}),
])
def test_a_changed_answer_key_is_a_key_change(before, after):
    old, _ = rules.validate_question({"prompt": "p", **before})
    new, _ = rules.validate_question({"prompt": "p", **after})
    assert rules.key_fields(old) != rules.key_fields(new)


def test_prompt_and_feedback_are_not_key_changes():
    old, _ = rules.validate_question({"kind": "numeric", "prompt": "p", "answer": 4})
    new, _ = rules.validate_question({"kind": "numeric", "prompt": "q", "answer": 4,
                                      "feedback": "f"})
    assert rules.key_fields(old) == rules.key_fields(new)


# --- grading edges -------------------------------------------------------------------------------

def test_numeric_without_tolerance_accepts_only_the_answer():
    key = Key("numeric", 1, answer=2, tolerance=None)
    assert rules.grade(key, 2) == 1
    assert rules.grade(key, 3) == 0
    assert rules.grade(key, 1) == 0
    assert rules.grade(key, 0.1 + 0.2 + 1.7) == 1  # float noise is not an error


def test_numeric_noise_allowance_is_relative_to_the_answer():
    assert rules.grade(Key("numeric", 1, answer=0, tolerance=0), 2e-9) == 0
    assert rules.grade(Key("numeric", 1, answer=0, tolerance=0), 5e-10) == 1
    assert rules.grade(Key("numeric", 1, answer=1e9, tolerance=0), 1e9 + 0.5) == 1
    assert rules.grade(Key("numeric", 1, answer=1e9, tolerance=0), 1e9 + 2) == 0


def test_a_negative_tolerance_counts_as_its_size_and_a_missing_answer_gives_nothing():
    assert rules.grade(Key("numeric", 1, answer=10, tolerance=-0.5), 10.5) == 1
    assert rules.grade(Key("numeric", 1, answer=None), 0) == 0
    assert rules.grade(Key("numeric", 1, answer="10"), 10) == 0


def test_multiple_choice_rounding_and_no_right_option():
    three = tuple({"id": i, "text": str(i), "correct": True} for i in (1, 2, 3))
    assert rules.grade(Key("multiple", 1, three), [1]) == 0.3333
    assert rules.grade(Key("multiple", 2, three), [1, 2]) == 1.3333
    assert rules.grade(Key("multiple", 3, OPTS[1:2]), [2]) == 0.0
    assert rules.grade(Key("multiple", 4, OPTS), "1") == 0.0


def test_grading_of_unanswered_and_unknown_kinds():
    assert rules.grade(Key("single", 1, OPTS[:2]), None) == 0.0
    assert rules.grade(Key("short_text", 1, accepted_answers=("a",)), "  ") == 0.0
    assert rules.grade(Key("hotspot", 1), 1) == 0.0
    assert rules.grade(Key("single", 1, ({"id": 1, "text": "a"},)), 1) == 0.0


def test_key_of_a_question_object():
    class Question:
        kind, points, options, accepted_answers, answer, tolerance = (
            "numeric", None, None, None, 3, 0.5)

    assert Key.of(Question()) == Key("numeric", 0.0, (), (), 3, 0.5)


def test_full_marks():
    assert rules.is_full_marks(2.0, 2.0)
    assert rules.is_full_marks(1.9999999999, 2.0)
    assert not rules.is_full_marks(1.999, 2.0)
    assert not rules.is_full_marks(None, 0.0)


def test_a_zero_point_assessment_is_a_full_score():
    assert rules.totals([0.0, 0.0], [0.0, 0.0]) == (0.0, 0.0, 100.0)
    assert rules.totals([], []) == (0.0, 0.0, 100.0)


def test_totals_round_score_to_four_and_percent_to_two_places():
    assert rules.totals([2 / 3], [1]) == (0.6667, 1, 66.67)
    assert rules.totals([1 / 3, 0], [1, 2]) == (0.3333, 3, 11.11)
    assert rules.totals([2, 1], [3, 0]) == (3, 3, 100.0)


def test_pass_mark_allows_float_noise():
    assert rules.passed(59.9999999999, 60)
    assert not rules.passed(59.999, 60)
    assert rules.passed(0.0, 0)


def test_result_by_method_over_attempt_numbers():
    attempts = [AttemptFacts(2, "graded", 50.0), AttemptFacts(1, "graded", 90.0),
                AttemptFacts(3, "graded", 70.0)]
    assert rules.result_percent(attempts, "latest") == 70.0
    assert rules.result_percent(attempts[:2], "latest") == 50.0
    assert rules.result_percent([AttemptFacts(1, "graded", 100.0), AttemptFacts(2, "graded", 0.0),
                                 AttemptFacts(3, "graded", 0.0)], "average") == 33.33
    assert rules.result_percent([AttemptFacts(1, "graded", None)], "highest") is None
    with pytest.raises(ValueError, match="unknown grading method 'best'"):
        rules.result_percent(attempts, "best")


def test_result_status_prefers_graded_to_open():
    assert rules.result_status([AttemptFacts(1, "open", None),
                                AttemptFacts(2, "graded", 50.0)]) == "graded"


# --- responses: exact cleaned values and messages --------------------------------------------------

def test_clean_response_of_every_kind():
    assert rules.clean_response("single", 2, [1, 2]) == 2
    assert rules.clean_response("multiple", [], [1]) == []
    assert rules.clean_response("true_false", True) is True
    assert rules.clean_response("numeric", 0) == 0
    assert rules.clean_response("numeric", -2.5) == -2.5
    assert rules.clean_response("short_text", "  Kubelet ") == "  Kubelet "
    assert rules.clean_response("essay", "E" * 20000) == "E" * 20000
    assert rules.clean_response("short_text", "T" * 2000) == "T" * 2000
    assert rules.clean_response("single", None, [1]) is None


@pytest.mark.parametrize(("kind", "response", "message"), [
    ("single", 3, "Choose one of the options."),
    ("single", True, "Choose one of the options."),
    ("single", 1.0, "Choose one of the options."),
    ("multiple", [1, 3], "Choose from the options."),
    ("multiple", [True], "Choose from the options."),
    ("multiple", 1, "Choose from the options."),
    ("true_false", 1, "Answer true or false."),
    ("numeric", True, "Give a number."),
    ("numeric", float("inf"), "Give a number."),
    ("short_text", "T" * 2001, "Give a text of at most 2000 characters."),
    ("essay", "E" * 20001, "Give a text of at most 20000 characters."),
    ("essay", 5, "Give a text of at most 20000 characters."),
    ("hotspot", 1, "Unknown question kind."),
])
def test_clean_response_messages(kind, response, message):
    with pytest.raises(ValueError) as caught:
        rules.clean_response(kind, response, [1, 2])
    assert str(caught.value) == message


@pytest.mark.parametrize(("kind", "values", "response"), [
    ("multiple", ["", " 3", "1"], [3, 1]),
    ("multiple", [], None),
    ("multiple", [""], None),
    ("single", [None, " 3 "], 3),
    ("single", [" "], None),
    ("short_text", ["  a b "], "  a b "),
    ("short_text", ["  "], None),
    ("essay", [], None),
    ("true_false", ["true"], True),
    ("numeric", ["1e3"], 1000),
    ("numeric", ["7.0"], 7.0),
    ("numeric", ["-0.5"], -0.5),
])
def test_response_from_form_of_every_kind(kind, values, response):
    result = rules.response_from_form(kind, values)
    assert result == response and type(result) is type(response)


@pytest.mark.parametrize(("kind", "values", "message"), [
    ("multiple", ["a"], "Choose from the options."),
    ("single", ["a"], "Choose one of the options."),
    ("true_false", ["yes"], "Answer true or false."),
    ("numeric", ["12,5x"], "Give a number, like 12.5."),
    ("numeric", ["nan"], "Give a number, like 12.5."),
    ("hotspot", ["1"], "Unknown question kind."),
])
def test_response_from_form_messages(kind, values, message):
    with pytest.raises(ValueError) as caught:
        rules.response_from_form(kind, values)
    assert str(caught.value) == message


# --- windows, drawing, option ids ----------------------------------------------------------------

def test_window_edges_and_overrides():
    t = datetime(2026, 3, 1, 10, tzinfo=UTC)
    assert rules.window_state(t, None, t + timedelta(seconds=1)) == "open"
    assert rules.window_state(t, None, None) == "open"
    assert rules.effective_window(t, t, t - timedelta(days=1), None) == (t - timedelta(days=1), t)
    assert rules.effective_window(t, None) == (t, None)


def test_deadlines_and_overdue():
    start = datetime(2026, 3, 1, 10, tzinfo=UTC)
    assert rules.deadline(start, 0, None) is None
    assert rules.is_overdue(start, start)
    assert not rules.is_overdue(start - timedelta(seconds=1), start)
    assert not rules.is_overdue(start, None)


def test_review_after_close_at_the_close_and_unknown_modes():
    now = datetime(2026, 3, 1, 10, tzinfo=UTC)
    assert rules.may_review("after_close", "graded", now, now - timedelta(seconds=1))
    assert not rules.may_review("after_close", "open", now, now)
    assert not rules.may_review("sometimes", "graded", now, now)


def test_draw_and_option_order_known_answers():
    seed = rules.attempt_seed(1, 2, 1)
    assert seed == "assessment:1:user:2:attempt:1"
    pool = list(range(1, 11))
    assert rules.draw_questions(pool, 3, False, seed) == [3, 5, 6]
    assert rules.draw_questions(pool, 3, True, seed) == [6, 3, 5]
    assert rules.draw_questions(pool, 10, True, seed) == [1, 8, 9, 4, 7, 2, 10, 6, 5, 3]
    assert rules.draw_questions(pool, 0, False, seed) == pool
    assert rules.draw_questions(pool, 11, False, seed) == pool
    assert rules.option_order([1, 2, 3, 4, 5], seed) == [1, 4, 5, 3, 2]


def test_option_ids_new_after_the_highest_and_never_reused():
    assert rules.assign_option_ids([{"text": "a", "correct": 1}, {"text": "b"}], []) == [
        {"id": 1, "text": "a", "correct": True}, {"id": 2, "text": "b", "correct": False}]
    old = [{"id": 5, "text": "A"}, {"id": 2, "text": "B"}]
    assert rules.assign_option_ids(
        [{"id": 5, "text": "X"}, {"id": 5, "text": "A"}, {"text": " b "}, {"id": "2", "text": "b"}],
        old) == [{"id": 5, "text": "X", "correct": False}, {"id": 6, "text": "A", "correct": False},
                 {"id": 2, "text": " b ", "correct": False},
                 {"id": 7, "text": "b", "correct": False}]


def test_question_kinds():
    assert rules.KINDS == ("single", "multiple", "true_false", "short_text", "numeric", "essay",
                           "file_upload")
    assert rules.MANUAL_KINDS == ("essay", "file_upload")
    assert rules.OBJECTIVE_KINDS == ("single", "multiple", "true_false", "short_text", "numeric")
    assert rules.CHOICE_KINDS == ("single", "multiple")
