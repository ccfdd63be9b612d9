"""The demo seed: an exam per course, attempts in the past cohort, safe without other demos."""

from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa

from lms.assessments import demo
from lms.assessments.models import Assessment, Attempt
from lms.core.timeutil import park_today
from lms.extensions import db


def test_seed_without_courses_does_nothing(app):
    demo.seed({}, {})
    assert db.session.scalar(sa.select(sa.func.count(Assessment.id))) == 0


def test_seed_builds_exam_and_attempts(app, make_course, make_cohort, make_user, enrol):
    course = make_course()
    start = park_today() - timedelta(days=60)
    cohort = make_cohort(course=course, first=datetime.combine(start, time(5), tzinfo=UTC),
                         status="completed")
    for _ in range(3):
        enrol(cohort, make_user("student"), "completed")
    demo.seed({}, {})
    demo.seed({}, {})  # idempotent
    db.session.commit()
    exams = db.session.scalars(sa.select(Assessment)).all()
    assert len(exams) == 1 and {q.kind for q in exams[0].questions} >= {"essay", "numeric"}
    attempts = db.session.scalars(sa.select(Attempt).order_by(Attempt.id)).all()
    assert [a.status for a in attempts] == ["graded", "needs_grading", "graded"]
    assert attempts[0].percent > attempts[2].percent and attempts[1].percent is None
