"""Every event message, written by the feature's own service and read back from the SMTP server."""

from datetime import timedelta

import pytest

from lms.core.permissions import SYSTEM
from lms.core.timeutil import to_park, utcnow
from lms.extensions import db
from tests.notifications.conftest import PUBLIC, outbox, parts, run_worker


@pytest.fixture
def cohort_world(make_user, make_cohort, enrol):
    """A cohort with weekly sessions from next week, two learners, one waitlisted learner."""
    trainer = make_user("trainer", full_name="Tariq Trainer")
    first = (utcnow() + timedelta(days=7)).replace(hour=5, minute=0, second=0, microsecond=0)
    cohort = make_cohort(trainer=trainer, first=first, count=4, capacity=2, name="Cloud batch")
    a, b = make_user("student", full_name="Amina A"), make_user("student", full_name="Bilal B")
    w = make_user("student", full_name="Waqar W")
    enrol(cohort, a)
    enrol(cohort, b)
    enrol(cohort, w, status="waitlisted")
    return cohort, trainer, a, b, w


def _mail_to(smtp, user):
    found = smtp.to(user.email)
    assert len(found) == 1, [m["Subject"] for m in smtp.messages]
    return found[0]


def test_session_moved_reaches_learners_and_trainer(app, smtp, cohort_world):
    from lms.scheduling import services

    cohort, trainer, a, b, w = cohort_world
    session = cohort.sessions[1]
    old = session.starts_at
    day = to_park(old).date() + timedelta(days=1)
    services.move_session(SYSTEM, session, day, to_park(old).time(),
                          (to_park(old) + timedelta(hours=2)).time())
    db.session.commit()
    run_worker()
    assert sorted(m["To"] for m in smtp.messages) == sorted([a.email, b.email, trainer.email])
    text, html = parts(_mail_to(smtp, a))
    assert "has moved to" in text and f"{PUBLIC}/cohorts/{cohort.id}" in text
    assert f"{to_park(old):%d %b %Y}" in text and "Cloud batch" in html
    assert "Choose which e-mails you get: " + PUBLIC + "/account/notifications" in text
    assert not smtp.to(w.email)  # the waitlisted learner has no seat in this session


def test_session_cancelled_and_holiday_cancellations(app, smtp, cohort_world):
    from lms.parks import services as parks
    from lms.scheduling import services

    cohort, trainer, a, _b, _w = cohort_world
    services.cancel_session(SYSTEM, cohort.sessions[0], "Trainer ill")
    db.session.commit()
    run_worker()
    text, _ = parts(_mail_to(smtp, a))
    assert "is cancelled (Trainer ill)" in text
    smtp.reset()
    day = to_park(cohort.sessions[2].starts_at).date()
    parks.add_holiday(SYSTEM, day, "Iqbal Day", cohort.park_id)
    db.session.commit()
    run_worker()
    text, html = parts(_mail_to(smtp, trainer))
    assert "Holiday: Iqbal Day" in text and "Holiday: Iqbal Day" in html


def test_waitlisted_learner_promoted_to_a_seat(app, smtp, cohort_world):
    from lms.scheduling import services

    cohort, _trainer, a, _b, w = cohort_world
    services.withdraw(SYSTEM, cohort.id, a.id)
    db.session.commit()
    run_worker()
    mail = _mail_to(smtp, w)
    assert mail["Subject"] == "You have a seat in Cloud batch"
    assert not smtp.to(a.email)


def test_excuse_decided(app, smtp, cohort_world):
    from lms.attendance import services

    cohort, trainer, a, _b, _w = cohort_world
    excuse = services.request_excuse(a, cohort.sessions[0], "University exam")
    db.session.commit()
    services.decide_excuse(trainer, excuse, approve=False, note="Exams are no excuse here")
    db.session.commit()
    run_worker()
    mail = _mail_to(smtp, a)
    assert mail["Subject"] == "Your excuse request was declined"
    assert "Exams are no excuse here" in parts(mail)[0]


def test_essay_graded(app, smtp, cohort_world):
    from lms.assessments import services

    cohort, trainer, a, _b, _w = cohort_world
    exam = services.create_assessment(SYSTEM, cohort.course, {
        "title": "Design essay", "pass_percent": 50, "max_attempts": 1, "grading": "highest",
        "questions": [{"kind": "essay", "prompt": "Explain.", "points": 4}]})
    db.session.commit()
    attempt = services.start_attempt(a, exam)
    db.session.commit()
    question = exam.questions[0]
    services.save_answers(a, attempt.id, [{"question_id": question.id, "response": "Because."}],
                          submit=True)
    db.session.commit()
    assert outbox(kind="essay_graded") == []  # submitted, not graded yet
    services.grade_answers(trainer, attempt.id, [{"question_id": question.id, "points": 3,
                                                  "comment": "Good"}])
    db.session.commit()
    run_worker()
    mail = _mail_to(smtp, a)
    assert mail["Subject"] == "Graded: Design essay"
    assert "75.0 %" in parts(mail)[0] and "passed" in parts(mail)[0]


def test_certificate_issued_with_its_verification_link(app, smtp, cohort_world):
    from lms.certificates import services

    cohort, _trainer, a, _b, _w = cohort_world
    cert = services.create_certificate(SYSTEM, **services.course_fields(a, cohort))
    db.session.commit()
    run_worker()
    mail = _mail_to(smtp, a)
    text, html = parts(mail)
    assert f"{PUBLIC}/verify/{cert.code}" in text and f'href="{PUBLIC}/verify/{cert.code}"' in html
    assert mail["Subject"].startswith("Your certificate: ")


def test_html_part_escapes_user_data(app, smtp, make_user, make_cohort, enrol):
    from lms.scheduling import services

    learner = make_user("student", full_name="<script>alert(1)</script>")
    first = (utcnow() + timedelta(days=7)).replace(hour=5, minute=0, second=0, microsecond=0)
    cohort = make_cohort(first=first, name="<b>Bold</b>\r\nBcc: evil@example.org")
    enrol(cohort, learner)
    services.cancel_session(SYSTEM, cohort.sessions[0], "<img src=x>")
    db.session.commit()
    run_worker()
    mail = _mail_to(smtp, learner)
    assert mail["Bcc"] is None and mail["Subject"].startswith("Session cancelled: <b>Bold</b>")
    _text, html = parts(mail)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<img" not in html and "<b>Bold" not in html
