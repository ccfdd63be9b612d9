"""The attendance panel of the home page: learners' figures, trainers' sessions today."""

from lms.attendance import services


def panel(user) -> tuple[str, dict] | None:
    """Learners: percent per cohort, at-risk flags, open check-ins. Trainers: today's sessions."""
    if user.is_learner:
        open_now = services.open_check_ins(user)
        return "attendance/_home_learner.html", {
            "overview": services.home_overview(user.id), "open_now": open_now,
            "urgent": bool(open_now)}
    if user.role == "trainer":
        return "attendance/_home_trainer.html", {"sessions": services.todays_sessions(user)}
    return None
