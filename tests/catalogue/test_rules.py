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


# --- exact limits, messages, partial validation, tables -------------------------------------------

def test_find_cycle_goes_on_past_a_course_already_seen():
    # 1 would require 5, 3 and 2; 2 requires 3 (3 is reached twice), 5 requires 1: a cycle
    assert rules.find_cycle({2: [3], 5: [1]}, 1, [5, 3, 2]) == [1, 5, 1]


def test_find_cycle_through_a_shared_prerequisite():
    edges = {2: [4], 3: [4], 4: [1]}
    assert rules.find_cycle(edges, 1, [3, 2]) == [1, 2, 4, 1]


@pytest.mark.parametrize(("data", "errors"), [
    ({"title": " "}, {"title": ["A title of 1 to 200 characters is required."]}),
    ({"title": "T" * 201}, {"title": ["A title of 1 to 200 characters is required."]}),
    ({"track": "alumni"}, {"track": ["Choose student, faculty or both."]}),
    ({"level": "expert"}, {"level": ["Choose beginner, intermediate or advanced."]}),
    ({"level": None}, {"level": ["Choose beginner, intermediate or advanced."]}),
    ({"duration_hours": 2001}, {"duration_hours": ["A whole number of hours from 1 to 2,000."]}),
    ({"min_attendance_percent": 101},
     {"min_attendance_percent": ["A whole percentage from 0 to 100."]}),
    ({"summary": "s" * 20001}, {"summary": ["At most 20000 characters."]}),
    ({"code": "cld-201"},
     {"code": ["Use 2 to 5 capital letters, a dash and 3 digits, e.g. CLD-201."]}),
])
def test_partial_validation_of_one_bad_field(data, errors):
    assert rules.validate_course(data, partial=True) == errors


def test_partial_validation_of_good_fields():
    assert rules.validate_course({"title": "T" * 200, "track": "faculty", "level": "advanced",
                                  "duration_hours": 1, "min_attendance_percent": 0,
                                  "summary": "s" * 20000}, partial=True) == {}
    assert rules.validate_course({}, partial=True) == {}


def test_full_validation_reports_every_missing_field():
    assert rules.validate_course({}) == {
        "code": ["Use 2 to 5 capital letters, a dash and 3 digits, e.g. CLD-201."],
        "title": ["A title of 1 to 200 characters is required."],
        "track": ["Choose student, faculty or both."],
        "level": ["Choose beginner, intermediate or advanced."],
        "duration_hours": ["A whole number of hours from 1 to 2,000."],
        "min_attendance_percent": ["A whole percentage from 0 to 100."]}


@pytest.mark.parametrize(("field", "value"), [
    ("title", "T" * 200), ("summary", "s" * 20000), ("track", "student"), ("track", "faculty"),
    ("level", "intermediate"), ("level", "advanced"), ("duration_hours", 1),
    ("duration_hours", 2000), ("min_attendance_percent", 0), ("min_attendance_percent", 100),
    ("skills", [f"s{i}" for i in range(20)]), ("skills", ["k" * 60]),
    ("industry_partners", [f"p{i}" for i in range(20)]), ("industry_partners", ["p" * 100]),
    ("modules", [{"title": "M", "hours": 0}] * 60),
    ("modules", [{"title": "M" * 200, "hours": 500, "description": "d" * 20000}]),
    ("modules", [{"title": "M", "hours": 1.5}]),
])
def test_values_at_the_documented_limits_are_accepted(field, value):
    assert rules.validate_course(_valid(**{field: value})) == {}


def test_messages_past_the_limits():
    errors = rules.validate_course(_valid(
        skills=["k" * 61] + [f"s{i}" for i in range(20)],
        industry_partners=["p" * 101] + [f"p{i}" for i in range(20)],
        modules=[{"title": "M" * 201, "hours": 500.5, "description": "d" * 20001},
                 {"title": " ", "hours": True}] + [{"title": "M", "hours": 1}] * 59))
    assert errors == {
        "skills": ["At most 20 skills.", "A skill has at most 60 characters."],
        "industry_partners": ["At most 20 partners.", "A partner name has at most 100 characters."],
        "modules": ["At most 60 modules.",
                    "Module 1: a title of 1 to 200 characters is required.",
                    "Module 1: hours must be a number from 0 to 500.",
                    "Module 1: the description has at most 20000 characters.",
                    "Module 2: a title of 1 to 200 characters is required.",
                    "Module 2: hours must be a number from 0 to 500."]}


def test_modules_without_hours_are_refused():
    assert rules.validate_modules([{"title": "M"}]) == [
        "Module 1: hours must be a number from 0 to 500."]
    assert rules.validate_modules([{"hours": 1}]) == [
        "Module 1: a title of 1 to 200 characters is required."]


def test_every_field_is_editable_in_a_draft_and_none_when_archived():
    fields = ["code", "title", "summary", "track", "level", "duration_hours", "skills",
              "industry_partners", "min_attendance_percent", "modules", "prerequisite_ids"]
    assert rules.refused_edits("draft", fields) == []
    assert rules.refused_edits("published", fields) == [
        "code", "min_attendance_percent", "track"]
    assert rules.refused_edits("archived", fields) == sorted(fields)
    assert rules.refused_edits("unknown", ["title"]) == ["title"]


def test_catalogue_tables():
    assert rules.COURSE_TRACKS == ("student", "faculty", "both")
    assert rules.LEVELS == ("beginner", "intermediate", "advanced")
    assert rules.STATUSES == ("draft", "published", "archived")
    assert rules.AUDIENCES == ("student", "faculty")
    assert rules.DEFAULT_MIN_ATTENDANCE == 75


def test_skills_and_lists():
    assert rules.normalise_skill("  ##Cloud   Ops ") == "cloud ops"
    assert rules.normalise_skill(None) == ""
    assert rules.normalise_skills("#, ,aws") == ["aws"]
    assert rules.split_list([" a  b ", "", "c"]) == ["a b", "c"]
    assert rules.split_list(None) == []
    assert rules.normalise_code(None) == ""
    assert not rules.valid_code(None)


def test_serves_and_rounded_progress():
    assert rules.serves("both", "student")
    assert not rules.serves("faculty", "student")
    assert rules.track_progress([1, 2, 3], [1]) == (1, 3, 33)
    assert rules.track_progress([1, 2, 3], [1, 2]) == (2, 3, 67)


def test_excerpt_edges():
    assert rules.excerpt("a" * 180) == "a" * 180
    assert rules.excerpt("word " * 36 + "end") == ("word " * 36).strip() + "…"
    assert rules.excerpt("abcdefg " * 23) == ("abcdefg " * 22).strip() + "…"  # no half word
    assert rules.excerpt("# Title\n* one\n+ two\n>> quoted ~~old~~ **new** ![pic](p.png)") == (
        "Title one two quoted old new pic")
    assert rules.excerpt("    # not a heading") == "# not a heading"


def test_an_unknown_status_may_not_change():
    assert not rules.can_transition("bogus", "published")


def test_excerpt_cuts_at_180_characters():
    assert rules.excerpt("a" * 181) == "a" * 180 + "…"


def test_a_cycle_elsewhere_in_the_catalogue_is_not_this_course_s():
    # 2 and 3 already require each other (bad data): the search must still end
    assert rules.find_cycle({2: [3], 3: [2]}, 1, [2]) is None
