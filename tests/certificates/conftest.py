"""Fixtures of the certificates tests: cohorts that ended, attendance and attempts as rows."""

from datetime import UTC, datetime

import pytest

from lms.assessments.models import Assessment, Attempt
from lms.attendance.models import AttendanceRecord
from lms.certificates import services
from lms.extensions import db

FIRST = datetime(2026, 1, 5, 5, 0, tzinfo=UTC)  # four Monday sessions in January 2026


@pytest.fixture
def attend():
    """attend(cohort, user, ["present", "absent", ...]): one record per session, in order."""

    def _attend(cohort, user, statuses):
        sessions = sorted(cohort.sessions, key=lambda s: s.starts_at)
        for session, status in zip(sessions, statuses, strict=False):
            db.session.add(AttendanceRecord(session_id=session.id, user_id=user.id, status=status))
        db.session.commit()

    return _attend


@pytest.fixture
def make_assessment():
    """make_assessment(course, title=..., required=True, pass_percent=50)."""

    def _make(course, title="Final exam", required=True, pass_percent=50):
        a = Assessment(course_id=course.id, title=title, required=required,
                       pass_percent=pass_percent, max_attempts=2, grading="highest")
        db.session.add(a)
        db.session.commit()
        return a

    return _make


@pytest.fixture
def sit():
    """sit(assessment, user, cohort, percent, status="graded"): one attempt."""

    def _sit(assessment, user, cohort, percent, status="graded", number=1):
        passed = None if percent is None else percent >= assessment.pass_percent
        db.session.add(Attempt(assessment_id=assessment.id, user_id=user.id, cohort_id=cohort.id,
                               number=number, status=status, percent=percent, passed=passed,
                               score=percent, max_score=100, submitted_at=FIRST))
        db.session.commit()

    return _sit


@pytest.fixture
def graduates(make_cohort, make_course, make_user, enrol, attend):
    """graduates(n): a cohort whose four sessions are over, n learners who attended them all."""

    def _make(n=1, course=None, names=None, role="student", **cohort_fields):
        course = course or make_course(title="Cloud Foundations with AWS", duration_hours=40)
        cohort = make_cohort(course=course, **cohort_fields)
        learners = []
        for i in range(n):
            fields = {"full_name": names[i]} if names else {}
            learner = make_user(role, **fields)
            enrol(cohort, learner)
            attend(cohort, learner, ["present"] * 4)
            learners.append(learner)
        return cohort, learners

    return _make


@pytest.fixture
def issued(app, graduates, make_user):
    """issued(n): a cohort and n certificates, created directly (no eligibility involved)."""

    def _make(n=1, names=None, **kw):
        cohort, learners = graduates(n, names=names, **kw)
        admin = make_user("admin")
        certs = [services.create_certificate(admin, **services.course_fields(u, cohort))
                 for u in learners]
        db.session.commit()
        return cohort, learners, certs

    return _make
