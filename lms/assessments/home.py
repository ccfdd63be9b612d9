"""The assessments panel of the home page: open assessments and results, or the grading queue."""

from lms.assessments import services
from lms.core.permissions import ADMIN, TRAINER


def panel(user) -> tuple[str, dict] | None:
    """Learners: open assessments and recent results; trainers and admins: the queue count."""
    if user.is_learner:
        return "assessments/_home_learner.html", services.learner_home(user)
    if user.role in (TRAINER, ADMIN):
        return "assessments/_home_grading.html", {"count": services.grading_queue_count(user)}
    return None
