"""Roles and the access checks shared by HTML views and the API."""

from functools import wraps

from flask_login import current_user

from lms.core.errors import Forbidden, Unauthorized

ADMIN = "admin"
PARK_MANAGER = "park_manager"
TRAINER = "trainer"
STUDENT = "student"
FACULTY = "faculty"
ROLES = (ADMIN, PARK_MANAGER, TRAINER, STUDENT, FACULTY)
STAFF_ROLES = (ADMIN, PARK_MANAGER, TRAINER)
LEARNER_ROLES = (STUDENT, FACULTY)
ROLE_LABELS = {
    ADMIN: "Programme admin",
    PARK_MANAGER: "Park manager",
    TRAINER: "Trainer",
    STUDENT: "Student",
    FACULTY: "Faculty member",
}


def require_login():
    """Raise Unauthorized unless someone is logged in; return them."""
    if not current_user.is_authenticated:
        raise Unauthorized("Log in first.")
    return current_user._get_current_object()


def require_roles(*roles: str):
    """Raise unless the current user has one of `roles`; return them."""
    user = require_login()
    if user.role not in roles:
        raise Forbidden("Your role may not do this.")
    return user


def roles_required(*roles: str):
    """Decorator for views and API routes: only these roles (anyone logged in if none)."""

    def decorator(fn):
        @wraps(fn)
        def wrapper(*args, **kwargs):
            if roles:
                require_roles(*roles)
            else:
                require_login()
            return fn(*args, **kwargs)

        return wrapper

    return decorator


def ensure(allowed: bool, message: str = "You may not do this.") -> None:
    """Raise Forbidden unless `allowed`."""
    if not allowed:
        raise Forbidden(message)


class SystemActor:
    """The actor of command-line jobs: acts as an admin, has no account of its own."""

    id = None
    role = ADMIN
    park_id = None
    is_authenticated = True
    is_active = True
    is_admin = True
    is_staff = True
    is_learner = False
    full_name = "System"


SYSTEM = SystemActor()
