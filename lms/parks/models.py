"""Parks, rooms and holidays."""

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core import permissions as perm
from lms.extensions import db


class Park(db.Model):
    """A Knowledge Park: one of twelve, in phase 1 or 2, with programme targets."""

    __tablename__ = "parks"
    __table_args__ = (sa.CheckConstraint("phase IN (1, 2)", name="phase"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    city: Mapped[str] = mapped_column(sa.String(80))
    phase: Mapped[int]
    host_university: Mapped[str | None] = mapped_column(sa.String(200))
    student_target: Mapped[int] = mapped_column(default=0)
    faculty_target: Mapped[int] = mapped_column(default=0)

    rooms = relationship("Room", back_populates="park", order_by="Room.name")

    def can_manage(self, user) -> bool:
        """Admins manage every park; a park manager their own."""
        return user.is_authenticated and (
            user.is_admin or (user.role == perm.PARK_MANAGER and user.park_id == self.id))

    def __repr__(self) -> str:
        return f"<Park {self.slug}>"


class Room(db.Model):
    """A lab in a park, with a number of seats."""

    __tablename__ = "rooms"
    __table_args__ = (
        sa.UniqueConstraint("park_id", "name", name="uq_rooms_park_name"),
        sa.CheckConstraint("capacity > 0", name="capacity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    park_id: Mapped[int] = mapped_column(sa.ForeignKey("parks.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    capacity: Mapped[int]

    park = relationship(Park, back_populates="rooms")

    def can_manage(self, user) -> bool:
        """Whoever manages the park manages its rooms."""
        return self.park.can_manage(user)


class Holiday(db.Model):
    """A day without classes: programme-wide (no park) or at one park."""

    __tablename__ = "holidays"
    __table_args__ = (sa.Index("ix_holidays_day_park", "day", "park_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date)
    name: Mapped[str] = mapped_column(sa.String(120))
    park_id: Mapped[int | None] = mapped_column(sa.ForeignKey("parks.id"), index=True)

    park = relationship(Park)

    def can_manage(self, user) -> bool:
        """Admins manage every holiday; a park manager only their park's."""
        if not user.is_authenticated:
            return False
        if user.is_admin:
            return True
        return self.park_id is not None and user.role == perm.PARK_MANAGER \
            and user.park_id == self.park_id
