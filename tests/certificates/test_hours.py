"""A certificate's hours are what was taught (issue 17 item 11): the held sessions' hours, or the
course's hours only when the cohort held them all."""

from datetime import UTC, datetime, timedelta

import pytest

from lms.certificates import rules, services
from lms.extensions import db
from tests.certificates.test_pdf import needs_poppler, pdf_text

T0 = datetime(2026, 1, 5, 5, tzinfo=UTC)


def test_taught_minutes_count_only_sessions_that_are_over():
    pairs = [(T0, T0 + timedelta(minutes=20)), (T0 + timedelta(days=7),
                                                T0 + timedelta(days=7, hours=2))]
    assert rules.taught_minutes(pairs, T0 + timedelta(hours=1)) == 20
    assert rules.taught_minutes(pairs, T0 + timedelta(days=8)) == 140


@pytest.mark.parametrize(("course_hours", "minutes", "hours"), [
    (24, 20, 0), (24, 60, 1), (24, 119, 1), (24, 24 * 60, 24), (24, 30 * 60, 24), (2, 121, 2)])
def test_certificate_hours_never_exceed_what_was_taught(course_hours, minutes, hours):
    assert rules.certificate_hours(course_hours, minutes) == hours


@pytest.mark.parametrize(("hours", "minutes", "text"), [
    (24, None, "24 hours"), (1, None, "1 hour"), (0, 20, "20 minutes"), (1, 90, "1 hour 30 minutes"),
    (2, 121, "2 hours 1 minute"), (0, 0, "0 minutes")])
def test_duration_text(hours, minutes, text):
    assert rules.duration_text(hours, minutes) == text


def test_one_twenty_minute_session_gives_twenty_minutes_not_the_course_hours(
        make_course, make_cohort, make_user, enrol, tmp_path):
    course = make_course(duration_hours=24)
    cohort = make_cohort(course=course, sessions=[(T0, T0 + timedelta(minutes=20))])
    learner = make_user("student")
    enrol(cohort, learner)
    cert = services.create_certificate(make_user("admin"), **services.course_fields(learner, cohort))
    db.session.commit()
    assert cert.hours == 0
    assert services.public_facts(cert)["hours"] == 0
    if needs_poppler.args[0]:
        return
    text = pdf_text(cert.pdf, tmp_path)
    assert "20 minutes" in text and "24 hours" not in text


def test_cohort_that_held_the_course_hours_prints_them(make_course, make_cohort, make_user,
                                                       enrol, tmp_path):
    course = make_course(duration_hours=6)
    cohort = make_cohort(course=course, count=4)  # 4 x 2 h = 8 h taught for a 6-hour course
    learner = make_user("student")
    enrol(cohort, learner)
    cert = services.create_certificate(make_user("admin"), **services.course_fields(learner, cohort))
    assert cert.hours == 6
    if not needs_poppler.args[0]:
        assert "6 hours" in pdf_text(cert.pdf, tmp_path)


def test_cancelled_and_future_sessions_are_not_counted(make_course, make_cohort, make_user,
                                                       enrol):
    import time_machine

    course = make_course(duration_hours=40)
    cohort = make_cohort(course=course, count=4)
    cohort.sessions[1].status = "cancelled"
    db.session.commit()
    learner = make_user("student")
    enrol(cohort, learner)
    with time_machine.travel(T0 + timedelta(days=15), tick=False):  # sessions 1-3 over, 2 held
        assert services.course_fields(learner, cohort)["hours"] == 4


def test_verify_page_says_less_than_one_hour(client, make_course, make_cohort, make_user, enrol):
    course = make_course(duration_hours=24)
    cohort = make_cohort(course=course, sessions=[(T0, T0 + timedelta(minutes=20))])
    learner = make_user("student")
    enrol(cohort, learner)
    cert = services.create_certificate(make_user("admin"), **services.course_fields(learner, cohort))
    db.session.commit()
    html = client.get(f"/verify/{cert.code}").get_data(as_text=True)
    assert "less than one" in html and ">24<" not in html
