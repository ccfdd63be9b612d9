"""The attendance panel of the home page: learners' figures, trainers' sessions today."""

from lms.attendance import services


def panel(user) -> tuple[str, dict] | None:
    """Learners: percent per cohort, at-risk flags, open check-ins. Trainers: today's sessions."""
    if user.is_learner:
        return "attendance/_home_learner.html", {
            "overview": services.learner_overview(user.id),
            "open_now": services.open_check_ins(user),
        }
    if user.role == "trainer":
        return "attendance/_home_trainer.html", {"sessions": services.todays_sessions(user)}
    return None
