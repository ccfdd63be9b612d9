"""Home panels: a trainer's courses by status; a learner's tracks with progress."""

import sqlalchemy as sa

from lms.catalogue import services
from lms.catalogue.models import Course
from lms.core import permissions as perm
from lms.extensions import db


def panel(user) -> tuple[str, dict] | None:
    """Trainers: how many of their courses are drafts, published, archived. Learners: tracks."""
    if user.role == perm.TRAINER:
        counts = dict(db.session.execute(
            sa.select(Course.status, sa.func.count()).where(Course.owner_id == user.id)
            .group_by(Course.status)).all())
        return "catalogue/_home_trainer.html", {"counts": counts}
    if user.is_learner:
        return "catalogue/_home_learner.html", {"tracks": services.learner_track_summary(user)}
    return None
