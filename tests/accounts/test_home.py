"""The learner's home page: every panel's content, and a fixed number of queries."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from lms.accounts.models import User
from lms.assessments import services as assessments
from lms.assessments.models import AssessmentOverride
from lms.attendance.models import AttendanceRecord
from lms.certificates.models import Certificate
from lms.extensions import db
from lms.scheduling.models import ClassSession

NOW = datetime(2026, 3, 2, 5, 50, tzinfo=UTC)  # a Monday, 10:50 park time


@pytest.fixture
def frozen(app):
    """The clock stands at NOW for the whole test (logging in included)."""
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def home(frozen, make_user, make_course, make_cohort, enrol, login_as):
    """A student with a running cohort (one session now, one marked, more to come), a waitlist
    place behind two others, an assessment open to them and their certificates."""
    client, learner = login_as("student")
    course = make_course(code="NET-101", title="Networks")
    first = NOW - timedelta(weeks=2) + timedelta(minutes=10)  # weekly, 11:00 park time
    running = make_cohort(course=course, name="March batch", first=first, count=6)
    enrol(running, learner)
    full = make_cohort(course=make_course(code="SEC-201"), name="Waitlist batch", capacity=1,
                       first=NOW + timedelta(days=40))
    enrol(full, make_user("student"))
    for _ in range(2):
        enrol(full, make_user("student"), "waitlisted")
    enrol(full, learner, "waitlisted")
    withdrawn = make_cohort(course=make_course(code="OLD-001"), name="Left batch")
    enrol(withdrawn, learner, "withdrawn")
    sessions = list(db.session.scalars(
        sa.select(ClassSession).where(ClassSession.cohort_id == running.id)
        .order_by(ClassSession.starts_at)))
    db.session.add(AttendanceRecord(session_id=sessions[0].id, user_id=learner.id,
                                    status="present", source="register"))
    db.session.commit()
    return client, learner, running, full, sessions


def page(client) -> str:
    resp = client.get("/")
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def test_cohorts_waitlist_place_and_this_week(home):
    client, learner, running, full, sessions = home
    html = page(client)
    assert "March batch" in html and "NET-101 Networks" in html
    assert "waitlist place 3" in html  # two queued before them
    assert "Left batch" not in html  # withdrawn enrolments are not listed
    assert "This week" in html and "NET-101 March batch" in html


def test_attendance_figures_and_check_in_first(home):
    client, learner, running, full, sessions = home
    html = page(client)
    # two sessions held, one attended; the one starting in 10 minutes is open for check-in
    assert "NET-101 · March batch</td><td class=\"num\">50.0 %" in html
    assert f'href="/check-in/{sessions[2].id}"' in html
    # the check-in button is the first thing on the page after the greeting
    assert html.index("Check in: March batch") < html.index("My cohorts")


def test_no_check_in_once_marked(home):
    client, learner, running, full, sessions = home
    db.session.add(AttendanceRecord(session_id=sessions[2].id, user_id=learner.id,
                                    status="present", source="code"))
    db.session.commit()
    assert "Check in:" not in page(client)


def test_assessments_open_continue_and_recent(home):
    client, learner, running, full, sessions = home
    owner = db.session.get(User, running.course.owner_id)
    quiz = assessments.create_assessment(owner, running.course, {
        "title": "Quiz one", "max_attempts": 1, "questions": [
            {"kind": "true_false", "prompt": "Yes?", "points": 1, "answer": True}]})
    closed = assessments.create_assessment(owner, running.course, {
        "title": "Closed quiz", "max_attempts": 1, "closes_at": NOW - timedelta(days=1),
        "questions": [{"kind": "true_false", "prompt": "No?", "points": 1, "answer": False}]})
    # the cohort's override reopens the closed one
    db.session.add(AssessmentOverride(assessment_id=closed.id, cohort_id=running.id,
                                      closes_at=NOW + timedelta(days=2)))
    db.session.commit()
    html = page(client)
    assert "Quiz one" in html and "Closed quiz" in html and "closes" in html
    attempt = assessments.start_attempt(learner, quiz)
    db.session.commit()
    html = page(client)
    assert f"/attempts/{attempt.id}" in html and "Continue Quiz one" in html
    assessments.submit_attempt(learner, attempt.id)
    db.session.commit()
    html = page(client)
    assert "Continue Quiz one" not in html  # one attempt allowed, used
    assert "Recent results" in html and "Quiz one, attempt 1" in html


def test_certificates_valid_only_newest_first(home):
    client, learner, running, full, sessions = home
    for n, status in enumerate(("valid", "revoked", "valid")):
        db.session.add(Certificate(
            code=f"KP-TEST-0000-0000-000{n}", kind="course", user_id=learner.id,
            cohort_id=running.id if n == 0 else None, holder_name=learner.full_name,
            title=f"Certificate {n}", hours=40, issued_on=NOW.date() - timedelta(days=10 - n),
            issued_at=NOW - timedelta(days=10 - n), status=status, sha256="0" * 64, pdf=b"%PDF"))
    db.session.commit()
    html = page(client)
    assert "Certificate 1" not in html  # revoked
    assert html.index("Certificate 2") < html.index("Certificate 0")


def test_learner_home_queries_do_not_grow(home, make_cohort, make_course, enrol, count_queries):
    client, learner, *_ = home
    page(client)
    with count_queries() as few:
        page(client)
    for n in range(5):
        cohort = make_cohort(course=make_course(), name=f"More {n}",
                             first=NOW - timedelta(days=1), count=8)
        enrol(cohort, learner)
    with count_queries() as many:
        html = page(client)
    assert "More 4" in html
    assert len(many) == len(few) <= 9  # the user and eight panel queries
