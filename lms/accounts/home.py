"""What each role's home page shows: this feature's panel, then each feature's `home.panel`."""

import importlib
import importlib.util

import sqlalchemy as sa

from lms.accounts.models import User
from lms.extensions import db


def panel(user) -> tuple[str, dict] | None:
    """People by role, for admins (all parks) and park managers (their park)."""
    if user.role not in ("admin", "park_manager"):
        return None
    stmt = sa.select(User.role, sa.func.count()).where(User.active.is_(True)).group_by(User.role)
    if user.role == "park_manager":
        stmt = stmt.where(User.park_id == user.park_id)
    return "accounts/_home_people.html", {"counts": dict(db.session.execute(stmt).all())}


def home_context(user) -> dict:
    """The panels of the user's home page, one (template, context) per feature that has one."""
    from lms import FEATURES

    panels = []
    for name in FEATURES:
        module_name = f"lms.{name}.home"
        if importlib.util.find_spec(module_name) is None:
            continue
        found = importlib.import_module(module_name).panel(user)
        if found:
            panels.append(found)
    # a panel with something to do now (an open check-in) comes first, above the fold on a phone
    panels.sort(key=lambda p: not p[1].get("urgent"))
    return {"user": user, "panels": panels}
