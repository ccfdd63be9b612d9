"""Park use cases: load the twelve parks, targets, rooms and holidays."""

from datetime import date

import sqlalchemy as sa

from lms.core import audit
from lms.core.db import get_or_404
from lms.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from lms.core.permissions import ADMIN, PARK_MANAGER
from lms.extensions import db
from lms.parks import rules
from lms.parks.models import Holiday, Park, Room


def load_parks() -> int:
    """Create the twelve parks that are missing (safe to repeat); return how many were added."""
    existing = set(db.session.scalars(sa.select(Park.slug)))
    phases = [p.phase for p in rules.PARKS]
    students = rules.split_target(rules.STUDENT_TARGET, phases)
    faculty = rules.split_target(rules.FACULTY_TARGET, phases)
    added = 0
    for seed, s, f in zip(rules.PARKS, students, faculty, strict=True):
        if seed.slug in existing:
            continue
        db.session.add(Park(slug=seed.slug, name=rules.park_name(seed.city), city=seed.city,
                            phase=seed.phase, host_university=seed.host_university,
                            student_target=s, faculty_target=f))
        added += 1
    db.session.flush()
    return added


def parks_query() -> sa.Select:
    """Every park, phase 1 first."""
    return sa.select(Park).order_by(Park.phase, Park.name)


def all_parks() -> list[Park]:
    """Every park, phase 1 first."""
    return list(db.session.scalars(parks_query()))


def get_park(park_id: int) -> Park:
    """A park by id, else NotFound."""
    return get_or_404(Park, park_id, "park")


def get_park_by_slug(slug: str) -> Park:
    """A park by slug, else NotFound."""
    park = db.session.scalar(sa.select(Park).where(Park.slug == slug))
    if park is None:
        raise NotFound("No such park.")
    return park


def update_targets(actor, park: Park, student_target: int, faculty_target: int) -> Park:
    """Admins change a park's targets."""
    if not actor.is_admin:
        raise Forbidden("Only the programme office changes targets.")
    errors = {}
    for name, value in (("student_target", student_target), ("faculty_target", faculty_target)):
        if value is None or value < 0 or value > 100000:
            errors[name] = ["A whole number from 0 to 100,000."]
    if errors:
        raise ValidationFailed("Please correct the targets.", fields=errors)
    before = {"student_target": park.student_target, "faculty_target": park.faculty_target}
    park.student_target, park.faculty_target = student_target, faculty_target
    audit.record("park.targets", park, before=before,
                 after={"student_target": student_target, "faculty_target": faculty_target},
                 actor=actor)
    db.session.flush()
    return park


def add_room(actor, park: Park, name: str, capacity: int) -> Room:
    """Add a room to a park the actor manages."""
    if not park.can_manage(actor):
        raise Forbidden("You do not manage this park.")
    name = " ".join((name or "").split())
    errors = {}
    if not name or len(name) > 120:
        errors["name"] = ["A name of 1 to 120 characters is required."]
    if not isinstance(capacity, int) or not 1 <= capacity <= 500:
        errors["capacity"] = ["Seats must be a whole number from 1 to 500."]
    if errors:
        raise ValidationFailed("Please correct the marked fields.", fields=errors)
    if db.session.scalar(sa.select(Room.id).where(Room.park_id == park.id, Room.name == name)):
        raise Conflict("This park already has a room with that name.",
                       fields={"name": ["Already used in this park."]}, code="duplicate_room")
    room = Room(park=park, name=name, capacity=capacity)
    db.session.add(room)
    db.session.flush()
    audit.record("room.create", room, after={"name": name, "capacity": capacity}, actor=actor)
    return room


def add_holiday(actor, day: date, name: str, park_id: int | None) -> Holiday:
    """Add a programme-wide holiday (admins) or one for a park (its manager or admins)."""
    name = " ".join((name or "").split())
    errors = {}
    if not name or len(name) > 120:
        errors["name"] = ["A name of 1 to 120 characters is required."]
    if day is None:
        errors["date"] = ["A date is required."]
    if actor.role == PARK_MANAGER:
        if park_id is None:
            park_id = actor.park_id
        elif park_id != actor.park_id:
            raise Forbidden("You may only add holidays for your own park.")
    elif actor.role != ADMIN:
        raise Forbidden("Only admins and park managers add holidays.")
    if park_id is not None and db.session.get(Park, park_id) is None:
        errors["park_id"] = ["No such park."]
    if errors:
        raise ValidationFailed("Please correct the marked fields.", fields=errors)
    clash = db.session.scalar(sa.select(Holiday.id).where(
        Holiday.day == day,
        Holiday.park_id.is_(None) if park_id is None else Holiday.park_id == park_id))
    if clash:
        raise Conflict("There is already a holiday on that day.",
                       fields={"date": ["Already a holiday."]}, code="duplicate_holiday")
    holiday = Holiday(day=day, name=name, park_id=park_id)
    db.session.add(holiday)
    db.session.flush()
    audit.record("holiday.create", holiday, after={"day": day.isoformat(), "name": name,
                                                   "park_id": park_id}, actor=actor)
    holiday.effects = []  # what other features did about it, to tell the user
    for hook in HOLIDAY_HOOKS:
        holiday.effects.extend(hook(actor, holiday) or [])
    return holiday


# Features that react to a new holiday: hook(actor, holiday) -> list of messages
# (scheduling cancels the sessions it hits and says which).
HOLIDAY_HOOKS: list = []


def holidays_query(actor, park_id: int | None = None) -> sa.Select:
    """Holidays the actor sees: programme-wide ones and those of the park(s) in reach."""
    stmt = sa.select(Holiday).order_by(Holiday.day)
    if actor.role == PARK_MANAGER:
        park_id = actor.park_id
    if park_id is not None:
        stmt = stmt.where(sa.or_(Holiday.park_id.is_(None), Holiday.park_id == park_id))
    return stmt


def delete_holiday(actor, holiday: Holiday) -> None:
    """Remove a holiday added by mistake (sessions it cancelled stay cancelled)."""
    if not holiday.can_manage(actor):
        raise Forbidden("You may not remove this holiday.")
    audit.record("holiday.delete", holiday, before={"day": holiday.day.isoformat(),
                                                    "name": holiday.name,
                                                    "park_id": holiday.park_id}, actor=actor)
    db.session.delete(holiday)
    db.session.flush()
