"""The certificates panel of the home page: a learner's certificates."""

import sqlalchemy as sa

from lms.certificates.models import Certificate
from lms.extensions import db


def panel(user) -> tuple[str, dict] | None:
    """Learners: their valid certificates (latest first), with download links."""
    if not user.is_learner:
        return None
    certificates = list(db.session.scalars(
        sa.select(Certificate).where(Certificate.user_id == user.id,
                                     Certificate.status == "valid")
        .order_by(Certificate.issued_at.desc()).limit(5)))
    return "certificates/_home_learner.html", {"certificates": certificates}
