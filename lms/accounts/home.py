"""What each role's home page shows; features add their panels here."""

import sqlalchemy as sa

from lms.accounts.models import User
from lms.extensions import db
from lms.parks.models import Park


def home_context(user) -> dict:
    """The figures and links for the user's home page."""
    ctx: dict = {"user": user}
    if user.is_admin:
        ctx["counts"] = dict(db.session.execute(
            sa.select(User.role, sa.func.count()).where(User.active.is_(True)).group_by(User.role)
        ).all())
        ctx["park_count"] = db.session.scalar(sa.select(sa.func.count()).select_from(Park))
    elif user.role == "park_manager":
        ctx["counts"] = dict(db.session.execute(
            sa.select(User.role, sa.func.count())
            .where(User.active.is_(True), User.park_id == user.park_id).group_by(User.role)
        ).all())
    return ctx
