"""Certificates: frozen PDF bytes, a random verification code, never deleted."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from lms.core.timeutil import UTCDateTime, utcnow
from lms.extensions import db

KINDS = ("course", "track")
# PostgreSQL hands out status list indexes from this sequence (no lock); SQLite takes MAX + 1
# inside its single writer lock (lms.credentials.services.next_status_index).
STATUS_INDEX_SEQUENCE = sa.Sequence("certificate_status_index_seq", metadata=db.metadata,
                                    start=0, minvalue=0)
STATUSES = ("valid", "revoked", "superseded")


class Certificate(db.Model):
    """A certificate for a cohort (course) or a whole track; at most one valid per learner."""

    __tablename__ = "certificates"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('course','track')", name="kind"),
        sa.CheckConstraint("status IN ('valid','revoked','superseded')", name="status"),
        sa.Index("uq_certificates_valid_cohort", "user_id", "cohort_id", unique=True,
                 sqlite_where=sa.text("status = 'valid' AND cohort_id IS NOT NULL"),
                 postgresql_where=sa.text("status = 'valid' AND cohort_id IS NOT NULL")),
        sa.Index("uq_certificates_valid_track", "user_id", "track_id", unique=True,
                 sqlite_where=sa.text("status = 'valid' AND track_id IS NOT NULL"),
                 postgresql_where=sa.text("status = 'valid' AND track_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(6))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    cohort_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cohorts.id"), index=True)
    track_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tracks.id"))
    park_id: Mapped[int | None] = mapped_column(sa.ForeignKey("parks.id"), index=True)
    holder_name: Mapped[str] = mapped_column(sa.String(200))  # as printed, frozen at issue
    title: Mapped[str] = mapped_column(sa.String(200))
    hours: Mapped[int]
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    issued_on: Mapped[date]
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(sa.String(10), default="valid")
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_reason: Mapped[str | None] = mapped_column(sa.Text)
    superseded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("certificates.id"))
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    pdf: Mapped[bytes] = deferred(mapped_column(sa.LargeBinary))
    # The signed Open Badges 3.0 credential (issue 24): its bit in the status list, its VC-JWT.
    status_index: Mapped[int | None] = mapped_column(unique=True)
    credential: Mapped[str | None] = deferred(mapped_column(sa.Text))

    user = relationship("User", foreign_keys=[user_id])
    park = relationship("Park")
    cohort = relationship("Cohort")
    track = relationship("Track")
