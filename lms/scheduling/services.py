"""Scheduling use cases: cohorts and their sessions, clash detection, enrolment and waitlists.

Services load, check permissions, apply the rules, change and flush; they never commit.
"""

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload

from lms.accounts.models import User
from lms.catalogue.models import Course
from lms.core import audit
from lms.core import permissions as perm
from lms.core.csvutil import read_rows
from lms.core.db import get_or_404, lock_for_update
from lms.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from lms.core.timeutil import UTCDateTime, park_today, to_park, utcnow
from lms.extensions import db
from lms.notifications import services as notify
from lms.parks import services as park_services
from lms.parks.models import Holiday, Park, Room
from lms.scheduling import rules
from lms.scheduling.models import ClassSession, Cohort, Enrollment

PATTERN_FIELDS = ("start_date", "end_date", "meeting_days", "start_time", "end_time")


# --- loading and visibility ---------------------------------------------------------------------

def get_cohort(cohort_id: int) -> Cohort:
    """A cohort by id, else NotFound."""
    return get_or_404(Cohort, cohort_id, "cohort")


def get_session(session_id: int) -> ClassSession:
    """A class session by id, else NotFound."""
    return get_or_404(ClassSession, session_id, "session")


def enrollment_of(cohort_id: int, user_id: int) -> Enrollment | None:
    """The learner's enrolment row in a cohort (any status), if any."""
    return db.session.scalar(sa.select(Enrollment).where(
        Enrollment.cohort_id == cohort_id, Enrollment.user_id == user_id))


def can_view(actor, cohort: Cohort) -> bool:
    """Staff see every cohort; learners see open ones and those they are or were in."""
    if not actor.is_authenticated:
        return False
    if actor.is_staff:
        return True
    if rules.self_enrolment_error(cohort.status, park_today(), None,
                                  cohort.enrol_closes_on) is None:
        return True  # open, or running with its enrolment still open
    return enrollment_of(cohort.id, actor.id) is not None


def view_cohort(actor, cohort_id: int) -> Cohort:
    """A cohort the actor may see (learners get NotFound for the others)."""
    cohort = get_cohort(cohort_id)
    if not can_view(actor, cohort):
        raise NotFound("No such cohort.")
    return cohort


def can_see_sessions(actor, cohort: Cohort) -> bool:
    """Staff, and learners enrolled in (or who completed) the cohort, see its sessions."""
    if actor.is_staff:
        return True
    e = enrollment_of(cohort.id, actor.id)
    return e is not None and e.status in rules.SEATED_STATUSES


def cohorts_query(actor, park_id: int | None = None, course_id: int | None = None,
                  status: str | None = None, track: str | None = None) -> sa.Select:
    """Cohorts the actor may see, newest first, filtered."""
    stmt = sa.select(Cohort).options(joinedload(Cohort.course), joinedload(Cohort.park),
                                     joinedload(Cohort.room), joinedload(Cohort.trainer))
    if not actor.is_staff:
        mine = sa.select(Enrollment.cohort_id).where(Enrollment.user_id == actor.id)
        stmt = stmt.where(sa.or_(Cohort.joinable(park_today()), Cohort.id.in_(mine)))
    if park_id:
        stmt = stmt.where(Cohort.park_id == park_id)
    if course_id:
        stmt = stmt.where(Cohort.course_id == course_id)
    if status:
        stmt = stmt.where(Cohort.status == status)
    if track:
        stmt = stmt.join(Course, Course.id == Cohort.course_id).where(
            Course.track.in_((track, "both")))
    return stmt.order_by(Cohort.start_date.desc(), Cohort.id.desc())


def sessions_of(cohort: Cohort) -> list[ClassSession]:
    """A cohort's sessions in time order."""
    return list(db.session.scalars(sa.select(ClassSession).where(
        ClassSession.cohort_id == cohort.id).order_by(ClassSession.starts_at, ClassSession.id)))


def ensure_manage(actor, cohort: Cohort) -> None:
    """Raise Forbidden unless the actor manages the cohort (admin or its park's manager)."""
    if not cohort.can_manage(actor):
        raise Forbidden("You do not manage this cohort's park.")


# --- clash detection ------------------------------------------------------------------------

def _candidates(pairs: list[tuple[datetime, datetime]]):
    """The proposed sessions as a VALUES table (s, e) usable in one SQL join (both engines)."""
    rows = []
    params = []
    for i, (s, e) in enumerate(pairs):
        rows.append(f"(:lo{i}, :s{i}, :e{i})")
        params += [sa.bindparam(f"lo{i}", s - rules.MAX_SESSION_LENGTH, type_=UTCDateTime()),
                   sa.bindparam(f"s{i}", s, type_=UTCDateTime()),
                   sa.bindparam(f"e{i}", e, type_=UTCDateTime())]
    sql = ("SELECT column1 AS lo, column2 AS s, column3 AS e FROM (VALUES "  # noqa: S608
           + ", ".join(rows) + ") AS v")
    text = sa.text(sql)  # only generated placeholder names above, every value is bound
    return text.bindparams(*params).columns(lo=UTCDateTime(), s=UTCDateTime(),
                                            e=UTCDateTime()).subquery("cand")


def find_clashes(pairs: list[tuple[datetime, datetime]], room_id: int | None,
                 trainer_id: int | None, *, exclude_cohort_id: int | None = None,
                 exclude_session_id: int | None = None) -> list[dict]:
    """Every scheduled session using the room or the trainer that overlaps one of `pairs`.

    One indexed SQL overlap query per resource (starts_at < new_end AND ends_at > new_start),
    over the whole programme; back-to-back sessions do not clash. Sessions last less than a
    day, so `starts_at > new_start - 1 day` bounds each index range scan.
    """
    if not pairs:
        return []
    cand = _candidates(pairs)
    clashes: list[dict] = []
    seen = set()
    for kind, column, value in (("room", ClassSession.room_id, room_id),
                                ("trainer", ClassSession.trainer_id, trainer_id)):
        if value is None:
            continue
        stmt = (sa.select(cand.c.s, ClassSession.cohort_id, ClassSession.starts_at,
                          ClassSession.ends_at)
                .select_from(cand)
                .join(ClassSession, sa.and_(column == value, ClassSession.starts_at < cand.c.e,
                                            ClassSession.ends_at > cand.c.s,
                                            # no session is longer than a day: this bounds the
                                            # index range scan on (resource, starts_at)
                                            ClassSession.starts_at > cand.c.lo))
                .where(ClassSession.status == "scheduled")
                .order_by(cand.c.s, ClassSession.starts_at))
        if exclude_cohort_id is not None:
            stmt = stmt.where(ClassSession.cohort_id != exclude_cohort_id)
        if exclude_session_id is not None:
            stmt = stmt.where(ClassSession.id != exclude_session_id)
        for new_start, other_cohort_id, other_start, other_end in db.session.execute(stmt):
            key = (kind, new_start, other_cohort_id, other_start)
            if key in seen:
                continue
            seen.add(key)
            clashes.append({"kind": kind, "session_start": new_start,
                            "other_cohort_id": other_cohort_id, "other_start": other_start,
                            "other_end": other_end})
    return clashes


def raise_clashes(clashes: list[dict]) -> None:
    """Refuse with every clash listed: on the room and trainer fields, and as `clashes`."""
    if not clashes:
        return
    others = {c.id: c for c in db.session.scalars(sa.select(Cohort).where(
        Cohort.id.in_({c["other_cohort_id"] for c in clashes})).options(
        joinedload(Cohort.room), joinedload(Cohort.trainer)))}
    grouped: dict[tuple[str, int], list[date]] = {}
    for c in clashes:
        grouped.setdefault((c["kind"], c["other_cohort_id"]), []).append(
            to_park(c["session_start"]).date())
    fields: dict[str, list[str]] = {}
    for (kind, other_id), dates in grouped.items():
        other = others[other_id]
        subject = other.room.name if kind == "room" else other.trainer.full_name
        verb = "is taken by" if kind == "room" else "is teaching"
        fields.setdefault("room_id" if kind == "room" else "trainer_id", []).append(
            rules.clash_line(subject, verb, other.name, other.days, other.start_time,
                             other.end_time, dates))
    raise Conflict(f"The schedule clashes with {len(grouped)} other cohort(s).",
                   code="schedule_clash", fields=fields,
                   extra={"clashes": [{"kind": c["kind"],
                                       "session_start": c["session_start"].isoformat(),
                                       "other_cohort_id": c["other_cohort_id"]}
                                      for c in clashes]})


def holidays_between(park_id: int, start: date, end: date) -> set[date]:
    """Programme-wide and park holidays from start to end inclusive."""
    return set(db.session.scalars(sa.select(Holiday.day).where(
        Holiday.day >= start, Holiday.day <= end,
        sa.or_(Holiday.park_id.is_(None), Holiday.park_id == park_id))))


def has_attendance_ids(session_ids: list[int]) -> set[int]:
    """The ids among `session_ids` that have attendance records."""
    if not session_ids:
        return set()
    from lms.attendance.models import AttendanceRecord

    return set(db.session.scalars(sa.select(AttendanceRecord.session_id).where(
        AttendanceRecord.session_id.in_(session_ids)).distinct()))


# --- creating and changing cohorts --------------------------------------------------------------

def _clean_cohort(actor, data: dict, existing: Cohort | None = None) -> dict:
    """Check a cohort's fields; return the cleaned values or raise ValidationFailed/Forbidden."""
    merged = {} if existing is None else {
        "course_id": existing.course_id, "park_id": existing.park_id, "name": existing.name,
        "trainer_id": existing.trainer_id, "room_id": existing.room_id,
        "capacity": existing.capacity, "start_date": existing.start_date,
        "end_date": existing.end_date, "meeting_days": existing.days,
        "start_time": existing.start_time, "end_time": existing.end_time,
        "enrol_opens_on": existing.enrol_opens_on, "enrol_closes_on": existing.enrol_closes_on}
    merged.update({k: v for k, v in data.items() if k in merged or existing is None})
    errors: dict[str, list[str]] = {}

    park = db.session.get(Park, merged.get("park_id")) if merged.get("park_id") else None
    if park is None:
        errors["park_id"] = ["No such park."]
    elif not park.can_manage(actor):
        raise Forbidden("Only admins and this park's manager schedule its cohorts.")

    course = db.session.get(Course, merged.get("course_id")) if merged.get("course_id") else None
    if course is None:
        errors["course_id"] = ["No such course."]
    elif existing is None and course.status != "published":
        errors["course_id"] = ["Only published courses can be scheduled."]

    name = " ".join(str(merged.get("name") or "").split())
    if not name or len(name) > 120:
        errors["name"] = ["A name of 1 to 120 characters is required."]

    trainer = db.session.get(User, merged.get("trainer_id")) if merged.get("trainer_id") else None
    if trainer is None or trainer.role != perm.TRAINER or not trainer.active:
        errors["trainer_id"] = ["Choose an active trainer."]

    room = db.session.get(Room, merged.get("room_id")) if merged.get("room_id") else None
    if room is None or (park is not None and room.park_id != park.id):
        errors["room_id"] = ["Choose a room of this park."]

    capacity = merged.get("capacity")
    if not isinstance(capacity, int) or isinstance(capacity, bool) or capacity < 1:
        errors["capacity"] = ["Seats must be a whole number of at least 1."]
    elif room is not None and capacity > room.capacity:
        errors["capacity"] = [f"The room has only {room.capacity} seats."]
    elif existing is not None and capacity < existing.enrolled_count:
        errors["capacity"] = [f"{existing.enrolled_count} learners already hold seats."]

    days = rules.normalize_days(merged.get("meeting_days"))
    errors.update(rules.pattern_errors(merged.get("start_date"), merged.get("end_date"), days,
                                       merged.get("start_time"), merged.get("end_time")))
    for k, v in rules.enrol_dates_errors(merged.get("start_date"), merged.get("end_date"),
                                         merged.get("enrol_opens_on"),
                                         merged.get("enrol_closes_on")).items():
        errors.setdefault(k, []).extend(v)
    start = merged.get("start_date")
    if start and start < park_today() and (existing is None or start != existing.start_date):
        if not actor.is_admin:
            errors.setdefault("start_date", []).append(
                "Only the programme office records cohorts that start in the past.")
        elif len(" ".join(str(data.get("reason") or "").split())) < 3:
            errors.setdefault("reason", []).append(
                "Say why this cohort is recorded in the past (for example “paper registers "
                "of the 2025 autumn batch”): it goes to the audit trail.")
    if errors:
        raise ValidationFailed("Please correct the marked fields.", fields=errors)
    merged.update(name=name, meeting_days=days, park=park, course=course, room=room,
                  trainer=trainer)
    return merged


def _snapshot(cohort: Cohort) -> dict:
    return {"name": cohort.name, "trainer_id": cohort.trainer_id, "room_id": cohort.room_id,
            "capacity": cohort.capacity, "start_date": cohort.start_date.isoformat(),
            "end_date": cohort.end_date.isoformat(), "meeting_days": cohort.meeting_days,
            "start_time": cohort.start_time.strftime("%H:%M"),
            "end_time": cohort.end_time.strftime("%H:%M"), "status": cohort.status,
            "enrol_opens_on": cohort.enrol_opens_on and cohort.enrol_opens_on.isoformat(),
            "enrol_closes_on": cohort.enrol_closes_on and cohort.enrol_closes_on.isoformat()}


def _pairs_for(clean: dict) -> list[tuple[datetime, datetime]]:
    holidays = holidays_between(clean["park"].id, clean["start_date"], clean["end_date"])
    return rules.generate_sessions(clean["start_date"], clean["end_date"], clean["meeting_days"],
                                   clean["start_time"], clean["end_time"], holidays)


def create_cohort(actor, data: dict) -> Cohort:
    """Schedule a cohort: check it, generate its sessions, refuse every clash, save."""
    if actor.role not in (perm.ADMIN, perm.PARK_MANAGER):
        raise Forbidden("Only admins and park managers schedule cohorts.")
    clean = _clean_cohort(actor, data)
    pairs = _pairs_for(clean)
    if not pairs:
        raise ValidationFailed("The pattern gives no sessions (check the days and holidays).",
                               fields={"meeting_days": ["No meeting day falls in these dates."]})
    if len(pairs) > rules.MAX_SESSIONS:
        raise ValidationFailed(f"At most {rules.MAX_SESSIONS} sessions per cohort.",
                               fields={"end_date": ["Too many sessions."]})
    raise_clashes(find_clashes(pairs, clean["room"].id, clean["trainer"].id))
    cohort = Cohort(course_id=clean["course"].id, park_id=clean["park"].id, name=clean["name"],
                    trainer_id=clean["trainer"].id, room_id=clean["room"].id,
                    capacity=clean["capacity"], start_date=clean["start_date"],
                    end_date=clean["end_date"], meeting_days=",".join(clean["meeting_days"]),
                    start_time=clean["start_time"], end_time=clean["end_time"],
                    enrol_opens_on=clean.get("enrol_opens_on"),
                    enrol_closes_on=clean.get("enrol_closes_on"),
                    status=rules.initial_status(clean["start_date"], clean["end_date"],
                                                park_today(), clean.get("enrol_opens_on")))
    db.session.add(cohort)
    db.session.flush()
    db.session.add_all([ClassSession(cohort_id=cohort.id, starts_at=s, ends_at=e,
                                     room_id=cohort.room_id, trainer_id=cohort.trainer_id)
                        for s, e in pairs])
    db.session.flush()
    cohort.session_count = len(pairs)
    audit.record("cohort.create", cohort, after={**_snapshot(cohort), "sessions": len(pairs)},
                 actor=actor, reason=" ".join(str(data.get("reason") or "").split())[:500] or None)
    return cohort


@dataclass
class PatternChange:
    """What a pattern change did to the sessions."""

    created: int = 0
    removed: int = 0
    kept: int = 0
    promoted: list[int] = field(default_factory=list)


def update_cohort(actor, cohort_id: int, data: dict) -> PatternChange:
    """Change a cohort; a new pattern regenerates its future sessions without touching past ones
    or any session with attendance, and is refused if the new sessions clash."""
    cohort = lock_for_update(Cohort, cohort_id)
    if cohort is None:
        raise NotFound("No such cohort.")
    ensure_manage(actor, cohort)
    if cohort.status in ("completed", "cancelled"):
        raise Conflict(f"A {cohort.status} cohort cannot be changed.", code="cohort_closed")
    data = {k: v for k, v in data.items() if k not in ("course_id", "park_id")}
    clean = _clean_cohort(actor, data, existing=cohort)
    before = _snapshot(cohort)
    now = utcnow()
    existing = sessions_of(cohort)
    attended = has_attendance_ids([s.id for s in existing])
    fixed = [s for s in existing if s.starts_at <= now or s.id in attended]
    future = [s for s in existing if s not in fixed]
    pairs = [p for p in _pairs_for(clean) if p[0] > now]
    pairs = rules.drop_overlapping(pairs, [(s.starts_at, s.ends_at) for s in fixed
                                           if s.status == "scheduled"])
    by_time = {(s.starts_at, s.ends_at): s for s in future}
    matched = {p: by_time[p] for p in pairs if p in by_time}
    to_check = [p for p in pairs if p not in matched or matched[p].status == "scheduled"]
    raise_clashes(find_clashes(to_check, clean["room"].id, clean["trainer"].id,
                               exclude_cohort_id=cohort.id))
    change = PatternChange(kept=len(fixed) + len(matched))
    for s in future:
        if (s.starts_at, s.ends_at) not in matched:
            db.session.delete(s)
            change.removed += 1
    for p in pairs:
        if p in matched:
            matched[p].room_id, matched[p].trainer_id = clean["room"].id, clean["trainer"].id
        else:
            db.session.add(ClassSession(cohort_id=cohort.id, starts_at=p[0], ends_at=p[1],
                                        room_id=clean["room"].id,
                                        trainer_id=clean["trainer"].id))
            change.created += 1
    cohort.name, cohort.capacity = clean["name"], clean["capacity"]
    cohort.trainer_id, cohort.room_id = clean["trainer"].id, clean["room"].id
    cohort.start_date, cohort.end_date = clean["start_date"], clean["end_date"]
    cohort.meeting_days = ",".join(clean["meeting_days"])
    cohort.start_time, cohort.end_time = clean["start_time"], clean["end_time"]
    cohort.enrol_opens_on, cohort.enrol_closes_on = clean.get("enrol_opens_on"), clean.get(
        "enrol_closes_on")
    db.session.flush()
    change.promoted = _fill_seats(cohort, actor)
    b, a = audit.diff(before, _snapshot(cohort))
    audit.record("cohort.update", cohort, before=b,
                 after={**a, "sessions_created": change.created,
                        "sessions_removed": change.removed}, actor=actor)
    db.session.expire(cohort, ["sessions"])
    return change


def set_status(actor, cohort: Cohort, status: str) -> Cohort:
    """Move a cohort along planned -> open -> running -> completed, or cancel it
    (cancelling cancels its future sessions)."""
    ensure_manage(actor, cohort)
    if msg := rules.status_change_error(cohort.status, status):
        raise Conflict(msg, code="bad_status_change", fields={"status": [msg]})
    before = cohort.status
    cohort.status = status
    if status == "completed":
        cohort.completed_at = utcnow()
    if status == "cancelled":
        db.session.execute(sa.update(ClassSession).where(
            ClassSession.cohort_id == cohort.id, ClassSession.starts_at > utcnow(),
            ClassSession.status == "scheduled").values(status="cancelled",
                                                       note="Cohort cancelled"))
    db.session.flush()
    audit.record("cohort.status", cohort, before={"status": before}, after={"status": status},
                 actor=actor)
    return cohort


def _ensure_cohort_open(cohort: Cohort) -> None:
    """409 cohort_closed: a completed or cancelled cohort's sessions no longer change."""
    if cohort.status in rules.CLOSED_COHORT_STATUSES:
        raise Conflict(f"This cohort is {cohort.status}; its sessions can no longer be moved "
                       "or cancelled.", code="cohort_closed")


def cancel_session(actor, session: ClassSession, reason: str = "") -> ClassSession:
    """Cancel one session (not one that already has attendance, nor of a closed cohort)."""
    ensure_manage(actor, session.cohort)
    _ensure_cohort_open(session.cohort)
    if session.status == "cancelled":
        raise Conflict("This session is already cancelled.", code="already_cancelled")
    if has_attendance_ids([session.id]):
        raise Conflict("This session has attendance; it cannot be cancelled.",
                       code="has_attendance")
    session.status = "cancelled"
    session.note = (" ".join((reason or "").split()) or "Cancelled")[:200]
    db.session.flush()
    audit.record("session.cancel", session, reason=session.note, actor=actor,
                 before={"status": "scheduled"}, after={"status": "cancelled"})
    notify.session_cancelled(session)
    return session


def move_session(actor, session: ClassSession, day: date, start_time: time, end_time: time,
                 room_id: int | None = None) -> ClassSession:
    """Move one session to another day, time or room of the park, refusing clashes."""
    cohort = session.cohort
    ensure_manage(actor, cohort)
    _ensure_cohort_open(cohort)
    errors: dict[str, list[str]] = {}
    if day is None:
        errors["day"] = ["A date is required."]
    if start_time is None or end_time is None or (start_time and end_time and
                                                   end_time <= start_time):
        errors["end_time"] = ["The end time must be after the start time."]
    room = db.session.get(Room, room_id or session.room_id)
    if room is None or room.park_id != cohort.park_id:
        errors["room_id"] = ["Choose a room of this park."]
    elif room.capacity < cohort.capacity:
        errors["room_id"] = [f"That room has only {room.capacity} seats."]
    if day is not None and day < park_today() and not actor.is_admin:
        errors["day"] = ["Sessions cannot be moved into the past."]
    if errors:
        raise ValidationFailed("Please correct the marked fields.", fields=errors)
    if has_attendance_ids([session.id]):
        raise Conflict("This session has attendance; it cannot be moved.", code="has_attendance")
    starts, ends = rules.park_instant(day, start_time), rules.park_instant(day, end_time)
    raise_clashes(find_clashes([(starts, ends)], room.id, session.trainer_id,
                               exclude_session_id=session.id))
    before = {"starts_at": session.starts_at.isoformat(), "room_id": session.room_id}
    session.starts_at, session.ends_at, session.room_id = starts, ends, room.id
    session.status = "scheduled"
    session.note = f"Moved from {to_park(datetime.fromisoformat(before['starts_at'])):%d %b %H:%M}"
    db.session.flush()
    audit.record("session.move", session, before=before,
                 after={"starts_at": starts.isoformat(), "room_id": room.id}, actor=actor)
    notify.session_moved(session, datetime.fromisoformat(before["starts_at"]))
    return session


def cancel_sessions_for_holiday(actor, holiday: Holiday) -> list[str]:
    """Holiday hook: cancel the scheduled sessions on the new holiday and say which."""
    start, end = rules.park_day_bounds(holiday.day)
    stmt = (sa.select(ClassSession).join(Cohort, Cohort.id == ClassSession.cohort_id)
            .options(joinedload(ClassSession.cohort))
            .where(ClassSession.status == "scheduled", ClassSession.starts_at >= start,
                   ClassSession.starts_at < end).order_by(ClassSession.starts_at))
    if holiday.park_id is not None:
        stmt = stmt.where(Cohort.park_id == holiday.park_id)
    hits = list(db.session.scalars(stmt))
    attended = has_attendance_ids([s.id for s in hits])
    messages = []
    for s in hits:
        if s.id in attended:
            messages.append(f"{s.cohort.name}: the session at {to_park(s.starts_at):%H:%M} has "
                            "attendance and was kept.")
            continue
        s.status = "cancelled"
        s.note = f"Holiday: {holiday.name}"[:200]
        audit.record("session.cancel", s, reason=s.note, actor=actor,
                     before={"status": "scheduled"}, after={"status": "cancelled"})
        notify.session_cancelled(s)
        messages.append(f"Cancelled {s.cohort.name} on {to_park(s.starts_at):%a %d %b %Y %H:%M} "
                        f"(cohort #{s.cohort_id}).")
    db.session.flush()
    return messages


if cancel_sessions_for_holiday not in park_services.HOLIDAY_HOOKS:
    park_services.HOLIDAY_HOOKS.append(cancel_sessions_for_holiday)


# --- enrolment ----------------------------------------------------------------------------------

def completed_course_ids(user_id: int) -> set[int]:
    """The courses a learner has completed (an enrolment marked completed in one of its cohorts)."""
    return set(db.session.scalars(
        sa.select(Cohort.course_id).join(Enrollment, Enrollment.cohort_id == Cohort.id)
        .where(Enrollment.user_id == user_id, Enrollment.status == "completed").distinct()))


def enrolled_user_ids(cohort_id: int) -> list[int]:
    """The learners holding a seat in the cohort (enrolled or completed)."""
    return list(db.session.scalars(sa.select(Enrollment.user_id).where(
        Enrollment.cohort_id == cohort_id,
        Enrollment.status.in_(rules.SEATED_STATUSES)).order_by(Enrollment.user_id)))


def learner_cohort_for_course(user_id: int, course_id: int) -> Cohort | None:
    """The most recent cohort of the course the learner is enrolled in or completed."""
    return db.session.scalar(
        sa.select(Cohort).join(Enrollment, Enrollment.cohort_id == Cohort.id)
        .where(Enrollment.user_id == user_id, Cohort.course_id == course_id,
               Enrollment.status.in_(rules.SEATED_STATUSES))
        .order_by(Cohort.start_date.desc(), Cohort.id.desc()).limit(1))


def mark_completed(cohort: Cohort, user_ids) -> int:
    """Mark these learners' enrolments in the cohort completed; return how many changed."""
    ids = list(user_ids)
    if not ids:
        return 0
    rows = list(db.session.scalars(sa.select(Enrollment).where(
        Enrollment.cohort_id == cohort.id, Enrollment.user_id.in_(ids),
        Enrollment.status == "enrolled")))
    for e in rows:
        e.status = "completed"
        audit.record("enrollment.complete", e, before={"status": "enrolled"},
                     after={"status": "completed"})
    db.session.flush()
    return len(rows)


def timetable_clashes(user_id: int, cohort_id: int) -> list[tuple[int, datetime]]:
    """(other cohort id, session start) where the cohort's sessions overlap those of a cohort
    the learner holds (enrolled or waitlisted): one SQL overlap query."""
    mine = aliased(ClassSession)
    theirs = aliased(ClassSession)
    stmt = (sa.select(theirs.cohort_id, mine.starts_at).select_from(mine)
            .join(theirs, sa.and_(theirs.starts_at < mine.ends_at,
                                  theirs.ends_at > mine.starts_at,
                                  theirs.cohort_id != mine.cohort_id,
                                  theirs.status == "scheduled"))
            .join(Enrollment, sa.and_(Enrollment.cohort_id == theirs.cohort_id,
                                      Enrollment.user_id == user_id,
                                      Enrollment.status.in_(rules.HOLDING_STATUSES)))
            .where(mine.cohort_id == cohort_id, mine.status == "scheduled")
            .order_by(mine.starts_at))
    return [(r[0], r[1]) for r in db.session.execute(stmt)]


def eligibility_problems(cohort: Cohort, user: User, actor=None) -> list[tuple[int, str, str, str]]:
    """Why a learner may not join a cohort: (http status, code, field, message) tuples; a
    learner enrolling themselves is addressed as "you"."""
    problems = []
    if not user.is_learner or not user.active:
        return [(422, "not_a_learner", "user_id", "Only active students and faculty enrol.")]
    existing = enrollment_of(cohort.id, user.id)
    if existing is not None and existing.status != "withdrawn":
        return [(409, "already_enrolled", "user_id",
                 f"{user.full_name} is already {existing.status} in this cohort.")]
    course = cohort.course
    if not course.serves(user.track):
        problems.append((422, "wrong_track", "user_id",
                         f"{course.code} is not offered to the {user.track} track."))
    required = {c.id: c.code for c in course.prerequisites}
    if required:
        missing = rules.missing_prerequisites(required, completed_course_ids(user.id))
        if missing:
            problems.append((422, "prerequisites_missing", "user_id",
                             f"Complete {', '.join(missing)} first."))
    if not problems:
        grouped: dict[int, list[date]] = {}
        for other, when in timetable_clashes(user.id, cohort.id):
            grouped.setdefault(other, []).append(to_park(when).date())
        you = actor is not None and actor.id == user.id
        for other in db.session.scalars(sa.select(Cohort).where(Cohort.id.in_(grouped))
                                        .order_by(Cohort.start_date, Cohort.id)):
            problems.append((409, "timetable_clash", "user_id", rules.clash_line(
                "You" if you else user.full_name, "already have" if you else "already has",
                other.name, other.days, other.start_time, other.end_time, grouped[other.id])))
    return problems


def _raise_problems(problems) -> None:
    status, code, fld, message = problems[0]
    exc = Conflict if status == 409 else ValidationFailed
    raise exc(" ".join(p[3] for p in problems), code=code,
              fields={fld: [p[3] for p in problems]})


def waitlist_position(enrollment: Enrollment) -> int | None:
    """The 1-based place of a waitlisted enrolment (None for other statuses)."""
    if enrollment.status != "waitlisted":
        return None
    ahead = db.session.scalar(sa.select(sa.func.count()).select_from(Enrollment).where(
        Enrollment.cohort_id == enrollment.cohort_id, Enrollment.status == "waitlisted",
        sa.or_(Enrollment.queued_at < enrollment.queued_at,
               sa.and_(Enrollment.queued_at == enrollment.queued_at,
                       Enrollment.id < enrollment.id))))
    return (ahead or 0) + 1


def waitlist_positions(cohort_id: int) -> dict[int, int]:
    """{enrolment id: 1-based waitlist place} for a cohort's waitlist."""
    ids = db.session.scalars(sa.select(Enrollment.id).where(
        Enrollment.cohort_id == cohort_id, Enrollment.status == "waitlisted")
        .order_by(Enrollment.queued_at, Enrollment.id))
    return {eid: n for n, eid in enumerate(ids, start=1)}


def _take_seat(cohort: Cohort) -> bool:
    """Conditionally take a seat in the database (belt and braces to the row lock)."""
    done = db.session.execute(
        sa.update(Cohort).where(Cohort.id == cohort.id, Cohort.enrolled_count < Cohort.capacity)
        .values(enrolled_count=Cohort.enrolled_count + 1)
        .execution_options(synchronize_session=False)).rowcount
    db.session.refresh(cohort, ["enrolled_count"])
    return done == 1


def enrol_locked(actor, cohort: Cohort, user: User, *, staff: bool) -> Enrollment:
    """Enrol or waitlist a learner in a cohort whose row the caller has locked."""
    if cohort.status in ("completed", "cancelled"):
        raise Conflict(f"This cohort is {cohort.status}.", code="enrolment_closed")
    if not staff and (msg := rules.self_enrolment_error(
            cohort.status, park_today(), cohort.enrol_opens_on, cohort.enrol_closes_on)):
        raise Conflict(msg, code="enrolment_closed")
    if problems := eligibility_problems(cohort, user, actor):
        _raise_problems(problems)
    seated = rules.seat_decision(cohort.enrolled_count, cohort.capacity) == "enrolled" \
        and _take_seat(cohort)
    status = "enrolled" if seated else "waitlisted"
    now = utcnow()
    e = enrollment_of(cohort.id, user.id)
    if e is not None and e.status != "withdrawn":  # a racing request got there first
        raise Conflict(f"{user.full_name} is already in this cohort.", code="already_enrolled")
    try:
        with db.session.begin_nested():
            if e is None:
                e = Enrollment(cohort_id=cohort.id, user_id=user.id, status=status,
                               created_at=now, queued_at=now)
                db.session.add(e)
            else:  # re-joining after a withdrawal: back of the queue
                e.status, e.queued_at = status, now
            db.session.flush()
    except IntegrityError:
        raise Conflict(f"{user.full_name} is already in this cohort.",
                       code="already_enrolled") from None
    e.position = waitlist_position(e)
    audit.record("enrollment.create", e, after={"user_id": user.id, "status": status,
                                                "position": e.position}, actor=actor)
    return e


def _target_user(actor, cohort: Cohort, user_id: int | None) -> tuple[User, bool]:
    """Whom the actor enrols (self for learners) and whether as staff."""
    if actor.is_learner:
        if user_id not in (None, actor.id):
            raise Forbidden("Learners enrol only themselves.")
        return actor, False
    if not cohort.can_teach(actor):
        raise Forbidden("Only this park's staff enrol learners in this cohort.")
    if user_id is None:
        raise ValidationFailed("Say whom to enrol.", fields={"user_id": ["Required."]})
    user = db.session.get(User, user_id)
    if user is None:
        raise ValidationFailed("No such user.", fields={"user_id": ["No such user."]})
    return user, True


def enrol(actor, cohort_id: int, user_id: int | None = None) -> Enrollment:
    """Enrol a learner (self, or anyone eligible by staff); a full cohort waitlists them.

    Takes the cohort's row lock first, so seats are never oversold under concurrency.
    """
    cohort = lock_for_update(Cohort, cohort_id)
    if cohort is None or (actor.is_learner and not can_view(actor, cohort)):
        raise NotFound("No such cohort.")
    user, staff = _target_user(actor, cohort, user_id)
    return enrol_locked(actor, cohort, user, staff=staff)


def _fill_seats(cohort: Cohort, actor=None) -> list[int]:
    """Give free seats to the first waitlisted learners (by queued_at, id); return their ids."""
    promoted = []
    while cohort.enrolled_count < cohort.capacity:
        nxt = db.session.scalar(sa.select(Enrollment).where(
            Enrollment.cohort_id == cohort.id, Enrollment.status == "waitlisted")
            .order_by(Enrollment.queued_at, Enrollment.id).limit(1))
        if nxt is None or not _take_seat(cohort):
            break
        nxt.status = "enrolled"
        nxt.queued_at = utcnow()  # joined now: sessions held while waiting do not count
        db.session.flush()
        audit.record("enrollment.promote", nxt, before={"status": "waitlisted"},
                     after={"status": "enrolled"}, actor=actor)
        notify.waitlist_promoted(nxt)
        promoted.append(nxt.user_id)
    return promoted


def withdraw(actor, cohort_id: int, user_id: int) -> tuple[Enrollment, list[int]]:
    """Withdraw a learner (self, or by staff); the first waitlisted learner takes the seat."""
    cohort = lock_for_update(Cohort, cohort_id)
    if cohort is None or (actor.is_learner and not can_view(actor, cohort)):
        raise NotFound("No such cohort.")
    if actor.is_learner:
        if user_id != actor.id:
            raise Forbidden("Learners withdraw only themselves.")
    elif not cohort.can_teach(actor):
        raise Forbidden("Only this park's staff withdraw learners from this cohort.")
    e = enrollment_of(cohort.id, user_id)
    if e is None or e.status == "withdrawn":
        raise NotFound("This learner is not in the cohort.")
    if e.status == "completed" or cohort.status in ("completed", "cancelled"):
        raise Conflict("A finished enrolment cannot be withdrawn.", code="enrolment_closed")
    before = e.status
    e.status = "withdrawn"
    promoted: list[int] = []
    if before == "enrolled":
        db.session.execute(sa.update(Cohort).where(Cohort.id == cohort.id,
                                                   Cohort.enrolled_count > 0)
                           .values(enrolled_count=Cohort.enrolled_count - 1)
                           .execution_options(synchronize_session=False))
        db.session.flush()
        db.session.refresh(cohort, ["enrolled_count"])
        promoted = _fill_seats(cohort, actor)
    else:
        db.session.flush()
    audit.record("enrollment.withdraw", e, before={"status": before},
                 after={"status": "withdrawn", "promoted": promoted}, actor=actor)
    return e, promoted


def roster(cohort: Cohort) -> list[Enrollment]:
    """The cohort's enrolments (users loaded): seated first, then the waitlist in order,
    each with `.position`."""
    rows = list(db.session.scalars(
        sa.select(Enrollment).options(joinedload(Enrollment.user))
        .where(Enrollment.cohort_id == cohort.id)
        .order_by(Enrollment.queued_at, Enrollment.id)))
    order = {"enrolled": 0, "completed": 0, "waitlisted": 1, "withdrawn": 2}
    rows.sort(key=lambda e: (order[e.status], e.user.full_name.lower() if e.status != "waitlisted"
                             else "", e.queued_at, e.id))
    n = 0
    for e in rows:
        if e.status == "waitlisted":
            n += 1
            e.position = n
        else:
            e.position = None
    return rows


def enrollments_query(actor, cohort: Cohort) -> sa.Select:
    """The cohort's enrolments for staff (403 for others)."""
    if not cohort.can_view_roster(actor):
        raise Forbidden("Only this cohort's staff see its roster.")
    return (sa.select(Enrollment).options(joinedload(Enrollment.user))
            .where(Enrollment.cohort_id == cohort.id)
            .order_by(Enrollment.status, Enrollment.queued_at, Enrollment.id))


@dataclass
class BulkResult:
    """The outcome of a bulk enrolment: counts, or every bad row."""

    enrolled: list[str] = field(default_factory=list)
    waitlisted: list[str] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)


def bulk_enrol(actor, cohort_id: int, csv_text: str) -> BulkResult:
    """Enrol learners from a CSV with an `email` column: all rows or none, every bad row
    reported (raises ValidationFailed with `errors` when any row is wrong)."""
    cohort = lock_for_update(Cohort, cohort_id)
    if cohort is None:
        raise NotFound("No such cohort.")
    if not cohort.can_teach(actor) or actor.is_learner:
        raise Forbidden("Only this park's staff enrol learners in this cohort.")
    if cohort.status in ("completed", "cancelled"):
        raise Conflict(f"This cohort is {cohort.status}.", code="enrolment_closed")
    rows = read_rows(csv_text, ["email"])
    if not rows:
        raise ValidationFailed("The file has no rows.", fields={"file": ["No rows."]})
    if len(rows) > 1000:
        raise ValidationFailed("At most 1,000 rows at a time.", fields={"file": ["Too many rows."]})
    emails = [r.get("email", "").strip().lower() for r in rows]
    users = {u.email: u for u in db.session.scalars(
        sa.select(User).where(User.email.in_([e for e in emails if e])))}
    result = BulkResult()
    seen: dict[str, int] = {}
    good: list[User] = []
    for n, email in enumerate(emails, start=2):  # row 1 is the header
        if not email:
            result.errors.append({"row": n, "field": "email", "message": "No e-mail address."})
            continue
        if email in seen:
            result.errors.append({"row": n, "field": "email",
                                  "message": f"Same address as row {seen[email]}."})
            continue
        seen[email] = n
        user = users.get(email)
        if user is None:
            result.errors.append({"row": n, "field": "email", "message": "No such user."})
            continue
        problems = eligibility_problems(cohort, user, actor)
        for p in problems:
            result.errors.append({"row": n, "field": "email", "message": p[3]})
        if not problems:
            good.append(user)
    if result.errors:
        raise ValidationFailed(f"{len(result.errors)} problem(s) in the file; nobody was enrolled.",
                               fields={"file": [f"Row {e['row']}: {e['message']}"
                                                for e in result.errors]},
                               extra={"errors": result.errors})
    for user in good:
        e = enrol_locked(actor, cohort, user, staff=True)
        (result.enrolled if e.status == "enrolled" else result.waitlisted).append(user.email)
    return result


def learner_status(actor, cohort: Cohort) -> Enrollment | None:
    """The actor's own enrolment in the cohort, with `.position`."""
    e = enrollment_of(cohort.id, actor.id)
    if e is not None:
        e.position = waitlist_position(e)
    return e


@cache
def _home_enrollments_stmt() -> sa.Select:
    """A learner's last 20 enrolments (not withdrawn) with names and waitlist place, built once."""
    E, ahead_of = Enrollment, aliased(Enrollment)
    ahead = (sa.select(sa.func.count()).select_from(ahead_of).where(
        ahead_of.cohort_id == E.cohort_id, ahead_of.status == "waitlisted",
        sa.or_(ahead_of.queued_at < E.queued_at,
               sa.and_(ahead_of.queued_at == E.queued_at, ahead_of.id < E.id)))
        .scalar_subquery())
    return (
        sa.select(E.cohort_id, E.status, Cohort.name.label("cohort_name"),
                  Cohort.start_date, Cohort.end_date, Course.code.label("course_code"),
                  Course.title.label("course_title"), Park.city.label("park_city"),
                  sa.case((E.status == "waitlisted", ahead + 1), else_=None).label("position"))
        .join(Cohort, Cohort.id == E.cohort_id).join(Course, Course.id == Cohort.course_id)
        .join(Park, Park.id == Cohort.park_id)
        .where(E.user_id == sa.bindparam("user_id"), E.status != "withdrawn")
        .order_by(Cohort.start_date.desc(), E.cohort_id.desc()).limit(20))


@cache
def _home_sessions_stmt() -> sa.Select:
    """The next few sessions of a learner's seated cohorts between two instants, built once."""
    S = ClassSession
    seated = sa.select(Enrollment.cohort_id).where(
        Enrollment.user_id == sa.bindparam("user_id"),
        Enrollment.status.in_(rules.SEATED_STATUSES))
    return (
        sa.select(S.id, S.starts_at, S.status, Cohort.name.label("cohort_name"),
                  Course.code.label("course_code"), Room.name.label("room_name"))
        .join(Cohort, Cohort.id == S.cohort_id).join(Course, Course.id == Cohort.course_id)
        .join(Room, Room.id == S.room_id)
        .where(S.cohort_id.in_(seated), S.starts_at < sa.bindparam("end"),
               S.ends_at > sa.bindparam("start"))
        .order_by(S.starts_at, S.id).limit(sa.bindparam("limit", type_=sa.Integer)))


def learner_home(user_id: int, days: int = 7, sessions: int = 5) -> dict:
    """A learner's enrolments (with waitlist places) and next sessions, as rows (two queries)."""
    now = utcnow()
    return {
        "enrollments": db.session.execute(_home_enrollments_stmt(), {"user_id": user_id}).all(),
        "upcoming": db.session.execute(_home_sessions_stmt(), {
            "user_id": user_id, "start": now, "end": now + timedelta(days=days),
            "limit": sessions}).all()}


# --- timetables and calendars ----------------------------------------------------------------

def _session_rows(stmt: sa.Select) -> list[ClassSession]:
    return list(db.session.scalars(stmt.options(
        joinedload(ClassSession.cohort).joinedload(Cohort.course),
        joinedload(ClassSession.cohort).joinedload(Cohort.park),
        joinedload(ClassSession.room)).order_by(ClassSession.starts_at, ClassSession.id)))


def trainer_sessions(trainer_id: int, start: datetime, end: datetime) -> list[ClassSession]:
    """A trainer's sessions (scheduled and cancelled) between two instants."""
    return _session_rows(sa.select(ClassSession).where(
        ClassSession.trainer_id == trainer_id, ClassSession.starts_at < end,
        ClassSession.ends_at > start))


def learner_sessions(user_id: int, start: datetime, end: datetime) -> list[ClassSession]:
    """The sessions of the cohorts a learner holds a seat in, between two instants."""
    cohorts = sa.select(Enrollment.cohort_id).where(
        Enrollment.user_id == user_id, Enrollment.status.in_(rules.SEATED_STATUSES))
    return _session_rows(sa.select(ClassSession).where(
        ClassSession.cohort_id.in_(cohorts), ClassSession.starts_at < end,
        ClassSession.ends_at > start))


def timetable_sessions(user: User, start: datetime, end: datetime) -> list[ClassSession]:
    """The user's own timetable: what they teach, or what they are enrolled in."""
    if user.role == perm.TRAINER:
        return trainer_sessions(user.id, start, end)
    if user.is_learner:
        return learner_sessions(user.id, start, end)
    return []


def room_week(park: Park, monday: date) -> tuple[list[Room], dict]:
    """A park's rooms and their sessions in a park-time week: {(room_id, day): [sessions]}."""
    start = rules.park_day_bounds(monday)[0]
    end = rules.park_day_bounds(monday + timedelta(days=6))[1]
    rooms = list(db.session.scalars(sa.select(Room).where(Room.park_id == park.id)
                                    .order_by(Room.name)))
    grid: dict = {}
    sessions = _session_rows(sa.select(ClassSession).where(
        ClassSession.room_id.in_([r.id for r in rooms]), ClassSession.starts_at < end,
        ClassSession.ends_at > start))
    for s in sessions:
        grid.setdefault((s.room_id, to_park(s.starts_at).date()), []).append(s)
    return rooms, grid


def ics_token_for(user: User) -> str:
    """The user's private calendar token, made on first use."""
    if not user.ics_token:
        user.ics_token = secrets.token_urlsafe(24)
        db.session.flush()
    return user.ics_token


def reset_ics_token(user: User) -> str:
    """Replace the private calendar token: the old feed URL stops working."""
    user.ics_token = secrets.token_urlsafe(24)
    db.session.flush()
    audit.record("user.ics_reset", user, actor=user)
    return user.ics_token


def user_for_ics_token(token: str) -> User:
    """The active trainer or learner whose calendar token this is, else NotFound."""
    user = db.session.scalar(sa.select(User).where(User.ics_token == token)) if token else None
    if user is None or not user.active or not (user.is_learner or user.role == perm.TRAINER):
        raise NotFound("No such calendar.")
    return user


def feed_sessions(user: User) -> list[ClassSession]:
    """What a calendar feed carries: 90 days back to two years ahead."""
    now = utcnow()
    return timetable_sessions(user, now - timedelta(days=90), now + timedelta(days=730))


# --- choices for forms --------------------------------------------------------------------------

def trainers() -> list[User]:
    """Active trainers, by name."""
    return list(db.session.scalars(sa.select(User).where(
        User.role == perm.TRAINER, User.active.is_(True)).order_by(User.full_name)))


def published_courses() -> list[Course]:
    """Published courses, by code."""
    return list(db.session.scalars(sa.select(Course).where(Course.status == "published")
                                   .order_by(Course.code)))
