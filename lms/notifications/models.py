"""The outbox, users' notification choices and the runs of scheduled jobs."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.timeutil import UTCDateTime, utcnow
from lms.extensions import db

STATUSES = ("queued", "sending", "sent", "failed")


class OutboxMessage(db.Model):
    """One e-mail, written in the transaction of the change it announces; the worker sends it.

    `queued` -> (claimed: `sending` until `lease_until`) -> `sent`, or back to `queued` with a
    later `next_attempt_at`, or `failed` after the last try. A worker that dies while holding a
    message leaves it `sending` with an expired lease; the next worker takes it again.
    `dedupe_key` (unique) makes scheduled messages idempotent.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (
        sa.CheckConstraint("status IN ('queued','sending','sent','failed')", name="status"),
        sa.Index("ix_outbox_messages_status_next", "status", "next_attempt_at"),
        sa.Index("ix_outbox_messages_kind_user", "kind", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    to_addr: Mapped[str] = mapped_column(sa.String(254))
    kind: Mapped[str] = mapped_column(sa.String(40))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body_text: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str] = mapped_column(sa.Text)
    list_unsubscribe: Mapped[str | None] = mapped_column(sa.String(500))
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(120), unique=True)
    status: Mapped[str] = mapped_column(sa.String(10), default="queued",
                                        server_default="queued")
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(sa.String(80))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(sa.String(500))


class NotificationPreference(db.Model):
    """Which optional messages a user gets; no row means every one of them."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    reminders: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    at_risk: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    digest: Mapped[bool] = mapped_column(default=True, server_default=sa.true())


class JobRun(db.Model):
    """A scheduled job's run for one period ("reminders" for 2026-03-02T10): the primary key
    lets exactly one worker run it, however many workers there are."""

    __tablename__ = "job_runs"

    job: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    period: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    worker: Mapped[str | None] = mapped_column(sa.String(80))
    queued: Mapped[int] = mapped_column(default=0, server_default="0")
