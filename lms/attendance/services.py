"""Attendance use cases: registers, self check-in, excuses, figures. They flush, never commit."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from lms.accounts.models import User
from lms.attendance import rules
from lms.attendance.models import (
    ATTENDANCE_STATUSES,
    AttendanceRecord,
    CheckInGuessCount,
    ExcuseRequest,
)
from lms.catalogue.models import Course
from lms.core import audit
from lms.core.db import is_sqlite, lock_for_update, wrote
from lms.core.errors import Conflict, Forbidden, NotFound, Throttled, ValidationFailed
from lms.core.models import AuditEvent
from lms.core.permissions import ADMIN, PARK_MANAGER, TRAINER
from lms.core.timeutil import PARK_TZ, park_to_utc, park_today, utcnow
from lms.extensions import db
from lms.notifications import services as notify
from lms.scheduling.models import ClassSession, Cohort, Enrollment

LEARNER_STATUSES = ("enrolled", "completed")
MAX_REASON = 1000


@dataclass
class SummaryRow:
    """One learner's attendance figures in one cohort (percentages rounded to one decimal)."""

    user_id: int
    full_name: str
    present: int
    late: int
    excused: int
    absent: int
    held: int
    upcoming: int
    percent: float | None
    best_possible_percent: float | None
    at_risk: bool


@dataclass
class ParkCohortRow:
    """One cohort's line in a park's attendance report."""

    cohort: Cohort
    learners: int
    average_percent: float | None
    at_risk: int
    held: int
    sessions: int


# --- loading and permissions ------------------------------------------------------------------

def get_session(session_id: int) -> ClassSession:
    """A class session with its cohort and course, or 404."""
    session = db.session.scalar(
        sa.select(ClassSession).where(ClassSession.id == session_id).options(
            joinedload(ClassSession.cohort).joinedload(Cohort.course)))
    if session is None:
        raise NotFound("No such session.")
    return session


def get_cohort(cohort_id: int) -> Cohort:
    """A cohort with its course, or 404."""
    cohort = db.session.scalar(
        sa.select(Cohort).where(Cohort.id == cohort_id).options(joinedload(Cohort.course)))
    if cohort is None:
        raise NotFound("No such cohort.")
    return cohort


def is_learner_of(cohort_id: int, user_id: int) -> bool:
    """True if the user is enrolled in (or completed) the cohort."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(Enrollment).where(
        Enrollment.cohort_id == cohort_id, Enrollment.user_id == user_id,
        Enrollment.status.in_(LEARNER_STATUSES))) > 0


def is_session_trainer(user, session: ClassSession) -> bool:
    """The cohort's trainer (or the trainer the session was given to)."""
    return user.is_authenticated and user.role == TRAINER and user.id in (
        session.cohort.trainer_id, session.trainer_id)


def can_take_register(user, session: ClassSession) -> bool:
    """The cohort's trainer, the park's manager and admins take a session's register."""
    return is_session_trainer(user, session) or session.cohort.can_manage(user)


def ensure_staff_of(user, cohort: Cohort) -> None:
    """Raise Forbidden unless the user teaches or manages the cohort."""
    if not (user.is_authenticated and user.role in (ADMIN, PARK_MANAGER, TRAINER)
            and cohort.can_teach(user)):
        raise Forbidden("You do not teach or manage this cohort.")


def ensure_register_access(user, session: ClassSession) -> None:
    """Raise Forbidden unless the user may see and take this session's register."""
    if not can_take_register(user, session):
        raise Forbidden("You do not teach or manage this cohort.")


def learners_of(cohort: Cohort) -> list[User]:
    """The cohort's learners (enrolled or completed), by name."""
    return list(db.session.scalars(
        sa.select(User).join(Enrollment, Enrollment.user_id == User.id).where(
            Enrollment.cohort_id == cohort.id, Enrollment.status.in_(LEARNER_STATUSES))
        .order_by(User.full_name, User.id)))


def records_of(session: ClassSession) -> dict[int, AttendanceRecord]:
    """The session's records by user id."""
    rows = db.session.scalars(sa.select(AttendanceRecord).where(
        AttendanceRecord.session_id == session.id))
    return {r.user_id: r for r in rows}


def register_rows(session: ClassSession) -> list[tuple[User, AttendanceRecord | None]]:
    """Every learner of the session's cohort with their record (None when unmarked)."""
    records = records_of(session)
    return [(u, records.get(u.id)) for u in learners_of(session.cohort)]


def edit_state(user, session: ClassSession, now: datetime | None = None) -> str:
    """'ok', 'reason_needed' or 'forbidden' for this user changing this register now."""
    return rules.edit_decision(now=now or utcnow(), ends_at=session.ends_at,
                               is_trainer=is_session_trainer(user, session),
                               is_manager=session.cohort.can_manage(user), reason="")


def _authorise_change(user, session: ClassSession, reason: str | None) -> None:
    """Apply the edit window: trainer for 7 days after the end, then managers with a reason."""
    ensure_register_access(user, session)
    if session.status != "scheduled":
        raise Conflict("This session was cancelled.", code="session_cancelled")
    now = utcnow()
    if now < rules.check_in_opens_at(session.starts_at):
        raise Conflict("The register opens 15 minutes before the session starts.",
                       code="session_not_started")
    decision = rules.edit_decision(now=now, ends_at=session.ends_at,
                                   is_trainer=is_session_trainer(user, session),
                                   is_manager=session.cohort.can_manage(user), reason=reason)
    if decision == "forbidden":
        raise Forbidden("The trainer may change a register until 7 days after the session; "
                        "ask the park manager.")
    if decision == "reason_needed":
        raise ValidationFailed("More than 7 days after the session a change needs a reason.",
                               fields={"reason": ["Say why the register changes this late."]})


def _lock_session(session_id: int) -> None:
    """PostgreSQL: hold the session row (FOR UPDATE) so register saves queue up, and each
    audit entry's "from" is what the save really replaced.

    SQLite serialises writers by itself; lock_for_update's restart of the transaction is not
    used here because it would silently drop changes flushed earlier in the same unit of work.
    """
    if not is_sqlite():
        # FOR NO KEY UPDATE: a concurrent check-in's foreign-key check (FOR KEY SHARE on this
        # row) must not wait for us while we wait for its unique-index entry (a deadlock).
        db.session.execute(sa.select(ClassSession.id).where(ClassSession.id == session_id)
                           .with_for_update(key_share=True))


def _snapshot(record: AttendanceRecord) -> dict:
    return {"status": record.status, "source": record.source, "session_id": record.session_id,
            "user_id": record.user_id}


# --- register ---------------------------------------------------------------------------------

def save_register(actor, session: ClassSession, entries: list[dict],
                  reason: str | None = None) -> int:
    """Save a session's register in one go (all or nothing); return how many records changed."""
    reason = (reason or "").strip()[:MAX_REASON] or None
    _authorise_change(actor, session, reason)
    errors: dict[str, list[str]] = {}
    learner_ids = {u.id for u in learners_of(session.cohort)}
    seen: set[int] = set()
    for i, entry in enumerate(entries):
        uid, status = entry.get("user_id"), entry.get("status")
        if status not in ATTENDANCE_STATUSES:
            errors[f"records.{i}.status"] = [f"Must be one of: {', '.join(ATTENDANCE_STATUSES)}."]
        if not isinstance(uid, int) or uid not in learner_ids:
            errors[f"records.{i}.user_id"] = [f"User {uid} is not a learner of this cohort."]
        elif uid in seen:
            errors[f"records.{i}.user_id"] = [f"User {uid} appears twice."]
        if isinstance(uid, int):
            seen.add(uid)
    if errors:
        raise ValidationFailed("The register has invalid rows; nothing was saved.", fields=errors)
    if not entries:
        raise ValidationFailed("Mark at least one learner.", fields={"records": ["Empty."]})

    session_id, actor_id = session.id, actor.id
    _lock_session(session_id)  # one register save at a time per session
    existing = {r.user_id: r for r in db.session.scalars(sa.select(AttendanceRecord).where(
        AttendanceRecord.session_id == session_id))}
    now = utcnow()
    changed: list[tuple[AttendanceRecord, dict | None]] = []
    for entry in entries:
        record = existing.get(entry["user_id"])
        if record is not None and record.status == entry["status"]:
            continue
        before = _snapshot(record) if record is not None else None
        if record is None:
            record = AttendanceRecord(session_id=session_id, user_id=entry["user_id"])
            db.session.add(record)
        record.status = entry["status"]
        record.source = "register"
        record.marked_by_id = actor_id
        record.marked_at = now
        changed.append((record, before))
    try:
        db.session.flush()
    except IntegrityError:
        raise Conflict("Someone else marked this session at the same moment; reload and try "
                       "again.", code="concurrent_change") from None
    for record, before in changed:
        audit.record("attendance.marked", record, before=before, after=_snapshot(record),
                     reason=reason, actor=actor)
    db.session.flush()
    return len(changed)


def session_history(actor, session: ClassSession) -> list[AuditEvent]:
    """The audit events of a session's records and excuse requests, oldest first."""
    ensure_register_access(actor, session)
    record_ids = sa.select(AttendanceRecord.id).where(AttendanceRecord.session_id == session.id)
    excuse_ids = sa.select(ExcuseRequest.id).where(ExcuseRequest.session_id == session.id)
    return list(db.session.scalars(sa.select(AuditEvent).where(sa.or_(
        sa.and_(AuditEvent.object_type == AttendanceRecord.__tablename__,
                AuditEvent.object_id.in_(record_ids)),
        sa.and_(AuditEvent.object_type == ExcuseRequest.__tablename__,
                AuditEvent.object_id.in_(excuse_ids)),
    )).order_by(AuditEvent.at, AuditEvent.id)))


# --- rotating code and self check-in ----------------------------------------------------------

def _secret() -> str:
    return current_app.config["SECRET_KEY"]


def current_code(actor, session: ClassSession) -> tuple[str, datetime]:
    """The session's current check-in code and when it rotates (the cohort's trainer only)."""
    if not is_session_trainer(actor, session):
        raise Forbidden("Only the cohort's trainer shows the check-in code.")
    step = rules.time_step(utcnow())
    return rules.rotating_code(_secret(), session.id, step), rules.step_expires_at(step)


def ensure_can_check_in(actor, session: ClassSession) -> None:
    """Only learners enrolled in the session's cohort check in to it (Forbidden otherwise)."""
    if not actor.is_learner or not is_learner_of(session.cohort_id, actor.id):
        raise Forbidden("Only learners enrolled in this cohort can check in to its sessions.")


def check_in(actor, session: ClassSession, code: str, *, address: str | None = None,
             user_agent: str | None = None) -> AttendanceRecord:
    """A learner checks in with the rotating code: enrolled, in the window, once per session."""
    ensure_can_check_in(actor, session)
    if session.status != "scheduled":
        raise Conflict("This session was cancelled.", code="session_cancelled")
    now = utcnow()
    if not rules.in_check_in_window(now, session.starts_at, session.ends_at):
        raise Conflict("Check-in is open from 15 minutes before the start until the end of the "
                       "session.", code="outside_window")
    if db.session.scalar(sa.select(AttendanceRecord.id).where(
            AttendanceRecord.session_id == session.id, AttendanceRecord.user_id == actor.id)):
        raise Conflict("Your attendance for this session is already marked.",
                       code="already_marked")
    count_code_guess(actor, session, now)
    if not rules.code_is_valid(_secret(), session.id, code, now):
        raise ValidationFailed("That code is wrong or has expired; enter the code on the screen.",
                               fields={"code": ["Wrong or expired code."]}, code="wrong_code")
    record = AttendanceRecord(session_id=session.id, user_id=actor.id,
                              status=rules.check_in_status(now, session.starts_at),
                              source="check_in", marked_by_id=actor.id, marked_at=now,
                              address=(address or None) and address[:64],
                              user_agent=(user_agent or None) and user_agent[:300])
    try:
        with db.session.begin_nested():
            db.session.add(record)
    except IntegrityError:
        raise Conflict("Your attendance for this session is already marked.",
                       code="already_marked") from None
    audit.record("attendance.checked_in", record, after=_snapshot(record), actor=actor)
    db.session.flush()
    return record


def _add_guess(user_id: int, session_id: int, now: datetime) -> bool:
    """One atomic step: add a guess to the counter unless its minute's allowance is used up
    (a minute that has passed starts afresh). False when refused or when there is no row yet."""
    C = CheckInGuessCount
    expired = C.window_start <= now - rules.WRONG_CODES_WINDOW
    return db.session.execute(
        sa.update(C).where(C.user_id == user_id, C.session_id == session_id,
                           sa.or_(expired, C.wrong_codes < rules.WRONG_CODES_PER_WINDOW))
        .values(wrong_codes=sa.case((expired, 1), else_=C.wrong_codes + 1),
                window_start=sa.case((expired, now), else_=C.window_start))
        .execution_options(synchronize_session=False)).rowcount == 1


def count_code_guess(actor, session: ClassSession, now: datetime) -> None:
    """Count a learner's code guess for a session in the database, so the page, the API and
    every worker share one counter; Throttled once WRONG_CODES_PER_WINDOW guesses were made in
    the window. A right code ends the guessing (the learner is checked in), so every counted
    guess but the last is a wrong one. The caller commits the count even when the code is wrong.
    """
    if is_sqlite() and not wrote(db.session):
        # take SQLite's write lock before reading the counter (no other writer in between)
        lock_for_update(ClassSession, session.id)
    user_id, session_id = actor.id, session.id
    for _ in range(2):
        if _add_guess(user_id, session_id, now):
            return
        if db.session.get(CheckInGuessCount, (user_id, session_id)) is not None:
            raise Throttled(f"Too many wrong codes: at most {rules.WRONG_CODES_PER_WINDOW} a "
                            "minute. Wait a minute, then enter the code on the screen.")
        try:
            with db.session.begin_nested():  # a SAVEPOINT: a concurrent first guess may win
                db.session.add(CheckInGuessCount(user_id=user_id, session_id=session_id,
                                                 window_start=now, wrong_codes=1))
            return
        except IntegrityError:
            continue  # the other request's row exists now: count against it
    raise Throttled("Too many check-in attempts at once; try again.")


def same_address_report(actor, session: ClassSession) -> list[dict]:
    """Check-ins of a session that came from one address in bulk (more than one learner)."""
    ensure_register_access(actor, session)
    R = AttendanceRecord
    base = sa.and_(R.session_id == session.id, R.source == "check_in", R.address.is_not(None))
    shared = (sa.select(R.address).where(base).group_by(R.address)
              .having(sa.func.count() > 1))
    rows = db.session.execute(
        sa.select(R.address, User.full_name, R.marked_at).join(User, User.id == R.user_id)
        .where(base, R.address.in_(shared)).order_by(R.address, R.marked_at)).all()
    report: dict[str, dict] = {}
    for address, name, marked_at in rows:
        item = report.setdefault(address, {"address": address, "count": 0, "learners": []})
        item["count"] += 1
        item["learners"].append({"full_name": name, "marked_at": marked_at})
    return sorted(report.values(), key=lambda i: (-i["count"], i["address"]))


@cache
def _open_check_ins_stmt() -> sa.Select:
    """Built once (statement building costs more than running it): bound user_id, now, opens."""
    S, user_id = ClassSession, sa.bindparam("user_id")
    marked = sa.select(AttendanceRecord.session_id).where(AttendanceRecord.user_id == user_id)
    return (
        sa.select(S.id, S.starts_at, S.ends_at, Cohort.name.label("cohort_name"))
        .join(Enrollment, Enrollment.cohort_id == S.cohort_id)
        .join(Cohort, Cohort.id == S.cohort_id)
        .where(Enrollment.user_id == user_id, Enrollment.status.in_(LEARNER_STATUSES),
               S.status == "scheduled", S.starts_at <= sa.bindparam("opens"),
               S.ends_at >= sa.bindparam("now"), S.id.not_in(marked))
        .order_by(S.starts_at, S.id))


def open_check_ins(user) -> list[sa.Row]:
    """Sessions of the learner's cohorts open for check-in now and not yet marked (rows of id,
    starts_at, ends_at, cohort_name)."""
    now = utcnow()
    return db.session.execute(_open_check_ins_stmt(), {
        "user_id": user.id, "now": now, "opens": now + rules.CHECK_IN_OPENS_BEFORE}).all()


# --- excused absences -------------------------------------------------------------------------

def request_excuse(actor, session: ClassSession, reason: str) -> ExcuseRequest:
    """A learner asks to be excused from a session (before or after it), with a reason."""
    if not actor.is_learner or not is_learner_of(session.cohort_id, actor.id):
        raise Forbidden("Only learners of this cohort can ask to be excused from its sessions.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Give a reason.", fields={"reason": ["Give a reason."]})
    if len(reason) > MAX_REASON:
        raise ValidationFailed("The reason is too long.",
                               fields={"reason": [f"At most {MAX_REASON} characters."]})
    if session.status != "scheduled":
        raise Conflict("This session was cancelled.", code="session_cancelled")
    record = db.session.scalar(sa.select(AttendanceRecord).where(
        AttendanceRecord.session_id == session.id, AttendanceRecord.user_id == actor.id))
    if record is not None and record.status in ("present", "late", "excused"):
        raise Conflict(f"You are already marked {record.status} for this session.",
                       code="already_marked")
    excuse = db.session.scalar(sa.select(ExcuseRequest).where(
        ExcuseRequest.session_id == session.id, ExcuseRequest.user_id == actor.id))
    if excuse is not None and excuse.status != "declined":
        raise Conflict("You already asked to be excused from this session.",
                       code="already_requested")
    if excuse is None:
        excuse = ExcuseRequest(session_id=session.id, user_id=actor.id, reason=reason)
        db.session.add(excuse)
    else:  # asking again after a decline
        excuse.reason, excuse.status, excuse.created_at = reason, "pending", utcnow()
        excuse.decided_by_id = excuse.decided_at = excuse.decision_note = None
    try:
        db.session.flush()
    except IntegrityError:
        raise Conflict("You already asked to be excused from this session.",
                       code="already_requested") from None
    audit.record("attendance.excuse_requested", excuse, after={"status": "pending",
                 "session_id": session.id}, reason=reason, actor=actor)
    db.session.flush()
    return excuse


def get_excuse(excuse_id: int) -> ExcuseRequest:
    """An excuse request with its session and cohort, or 404."""
    excuse = db.session.scalar(sa.select(ExcuseRequest).where(ExcuseRequest.id == excuse_id)
                               .options(joinedload(ExcuseRequest.session)
                                        .joinedload(ClassSession.cohort)))
    if excuse is None:
        raise NotFound("No such excuse request.")
    return excuse


def decide_excuse(actor, excuse: ExcuseRequest, approve: bool,
                  note: str | None = None) -> ExcuseRequest:
    """The trainer approves (the learner becomes excused) or declines an excuse request."""
    session = excuse.session
    note = (note or "").strip()[:MAX_REASON] or None
    if approve:
        _authorise_change_any_time(actor, session, note)
    else:
        ensure_register_access(actor, session)
    if excuse.status != "pending":
        raise Conflict(f"This request was already {excuse.status}.", code="already_decided")
    now = utcnow()
    excuse.status = "approved" if approve else "declined"
    excuse.decided_by_id, excuse.decided_at, excuse.decision_note = actor.id, now, note
    audit.record(f"attendance.excuse_{excuse.status}", excuse, before={"status": "pending"},
                 after={"status": excuse.status, "session_id": session.id,
                        "user_id": excuse.user_id}, reason=note, actor=actor)
    if approve:
        record = db.session.scalar(sa.select(AttendanceRecord).where(
            AttendanceRecord.session_id == session.id, AttendanceRecord.user_id == excuse.user_id))
        before = _snapshot(record) if record is not None else None
        if record is None:
            record = AttendanceRecord(session_id=session.id, user_id=excuse.user_id)
            db.session.add(record)
        if before is None or before["status"] != "excused":
            record.status, record.source = "excused", "excuse"
            record.marked_by_id, record.marked_at = actor.id, now
            try:
                db.session.flush()
            except IntegrityError:
                raise Conflict("The register changed meanwhile; try again.",
                               code="concurrent_change") from None
            audit.record("attendance.marked", record, before=before, after=_snapshot(record),
                         reason=note or f"Excuse approved: {excuse.reason}"[:MAX_REASON],
                         actor=actor)
    db.session.flush()
    notify.excuse_decided(excuse)
    return excuse


def _authorise_change_any_time(actor, session: ClassSession, reason: str | None) -> None:
    """The edit window for approving excuses: like the register, but future sessions allowed."""
    ensure_register_access(actor, session)
    decision = rules.edit_decision(now=utcnow(), ends_at=session.ends_at,
                                   is_trainer=is_session_trainer(actor, session),
                                   is_manager=session.cohort.can_manage(actor), reason=reason)
    if decision == "forbidden":
        raise Forbidden("More than 7 days after the session only a park manager may excuse it.")
    if decision == "reason_needed":
        raise ValidationFailed("More than 7 days after the session a decision needs a note.",
                               fields={"note": ["Say why it is decided this late."]})


def excuses_for_staff(actor, status: str | None = "pending", limit: int = 200) -> list:
    """Excuse requests of the cohorts the user teaches or manages, newest first."""
    stmt = (sa.select(ExcuseRequest).join(ClassSession).join(Cohort)
            .options(joinedload(ExcuseRequest.session).joinedload(ClassSession.cohort),
                     joinedload(ExcuseRequest.user))
            .order_by(ExcuseRequest.created_at.desc(), ExcuseRequest.id.desc()).limit(limit))
    stmt = _scope_cohorts(stmt, actor)
    if status:
        stmt = stmt.where(ExcuseRequest.status == status)
    return list(db.session.scalars(stmt))


def excuses_of_learner(user) -> list[ExcuseRequest]:
    """A learner's own excuse requests, newest first."""
    return list(db.session.scalars(
        sa.select(ExcuseRequest).where(ExcuseRequest.user_id == user.id)
        .options(joinedload(ExcuseRequest.session).joinedload(ClassSession.cohort))
        .order_by(ExcuseRequest.created_at.desc())))


def _scope_cohorts(stmt, actor):
    """Limit a statement that joins Cohort to the cohorts the actor teaches or manages."""
    if actor.role == ADMIN:
        return stmt
    if actor.role == PARK_MANAGER:
        return stmt.where(Cohort.park_id == actor.park_id)
    if actor.role == TRAINER:
        return stmt.where(Cohort.trainer_id == actor.id)
    return stmt.where(sa.false())


def staff_cohorts_query(actor) -> sa.Select:
    """Cohorts the user teaches or manages, newest first."""
    return _scope_cohorts(sa.select(Cohort).options(joinedload(Cohort.course), joinedload(
        Cohort.park)).order_by(Cohort.start_date.desc(), Cohort.id.desc()), actor)


def cohort_sessions(cohort: Cohort) -> list[ClassSession]:
    """A cohort's sessions in time order (cancelled ones included)."""
    return list(db.session.scalars(sa.select(ClassSession).where(
        ClassSession.cohort_id == cohort.id).order_by(ClassSession.starts_at)))


def todays_sessions(trainer) -> list[ClassSession]:
    """The trainer's scheduled sessions today (park time)."""
    day = park_today()
    start = park_to_utc(day, datetime.min.time())
    return list(db.session.scalars(
        sa.select(ClassSession).where(ClassSession.trainer_id == trainer.id,
                                      ClassSession.status == "scheduled",
                                      ClassSession.starts_at >= start,
                                      ClassSession.starts_at < start + timedelta(days=1))
        .options(joinedload(ClassSession.cohort)).order_by(ClassSession.starts_at)))


# --- figures ----------------------------------------------------------------------------------

def _aggregate(*filters, now=None, extra=()) -> sa.Select:
    """Per (cohort, learner): counts over the cohort's scheduled sessions, in one GROUP BY; the
    one statement behind every attendance figure and at-risk flag (reports use it too, with
    `extra` columns)."""
    now = utcnow() if now is None else now
    S, R, E = ClassSession, AttendanceRecord, Enrollment
    # a session held before the learner joined counts only if the register marked them
    held = (S.starts_at <= now) & ((S.starts_at >= E.queued_at) | R.id.is_not(None))
    to_come = S.starts_at > now

    def count(cond):
        return sa.func.coalesce(sa.func.sum(sa.case((cond, 1), else_=0)), 0)

    return (
        sa.select(E.cohort_id, E.user_id, User.full_name, Course.min_attendance_percent,
                  count(held & (R.status == "present")).label("present"),
                  count(held & (R.status == "late")).label("late"),
                  count(held & (R.status == "excused")).label("excused"),
                  count(to_come & (R.status == "excused")).label("excused_upcoming"),
                  count(held).label("held"),
                  count(to_come).label("upcoming"),
                  E.status.label("enrolment_status"), Cohort.status.label("cohort_status"),
                  *extra)
        .join(User, User.id == E.user_id)
        .join(Cohort, Cohort.id == E.cohort_id)
        .join(Course, Course.id == Cohort.course_id)
        .outerjoin(S, sa.and_(S.cohort_id == E.cohort_id, S.status == "scheduled"))
        .outerjoin(R, sa.and_(R.session_id == S.id, R.user_id == E.user_id))
        .where(E.status.in_(LEARNER_STATUSES), *filters)
        .group_by(E.cohort_id, E.user_id, User.full_name, Course.min_attendance_percent,
                  E.status, Cohort.status, *extra)
        .order_by(E.cohort_id, User.full_name, E.user_id)
    )


def _row(r) -> SummaryRow:
    """A SummaryRow from one aggregate row, applying the rules."""
    present, late, excused, held, upcoming = (int(r.present), int(r.late), int(r.excused),
                                              int(r.held), int(r.upcoming))
    excused_upcoming = int(r.excused_upcoming)
    return SummaryRow(
        user_id=r.user_id, full_name=r.full_name, present=present, late=late, excused=excused,
        absent=max(held - present - late - excused, 0), held=held, upcoming=upcoming,
        percent=rules.rounded(rules.attendance_percent(present, late, excused, held)),
        best_possible_percent=rules.rounded(rules.best_possible_percent(
            present, late, excused, held, upcoming, excused_upcoming)),
        at_risk=rules.flagged_at_risk(r.enrolment_status, r.cohort_status, present, late,
                                      excused, held, upcoming, r.min_attendance_percent,
                                      excused_upcoming),
    )


@cache
def _aggregate_by(*columns: str) -> sa.Select:
    """_aggregate for Enrollment columns equal to bound values of the same names (and a bound
    `now`), built once per combination: building it costs more than running it."""
    return _aggregate(*(getattr(Enrollment, c) == sa.bindparam(c) for c in columns),
                      now=sa.bindparam("now"))


def figures_statement(*filters, now=None, extra=()) -> sa.Select:
    """Per (cohort, learner) attendance counts with `extra` columns (for reports)."""
    return _aggregate(*filters, now=now, extra=extra)


def summary_row(r) -> SummaryRow:
    """The figures and at-risk flag of one row of figures_statement."""
    return _row(r)


def cohort_summary(cohort: Cohort) -> list[SummaryRow]:
    """Every learner's figures in a cohort, by name (one aggregate query)."""
    return [_row(r) for r in db.session.execute(
        _aggregate_by("cohort_id"), {"cohort_id": cohort.id, "now": utcnow()})]


def learner_percent(cohort: Cohort, user_id: int) -> SummaryRow | None:
    """One learner's figures in a cohort; None if they are not a learner of it."""
    rows = db.session.execute(_aggregate_by("cohort_id", "user_id"), {
        "cohort_id": cohort.id, "user_id": user_id, "now": utcnow()}).all()
    return _row(rows[0]) if rows else None


@cache
def _home_overview_stmt() -> sa.Select:
    """The learner's figures per cohort with the names the home page shows, built once."""
    return (_aggregate_by("user_id")
            .add_columns(Cohort.name.label("cohort_name"), Course.code.label("course_code"))
            .group_by(Cohort.name, Course.code, Cohort.start_date)
            .order_by(None).order_by(Cohort.start_date.desc(), Enrollment.cohort_id.desc()))


@dataclass
class HomeFigures:
    """A learner's figures in one cohort, with the names a short list needs."""

    cohort_id: int
    cohort_name: str
    course_code: str
    min_attendance_percent: int
    row: SummaryRow


def home_overview(user_id: int) -> list[HomeFigures]:
    """The learner's figures in each of their cohorts, newest first (one query)."""
    return [HomeFigures(r.cohort_id, r.cohort_name, r.course_code, r.min_attendance_percent,
                        _row(r))
            for r in db.session.execute(_home_overview_stmt(),
                                        {"user_id": user_id, "now": utcnow()})]


def learner_overview(user_id: int, viewer=None) -> list[tuple[Cohort, SummaryRow]]:
    """A learner's figures in each of their cohorts (those the viewer may see), newest first."""
    filters = [Enrollment.user_id == user_id]
    if viewer is not None and viewer.id != user_id:
        filters.append(Enrollment.cohort_id.in_(
            _scope_cohorts(sa.select(Cohort.id), viewer).scalar_subquery()))
    rows = {r.cohort_id: _row(r) for r in db.session.execute(_aggregate(*filters))}
    if not rows:
        return []
    cohorts = db.session.scalars(
        sa.select(Cohort).where(Cohort.id.in_(rows)).options(
            joinedload(Cohort.course), joinedload(Cohort.park))
        .order_by(Cohort.start_date.desc(), Cohort.id.desc()))
    return [(c, rows[c.id]) for c in cohorts]


def park_report(park_id: int) -> list[ParkCohortRow]:
    """Per cohort of a park (not cancelled): learners, average percent, at-risk count."""
    cohorts = list(db.session.scalars(
        sa.select(Cohort).where(Cohort.park_id == park_id, Cohort.status != "cancelled")
        .options(joinedload(Cohort.course)).order_by(Cohort.start_date.desc(), Cohort.id)))
    if not cohorts:
        return []
    ids = [c.id for c in cohorts]
    by_cohort: dict[int, list[SummaryRow]] = {i: [] for i in ids}
    for r in db.session.execute(_aggregate(Enrollment.cohort_id.in_(ids))):
        by_cohort[r.cohort_id].append(_row(r))
    now = utcnow()
    held_case = sa.case((ClassSession.starts_at <= now, 1), else_=0)
    counts = {cid: (int(total), int(held or 0)) for cid, total, held in db.session.execute(
        sa.select(ClassSession.cohort_id, sa.func.count(), sa.func.sum(held_case)).where(
            ClassSession.cohort_id.in_(ids), ClassSession.status == "scheduled")
        .group_by(ClassSession.cohort_id))}
    out = []
    for c in cohorts:
        rows = by_cohort[c.id]
        percents = [r.percent for r in rows if r.percent is not None]
        out.append(ParkCohortRow(
            cohort=c, learners=len(rows),
            average_percent=round(sum(percents) / len(percents), 1) if percents else None,
            at_risk=sum(1 for r in rows if r.at_risk), held=counts.get(c.id, (0, 0))[1],
            sessions=counts.get(c.id, (0, 0))[0]))
    return out


def register_matrix(cohort: Cohort) -> tuple[list[ClassSession], list[tuple]]:
    """The cohort's register: scheduled sessions by learners, with each learner's figures."""
    sessions = [s for s in cohort_sessions(cohort) if s.status == "scheduled"]
    learners = learners_of(cohort)
    marks: dict[tuple[int, int], str] = dict(
        ((r.session_id, r.user_id), r.status) for r in db.session.execute(
            sa.select(AttendanceRecord.session_id, AttendanceRecord.user_id,
                      AttendanceRecord.status).join(ClassSession).where(
                ClassSession.cohort_id == cohort.id)))
    summary = {r.user_id: r for r in cohort_summary(cohort)}
    rows = [(u, [marks.get((s.id, u.id), "") for s in sessions], summary.get(u.id))
            for u in learners]
    return sessions, rows


def park_time_label(dt: datetime) -> str:
    """A session start as 'YYYY-MM-DD HH:MM' in park time."""
    return dt.astimezone(PARK_TZ).strftime("%Y-%m-%d %H:%M")


def learner_sessions(user) -> dict[int, list[tuple[ClassSession, str | None]]]:
    """Each of the learner's cohorts' scheduled sessions with the learner's status (2 queries)."""
    sessions = db.session.scalars(
        sa.select(ClassSession).join(Enrollment, Enrollment.cohort_id == ClassSession.cohort_id)
        .where(Enrollment.user_id == user.id, Enrollment.status.in_(LEARNER_STATUSES),
               ClassSession.status == "scheduled")
        .order_by(ClassSession.starts_at)).all()
    marks = dict(db.session.execute(
        sa.select(AttendanceRecord.session_id, AttendanceRecord.status).where(
            AttendanceRecord.user_id == user.id)).all())
    out: dict[int, list[tuple[ClassSession, str | None]]] = {}
    for s in sessions:
        out.setdefault(s.cohort_id, []).append((s, marks.get(s.id)))
    return out


def summary_for_viewer(actor, cohort: Cohort) -> list[SummaryRow]:
    """The cohort summary as the actor may see it: staff of the cohort all rows, a learner own."""
    if actor.is_learner:
        row = learner_percent(cohort, actor.id)
        if row is None:
            raise NotFound("No such cohort.")
        return [row]
    ensure_staff_of(actor, cohort)
    return cohort_summary(cohort)
