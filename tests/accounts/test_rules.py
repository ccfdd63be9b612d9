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
