"""Home panels: a learner's enrolments, a trainer's upcoming sessions."""

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from lms.core import permissions as perm
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.scheduling import services
from lms.scheduling.models import Cohort, Enrollment


def panel(user) -> tuple[str, dict] | None:
    """Learners: their cohorts with status and waitlist place; trainers: the next sessions."""
    if user.is_learner:
        rows = list(db.session.scalars(
            sa.select(Enrollment).join(Cohort, Cohort.id == Enrollment.cohort_id)
            .options(joinedload(Enrollment.cohort).joinedload(Cohort.course),
                     joinedload(Enrollment.cohort).joinedload(Cohort.park))
            .where(Enrollment.user_id == user.id, Enrollment.status != "withdrawn")
            .order_by(Cohort.start_date.desc()).limit(20)))
        for e in rows:
            e.position = services.waitlist_position(e)
        now = utcnow()
        upcoming = services.learner_sessions(user.id, now, now + timedelta(days=7))
        return "scheduling/_home_learner.html", {"enrollments": rows, "upcoming": upcoming[:5]}
    if user.role == perm.TRAINER:
        now = utcnow()
        sessions = [s for s in services.trainer_sessions(user.id, now, now + timedelta(days=14))
                    if s.status == "scheduled"]
        return "scheduling/_home_trainer.html", {"sessions": sessions[:10]}
    return None
