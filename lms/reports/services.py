"""Report use cases: SQL aggregates over the other features' tables, a constant number of queries."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache

import sqlalchemy as sa

from lms.accounts.models import User
from lms.assessments.models import Assessment, Attempt
from lms.attendance import services as attendance_services
from lms.attendance.models import AttendanceRecord
from lms.attendance.services import SummaryRow
from lms.catalogue.models import Course
from lms.certificates.models import Certificate
from lms.core.cache import cached, cached_per_park
from lms.core.errors import Forbidden
from lms.core.models import AuditEvent
from lms.core.permissions import ADMIN, PARK_MANAGER, TRAINER
from lms.core.timeutil import park_today, to_park, utcnow
from lms.extensions import db
from lms.parks.models import Park
from lms.reports import rules
from lms.scheduling.models import ClassSession, Cohort, Enrollment

IN_COHORT = ("enrolled", "completed")
ACTIVE_COHORT = ("planned", "open", "running")


@dataclass
class ParkFigures:
    """One park against its targets."""

    park_id: int
    slug: str
    name: str
    phase: int
    student_target: int
    faculty_target: int
    enrolled_students: int = 0
    enrolled_faculty: int = 0
    attending_students: int = 0
    attending_faculty: int = 0
    assessed_students: int = 0
    assessed_faculty: int = 0
    completed_students: int = 0
    completed_faculty: int = 0
    certified_students: int = 0
    certified_faculty: int = 0
    attendance_percent: float | None = None

    def as_api(self) -> dict:
        """The fields of API.md's /reports/programme park entry (and a few more)."""
        keys = ("park_id", "enrolled_students", "enrolled_faculty", "completed_students",
                "completed_faculty", "certified_students", "certified_faculty",
                "attendance_percent", "attending_students", "attending_faculty",
                "assessed_students", "assessed_faculty")
        return {k: getattr(self, k) for k in keys} | {"name": self.name, "phase": self.phase}


@dataclass
class Programme:
    """The programme against its targets: per park and in total."""

    parks: list[ParkFigures]
    totals: dict = field(default_factory=dict)


def scope_park_id(actor, park_id: int | None = None) -> int | None:
    """The park a report may cover: admins any (None = all), a park manager only their own."""
    if actor.role == ADMIN:
        return park_id
    if actor.role == PARK_MANAGER:
        if park_id not in (None, actor.park_id):
            raise Forbidden("Park managers see their own park's reports only.")
        return actor.park_id
    raise Forbidden("Only the programme office and park managers see programme reports.")


def _count(cond) -> sa.ColumnElement:
    """COUNT(DISTINCT user) of the rows matching `cond`."""
    return sa.func.count(sa.distinct(sa.case((cond, Enrollment.user_id))))


# the tables each cached figure reads (its cache entry lives while they do not change in its park)
PROGRAMME_TABLES = ("parks", "cohorts", "enrollments", "users", "attempts", "certificates",
                    "attendance_records", "class_sessions")
MONTHLY_TABLES = ("certificates", "cohorts", "enrollments")
PASS_RATE_TABLES = ("courses", "assessments", "attempts", "cohorts")
AT_RISK_TABLES = ("attendance_records", "class_sessions", "enrollments", "cohorts", "users",
                  "courses")


def programme_figures(park_id: int | None = None) -> Programme:
    """Enrolled, attending, assessed, completed, certified and attendance per park (cached per
    park: a change in one park recomputes only that park's figures)."""
    park_ids = [park_id] if park_id is not None else cached(
        ("park_ids",), lambda: db.session.scalars(
            sa.select(Park.id).order_by(Park.phase, Park.name)).all(), ("parks",))
    per_park = cached_per_park("programme", park_ids, _programme_figures, PROGRAMME_TABLES)
    parks = [per_park[pid] for pid in park_ids if pid in per_park]

    def assemble() -> Programme:
        return Programme(parks=parks, totals=_totals(parks))

    # the same parks' figures (the very objects: each entry holds them) give the same totals
    return cached(("programme_total", park_id), assemble, stamp=tuple(id(p) for p in parks))


def _programme_figures(park_id: list[int]) -> dict[int, ParkFigures]:
    """The figures of programme_figures for these parks, computed (5 queries)."""
    parks_stmt = sa.select(Park).where(Park.id.in_(park_id))
    figures = {p.id: ParkFigures(p.id, p.slug, p.name, p.phase, p.student_target,
                                 p.faculty_target) for p in db.session.scalars(parks_stmt)}
    today = park_today()
    running = sa.and_(Cohort.start_date <= today, Cohort.end_date >= today,
                      Cohort.status != "cancelled", Enrollment.status == "enrolled")
    enrol_rows = db.session.execute(
        sa.select(Cohort.park_id, User.role,
                  _count(Enrollment.status.in_(IN_COHORT)),
                  _count(running),
                  _count(Enrollment.status == "completed"))
        .join(Enrollment, Enrollment.cohort_id == Cohort.id)
        .join(User, User.id == Enrollment.user_id)
        .where(*_park_filter(Cohort.park_id, park_id))
        .group_by(Cohort.park_id, User.role))
    for pid, role, enrolled, attending, completed in enrol_rows:
        if pid in figures and role in ("student", "faculty"):
            f = figures[pid]
            setattr(f, f"enrolled_{_plural(role)}", enrolled)
            setattr(f, f"attending_{_plural(role)}", attending)
            setattr(f, f"completed_{_plural(role)}", completed)
    assessed = db.session.execute(
        sa.select(Cohort.park_id, User.role, sa.func.count(sa.distinct(Attempt.user_id)))
        .join(Cohort, Cohort.id == Attempt.cohort_id).join(User, User.id == Attempt.user_id)
        .where(Attempt.submitted_at.is_not(None), *_park_filter(Cohort.park_id, park_id))
        .group_by(Cohort.park_id, User.role))
    for pid, role, n in assessed:
        if pid in figures and role in ("student", "faculty"):
            setattr(figures[pid], f"assessed_{_plural(role)}", n)
    certified = db.session.execute(
        sa.select(Certificate.park_id, User.role, sa.func.count(sa.distinct(Certificate.user_id)))
        .join(User, User.id == Certificate.user_id)
        .where(Certificate.status == "valid", *_park_filter(Certificate.park_id, park_id))
        .group_by(Certificate.park_id, User.role))
    for pid, role, n in certified:
        if pid in figures and role in ("student", "faculty"):
            setattr(figures[pid], f"certified_{_plural(role)}", n)
    for pid, attended, excused, total in _attendance_by(Cohort.park_id, park_id):
        if pid in figures:
            figures[pid].attendance_percent = rules.attendance_percent(attended, excused, total)
    return figures


def _plural(role: str) -> str:
    return "students" if role == "student" else "faculty"


def _park_filter(column, park_id: int | list[int] | None) -> list:
    if isinstance(park_id, list):
        return [column.in_(park_id)]
    return [] if park_id is None else [column == park_id]


def _attendance_by(group_column, park_id: int | None, *extra_where):
    """(group, attended, excused, records) over attendance records of held sessions."""
    attended = sa.func.sum(sa.case((AttendanceRecord.status.in_(("present", "late")), 1), else_=0))
    excused = sa.func.sum(sa.case((AttendanceRecord.status == "excused", 1), else_=0))
    return db.session.execute(
        sa.select(group_column, attended, excused, sa.func.count(AttendanceRecord.id))
        .join(ClassSession, ClassSession.id == AttendanceRecord.session_id)
        .join(Cohort, Cohort.id == ClassSession.cohort_id)
        .where(ClassSession.status == "scheduled", *_park_filter(Cohort.park_id, park_id),
               *extra_where)
        .group_by(group_column)).all()


def _totals(parks: list[ParkFigures]) -> dict:
    """Programme totals of the per-park figures."""
    keys = [k for k in ParkFigures.__dataclass_fields__ if k.split("_")[0] in (
        "enrolled", "attending", "assessed", "completed", "certified") or k.endswith("_target")]
    return {k: sum(getattr(p, k) for p in parks) for k in keys}


def monthly_series(park_id: int | None = None, months: int = 12) -> dict:
    """Completions and certificates per month, the last `months` months (cached)."""
    return cached(("monthly", park_id, months), lambda: _monthly_series(park_id, months),
                  MONTHLY_TABLES, park_id)


def _monthly_series(park_id: int | None, months: int) -> dict:
    """The series of monthly_series, computed (2 queries)."""
    labels = list(reversed(rules.recent_months(park_today(), months)))
    first = date(int(labels[0][:4]), int(labels[0][5:]), 1)
    certs = db.session.execute(
        sa.select(sa.extract("year", Certificate.issued_on), sa.extract("month",
                                                                         Certificate.issued_on),
                  sa.func.count())
        .where(Certificate.issued_on >= first, Certificate.status != "revoked",
               *_park_filter(Certificate.park_id, park_id))
        .group_by(sa.extract("year", Certificate.issued_on),
                  sa.extract("month", Certificate.issued_on))).all()
    done = db.session.execute(
        sa.select(sa.extract("year", Cohort.end_date), sa.extract("month", Cohort.end_date),
                  sa.func.count())
        .join(Enrollment, Enrollment.cohort_id == Cohort.id)
        .where(Enrollment.status == "completed", Cohort.end_date >= first,
               *_park_filter(Cohort.park_id, park_id))
        .group_by(sa.extract("year", Cohort.end_date), sa.extract("month", Cohort.end_date))).all()

    def series(rows):
        counts = {f"{int(yy):04d}-{int(mm):02d}": n for yy, mm, n in rows}
        return [counts.get(label, 0) for label in labels]

    return {"labels": labels, "completions": series(done), "certificates": series(certs)}


def pass_rates(park_id: int | None = None, trainer_id: int | None = None) -> list[dict]:
    """Per course: learners assessed, learners who passed an assessment, pass rate (cached)."""
    return cached(("pass_rates", park_id, trainer_id), lambda: _pass_rates(park_id, trainer_id),
                  PASS_RATE_TABLES, park_id)


def _pass_rates(park_id: int | None, trainer_id: int | None) -> list[dict]:
    """The rows of pass_rates, computed (1 query)."""
    stmt = (sa.select(Course.id, Course.code, Course.title,
                      sa.func.count(sa.distinct(Attempt.user_id)),
                      sa.func.count(sa.distinct(sa.case((Attempt.passed.is_(True),
                                                         Attempt.user_id)))))
            .join(Assessment, Assessment.course_id == Course.id)
            .join(Attempt, Attempt.assessment_id == Assessment.id)
            .join(Cohort, Cohort.id == Attempt.cohort_id)
            .where(Attempt.status == "graded", *_park_filter(Cohort.park_id, park_id))
            .group_by(Course.id, Course.code, Course.title).order_by(Course.code))
    if trainer_id is not None:
        stmt = stmt.where(Cohort.trainer_id == trainer_id)
    return [{"course_id": cid, "code": code, "title": title, "assessed": n, "passed": p,
             "pass_rate": rules.share(p, n)} for cid, code, title, n, p in db.session.execute(stmt)]


@dataclass
class LearnerAttendance:
    """A learner's attendance in one cohort, with the at-risk flag (the attendance feature's
    figures: one definition everywhere)."""

    user_id: int
    full_name: str
    email: str
    cohort_id: int
    cohort_name: str
    course_code: str
    park_id: int
    threshold: int
    held: int
    upcoming: int
    attended: int
    excused: int
    status: str
    figures: SummaryRow

    @property
    def percent(self) -> float | None:
        return self.figures.percent

    @property
    def best_possible(self) -> float | None:
        return self.figures.best_possible_percent

    @property
    def at_risk(self) -> bool:
        return self.figures.at_risk


@cache
def _learner_attendance_stmt(by_park: bool, by_trainer: bool, by_user: bool,
                             active_only: bool) -> sa.Select:
    """The learner_attendance statement for one combination of filters, built once; the values
    (now, park_id, trainer_id, user_id) are bound when it runs. It is the attendance feature's
    figures statement, so every at-risk count agrees with the attendance pages."""
    filters = []
    if by_park:
        filters.append(Cohort.park_id == sa.bindparam("park_id"))
    if active_only:
        filters += [Cohort.status.in_(ACTIVE_COHORT), Enrollment.status == "enrolled"]
    if by_trainer:
        filters.append(Cohort.trainer_id == sa.bindparam("trainer_id"))
    if by_user:
        filters.append(Enrollment.user_id == sa.bindparam("user_id"))
    return attendance_services.figures_statement(
        *filters, now=sa.bindparam("now"),
        extra=(User.email, Cohort.name.label("cohort_name"), Course.code.label("course_code"),
               Cohort.park_id))


def _learner(r) -> LearnerAttendance:
    f = attendance_services.summary_row(r)
    return LearnerAttendance(r.user_id, r.full_name, r.email, r.cohort_id, r.cohort_name,
                             r.course_code, r.park_id, r.min_attendance_percent, f.held,
                             f.upcoming, f.present + f.late, f.excused, r.enrolment_status, f)


def learner_attendance(*, park_id: int | None = None, trainer_id: int | None = None,
                       user_id: int | None = None, active_only: bool = True
                       ) -> list[LearnerAttendance]:
    """Every learner's attendance per cohort in one query: the attendance feature's figures
    (the same counts and at-risk flag as its pages), limited to the scope's cohorts."""
    stmt = _learner_attendance_stmt(park_id is not None, trainer_id is not None,
                                    user_id is not None, active_only)
    params = {"now": utcnow(), "park_id": park_id, "trainer_id": trainer_id, "user_id": user_id}
    return [_learner(row) for row in db.session.execute(
        stmt, {k: v for k, v in params.items() if v is not None})]


def at_risk_learners(**scope) -> list[LearnerAttendance]:
    """The learners flagged at risk, in the given scope (cached)."""
    return cached(("at_risk", *sorted(scope.items())),
                  lambda: [row for row in learner_attendance(**scope) if row.at_risk],
                  AT_RISK_TABLES, scope.get("park_id"))


def attendance_by_park(park_id: int | None = None) -> dict[int, float | None]:
    """Attendance percentage per park (1 query)."""
    return {pid: rules.attendance_percent(a, e, n)
            for pid, a, e, n in _attendance_by(Cohort.park_id, park_id)}


@dataclass
class TrainerCohort:
    """A trainer's cohort with its attendance, at-risk count and grading queue."""

    cohort: Cohort
    learners: int = 0
    attendance_percent: float | None = None
    at_risk: int = 0
    to_grade: int = 0


def trainer_dashboard(trainer) -> list[TrainerCohort]:
    """The trainer's active cohorts with figures (4 queries)."""
    if trainer.role != TRAINER and trainer.role != ADMIN:
        raise Forbidden("This dashboard is for trainers.")
    cohorts = db.session.scalars(
        sa.select(Cohort).where(Cohort.trainer_id == trainer.id,
                                Cohort.status.in_(ACTIVE_COHORT))
        .options(sa.orm.joinedload(Cohort.course)).order_by(Cohort.start_date)).all()
    rows = {c.id: TrainerCohort(c) for c in cohorts}
    per_cohort: dict[int, list[LearnerAttendance]] = defaultdict(list)
    for la in learner_attendance(trainer_id=trainer.id):
        per_cohort[la.cohort_id].append(la)
    for cid, items in per_cohort.items():
        if cid in rows:
            rows[cid].learners = len(items)
            rows[cid].at_risk = sum(1 for i in items if i.at_risk)
            attended = sum(i.attended for i in items)
            excused = sum(i.excused for i in items)
            rows[cid].attendance_percent = rules.attendance_percent(
                attended, excused, sum(i.held for i in items))
    queue = db.session.execute(
        sa.select(Attempt.cohort_id, sa.func.count()).join(Cohort, Cohort.id == Attempt.cohort_id)
        .where(Cohort.trainer_id == trainer.id, Attempt.status == "needs_grading")
        .group_by(Attempt.cohort_id))
    for cid, n in queue:
        if cid in rows:
            rows[cid].to_grade = n
    return list(rows.values())


def learner_progress(user) -> dict:
    """A learner's cohorts with attendance, their results and certificates (3 queries)."""
    attendance = learner_attendance(user_id=user.id, active_only=False)
    attempts = db.session.execute(
        sa.select(Assessment.title, Course.code, sa.func.max(Attempt.percent),
                  sa.func.max(sa.case((Attempt.passed.is_(True), 1), else_=0)),
                  sa.func.count(Attempt.id))
        .join(Assessment, Assessment.id == Attempt.assessment_id)
        .join(Course, Course.id == Assessment.course_id)
        .where(Attempt.user_id == user.id, Attempt.submitted_at.is_not(None))
        .group_by(Assessment.id, Assessment.title, Course.code).order_by(Course.code)).all()
    certificates = db.session.execute(
        sa.select(Certificate.title, Certificate.kind, Certificate.issued_on, Certificate.status,
                  Certificate.code).where(Certificate.user_id == user.id)
        .order_by(Certificate.issued_on.desc(), Certificate.id.desc())).all()
    return {"attendance": attendance,
            "results": [{"title": t, "course": c, "best_percent": p, "passed": bool(ok),
                         "attempts": n} for t, c, p, ok, n in attempts],
            "certificates": certificates}


# --- exports -----------------------------------------------------------------------------------

EXPORT_KINDS = ("learners", "enrolments", "attendance", "results", "certificates")


def month_bounds(month: str) -> tuple[date, date]:
    """First day of `YYYY-MM` and first day of the month after."""
    year, mon = int(month[:4]), int(month[5:7])
    start = date(year, mon, 1)
    end = date(year + (mon == 12), 1 if mon == 12 else mon + 1, 1)
    return start, end


def export_rows(kind: str, park_id: int, month: str):
    """(header, rows) of one CSV of a park's monthly pack; rows stream from the database."""
    from lms.core.timeutil import park_to_utc

    start, end = month_bounds(month)
    since, until = park_to_utc(start, _midnight()), park_to_utc(end, _midnight())
    if kind == "learners":
        stmt = (sa.select(User.email, User.full_name, User.role, User.institution, User.active,
                          User.created_at)
                .where(User.park_id == park_id, User.role.in_(("student", "faculty")))
                .order_by(User.full_name))
        header = ["email", "full_name", "role", "institution", "active", "created_at"]
    elif kind == "enrolments":
        stmt = (sa.select(User.email, User.full_name, Course.code, Cohort.name, Enrollment.status,
                          Enrollment.created_at)
                .join(Cohort, Cohort.id == Enrollment.cohort_id)
                .join(Course, Course.id == Cohort.course_id)
                .join(User, User.id == Enrollment.user_id)
                .where(Cohort.park_id == park_id, Cohort.start_date < end,
                       Cohort.end_date >= start)
                .order_by(Cohort.id, User.full_name))
        header = ["email", "full_name", "course", "cohort", "status", "enrolled_at"]
    elif kind == "attendance":
        stmt = (sa.select(User.email, User.full_name, Course.code, Cohort.name,
                          ClassSession.starts_at, AttendanceRecord.status, AttendanceRecord.source)
                .join(ClassSession, ClassSession.id == AttendanceRecord.session_id)
                .join(Cohort, Cohort.id == ClassSession.cohort_id)
                .join(Course, Course.id == Cohort.course_id)
                .join(User, User.id == AttendanceRecord.user_id)
                .where(Cohort.park_id == park_id, ClassSession.starts_at >= since,
                       ClassSession.starts_at < until)
                .order_by(ClassSession.starts_at, User.full_name))
        header = ["email", "full_name", "course", "cohort", "session_start", "status", "source"]
    elif kind == "results":
        stmt = (sa.select(User.email, User.full_name, Course.code, Assessment.title,
                          Attempt.number, Attempt.submitted_at, Attempt.percent, Attempt.passed,
                          Attempt.status)
                .join(Assessment, Assessment.id == Attempt.assessment_id)
                .join(Course, Course.id == Assessment.course_id)
                .join(Cohort, Cohort.id == Attempt.cohort_id)
                .join(User, User.id == Attempt.user_id)
                .where(Cohort.park_id == park_id, Attempt.submitted_at >= since,
                       Attempt.submitted_at < until)
                .order_by(Attempt.submitted_at))
        header = ["email", "full_name", "course", "assessment", "attempt", "submitted_at",
                  "percent", "passed", "status"]
    elif kind == "certificates":
        stmt = (sa.select(Certificate.code, User.email, Certificate.holder_name, Certificate.kind,
                          Certificate.title, Certificate.hours, Certificate.issued_on,
                          Certificate.status)
                .join(User, User.id == Certificate.user_id)
                .where(Certificate.park_id == park_id, Certificate.issued_on >= start,
                       Certificate.issued_on < end)
                .order_by(Certificate.issued_on))
        header = ["code", "email", "holder_name", "kind", "title", "hours", "issued_on", "status"]
    else:
        raise ValueError(kind)
    return header, _stream(stmt)


def _midnight():
    from datetime import time

    return time(0, 0)


def _stream(stmt):
    """Rows of `stmt`, fetched in chunks so a large export never sits in memory."""
    result = db.session.execute(stmt.execution_options(yield_per=1000))
    for row in result:
        yield [_iso(v) for v in row]


def _iso(value):
    """A cell: instants in park time with their offset (as the pages show them), dates as
    YYYY-MM-DD."""
    if isinstance(value, datetime):
        return to_park(value).isoformat(timespec="seconds")
    return value.isoformat() if hasattr(value, "isoformat") else value


CHANGE_LOG_HEADER = ["at", "actor", "action", "record_id", "learner", "session_start",
                     "status_before", "status_after", "source_before", "source_after", "reason",
                     "address"]


def attendance_changes(park_id: int | None, since: date, until: date):
    """(header, rows): the attendance change log from the audit trail, for auditors; each
    change as readable columns (learner, session, status and source before and after)."""
    from sqlalchemy.orm import aliased

    from lms.attendance.models import ExcuseRequest
    from lms.core.timeutil import park_to_utc

    learner = aliased(User)
    record, excuse = AttendanceRecord, ExcuseRequest
    stmt = (sa.select(AuditEvent.at, User.email, AuditEvent.action, AuditEvent.object_id,
                      learner.email, ClassSession.starts_at, AuditEvent.before, AuditEvent.after,
                      AuditEvent.reason, AuditEvent.address)
            .outerjoin(User, User.id == AuditEvent.actor_id)
            .outerjoin(record, sa.and_(AuditEvent.object_type == "attendance_records",
                                       record.id == AuditEvent.object_id))
            .outerjoin(excuse, sa.and_(AuditEvent.object_type == "excuse_requests",
                                       excuse.id == AuditEvent.object_id))
            .outerjoin(ClassSession, ClassSession.id == sa.func.coalesce(record.session_id,
                                                                         excuse.session_id))
            .outerjoin(learner, learner.id == sa.func.coalesce(record.user_id, excuse.user_id))
            .where(AuditEvent.object_type.in_(("attendance_records", "excuse_requests")),
                   AuditEvent.at >= park_to_utc(since, _midnight()),
                   AuditEvent.at < park_to_utc(until, _midnight()))
            .order_by(AuditEvent.at))
    if park_id is not None:
        stmt = (stmt.join(Cohort, Cohort.id == ClassSession.cohort_id)
                .where(Cohort.park_id == park_id))
    return CHANGE_LOG_HEADER, _change_rows(stmt)


def _change_rows(stmt):
    """The change log's rows, the before and after snapshots spread over their columns."""
    for at, actor, action, object_id, learner, starts_at, before, after, reason, address in \
            _stream(stmt):
        before, after = before or {}, after or {}
        yield [at, actor, action, object_id, learner, starts_at, before.get("status", ""),
               after.get("status", ""), before.get("source", ""), after.get("source", ""),
               reason, address]
