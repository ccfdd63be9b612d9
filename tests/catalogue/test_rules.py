"""Unit tests of the pure catalogue rules (no app, no database)."""

import pytest

from lms.catalogue import rules


@pytest.mark.parametrize("code", ["CLD-201", "AI-101", "DEVOP-999", "QA-000"])
def test_valid_codes(code):
    assert rules.valid_code(code)


@pytest.mark.parametrize("code", ["cld-201", "C-201", "CLOUDS-201", "CLD201", "CLD-20", "CLD-2011",
                                  "CLD_201", "", "CLD-20a", " CLD-201", "CLD-201\n"])
def test_invalid_codes(code):
    assert not rules.valid_code(code)


def test_codes_are_normalised_before_checking():
    assert rules.normalise_code("  cld-201 ") == "CLD-201"
    assert rules.valid_code(rules.normalise_code(" dev-101"))


def test_skill_tags_are_normalised_and_deduplicated():
    assert rules.normalise_skills("AWS, #Docker,  machine   Learning, aws,,") == [
        "aws", "docker", "machine learning"]
    assert rules.normalise_skills(["Kubernetes", "kubernetes "]) == ["kubernetes"]
    assert rules.normalise_skills(None) == []


def test_partners_keep_first_spelling():
    assert rules.normalise_partners(["Systems Ltd", "systems ltd", " NetSol "]) == [
        "Systems Ltd", "NetSol"]
    assert rules.normalise_partners("AWS, Google\nMicrosoft") == ["AWS", "Google", "Microsoft"]


def _valid(**over):
    data = {"code": "CLD-201", "title": "Cloud", "summary": "", "track": "both",
            "level": "beginner", "duration_hours": 40, "min_attendance_percent": 75,
            "skills": [], "industry_partners": [], "modules": []}
    data.update(over)
    return data


def test_a_valid_course_has_no_errors():
    assert rules.validate_course(_valid()) == {}


@pytest.mark.parametrize(("field", "value"), [
    ("code", "bad"), ("title", "  "), ("title", "x" * 201), ("track", "alumni"),
    ("level", "expert"), ("duration_hours", 0), ("duration_hours", 2001),
    ("duration_hours", True), ("duration_hours", "40"), ("min_attendance_percent", 101),
    ("min_attendance_percent", -1), ("skills", ["x" * 61]), ("skills", [f"s{i}" for i in range(21)]),
    ("industry_partners", ["p" * 101]),
    ("modules", [{"title": "", "hours": 2}]), ("modules", [{"title": "A", "hours": -1}]),
    ("modules", [{"title": "A", "hours": 501}]),
])
def test_invalid_fields_are_reported_on_their_field(field, value):
    errors = rules.validate_course(_valid(**{field: value}))
    assert list(errors) == [field]


def test_partial_validation_checks_only_given_keys():
    assert rules.validate_course({"title": "New title"}, partial=True) == {}
    assert "code" in rules.validate_course({"code": "x"}, partial=True)
    assert "code" in rules.validate_course({"title": "t"}, partial=False)


@pytest.mark.parametrize(("current", "new", "ok"), [
    ("draft", "published", True), ("published", "archived", True),
    ("draft", "archived", False), ("published", "draft", False),
    ("archived", "published", False), ("archived", "draft", False),
    ("published", "published", False), ("draft", "draft", False),
])
def test_status_transitions(current, new, ok):
    assert rules.can_transition(current, new) is ok


def test_what_may_be_edited_in_each_status():
    assert rules.refused_edits("draft", ["code", "track", "title", "modules"]) == []
    assert rules.refused_edits("published", ["title", "summary", "modules", "skills"]) == []
    assert rules.refused_edits("published", ["code", "title", "track", "min_attendance_percent"]) == [
        "code", "min_attendance_percent", "track"]
    assert rules.refused_edits("archived", ["title"]) == ["title"]


def test_no_cycle_in_a_chain():
    edges = {2: [1], 3: [2]}
    assert rules.find_cycle(edges, 4, [3, 1]) is None


def test_self_loop_is_a_cycle():
    assert rules.find_cycle({}, 1, [1]) == [1, 1]


def test_direct_cycle():
    # 1 requires 2; now 2 would require 1
    assert rules.find_cycle({1: [2]}, 2, [1]) == [2, 1, 2]


def test_long_cycle_is_found_with_its_path():
    edges = {1: [2], 2: [3], 3: [4]}
    assert rules.find_cycle(edges, 4, [1]) == [4, 1, 2, 3, 4]


def test_replacing_prerequisites_can_remove_a_cycle():
    # 2 currently requires 1; giving 1 the prerequisite 2 is a cycle, but not if 2's list changes
    assert rules.find_cycle({2: [1]}, 1, [2]) is not None
    assert rules.find_cycle({2: [1]}, 2, [3]) is None


def test_diamond_is_not_a_cycle():
    edges = {2: [1], 3: [1], 4: [2, 3]}
    assert rules.find_cycle(edges, 5, [4, 2]) is None


def test_serves_and_progress():
    assert rules.serves("both", "faculty") and rules.serves("student", "student")
    assert not rules.serves("student", "faculty")
    assert rules.track_progress([1, 2, 3, 4], {2, 4, 9}) == (2, 4, 50)
    assert rules.track_progress([], set()) == (0, 0, 0)


def test_split_list():
    assert rules.split_list("a, b\nc;d,,") == ["a", "b", "c", "d"]


def test_excerpt_drops_markdown_without_rendering():
    from lms.catalogue.rules import excerpt

    assert excerpt("## Cloud *basics* with [AWS](https://aws.amazon.com) and `boto3`") == \
        "Cloud basics with AWS and boto3"
    long = excerpt("word " * 100, limit=20)
    assert long.endswith("…") and len(long) <= 21
    assert excerpt(None) == ""
    assert excerpt("<script>alert(1)</script>") == "<script>alert(1)</script>"  # escaped by Jinja


def test_excerpt_keeps_words_with_symbols():
    from lms.catalogue.rules import excerpt

    assert excerpt("> Learn C# and data_frame basics\n- one\n- two") == \
        "Learn C# and data_frame basics one two"
