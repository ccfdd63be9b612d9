"""Flask-Login loaders: sessions carry "id:session_version"; the API may use bearer tokens."""

from flask import g

from lms.accounts import services
from lms.accounts.models import User
from lms.core.security import bearer_token
from lms.extensions import db, login_manager


@login_manager.user_loader
def load_user(identity: str):
    """Load the session's user unless their session version moved on (logout, password)."""
    if bearer_token() is not None:
        return None  # a bearer request is judged by its token alone
    user_id, _, version = identity.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


@login_manager.request_loader
def load_user_from_token(_request):
    """Authenticate an API request by its bearer token."""
    raw = bearer_token()
    if raw is None:
        return None
    found = services.user_for_token(raw)
    if found is None:
        return None
    g.api_token = raw
    return found[0]
