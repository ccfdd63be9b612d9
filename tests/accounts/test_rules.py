"""Account rules: pure functions, no app."""

import pytest

from lms.accounts import rules


@pytest.mark.parametrize("raw, expected", [(" Ali@Example.PK ", "ali@example.pk"), ("", "")])
def test_normalize_email(raw, expected):
    assert rules.normalize_email(raw) == expected


@pytest.mark.parametrize("email, ok", [("a@b.pk", True), ("no-at.pk", False), ("a@b", False),
                                       ("a b@c.pk", False), ("", False)])
def test_email_error(email, ok):
    assert (rules.email_error(email) is None) is ok


@pytest.mark.parametrize("cnic, ok", [("35202-1234567-1", True), (None, True), ("", True),
                                      ("3520212345671", False), ("35202-123456-1", False)])
def test_cnic_format(cnic, ok):
    assert (rules.cnic_error(cnic) is None) is ok


def test_names_keep_urdu_and_fold_spaces():
    assert rules.normalize_name("  زینب   خان ") == "زینب خان"
    assert rules.name_error("زینب خان") is None
    assert rules.name_error("bad\x07name") is not None
    assert rules.name_error("") is not None


def test_password_length():
    assert rules.password_error("short") is not None
    assert rules.password_error("x" * rules.MIN_PASSWORD) is None


@pytest.mark.parametrize("role, track, ok", [
    ("student", None, True), ("student", "student", True), ("student", "faculty", False),
    ("trainer", "student", False), ("wizard", None, False), ("faculty", "faculty", True)])
def test_role_and_track(role, track, ok):
    assert (rules.role_error(role, track) is None) is ok


def test_park_manager_reach():
    assert rules.roles_manageable_by("park_manager") == ("trainer", "student", "faculty")
    assert "admin" in rules.roles_manageable_by("admin")
    assert rules.roles_manageable_by("trainer") == ()


def test_throttle_after_max_failures():
    assert not rules.throttled(9, 0, 10, 10)
    assert rules.throttled(10, 0, 10, 10)
    assert rules.throttled(0, 10, 10, 10)


# --- exact limits and messages (literal values: a changed limit must fail here) ----------------

def test_email_messages_and_the_254_character_limit():
    assert rules.email_error("") == "An e-mail address is required."
    assert rules.email_error("a@b") == "Not a valid e-mail address."
    at_limit = "a" * 248 + "@b.pk"  # 253 characters
    assert rules.email_error(at_limit + "x") is None  # 254: the longest allowed
    assert rules.email_error("a" + at_limit + "x") == "Not a valid e-mail address."  # 255


def test_name_messages_and_the_200_character_limit():
    assert rules.normalize_name(None) == ""
    assert rules.name_error("") == "A full name is required."
    assert rules.name_error("N" * 200) is None
    assert rules.name_error("N" * 201) == "At most 200 characters."
    assert rules.name_error("tab\tname") == "Control characters are not allowed."


def test_cnic_message():
    assert rules.cnic_error("35202 1234567 1") == "CNIC must look like 00000-0000000-0."


def test_password_from_ten_to_two_hundred_characters():
    assert rules.password_error("") == "Use at least 10 characters."
    assert rules.password_error("123456789") == "Use at least 10 characters."
    assert rules.password_error("1234567890") is None
    assert rules.password_error("p" * 200) is None
    assert rules.password_error("p" * 201) == "At most 200 characters."


def test_role_and_track_messages():
    assert rules.role_error("wizard", None) == (
        "Role must be one of admin, park_manager, trainer, student, faculty.")
    assert rules.role_error("student", "faculty") == "A student is on the student track."
    assert rules.role_error("trainer", "student") == "Only students and faculty have a track."
    assert rules.role_error("admin", None) is None


@pytest.mark.parametrize("role, needs", [("park_manager", True), ("admin", False),
                                         ("trainer", False), ("student", False)])
def test_only_park_managers_need_a_home_park(role, needs):
    assert rules.needs_park(role) is needs


def test_admin_manages_every_role():
    assert rules.roles_manageable_by("admin") == (
        "admin", "park_manager", "trainer", "student", "faculty")
    assert rules.roles_manageable_by("student") == ()


def test_learner_tracks():
    assert rules.TRACKS == ("student", "faculty")
