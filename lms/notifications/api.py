"""Notifications API: the outbox (admins), one's notification settings, password reset."""

from lms.core.api import api_blueprint, authorize
from lms.core.pagination import paginate
from lms.core.permissions import ADMIN, require_login, require_roles
from lms.core.schemas import page_of
from lms.extensions import db, limiter
from lms.notifications import services
from lms.notifications.schemas import (
    AcceptedSchema,
    MePatchSchema,
    MeWithNotificationsSchema,
    OutboxMessageSchema,
    OutboxQuerySchema,
    PasswordResetSchema,
)
from lms.notifications.views import reset_limit

blp = api_blueprint("notifications_api", __name__, "E-mail: outbox, settings, password reset")
ACCEPTED = ("If an account has this address, a link to choose a new password is on its way.")


@blp.route("/outbox", methods=["GET"])
@blp.arguments(OutboxQuerySchema, location="query")
@blp.response(200, page_of(OutboxMessageSchema))
def list_outbox(args):
    """Outbox messages, newest first, by status and kind (admins)."""
    actor = require_roles(ADMIN)
    stmt = services.outbox_query(actor, status=args.get("status"), kind=args.get("kind"))
    return paginate(stmt, args["page"], args["per_page"]).envelope()


@blp.route("/outbox/<int:message_id>/retry", methods=["POST"])
@blp.response(200, OutboxMessageSchema)
def retry_message(message_id):
    """Queue a failed message again (admins); 409 if it has not failed."""
    actor = require_roles(ADMIN)
    msg = services.retry(actor, message_id)
    db.session.commit()
    return msg


@blp.route("/me", methods=["PATCH"])
@authorize(lambda **_: require_login())
@blp.arguments(MePatchSchema)
@blp.response(200, MeWithNotificationsSchema)
def patch_me(data):
    """Change one's own settings: `notifications: {reminders, at_risk, digest}`."""
    user = require_login()
    prefs = services.set_preferences(user, data.get("notifications", {}))
    db.session.commit()
    out = MeWithNotificationsSchema().dump(user)
    out["notifications"] = prefs
    return out


@blp.route("/auth/password-reset", methods=["POST"])
@limiter.limit(reset_limit)
@blp.arguments(PasswordResetSchema)
@blp.response(202, AcceptedSchema)
def request_password_reset(data):
    """Ask for a reset link by e-mail: 202 whatever the address (no account enumeration)."""
    services.request_password_reset(data["email"])
    db.session.commit()
    return {"message": ACCEPTED}
