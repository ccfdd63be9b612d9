"""Cohorts (runs of a course at a park), their class sessions, and enrolments."""

from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core import permissions as perm
from lms.core.timeutil import UTCDateTime, utcnow
from lms.extensions import db

COHORT_STATUSES = ("planned", "open", "running", "completed", "cancelled")
SESSION_STATUSES = ("scheduled", "cancelled")
ENROLLMENT_STATUSES = ("enrolled", "waitlisted", "withdrawn", "completed")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Cohort(db.Model):
    """One run of a course at a park: trainer, room, seats, dates and weekly pattern."""

    __tablename__ = "cohorts"
    __table_args__ = (
        sa.CheckConstraint("capacity > 0", name="capacity_positive"),
        sa.CheckConstraint("enrolled_count >= 0 AND enrolled_count <= capacity", name="seats"),
        sa.CheckConstraint("end_date >= start_date", name="dates"),
        sa.CheckConstraint("end_time > start_time", name="times"),
        sa.CheckConstraint(
            "status IN ('planned','open','running','completed','cancelled')", name="status"),
        sa.Index("ix_cohorts_park_status", "park_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id"), index=True)
    park_id: Mapped[int] = mapped_column(sa.ForeignKey("parks.id"))
    name: Mapped[str] = mapped_column(sa.String(120))
    trainer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    room_id: Mapped[int] = mapped_column(sa.ForeignKey("rooms.id"), index=True)
    capacity: Mapped[int]
    enrolled_count: Mapped[int] = mapped_column(default=0, server_default="0")
    start_date: Mapped[date]
    end_date: Mapped[date]
    meeting_days: Mapped[str] = mapped_column(sa.String(40))  # "mon,wed"
    start_time: Mapped[time]
    end_time: Mapped[time]
    enrol_opens_on: Mapped[date | None]
    enrol_closes_on: Mapped[date | None]
    status: Mapped[str] = mapped_column(sa.String(10), default="planned")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    course = relationship("Course")
    park = relationship("Park")
    trainer = relationship("User")
    room = relationship("Room")
    sessions = relationship("ClassSession", back_populates="cohort",
                            order_by="ClassSession.starts_at")

    @property
    def days(self) -> list[str]:
        return [d for d in self.meeting_days.split(",") if d]

    @classmethod
    def joinable(cls, today: date):
        """SQL: learners may join it by themselves (open, or running until its enrolment
        closes); the same rule as rules.self_enrolment_error, less the opening date."""
        return sa.or_(cls.status == "open", sa.and_(cls.status == "running",
                                                    cls.enrol_closes_on >= today))

    def can_manage(self, user) -> bool:
        """Admins, and the park manager of the cohort's park, manage it."""
        return user.is_authenticated and (user.is_admin or (
            user.role == perm.PARK_MANAGER and user.park_id == self.park_id))

    def can_teach(self, user) -> bool:
        """The cohort's trainer, and whoever manages it, run its register."""
        return user.is_authenticated and (user.id == self.trainer_id or self.can_manage(user))

    def can_view_roster(self, user) -> bool:
        """Staff of the cohort see who is in it."""
        return self.can_teach(user)

    def __repr__(self) -> str:
        return f"<Cohort {self.id} {self.name}>"


class ClassSession(db.Model):
    """One class meeting of a cohort, stored in UTC; room and trainer copied for clash checks."""

    __tablename__ = "class_sessions"
    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="times"),
        sa.CheckConstraint("status IN ('scheduled','cancelled')", name="status"),
        sa.Index("ix_class_sessions_room_time", "room_id", "starts_at", "ends_at"),
        sa.Index("ix_class_sessions_trainer_time", "trainer_id", "starts_at", "ends_at"),
        sa.Index("ix_class_sessions_cohort_time", "cohort_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohorts.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    room_id: Mapped[int] = mapped_column(sa.ForeignKey("rooms.id"))
    trainer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(sa.String(10), default="scheduled")
    note: Mapped[str | None] = mapped_column(sa.String(200))

    cohort = relationship(Cohort, back_populates="sessions")
    room = relationship("Room")


class Enrollment(db.Model):
    """A learner in a cohort: enrolled, waitlisted (first come, first served), withdrawn, completed."""

    __tablename__ = "enrollments"
    __table_args__ = (
        sa.UniqueConstraint("cohort_id", "user_id", name="uq_enrollments_cohort_user"),
        sa.CheckConstraint(
            "status IN ('enrolled','waitlisted','withdrawn','completed')", name="status"),
        sa.Index("ix_enrollments_cohort_status", "cohort_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohorts.id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)  # waitlist order
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    cohort = relationship(Cohort)
    user = relationship("User")
