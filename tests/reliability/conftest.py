"""Fixtures of the reliability suite: a small programme with one of everything."""

import contextvars
import os
from types import SimpleNamespace

import pytest

from lms.extensions import db

ON_POSTGRES = os.environ.get("LMS_TEST_DATABASE_URL", "").startswith("postgresql")


@pytest.fixture
def programme(app, park, make_user, make_course, make_cohort, enrol):
    """Admin, park manager, trainer, two learners; a published course with a cohort whose four
    sessions are over, an assessment with questions, an attempt and an issued certificate."""
    from lms.assessments import services as assessments
    from lms.attendance.models import AttendanceRecord
    from lms.catalogue.models import Track, TrackCourse
    from lms.certificates import services as certificates

    admin = make_user("admin")
    manager = make_user("park_manager")
    trainer = make_user("trainer")
    learner, learner2 = make_user("student"), make_user("faculty")
    course = make_course(owner=trainer)
    cohort = make_cohort(course=course, trainer=trainer)
    enrol(cohort, learner)
    enrol(cohort, learner2)
    for session in cohort.sessions:
        db.session.add(AttendanceRecord(session_id=session.id, user_id=learner.id,
                                        status="present"))
    exam = assessments.create_assessment(trainer, course, {
        "title": "Final exam", "pass_percent": 50, "max_attempts": 2, "grading": "highest",
        "questions": [
            {"kind": "true_false", "prompt": "TCP is connection oriented.", "points": 1,
             "answer": True},
            {"kind": "essay", "prompt": "Explain blue-green deployment.", "points": 4}]})
    track = Track(name="Cloud path", audience="student", description="", created_by_id=admin.id)
    track.items.append(TrackCourse(course_id=course.id, position=1))
    db.session.add(track)
    db.session.commit()
    tf = next(q for q in exam.questions if q.kind == "true_false")
    attempt = assessments.start_attempt(learner, exam)
    db.session.commit()
    assessments.save_answers(learner, attempt.id, [{"question_id": tf.id, "response": True}],
                             submit=True)
    db.session.commit()
    open_attempt = assessments.start_attempt(learner2, exam)
    db.session.commit()
    cert = certificates.create_certificate(admin, **certificates.course_fields(learner, cohort))
    db.session.commit()
    return SimpleNamespace(admin=admin, manager=manager, trainer=trainer, learner=learner,
                           learner2=learner2, course=course, cohort=cohort, exam=exam, cert=cert,
                           track=track, attempt=attempt, open_attempt=open_attempt,
                           session=cohort.sessions[0], park=park)


def isolated_wsgi(app):
    """The app as a WSGI callable whose requests run in a fresh context.

    The test keeps an app context (and its database session) pushed; a request run inside it
    would reuse that context's `g` and session. Each request here starts from an empty
    contextvars context, so Flask pushes and pops its own app context, as in production.
    """

    def wsgi(environ, start_response):
        return contextvars.Context().run(app, environ, start_response)

    return wsgi
