"""Scheduled jobs: day-before reminders, at-risk warnings, weekly digests; each idempotent."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from lms.attendance.models import AttendanceRecord
from lms.core.timeutil import to_park
from lms.extensions import db
from lms.notifications import jobs, services
from lms.notifications.models import JobRun
from tests.notifications.conftest import outbox, parts, run_worker

FIRST = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)  # Monday 10:00 park time


@pytest.fixture
def weekly(make_user, make_cohort, enrol):
    """Twelve weekly sessions from FIRST; learners a, b enrolled, w waitlisted."""
    trainer = make_user("trainer", full_name="Tariq Trainer")
    cohort = make_cohort(trainer=trainer, first=FIRST, count=12, name="Cloud batch")
    a, b = make_user("student", full_name="Amina A"), make_user("student", full_name="Bilal B")
    w = make_user("student", full_name="Waqar W")
    enrol(cohort, a)
    enrol(cohort, b)
    enrol(cohort, w, status="waitlisted")
    return cohort, trainer, a, b, w


def test_reminder_the_day_before_once_per_session_and_person(app, smtp, weekly):
    cohort, trainer, a, b, w = weekly
    services.set_preferences(b, {"reminders": False})
    db.session.commit()
    with time_machine.travel(FIRST - timedelta(hours=20), tick=False):  # Sunday 14:00 PKT
        result = jobs.run_due("w1")
        assert result["reminders"] == 2  # a and the trainer; b said no; w has no seat
        assert jobs.run_due("w2")["reminders"] is None  # this hour's run is done
        run_worker()
    assert sorted(m["To"] for m in smtp.messages) == sorted([a.email, trainer.email])
    text, html = parts(smtp.to(a.email)[0])
    assert "tomorrow" in text and "Mon 02 Mar 2026, 10:00" in text and "Lab A" in text
    assert smtp.to(a.email)[0]["List-Unsubscribe"] == \
        "<https://lms.example.test/account/notifications>"
    assert "you teach" in parts(smtp.to(trainer.email)[0])[0]
    smtp.reset()
    with time_machine.travel(FIRST - timedelta(hours=15), tick=False):  # a later hour, same day
        assert jobs.run_due("w1")["reminders"] >= 0
        run_worker()
    assert smtp.messages == []  # the dedupe keys: nobody is reminded twice
    assert len(outbox(kind="session_reminder")) == 2


def _mark(session, user, status):
    db.session.add(AttendanceRecord(session_id=session.id, user_id=user.id, status=status))


def test_at_risk_warning_names_missed_dates_and_what_is_possible(app, smtp, weekly):
    cohort, trainer, a, b, _w = weekly
    sessions = cohort.sessions
    for s, status in zip(sessions[:4], ["present", "absent", "present", "absent"], strict=True):
        _mark(s, a, status)
    for s in sessions[:4]:
        _mark(s, b, "present")
    db.session.commit()
    now = FIRST + timedelta(weeks=3, days=1)  # four held: a at 50 %, b at 100 %
    with time_machine.travel(now, tick=False):
        jobs.run_due("w1")
        run_worker()
    assert not smtp.to(b.email)  # never to someone who is not at risk
    mail = smtp.to(a.email)
    assert len(mail) == 1
    text, html = parts(mail[0])
    assert "is 50.0 %" in text
    missed = [f"{to_park(sessions[i].starts_at).date()}" for i in (1, 3)]
    assert f"You missed the sessions of {missed[0]}, {missed[1]}." in text
    assert "You can still reach 75 % if you attend the next 4 sessions." in text
    assert "next 4 sessions" in html
    trainer_mail = smtp.to(trainer.email)
    assert len(trainer_mail) == 1 and "Amina A is at risk" in parts(trainer_mail[0])[0]
    smtp.reset()
    # the next days: still at risk, but at most once a week per learner and cohort
    for days in (1, 3, 6):
        with time_machine.travel(now + timedelta(days=days), tick=False):
            jobs.run_due("w1")
            run_worker()
    assert smtp.messages == []
    with time_machine.travel(now + timedelta(days=8), tick=False):
        jobs.run_due("w1")
        run_worker()
    assert len(smtp.to(a.email)) == 1 and not smtp.to(b.email)


def test_learner_who_switched_warnings_off_gets_none_but_the_trainer_does(app, smtp, weekly):
    cohort, trainer, a, _b, _w = weekly
    services.set_preferences(a, {"at_risk": False})
    for s in cohort.sessions[:4]:
        _mark(s, a, "absent")
        _mark(s, _b, "present")
    db.session.commit()
    with time_machine.travel(FIRST + timedelta(weeks=3, days=1), tick=False):
        jobs.run_due("w1")
        run_worker()
    assert not smtp.to(a.email)
    assert len(smtp.to(trainer.email)) == 1
    assert "no longer reach" in parts(smtp.to(trainer.email)[0])[0]
    smtp.reset()
    with time_machine.travel(FIRST + timedelta(weeks=3, days=6), tick=False):  # next ISO week
        jobs.run_due("w1")
        run_worker()
    # the trainer too: at most once in seven days (Sunday's mail is the reminders)
    assert [m for m in smtp.messages if "At risk" in m["Subject"]] == []
    assert len(outbox(kind="at_risk_trainer")) == 1


def test_weekly_digest_for_park_managers_and_the_programme_office(app, smtp, weekly, make_user,
                                                                  other_park):
    cohort, *_ = weekly
    manager = make_user("park_manager", full_name="Maryam Manager")
    other = make_user("park_manager", park_id=other_park.id)
    admin = make_user("admin")
    services.set_preferences(other, {"digest": False})
    db.session.commit()
    with time_machine.travel(FIRST + timedelta(days=1), tick=False):
        assert jobs.run_due("w1")["digest"] == 2
        assert jobs.run_due("w2")["digest"] is None
        run_worker()
    text, html = parts(smtp.to(manager.email)[0])
    assert "Lahore" in text and "Karachi" not in text and "students 2 of" in text
    admin_text, _ = parts(smtp.to(admin.email)[0])
    assert "Lahore" in admin_text and "Karachi" in admin_text
    assert not smtp.to(other.email)
    assert db.session.get(JobRun, ("digest", "2026-W10")).queued == 2


def test_worker_runs_the_jobs_and_a_failing_job_can_run_again(app, smtp, weekly, monkeypatch):
    calls = []

    def boom():
        calls.append(1)
        raise RuntimeError("database went away")

    monkeypatch.setattr(jobs, "queue_digests", boom)
    with time_machine.travel(FIRST - timedelta(hours=20), tick=False):
        with pytest.raises(RuntimeError):
            jobs.run_due("w1")
        assert db.session.get(JobRun, ("digest", "2026-W10")) is None  # claim rolled back
        monkeypatch.setattr(jobs, "queue_digests", lambda: 0)
        result = run_worker(with_jobs=True)
    assert result.sent == 3  # two learners and the trainer reminded
