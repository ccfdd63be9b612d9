"""The certificates panel of the home page: a learner's certificates."""

from lms.certificates import services


def panel(user) -> tuple[str, dict] | None:
    """Learners: their valid certificates (latest first), with download links."""
    if not user.is_learner:
        return None
    return "certificates/_home_learner.html", {"certificates": services.latest_valid(user.id)}
