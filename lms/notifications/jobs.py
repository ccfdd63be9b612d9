"""Scheduled jobs the worker runs: day-before reminders, at-risk warnings, weekly digests.

Each job runs at most once per period whatever the number of workers (a JobRun row, inserted
in the job's own transaction, is the claim), and every message it queues carries a dedupe key
(a reminder per session and person, a warning per learner, cohort and week), so a rerun or a
restart never sends one twice.
"""

import logging
from datetime import time, timedelta

import sqlalchemy as sa

from lms.accounts.models import User
from lms.core.db import IMMEDIATE, is_sqlite
from lms.core.timeutil import park_to_utc, park_today, to_park, utcnow
from lms.extensions import db
from lms.notifications import rules, services
from lms.notifications.models import JobRun, OutboxMessage

log = logging.getLogger("lms.worker")


def _claim_run(job: str, period: str, worker: str) -> bool:
    """Start this job's run for `period` in a fresh transaction; False if one already ran."""
    session = db.session
    session.rollback()
    if is_sqlite():
        session.connection(execution_options={IMMEDIATE: True})
    if session.get(JobRun, (job, period)) is not None:
        session.commit()
        return False
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    done = session.execute(insert(JobRun.__table__).values(
        job=job, period=period, started_at=utcnow(), worker=worker, queued=0)
        .on_conflict_do_nothing()).rowcount
    if not done:
        session.rollback()
    return bool(done)


def run_job(job: str, period: str, worker: str, body) -> int | None:
    """Run `body()` once for (job, period); commits with its messages. None if it already ran."""
    if not _claim_run(job, period, worker):
        return None
    try:
        queued = body()
        db.session.execute(sa.update(JobRun).where(JobRun.job == job, JobRun.period == period)
                           .values(queued=queued))
        db.session.commit()
    except Exception:
        db.session.rollback()  # the claim goes too: the next pass tries again
        log.exception("scheduled job %s for %s failed", job, period)
        raise
    log.info("job %s for %s: %s message(s) queued", job, period, queued)
    return queued


def run_due(worker: str) -> dict[str, int | None]:
    """Run every job whose period has come (reminders hourly, warnings daily, digests weekly)."""
    now = to_park(utcnow())
    today = now.date()
    return {
        "reminders": run_job("reminders", f"{now:%Y-%m-%dT%H}", worker, queue_reminders),
        "at_risk": run_job("at_risk", today.isoformat(), worker, queue_at_risk_warnings),
        "digest": run_job("digest", rules.week_key(today), worker, queue_digests),
    }


# --- reminders --------------------------------------------------------------------------------

def queue_reminders() -> int:
    """Remind learners and trainers of tomorrow's sessions (park time), once per session."""
    from lms.scheduling.models import ClassSession, Cohort, Enrollment

    tomorrow = park_today() + timedelta(days=1)
    start = park_to_utc(tomorrow, time(0, 0))
    end = start + timedelta(days=1)
    sessions = list(db.session.scalars(
        sa.select(ClassSession).join(Cohort, Cohort.id == ClassSession.cohort_id)
        .where(ClassSession.status == "scheduled", ClassSession.starts_at >= start,
               ClassSession.starts_at < end, Cohort.status.in_(("open", "running", "planned")))
        .order_by(ClassSession.starts_at)))
    queued = 0
    for session in sessions:
        cohort = session.cohort
        people = list(db.session.scalars(
            sa.select(User).join(Enrollment, Enrollment.user_id == User.id)
            .where(Enrollment.cohort_id == cohort.id, Enrollment.status == "enrolled",
                   User.active.is_(True))))
        if cohort.trainer is not None and cohort.trainer.active:
            people.append(cohort.trainer)
        queued += services.queue_many(
            "session_reminder", people, session=session, cohort=cohort,
            room=session.room, url=services.public_url(f"/cohorts/{cohort.id}"),
            context_for=lambda u, c=cohort: {"is_trainer": u.id == c.trainer_id},
            dedupe_for=lambda u, s=session: f"reminder:{s.id}:{u.id}")
    return queued


# --- at-risk warnings -------------------------------------------------------------------------

def _missed_dates(cohort_id: int, user_id: int) -> list:
    """The held sessions a learner missed (absent, or no record), in park time."""
    from lms.attendance.models import AttendanceRecord
    from lms.scheduling.models import ClassSession

    rows = db.session.execute(
        sa.select(ClassSession.starts_at, AttendanceRecord.status)
        .outerjoin(AttendanceRecord, sa.and_(AttendanceRecord.session_id == ClassSession.id,
                                             AttendanceRecord.user_id == user_id))
        .where(ClassSession.cohort_id == cohort_id, ClassSession.status == "scheduled",
               ClassSession.starts_at <= utcnow())
        .order_by(ClassSession.starts_at))
    return [to_park(s).date() for s, status in rows if status in (None, "absent")]


def queue_at_risk_warnings() -> int:
    """Warn each learner at risk (and their trainer), at most once a week per learner and
    cohort; nobody who is not at risk is written to."""
    from lms.reports.services import learner_attendance
    from lms.scheduling.models import Cohort

    now = utcnow()
    week = rules.week_key(park_today())
    rows = [r for r in learner_attendance(active_only=True) if r.at_risk]
    if not rows:
        return 0
    recent = {tuple(key.split(":")[:3]) for key in db.session.scalars(
        sa.select(OutboxMessage.dedupe_key).where(
            OutboxMessage.kind.in_(("at_risk", "at_risk_trainer")),
            OutboxMessage.created_at >= now - timedelta(days=7))) if key}
    cohorts = {c.id: c for c in db.session.scalars(
        sa.select(Cohort).where(Cohort.id.in_({r.cohort_id for r in rows})))}
    users = {u.id: u for u in db.session.scalars(
        sa.select(User).where(User.id.in_({r.user_id for r in rows}), User.active.is_(True)))}
    queued = 0
    for row in rows:
        if row.user_id not in users:
            continue
        pair = (str(row.cohort_id), str(row.user_id))
        cohort = cohorts[row.cohort_id]
        needed = rules.sessions_needed(row.attended, row.held - row.excused, row.upcoming,
                                       row.threshold)
        context = {"cohort": cohort, "row": row, "missed": _missed_dates(cohort.id, row.user_id),
                   "percent": row.percent, "threshold": row.threshold,
                   "reach": rules.reach_sentence(needed, row.threshold), "needed": needed,
                   "learner": users[row.user_id]}
        if ("at_risk", *pair) not in recent:
            queued += services.queue(
                "at_risk", users[row.user_id], url=services.public_url("/attendance/me"),
                dedupe_key=f"at_risk:{row.cohort_id}:{row.user_id}:{week}", **context)
        if cohort.trainer is not None and cohort.trainer.active and \
                ("at_risk_trainer", *pair) not in recent:
            queued += services.queue(
                "at_risk_trainer", cohort.trainer,
                dedupe_key=f"at_risk_trainer:{row.cohort_id}:{row.user_id}:{week}",
                url=services.public_url(f"/attendance/learners/{row.user_id}"), **context)
    return queued


# --- weekly digests ---------------------------------------------------------------------------

def queue_digests() -> int:
    """A weekly digest to each park manager (their park) and to the programme office (all)."""
    from lms.certificates.models import Certificate
    from lms.core.permissions import ADMIN, PARK_MANAGER
    from lms.reports.services import learner_attendance, programme_figures

    week = rules.week_key(park_today())
    since = utcnow() - timedelta(days=7)
    recipients = list(db.session.scalars(sa.select(User).where(
        User.role.in_((ADMIN, PARK_MANAGER)), User.active.is_(True))))
    if not recipients:
        return 0
    at_risk: dict[int, int] = {}
    for row in learner_attendance(active_only=True):
        if row.at_risk:
            at_risk[row.park_id] = at_risk.get(row.park_id, 0) + 1
    certs = dict(db.session.execute(
        sa.select(Certificate.park_id, sa.func.count()).where(
            Certificate.issued_at >= since, Certificate.status == "valid")
        .group_by(Certificate.park_id)).all())
    programme = programme_figures(None)
    parks = {p.park_id: p for p in programme.parks}
    queued = 0
    for user in recipients:
        if user.role == PARK_MANAGER:
            shown = [parks[user.park_id]] if user.park_id in parks else []
        else:
            shown = programme.parks
        queued += services.queue(
            "digest", user, dedupe_key=f"digest:{user.id}:{week}", parks=shown, week=week,
            at_risk={p.park_id: at_risk.get(p.park_id, 0) for p in shown},
            certificates={p.park_id: certs.get(p.park_id, 0) for p in shown},
            totals=programme.totals if user.role == ADMIN else None,
            url=services.public_url("/reports"))
    return queued
