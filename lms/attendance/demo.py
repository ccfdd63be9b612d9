"""Demo attendance: registers of the demo cohorts' past sessions, a couple of learners at risk."""

import sqlalchemy as sa

from lms.accounts.models import User
from lms.attendance.models import AttendanceRecord, ExcuseRequest
from lms.core import audit
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.scheduling.models import ClassSession, Cohort, Enrollment


def _status(i: int, j: int, at_risk: bool) -> str:
    """A deterministic mark for learner i at past session j."""
    if at_risk:
        return "present" if j % 3 == 0 else "absent"
    if (i + j) % 11 == 5:
        return "absent"
    if (i + j) % 7 == 3:
        return "late"
    return "present"


def seed(users_by_email: dict, parks_by_slug: dict) -> None:
    """Mark the past sessions of every demo cohort; skip quietly if there are none."""
    now = utcnow()
    cohorts = db.session.scalars(sa.select(Cohort).where(Cohort.status != "cancelled")
                                 .order_by(Cohort.id)).all()
    asked = False
    for cohort in cohorts:
        learner_ids = list(db.session.scalars(
            sa.select(Enrollment.user_id).where(Enrollment.cohort_id == cohort.id,
                                                Enrollment.status.in_(("enrolled", "completed")))
            .order_by(Enrollment.user_id)))
        if not learner_ids:
            continue
        trainer = db.session.get(User, cohort.trainer_id)
        sessions = db.session.scalars(sa.select(ClassSession).where(
            ClassSession.cohort_id == cohort.id, ClassSession.status == "scheduled")
            .order_by(ClassSession.starts_at)).all()
        past = [s for s in sessions if s.ends_at < now]
        for j, session in enumerate(past):
            for i, uid in enumerate(learner_ids):
                at_risk = len(learner_ids) > 1 and i == len(learner_ids) - 1
                record = AttendanceRecord(session_id=session.id, user_id=uid,
                                          status=_status(i, j, at_risk), source="register",
                                          marked_by_id=trainer.id if trainer else None,
                                          marked_at=session.ends_at)
                db.session.add(record)
                db.session.flush()
                audit.record("attendance.marked", record, after={
                    "status": record.status, "source": "register", "session_id": session.id,
                    "user_id": uid}, actor=trainer)
        upcoming = [s for s in sessions if s.starts_at > now]
        if upcoming and not asked:  # one learner asks to be excused from the next session
            db.session.add(ExcuseRequest(session_id=upcoming[0].id, user_id=learner_ids[0],
                                         reason="University exam on that day."))
            asked = True
    db.session.flush()
