"""The audit helper that every feature calls when it changes something that matters."""

from flask import has_request_context, request
from flask_login import current_user

from lms.core.models import AuditEvent
from lms.extensions import db


def _actor_id(actor):
    if actor is not None:
        return actor.id
    if has_request_context() and getattr(current_user, "is_authenticated", False):
        return current_user.id
    return None


def record(action: str, obj=None, *, before: dict | None = None, after: dict | None = None,
           reason: str | None = None, actor=None, object_type: str | None = None,
           object_id: int | None = None) -> AuditEvent:
    """Add an audit event for `obj` (flushed with the rest of the unit of work)."""
    event = AuditEvent(
        actor_id=_actor_id(actor),
        action=action,
        object_type=object_type or (obj.__tablename__ if obj is not None else "system"),
        object_id=object_id if object_id is not None else getattr(obj, "id", None),
        before=before,
        after=after,
        reason=reason,
        address=request.remote_addr if has_request_context() else None,
    )
    db.session.add(event)
    return event


def diff(before: dict, after: dict) -> tuple[dict, dict]:
    """Keep only the keys whose values changed, for a compact before/after pair."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}
