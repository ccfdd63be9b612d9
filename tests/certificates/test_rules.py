"""Unit tests of the pure rules: codes, percentages, eligibility at its edges, tracks."""

from datetime import UTC, datetime, timedelta

import pytest

from lms.certificates import rules
from lms.certificates.rules import RequiredResult

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_code_format_and_bits():
    code = rules.new_code()
    assert len(code) == 22
    prefix, *groups = code.split("-")
    assert prefix == "KP" and len(groups) == 4 and all(len(g) == 4 for g in groups)
    assert all(ch in rules.ALPHABET for ch in "".join(groups))
    assert rules.CODE_BITS >= 80


def test_code_encodes_the_random_bits_only():
    seen = []
    code = rules.new_code(lambda bits: seen.append(bits) or 0)
    assert seen == [80]
    assert code == "KP-0000-0000-0000-0000"
    assert rules.new_code(lambda bits: 2 ** bits - 1) == "KP-ZZZZ-ZZZZ-ZZZZ-ZZZZ"


def test_codes_are_random():
    codes = {rules.new_code() for _ in range(2000)}
    assert len(codes) == 2000


def test_alphabet_has_no_ambiguous_letters():
    assert len(rules.ALPHABET) == 32
    assert not set("ILOU") & set(rules.ALPHABET)


@pytest.mark.parametrize("typed", [
    "KP-7K3M-Q9XA-2BHD-WR5T", "kp-7k3m-q9xa-2bhd-wr5t", " KP 7K3M Q9XA 2BHD WR5T ",
    "7K3MQ9XA2BHDWR5T", "kp7k3mq9xa2bhdwr5t", "https://lms.example.pk/verify/KP-7K3M-Q9XA-2BHD-WR5T",
])
def test_normalise_accepts_readable_forms(typed):
    assert rules.normalise_code(typed) == "KP-7K3M-Q9XA-2BHD-WR5T"


def test_normalise_maps_lookalikes():
    assert rules.normalise_code("KP-OOOO-IIII-LLLL-0000") == "KP-0000-1111-1111-0000"
    assert rules.normalise_code("kp-oooo-iiii-llll-0000") == "KP-0000-1111-1111-0000"


@pytest.mark.parametrize("typed", [None, "", "KP-1234", "KP-7K3M-Q9XA-2BHD-WR5", "KP-UUUU-0000-0000-0000",
                                   "KP-7K3M-Q9XA-2BHD-WR5T-X", "' OR 1=1 --", "KP-7K3M-Q9XA-2BHD-WR5!"])
def test_normalise_refuses_nonsense(typed):
    assert rules.normalise_code(typed) is None


@pytest.mark.parametrize("value,shown", [(70.0, "70"), (74.5, "74.5"), (74.96, "74.9"),
                                         (66.6666, "66.6"), (0.0, "0")])
def test_format_percent_never_rounds_up(value, shown):
    assert rules.format_percent(value) == shown


def test_cohort_finished_edges():
    assert rules.cohort_finished("running", NOW, NOW)  # the last session ends exactly now
    assert not rules.cohort_finished("running", NOW + timedelta(seconds=1), NOW)
    assert rules.cohort_finished("completed", NOW + timedelta(days=9), NOW)  # staff said so
    assert rules.cohort_finished("completed", None, NOW)
    assert not rules.cohort_finished("open", None, NOW)
    assert not rules.cohort_finished("cancelled", NOW - timedelta(days=1), NOW)


def test_cohort_reasons():
    assert rules.cohort_reasons("running", NOW - timedelta(minutes=1), NOW) == []
    assert rules.cohort_reasons("running", NOW + timedelta(minutes=1), NOW) == [
        "the cohort has not ended yet"]
    assert rules.cohort_reasons("cancelled", None, NOW) == ["the cohort was cancelled"]
    assert "no sessions" in rules.cohort_reasons("open", None, NOW)[0]


def test_attendance_threshold_edges():
    assert rules.learner_reasons(75.0, 75, []) == []
    assert rules.learner_reasons(100.0, 75, []) == []
    assert rules.learner_reasons(74.9, 75, []) == ["attendance 74.9 % < 75 %"]
    assert rules.learner_reasons(70.0, 75, []) == ["attendance 70 % < 75 %"]
    assert rules.learner_reasons(74.99999, 75, []) == ["attendance 74.9 % < 75 %"]
    assert rules.learner_reasons(0.0, 0, []) == []
    assert rules.learner_reasons(None, 0, []) == []
    assert rules.learner_reasons(None, 75, []) == ["no attendance recorded (needs 75 %)"]
    assert rules.learner_reasons(3 / 4 * 100, 75, []) == []


def test_required_assessments():
    required = [RequiredResult("Final exam", passed=False, status="graded"),
                RequiredResult("Lab project", passed=True, status="graded"),
                RequiredResult("Quiz 1", passed=False, status=None),
                RequiredResult("Essay", passed=False, status="needs_grading"),
                RequiredResult("Quiz 2", passed=False, status="in_progress")]
    assert rules.learner_reasons(80.0, 75, required) == [
        "Final exam not passed",
        "Quiz 1 not passed (not attempted)",
        "Essay not passed (awaiting grading)",
        "Quiz 2 not passed (attempt still open)",
    ]


def test_eligibility_combines_every_reason():
    verdict = rules.eligibility(7, ["the cohort has not ended yet"], 70.0, 75,
                                [RequiredResult("Final exam", False, "graded")])
    assert verdict.user_id == 7 and not verdict.eligible
    assert verdict.reasons == ["the cohort has not ended yet", "attendance 70 % < 75 %",
                               "Final exam not passed"]
    ok = rules.eligibility(7, [], 75.0, 75, [RequiredResult("Final exam", True, "graded")])
    assert ok.eligible and ok.reasons == []


def test_track_complete():
    assert rules.track_complete([1, 2, 3], {1, 2, 3, 9})
    assert not rules.track_complete([1, 2, 3], {1, 2})
    assert not rules.track_complete([], {1, 2})


# --- known answers and exact edges ---------------------------------------------------------------

def test_code_known_answers_most_significant_character_first():
    assert rules.new_code(lambda bits: 1) == "KP-0000-0000-0000-0001"
    assert rules.new_code(lambda bits: 31 * 32 + 10) == "KP-0000-0000-0000-00ZA"
    assert rules.new_code(lambda bits: 2 ** 79) == "KP-G000-0000-0000-0000"
    assert rules.format_code("ABCDEFGH") == "KP-ABCD-EFGH"


def test_normalise_takes_the_last_part_of_a_link_and_any_separators():
    assert rules.normalise_code("https://lms.example.pk/verify/KP-7K3M-Q9XA-2BHD-WR5T/") == (
        "KP-7K3M-Q9XA-2BHD-WR5T")
    assert rules.normalise_code("kp_7k3m.q9xa_2bhd.wr5t") == "KP-7K3M-Q9XA-2BHD-WR5T"
    assert rules.normalise_code("\tKP-7K3M-Q9XA-2BHD-WR5T\n") == "KP-7K3M-Q9XA-2BHD-WR5T"


def test_normalise_strips_the_prefix_only_from_eighteen_characters():
    # sixteen characters that happen to start with KP are a whole body, not a prefixed code
    assert rules.normalise_code("KP00-0000-0000-0000") == "KP-KP00-0000-0000-0000"
    assert rules.normalise_code("XP7K3MQ9XA2BHDWR5T") is None  # 18 characters, no KP prefix


def test_format_percent_allows_float_noise_and_drops_only_beyond_one_decimal():
    assert rules.format_percent(0.3) == "0.3"   # 0.3 * 10 is 2.9999999999999996
    assert rules.format_percent(74.95) == "74.9"
    assert rules.format_percent(100.0) == "100"


def test_attendance_is_compared_with_float_noise_allowed():
    assert rules.learner_reasons(75 - 1e-12, 75, []) == []
    assert rules.learner_reasons(74.999, 75, []) == ["attendance 74.9 % < 75 %"]
    assert rules.learner_reasons(None, 1, []) == ["no attendance recorded (needs 1 %)"]


def test_cohort_reason_messages():
    assert rules.cohort_reasons("open", None, NOW) == [
        "the cohort has no sessions and is not marked completed"]
    assert rules.cohort_reasons("completed", None, NOW) == []
    assert rules.cohort_reasons("cancelled", NOW - timedelta(days=1), NOW) == [
        "the cohort was cancelled"]


def test_an_open_attempt_is_named_as_such():
    assert rules.learner_reasons(None, 0, [RequiredResult("Quiz", False, "open")]) == [
        "Quiz not passed (attempt still open)"]


def test_track_complete_needs_every_course():
    assert rules.track_complete([4], [4])
    assert not rules.track_complete([4, 5], [])
    assert rules.track_complete((1, 1, 2), [2, 1])


def test_attendance_a_float_noise_below_the_threshold_meets_it():
    assert rules.learner_reasons(74.999999999, 75, []) == []


def test_links_ending_in_a_slash_or_in_x():
    assert rules.normalise_code("KP-7K3M-Q9XA-2BHD-WR5T/") == "KP-7K3M-Q9XA-2BHD-WR5T"
    assert rules.normalise_code("https://lms.example.pk/verify/KP-7K3M-Q9XA-2BHD-WR5X/") == (
        "KP-7K3M-Q9XA-2BHD-WR5X")
