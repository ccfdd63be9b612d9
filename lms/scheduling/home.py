"""Home panels: a learner's enrolments, a trainer's upcoming sessions."""

from datetime import timedelta

from lms.core import permissions as perm
from lms.core.timeutil import utcnow
from lms.scheduling import services


def panel(user) -> tuple[str, dict] | None:
    """Learners: their cohorts with status and waitlist place; trainers: the next sessions."""
    if user.is_learner:
        return "scheduling/_home_learner.html", services.learner_home(user.id)
    if user.role == perm.TRAINER:
        now = utcnow()
        sessions = [s for s in services.trainer_sessions(user.id, now, now + timedelta(days=14))
                    if s.status == "scheduled"]
        return "scheduling/_home_trainer.html", {"sessions": sessions[:10]}
    return None
