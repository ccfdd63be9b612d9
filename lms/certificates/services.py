"""Certificate use cases: eligibility, issue (course and track), revoke, reissue, list, download,
ZIP of a cohort, verification by code or by file. Services flush, never commit."""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from lms.accounts.models import User
from lms.catalogue.models import Track, TrackCourse
from lms.certificates import rules
from lms.certificates.models import Certificate
from lms.certificates.pdf import CertificateData, render_certificate
from lms.core import audit
from lms.core.db import get_or_404, lock_for_update
from lms.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from lms.core.permissions import ADMIN, PARK_MANAGER
from lms.core.timeutil import park_today, to_park, utcnow
from lms.core.urls import public_base
from lms.credentials import services as credentials
from lms.extensions import db
from lms.notifications import services as notify
from lms.scheduling.models import ClassSession, Cohort, Enrollment

LEARNER_STATUSES = ("enrolled", "completed")
NO_ATTEMPT = {None, "", "none", "missing", "not_attempted", "not_started"}
REASON_MAX = 500


@dataclass
class LearnerEligibility:
    """One row of a cohort's eligibility list."""

    user_id: int
    full_name: str
    eligible: bool
    reasons: list[str]
    percent: float | None = None
    certificate: Certificate | None = None  # the learner's latest valid or revoked one

    @property
    def certificate_code(self) -> str | None:
        return self.certificate.code if self.certificate else None


@dataclass
class IssueResult:
    """What an issue run did: new certificates and the learners it skipped, with reasons."""

    issued: list[Certificate] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)


# --- loading and permissions -------------------------------------------------------------------

def get_cohort(cohort_id: int) -> Cohort:
    """A cohort by id, else NotFound."""
    return get_or_404(Cohort, cohort_id, "cohort")


def ensure_cohort_staff(actor, cohort: Cohort) -> None:
    """Only the cohort's trainer, its park's manager and admins handle its certificates."""
    if not cohort.can_teach(actor):
        raise Forbidden("You do not run this cohort.")


def get_certificate(code: str) -> Certificate:
    """A certificate by its code (typed in any readable form), else NotFound."""
    canonical = rules.normalise_code(code)
    cert = None
    if canonical:
        cert = db.session.scalar(sa.select(Certificate).where(Certificate.code == canonical))
    if cert is None:
        raise NotFound("No certificate has this code.")
    return cert


def can_view(actor, cert: Certificate) -> bool:
    """Staff see every certificate; a learner only their own."""
    return bool(actor.is_authenticated) and (actor.is_staff or actor.id == cert.user_id)


def can_reissue(actor, cert: Certificate) -> bool:
    """Admins, and the manager of the certificate's park, reissue after a correction."""
    return bool(actor.is_authenticated) and (actor.role == ADMIN or (
        actor.role == PARK_MANAGER and actor.park_id == cert.park_id))


def get_viewable(actor, code: str) -> Certificate:
    """A certificate the actor may see; others' certificates do not exist for them (404)."""
    cert = get_certificate(code)
    if not can_view(actor, cert):
        raise NotFound("No certificate has this code.")
    return cert


# --- eligibility -------------------------------------------------------------------------------

def last_session_end(cohort_id: int) -> datetime | None:
    """When the cohort's last scheduled session ends."""
    return db.session.scalar(sa.select(sa.func.max(ClassSession.ends_at)).where(
        ClassSession.cohort_id == cohort_id, ClassSession.status == "scheduled"))


def _learners(cohort_id: int) -> list[tuple[int, str]]:
    """(user_id, full_name) of the cohort's enrolled and completed learners."""
    rows = db.session.execute(
        sa.select(User.id, User.full_name).join(Enrollment, Enrollment.user_id == User.id)
        .where(Enrollment.cohort_id == cohort_id, Enrollment.status.in_(LEARNER_STATUSES))
        .order_by(User.full_name, User.id))
    return [(r[0], r[1]) for r in rows]


def _latest_course_certificates(cohort_id: int) -> dict[int, Certificate]:
    """Each learner's valid (else latest revoked) certificate for the cohort."""
    found: dict[int, Certificate] = {}
    for cert in db.session.scalars(
            sa.select(Certificate).where(Certificate.cohort_id == cohort_id,
                                         Certificate.status.in_(("valid", "revoked")))
            .order_by(Certificate.id)):
        current = found.get(cert.user_id)
        if current is None or current.status != "valid":
            found[cert.user_id] = cert
    return found


def _result_status(result) -> str | None:
    status = getattr(result, "status", None)
    return None if status in NO_ATTEMPT else status


def _exact_percent(row) -> float | None:
    """Attendance from the counts, unrounded: (present + late) / (held - excused)."""
    if row is None:
        return None
    counted = row.held - row.excused
    if counted <= 0:
        return None
    return 100.0 * (row.present + row.late) / counted


def cohort_eligibility(cohort: Cohort, now: datetime | None = None) -> list[LearnerEligibility]:
    """Every learner of the cohort with the reasons that hold them back, in one pass."""
    from lms.assessments.services import cohort_results, required_assessments
    from lms.attendance.services import cohort_summary

    now = now or utcnow()
    course = cohort.course
    blockers = rules.cohort_reasons(cohort.status, last_session_end(cohort.id), now)
    learners = _learners(cohort.id)
    summary = {row.user_id: row for row in cohort_summary(cohort)}
    required = list(required_assessments(course.id))
    results = cohort_results(cohort) if required else {}
    certificates = _latest_course_certificates(cohort.id)
    out = []
    for user_id, full_name in learners:
        percent = _exact_percent(summary.get(user_id))
        mine = results.get(user_id, {})
        standing = []
        for a in required:
            result = mine.get(a.id)
            standing.append(rules.RequiredResult(
                title=a.title, passed=bool(result is not None and result.passed),
                status=_result_status(result) if result is not None else None))
        verdict = rules.eligibility(user_id, blockers, percent, course.min_attendance_percent,
                                    standing)
        out.append(LearnerEligibility(user_id=user_id, full_name=full_name,
                                      eligible=verdict.eligible, reasons=verdict.reasons,
                                      percent=percent, certificate=certificates.get(user_id)))
    return out


# --- issuing -----------------------------------------------------------------------------------

def verify_url(code: str) -> str:
    """The public verification link printed as the QR code."""
    return f"{public_base()}/verify/{code}"  # also issued from the CLI, outside any request


def minutes_taught(cohort_id: int, now: datetime | None = None) -> int:
    """Minutes of class the cohort's held sessions (scheduled, over by now) gave."""
    pairs = db.session.execute(sa.select(ClassSession.starts_at, ClassSession.ends_at).where(
        ClassSession.cohort_id == cohort_id, ClassSession.status == "scheduled")).all()
    return rules.taught_minutes(pairs, now or utcnow())


def course_fields(user: User, cohort: Cohort) -> dict:
    """What a course certificate prints, read from the current records: the hours the cohort
    taught (the course's hours only when it held them all)."""
    course = cohort.course
    minutes = minutes_taught(cohort.id)
    return {"kind": "course", "user": user, "cohort_id": cohort.id, "track_id": None,
            "park": cohort.park, "title": course.title,
            "hours": rules.certificate_hours(course.duration_hours, minutes),
            "minutes": minutes if minutes < course.duration_hours * 60 else None,
            "starts_on": cohort.start_date, "ends_on": cohort.end_date,
            "trainer_name": cohort.trainer.full_name if cohort.trainer else None}


def track_fields(user: User, track: Track, park) -> dict:
    """What a track certificate prints: the track, the hours of its courses' certificates (what
    was taught), the span of its cohorts."""
    courses = [item.course for item in track.items]
    course_ids = [c.id for c in courses]
    per_course = (sa.select(sa.func.max(Certificate.hours).label("hours"))
                  .join(Cohort, Cohort.id == Certificate.cohort_id)
                  .where(Certificate.user_id == user.id, Certificate.kind == "course",
                         Certificate.status == "valid", Cohort.course_id.in_(course_ids))
                  .group_by(Cohort.course_id).subquery())
    hours = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(per_course.c.hours), 0)))
    span = db.session.execute(
        sa.select(sa.func.min(Cohort.start_date), sa.func.max(Cohort.end_date))
        .join(Enrollment, Enrollment.cohort_id == Cohort.id)
        .where(Enrollment.user_id == user.id, Enrollment.status == "completed",
               Cohort.course_id.in_(course_ids))).one()
    return {"kind": "track", "user": user, "cohort_id": None, "track_id": track.id,
            "park": park, "title": track.name, "hours": int(hours),
            "starts_on": span[0], "ends_on": span[1], "trainer_name": None}


def create_certificate(actor, *, kind: str, user: User, cohort_id: int | None,
                       track_id: int | None, park, title: str, hours: int,
                       starts_on: date | None, ends_on: date | None,
                       trainer_name: str | None, minutes: int | None = None) -> Certificate | None:
    """Render and store one certificate; None if a concurrent request issued it first."""
    code = rules.new_code()
    issued_on = park_today()
    data = CertificateData(
        code=code, kind=kind, holder_name=user.full_name, title=title,
        park_name=park.name if park else "Knowledge Park", hours=hours, minutes=minutes,
        starts_on=starts_on,
        ends_on=ends_on, trainer_name=trainer_name, issued_on=issued_on,
        verify_url=verify_url(code), credential_url=credentials.credential_url(code))
    pdf_bytes = render_certificate(data, urdu_font=current_app.config.get("LMS_URDU_FONT"))
    cert = Certificate(
        code=code, kind=kind, user_id=user.id, cohort_id=cohort_id, track_id=track_id,
        park_id=park.id if park else None, holder_name=user.full_name, title=title,
        hours=hours, starts_on=starts_on, ends_on=ends_on, issued_on=issued_on,
        issued_at=utcnow(), issued_by_id=getattr(actor, "id", None), status="valid",
        sha256=hashlib.sha256(pdf_bytes).hexdigest(), pdf=pdf_bytes)
    credentials.prepare(cert)  # a signing key exists; the certificate's status list index
    try:
        with db.session.begin_nested():  # a SAVEPOINT: losing a race undoes only this row
            db.session.add(cert)
            db.session.flush()
    except IntegrityError:
        return None
    credentials.attach_credential(cert)  # the signed Open Badges 3.0 credential
    audit.record("certificate.issue", cert, actor=actor, after={
        "code": cert.code, "kind": kind, "user_id": user.id, "cohort_id": cohort_id,
        "track_id": track_id, "sha256": cert.sha256})
    notify.certificate_issued(cert)
    return cert


def issue_certificates(actor, cohort_id: int, user_ids: Iterable[int] | None = None, *,
                       lock: bool = True) -> IssueResult:
    """Issue to every eligible learner of a cohort (or to those listed); idempotent.

    The cohort row is locked first (concurrent runs queue up), and the partial unique index
    on valid certificates catches anything that slips through.
    """
    cohort = lock_for_update(Cohort, cohort_id) if lock else db.session.get(Cohort, cohort_id)
    if cohort is None:
        raise NotFound("No such cohort.")
    ensure_cohort_staff(actor, cohort)
    rows = cohort_eligibility(cohort)
    result = IssueResult()
    if user_ids is not None:
        wanted = set(user_ids)
        known = {r.user_id for r in rows}
        for uid in sorted(wanted - known):
            result.skipped.append({"user_id": uid, "reasons": ["not a learner of this cohort"]})
        rows = [r for r in rows if r.user_id in wanted]
    holders: list[int] = []
    users = {u.id: u for u in db.session.scalars(
        sa.select(User).where(User.id.in_([r.user_id for r in rows if r.eligible])))}
    for row in rows:
        if not row.eligible:
            result.skipped.append({"user_id": row.user_id, "reasons": row.reasons})
            continue
        held = row.certificate
        if held is not None and held.status == "valid":
            holders.append(row.user_id)
            result.skipped.append({"user_id": row.user_id,
                                   "reasons": [f"already holds certificate {held.code}"]})
            continue
        if held is not None and held.status == "revoked":
            result.skipped.append({"user_id": row.user_id,
                                   "reasons": [f"certificate {held.code} was revoked"]})
            continue
        cert = create_certificate(actor, **course_fields(users[row.user_id], cohort))
        if cert is None:
            result.skipped.append({"user_id": row.user_id,
                                   "reasons": ["already holds a certificate"]})
            holders.append(row.user_id)
            continue
        result.issued.append(cert)
        holders.append(row.user_id)
    if holders:
        from lms.scheduling.services import mark_completed

        mark_completed(cohort, holders)
        db.session.flush()
        for uid in holders:
            result.issued.extend(issue_track_certificates(actor, users[uid], cohort))
    db.session.flush()
    return result


def issue_track_certificates(actor, user: User, cohort: Cohort) -> list[Certificate]:
    """Track certificates the learner earned by completing this cohort's course (if any)."""
    from lms.scheduling.services import completed_course_ids

    tracks = list(db.session.scalars(
        sa.select(Track).join(TrackCourse, TrackCourse.track_id == Track.id)
        .where(TrackCourse.course_id == cohort.course_id)
        .options(selectinload(Track.items).selectinload(TrackCourse.course))))
    if not tracks:
        return []
    done = set(completed_course_ids(user.id))
    issued = []
    for track in tracks:
        if track.audience != user.track:
            continue
        if not rules.track_complete((i.course_id for i in track.items), done):
            continue
        exists = db.session.scalar(sa.select(Certificate.id).where(
            Certificate.user_id == user.id, Certificate.track_id == track.id,
            Certificate.status.in_(("valid", "revoked"))))
        if exists:
            continue
        cert = create_certificate(actor, **track_fields(user, track, cohort.park))
        if cert is not None:
            issued.append(cert)
    return issued


# --- revoke and reissue ------------------------------------------------------------------------

def _clean_reason(reason: str | None) -> str:
    text = " ".join((reason or "").split())
    if len(text) < 3 or len(text) > REASON_MAX:
        raise ValidationFailed("Give a reason (3 to 500 characters).",
                               fields={"reason": ["A reason of 3 to 500 characters is required."]})
    return text


def _lock_certificate(code: str) -> Certificate:
    cert = get_certificate(code)
    locked = lock_for_update(Certificate, cert.id)
    if locked is None:
        raise NotFound("No certificate has this code.")
    return locked


def revoke(actor, code: str, reason: str | None) -> Certificate:
    """An admin revokes a valid certificate, with a reason kept in the audit trail."""
    if not actor.is_authenticated or actor.role != ADMIN:
        raise Forbidden("Only the programme office revokes certificates.")
    text = _clean_reason(reason)
    cert = _lock_certificate(code)
    if cert.status != "valid":
        raise Conflict(f"Certificate {cert.code} is {cert.status}, not valid.", code="not_valid")
    cert.status = "revoked"
    cert.revoked_at = utcnow()
    cert.revoked_reason = text
    audit.record("certificate.revoke", cert, before={"status": "valid"},
                 after={"status": "revoked"}, reason=text, actor=actor)
    db.session.flush()
    return cert


def reissue(actor, code: str, reason: str | None) -> Certificate:
    """After a correction (a name, a title): a new certificate with a new code; the old one is
    marked superseded and points to the new one."""
    text = _clean_reason(reason)
    cert = _lock_certificate(code)
    if not can_reissue(actor, cert):
        raise Forbidden("Only the programme office or the park's manager reissues certificates.")
    if cert.status != "valid":
        raise Conflict(f"Certificate {cert.code} is {cert.status}, not valid.", code="not_valid")
    user = db.session.get(User, cert.user_id)
    if cert.kind == "course":
        cohort = db.session.get(Cohort, cert.cohort_id)
        fields_ = course_fields(user, cohort)
    else:
        track = db.session.get(Track, cert.track_id)
        fields_ = track_fields(user, track, cert.park)
    cert.status = "superseded"
    db.session.flush()  # frees the "one valid" slot for the new certificate
    new = create_certificate(actor, **fields_)
    if new is None:
        raise Conflict("A valid certificate already exists.", code="already_issued")
    cert.superseded_by_id = new.id
    audit.record("certificate.reissue", cert, before={"status": "valid"},
                 after={"status": "superseded", "superseded_by": new.code}, reason=text,
                 actor=actor)
    db.session.flush()
    return new


# --- listing and downloads ---------------------------------------------------------------------

def certificates_query(actor, user_id: int | None = None, cohort_id: int | None = None,
                       status: str | None = None, q: str | None = None) -> sa.Select:
    """Staff: every certificate (filters); a learner: their own only."""
    stmt = sa.select(Certificate).options(selectinload(Certificate.user))
    if actor.is_staff:
        if user_id is not None:
            stmt = stmt.where(Certificate.user_id == user_id)
    else:
        if user_id is not None and user_id != actor.id:
            raise Forbidden("You may only list your own certificates.")
        stmt = stmt.where(Certificate.user_id == actor.id)
    if cohort_id is not None:
        stmt = stmt.where(Certificate.cohort_id == cohort_id)
    if status:
        if status not in ("valid", "revoked", "superseded"):
            raise ValidationFailed("Unknown status.", fields={"status": ["valid, revoked or "
                                                                         "superseded"]})
        stmt = stmt.where(Certificate.status == status)
    if q:
        code = rules.normalise_code(q)
        like = f"%{q.strip()}%"
        cond = Certificate.holder_name.ilike(like)
        if code:
            cond = sa.or_(cond, Certificate.code == code)
        stmt = stmt.where(cond)
    return stmt.order_by(Certificate.issued_at.desc(), Certificate.id.desc())


def pdf_bytes(cert: Certificate) -> bytes:
    """The frozen PDF (a deferred column: loaded only here)."""
    return cert.pdf


def download_name(cert: Certificate) -> str:
    """The file name of a certificate download."""
    return f"certificate-{cert.code}.pdf"


def cohort_zip_entries(actor, cohort_id: int) -> tuple[Cohort, list[tuple[int, str]]]:
    """The cohort and (id, file name) of its valid certificates, for the ZIP download."""
    cohort = get_cohort(cohort_id)
    ensure_cohort_staff(actor, cohort)
    rows = db.session.execute(
        sa.select(Certificate.id, Certificate.code).where(
            Certificate.cohort_id == cohort.id, Certificate.status == "valid")
        .order_by(Certificate.holder_name, Certificate.id)).all()
    return cohort, [(r[0], f"certificate-{r[1]}.pdf") for r in rows]


class _Sink:
    """A write-only, unseekable file for zipfile: collects what it writes until drained."""

    def __init__(self):
        self.chunks: list[bytes] = []

    def write(self, data) -> int:
        self.chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        """Nothing to flush: chunks leave through drain()."""

    def drain(self) -> Iterator[bytes]:
        """Hand over what has been written so far."""
        chunks, self.chunks = self.chunks, []
        if chunks:
            yield b"".join(chunks)


def stream_zip(entries: list[tuple[int, str]]) -> Iterator[bytes]:
    """A ZIP of certificate PDFs, one file loaded and sent at a time."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED) as zf:
        for cert_id, name in entries:
            data = db.session.scalar(sa.select(Certificate.pdf).where(Certificate.id == cert_id))
            info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            zf.writestr(info, data or b"")
            yield from sink.drain()
    yield from sink.drain()


@cache
def _latest_valid_stmt() -> sa.Select:
    """A learner's newest valid certificates (code, title, issued_on), built once."""
    C = Certificate
    return (sa.select(C.code, C.title, C.issued_on)
            .where(C.user_id == sa.bindparam("user_id"), C.status == "valid")
            .order_by(C.issued_at.desc(), C.id.desc())
            .limit(sa.bindparam("limit", type_=sa.Integer)))


def latest_valid(user_id: int, limit: int = 5) -> list[sa.Row]:
    """The learner's newest valid certificates, as rows for a short list (one query)."""
    return db.session.execute(_latest_valid_stmt(), {"user_id": user_id, "limit": limit}).all()


# --- public verification -----------------------------------------------------------------------

def verify(code: str) -> Certificate:
    """The certificate with this code (public), else NotFound."""
    return get_certificate(code)


def public_facts(cert: Certificate) -> dict:
    """What the public verification shows: holder, title, park, dates, hours, status. No more."""
    superseded_on = None
    if cert.status == "superseded" and cert.superseded_by_id:
        superseded_on = db.session.scalar(sa.select(Certificate.issued_on).where(
            Certificate.id == cert.superseded_by_id))
    return {
        "code": cert.code,
        "valid": cert.status == "valid",
        "status": cert.status,
        "kind": cert.kind,
        "holder_name": cert.holder_name,
        "title": cert.title,
        "park": cert.park.name if cert.park else None,
        "issued_on": cert.issued_on,
        "starts_on": cert.starts_on,
        "ends_on": cert.ends_on,
        "hours": cert.hours,
        "revoked_on": to_park(cert.revoked_at).date() if cert.revoked_at else None,
        "superseded_on": superseded_on,
    }


def match_file(data: bytes) -> Certificate | None:
    """The certificate whose stored bytes are exactly `data` (SHA-256), if any."""
    digest = hashlib.sha256(data).hexdigest()
    return db.session.scalar(sa.select(Certificate).where(Certificate.sha256 == digest)
                             .order_by(Certificate.id).limit(1))
