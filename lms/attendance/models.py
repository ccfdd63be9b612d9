"""Attendance records (one per learner per session) and excused-absence requests."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.timeutil import UTCDateTime, utcnow
from lms.extensions import db

ATTENDANCE_STATUSES = ("present", "late", "excused", "absent")
SOURCES = ("register", "check_in", "excuse")
EXCUSE_STATUSES = ("pending", "approved", "declined")


class AttendanceRecord(db.Model):
    """A learner's attendance at one session; changes go to the audit trail."""

    __tablename__ = "attendance_records"
    __table_args__ = (
        sa.UniqueConstraint("session_id", "user_id", name="uq_attendance_records_session_user"),
        sa.CheckConstraint("status IN ('present','late','excused','absent')", name="status"),
        sa.Index("ix_attendance_records_user_session", "user_id", "session_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("class_sessions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(sa.String(10))
    source: Mapped[str] = mapped_column(sa.String(10), default="register")
    marked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    address: Mapped[str | None] = mapped_column(sa.String(64))
    user_agent: Mapped[str | None] = mapped_column(sa.String(300))

    session = relationship("ClassSession")
    user = relationship("User", foreign_keys=[user_id])


class ExcuseRequest(db.Model):
    """A learner's request to be excused from a session; the trainer decides."""

    __tablename__ = "excuse_requests"
    __table_args__ = (
        sa.UniqueConstraint("session_id", "user_id", name="uq_excuse_requests_session_user"),
        sa.CheckConstraint("status IN ('pending','approved','declined')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("class_sessions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    reason: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(10), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_note: Mapped[str | None] = mapped_column(sa.Text)

    session = relationship("ClassSession")
    user = relationship("User", foreign_keys=[user_id])


class CheckInGuessCount(db.Model):
    """Wrong check-in codes of one learner for one session in the current minute: one counter
    shared by the page, the API and every worker (the rules are in rules.WRONG_CODES_*)."""

    __tablename__ = "check_in_guess_counts"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("class_sessions.id", ondelete="CASCADE"), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime())
    wrong_codes: Mapped[int] = mapped_column(default=0)
