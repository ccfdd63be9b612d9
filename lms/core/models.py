"""The audit trail: who did what, when, from what to what, and why."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.timeutil import UTCDateTime, utcnow
from lms.extensions import db


class AuditEvent(db.Model):
    """One recorded change; never updated or deleted."""

    __tablename__ = "audit_events"
    __table_args__ = (sa.Index("ix_audit_events_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(sa.String(80))
    object_type: Mapped[str] = mapped_column(sa.String(40))
    object_id: Mapped[int | None]
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict | None] = mapped_column(sa.JSON)
    reason: Mapped[str | None] = mapped_column(sa.Text)
    address: Mapped[str | None] = mapped_column(sa.String(64))

    actor = db.relationship("User", lazy="joined")
