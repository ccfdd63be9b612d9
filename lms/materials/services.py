"""Use cases of course materials and handed-in files: they flush, never commit."""

from dataclasses import dataclass
from typing import BinaryIO

import sqlalchemy as sa
from flask import current_app

from lms.catalogue.models import Course, CourseModule
from lms.core import audit
from lms.core.db import get_or_404, lock_for_update
from lms.core.errors import (
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    Unauthorized,
    ValidationFailed,
)
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.materials import rules
from lms.materials.models import AttemptUpload, Blob, Material
from lms.materials.sniff import sniff_mime
from lms.materials.storage import Received, Storage, TooLarge, receive, storage_for
from lms.scheduling.models import ClassSession, Cohort, Enrollment

LEARNER_STATUSES = ("enrolled", "completed")
MB = 1024 * 1024


class PayloadTooLarge(DomainError):
    """The file (or the course's share of storage) is too large (413)."""

    status = 413
    code = "payload_too_large"


# storage -------------------------------------------------------------------------------------------
def storage() -> Storage:
    """The app's storage backend (built once per app from STORAGE_URL / LMS_FILES_DIR)."""
    ext = current_app.extensions
    if "lms_storage" not in ext:
        ext["lms_storage"] = storage_for(current_app.config.get("STORAGE_URL", ""),
                                         current_app.config["LMS_FILES_DIR"])
    return ext["lms_storage"]


def max_bytes() -> int:
    """The largest file accepted (MATERIAL_MAX_MB)."""
    return int(float(current_app.config["MATERIAL_MAX_MB"]) * MB)


def receive_upload(stream: BinaryIO, limit: int | None = None) -> Received:
    """Save an uploaded stream to a temporary file with its hash; 413 past the size limit."""
    limit = max_bytes() if limit is None else limit
    try:
        return receive(stream, limit, storage().temp_dir())
    except TooLarge:
        raise PayloadTooLarge(f"The file is larger than {rules.human_size(limit)}.",
                              fields={"file": [f"At most {rules.human_size(limit)}."]}) from None


def _ensure_blob(received: Received, verdict: rules.Verdict) -> Blob:
    """Store the bytes once and their row once (a concurrent twin upload is harmless)."""
    storage().store(received)
    table = Blob.__table__
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    db.session.execute(insert(table).values(
        sha256=received.sha256, size=received.size, content_type=verdict.content_type,
        active=verdict.active, created_at=utcnow()).on_conflict_do_nothing(
        index_elements=["sha256"]))
    return db.session.get(Blob, received.sha256)


def _fallback(stem: str, verdict: rules.Verdict) -> str:
    return f"{stem}.{verdict.extension}" if verdict.extension else stem


def _judge(received: Received, filename: str, allowed=None) -> rules.Verdict:
    try:
        return rules.judge(filename, received.head, sniff_mime(received.head), allowed)
    except rules.Refused as exc:
        received.discard()
        raise ValidationFailed(str(exc), fields={"file": [str(exc)]}) from None


# who may see and change --------------------------------------------------------------------------
def get_course(course_id: int) -> Course:
    """A course by id, else NotFound."""
    return get_or_404(Course, course_id, "course")


def learner_cohort_ids(user, course_id: int) -> frozenset:
    """The course's cohorts a learner is enrolled in or completed."""
    if not user.is_authenticated or not user.is_learner:
        return frozenset()
    return frozenset(db.session.scalars(
        sa.select(Cohort.id).join(Enrollment, Enrollment.cohort_id == Cohort.id)
        .where(Enrollment.user_id == user.id, Enrollment.status.in_(LEARNER_STATUSES),
               Cohort.course_id == course_id)))


def taught_cohort_ids(user, course_id: int) -> frozenset:
    """The course's cohorts a trainer teaches."""
    if not user.is_authenticated or user.role != "trainer":
        return frozenset()
    return frozenset(db.session.scalars(sa.select(Cohort.id).where(
        Cohort.course_id == course_id, Cohort.trainer_id == user.id)))


@dataclass(frozen=True)
class Access:
    """A person's standing towards one course's materials."""

    course: Course
    viewer: rules.Viewer
    taught: frozenset

    def may_see(self, m: Material) -> bool:
        """Whether this person may see (and download) the material."""
        cohort_id = m.session.cohort_id if m.session_id else None
        if cohort_id is not None and cohort_id in self.taught:
            return True
        return rules.may_see(self.viewer, m.status, cohort_id,
                             m.session.status if m.session_id else None)

    def may_manage(self, m: Material) -> bool:
        """Whether this person may change or delete the material."""
        return self.viewer.manages or (m.session_id is not None
                                       and m.session.cohort_id in self.taught)

    @property
    def may_add(self) -> bool:
        return self.viewer.manages or bool(self.taught)


def access(user, course: Course) -> Access:
    """Check that the user may see the course's materials at all (else 401/403); their standing."""
    if not user.is_authenticated:
        raise Unauthorized("Log in first.")
    if not course.can_view(user):
        raise NotFound("No such course.")
    cohorts = learner_cohort_ids(user, course.id)
    if not user.is_staff and not cohorts:
        raise Forbidden("Materials are for the learners of this course's cohorts.")
    viewer = rules.Viewer(is_staff=user.is_staff, manages=course.can_manage(user),
                          cohort_ids=cohorts)
    return Access(course, viewer, taught_cohort_ids(user, course.id))


def require_add(user, course: Course) -> Access:
    """The access of someone who may add materials to the course (else 403/404)."""
    acc = access(user, course)
    if not acc.may_add:
        raise Forbidden("Only the course's owner, its cohorts' trainers and admins add materials.")
    return acc


def visible_material(user, material_id: int) -> tuple[Material, Access]:
    """A material the user may see, with their access; 404 for anyone else."""
    material = get_or_404(Material, material_id, "material")
    try:
        acc = access(user, material.course)
    except Forbidden:
        raise NotFound("No such material.") from None
    if not acc.may_see(material):
        raise NotFound("No such material.")
    return material, acc


def managed_material(user, material_id: int) -> Material:
    """A material the user may change (404 if invisible, 403 if only visible)."""
    material, acc = visible_material(user, material_id)
    if not acc.may_manage(material):
        raise Forbidden("Only whoever manages the course or the session changes its materials.")
    return material


# lists ---------------------------------------------------------------------------------------------
def materials_of(user, course: Course) -> tuple[list[Material], Access]:
    """The course's materials the user may see, in outline order (course, modules, sessions)."""
    acc = access(user, course)
    rows = db.session.scalars(
        sa.select(Material).outerjoin(CourseModule, CourseModule.id == Material.module_id)
        .outerjoin(ClassSession, ClassSession.id == Material.session_id)
        .where(Material.course_id == course.id)
        .order_by(Material.session_id.is_not(None), CourseModule.position.nulls_first(),
                  ClassSession.starts_at, Material.position, Material.id)).unique().all()
    return [m for m in rows if acc.may_see(m)], acc


def session_choices(user, course: Course, acc: Access) -> list[ClassSession]:
    """The sessions the user may attach materials to (cohorts of the course they run)."""
    stmt = sa.select(ClassSession).join(Cohort, Cohort.id == ClassSession.cohort_id).where(
        Cohort.course_id == course.id, ClassSession.status == "scheduled")
    if not acc.viewer.manages:
        stmt = stmt.where(Cohort.id.in_(acc.taught or {-1}))
    return list(db.session.scalars(stmt.order_by(ClassSession.starts_at).limit(500)))


# changes ------------------------------------------------------------------------------------------
def _place(acc: Access, course: Course, module_id, session_id) -> tuple[int | None, int | None]:
    """Check the module or session the material goes to; trainers of a cohort: its sessions."""
    errors = {}
    if module_id is not None and session_id is not None:
        errors["session_id"] = ["Attach to a module or to a session, not both."]
    if module_id is not None:
        module = db.session.get(CourseModule, module_id)
        if module is None or module.course_id != course.id:
            errors["module_id"] = ["Not a module of this course."]
    if session_id is not None:
        session = db.session.get(ClassSession, session_id)
        if session is None or session.cohort.course_id != course.id:
            errors["session_id"] = ["Not a session of this course's cohorts."]
        elif not acc.viewer.manages and session.cohort_id not in acc.taught:
            errors["session_id"] = ["You may attach materials only to your own cohorts' sessions."]
    elif not acc.viewer.manages and not errors:
        errors["session_id"] = ["Choose one of your sessions: the course itself is its owner's."]
    if errors:
        raise ValidationFailed("Please correct the marked fields.", fields=errors)
    return module_id, session_id


def _clean_text(data: dict) -> dict:
    errors = {}
    title = (data.get("title") or "").strip()
    if not title or len(title) > 200:
        errors["title"] = ["A title of 1 to 200 characters is required."]
    description = (data.get("description") or "").strip()
    if len(description) > 1000:
        errors["description"] = ["At most 1,000 characters."]
    status = data.get("status") or "published"
    if status not in rules.STATUSES:
        errors["status"] = ["draft or published."]
    if errors:
        raise ValidationFailed("Please correct the marked fields.", fields=errors)
    return {"title": title, "description": description, "status": status}


def _next_position(course_id: int, module_id, session_id) -> int:
    return (db.session.scalar(sa.select(sa.func.max(Material.position)).where(
        Material.course_id == course_id, Material.module_id.is_(None) if module_id is None
        else Material.module_id == module_id, Material.session_id.is_(None) if session_id is None
        else Material.session_id == session_id)) or 0) + 1


def course_usage(course_id: int) -> int:
    """Bytes used by the course's file materials (a file counted once per material)."""
    return db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(Blob.size), 0))
                             .join(Material, Material.blob_sha256 == Blob.sha256)
                             .where(Material.course_id == course_id)) or 0


def _lock_course(course: Course) -> Course:
    locked = lock_for_update(Course, course.id)
    if locked is None:
        raise NotFound("No such course.")
    return locked


def add_file(actor, course: Course, data: dict, received: Received, filename: str) -> Material:
    """Attach an uploaded file (already received) to the course, a module or a session.

    The course's row is locked first: additions to one course (their quota and order) queue,
    and on SQLite the write lock is taken before anything is read.
    """
    try:
        course = _lock_course(course)
        acc = require_add(actor, course)
        text = _clean_text(data)
        module_id, session_id = _place(acc, course, data.get("module_id"), data.get("session_id"))
        verdict = _judge(received, filename)
        quota = int(float(current_app.config["MATERIAL_COURSE_QUOTA_MB"]) * MB)
        if course_usage(course.id) + received.size > quota:
            raise PayloadTooLarge(f"The course's materials may take at most "
                                  f"{rules.human_size(quota)}; delete some first.",
                                  code="quota_exceeded", fields={"file": ["Quota exceeded."]})
    except DomainError:
        received.discard()
        raise
    blob = _ensure_blob(received, verdict)
    material = Material(course_id=course.id, module_id=module_id, session_id=session_id,
                        kind="file", blob_sha256=blob.sha256,
                        filename=rules.safe_filename(filename, _fallback("material", verdict)),
                        position=_next_position(course.id, module_id, session_id),
                        created_by_id=actor.id, **text)
    db.session.add(material)
    db.session.flush()
    audit.record("material.create", material, after={"title": material.title, "kind": "file",
                                                     "sha256": blob.sha256}, actor=actor)
    return material


def add_link(actor, course: Course, data: dict) -> Material:
    """Attach a link (a recording, a repository) to the course, a module or a session."""
    acc = require_add(actor, _lock_course(course))
    text = _clean_text(data)
    module_id, session_id = _place(acc, course, data.get("module_id"), data.get("session_id"))
    try:
        url = rules.clean_url(data.get("url") or "")
    except ValueError as exc:
        raise ValidationFailed(str(exc), fields={"url": [str(exc)]}) from None
    material = Material(course_id=course.id, module_id=module_id, session_id=session_id,
                        kind="link", url=url,
                        position=_next_position(course.id, module_id, session_id),
                        created_by_id=actor.id, **text)
    db.session.add(material)
    db.session.flush()
    audit.record("material.create", material, after={"title": material.title, "kind": "link"},
                 actor=actor)
    return material


def set_status(actor, material_id: int, status: str) -> Material:
    """Publish a draft material or take it back to draft."""
    material = managed_material(actor, material_id)
    if status not in rules.STATUSES:
        raise ValidationFailed("draft or published.", fields={"status": ["draft or published."]})
    if material.status != status:
        audit.record("material.status", material, before={"status": material.status},
                     after={"status": status}, actor=actor)
        material.status = status
    db.session.flush()
    return material


def delete_material(actor, material_id: int) -> None:
    """Remove a material (its stored bytes stay: other materials may share them)."""
    material = managed_material(actor, material_id)
    audit.record("material.delete", material, before={"title": material.title,
                                                      "kind": material.kind}, actor=actor)
    db.session.delete(material)
    db.session.flush()


# ZIP of everything -------------------------------------------------------------------------------
@dataclass(frozen=True)
class ZipEntry:
    """One file of a "download all" archive."""

    name: str
    sha256: str
    size: int


def zip_entries(materials: list[Material]) -> list[ZipEntry]:
    """The visible file materials as archive entries with unique, safe names."""
    files = [m for m in materials if m.kind == "file" and m.status == "published"]
    names = rules.zip_names([m.filename or m.title for m in files])
    return [ZipEntry(n, m.blob_sha256, m.blob.size) for n, m in zip(names, files, strict=True)]


def session_materials(user, session_id: int) -> tuple[ClassSession, list[Material]]:
    """A session and its materials the user may see (404 when they may see none of it)."""
    session = get_or_404(ClassSession, session_id, "session")
    try:
        rows, _acc = materials_of(user, session.cohort.course)
    except Forbidden:
        raise NotFound("No such session.") from None
    mine = [m for m in rows if m.session_id == session.id]
    learner_ok = session.cohort_id in learner_cohort_ids(user, session.cohort.course_id)
    if not (user.is_staff or learner_ok):
        raise NotFound("No such session.")
    return session, mine


# files handed in for assessments -------------------------------------------------------------------
def upload_rules_of(question) -> tuple[tuple[str, ...], float, int]:
    """A file_upload question's allowed extensions, size limit (MB) and number of files."""
    from lms.assessments.rules import upload_settings

    settings = upload_settings(question.upload_rules)
    cap = float(current_app.config["MATERIAL_MAX_MB"])
    return (tuple(settings["types"]) or rules.UPLOAD_TYPES, min(settings["max_mb"], cap),
            settings["max_files"])


def add_attempt_upload(user, attempt_id: int, question_id, received: Received,
                       filename: str) -> AttemptUpload:
    """Hand in a file for a file_upload question of the user's own open attempt (409 late)."""
    from lms.assessments import services as assessments
    from lms.assessments.models import Answer

    try:
        attempt = assessments.own_open_attempt(user, attempt_id, lock=True)
        if attempt.status != "open":
            raise Conflict("This attempt has been submitted; files can no longer be handed in.",
                           code="attempt_submitted")
        if assessments.rules.is_overdue(utcnow(), attempt.deadline_at):
            raise Conflict("The time for this attempt is up; files are no longer accepted.",
                           code="deadline_passed")
        question = next((q for q in assessments.questions_of(attempt)
                         if q.id == question_id and q.kind == "file_upload"), None)
        if question is None:
            raise ValidationFailed("Not a file question of this attempt.",
                                   fields={"question_id": ["Not a file question of this attempt."]})
        allowed, max_mb, max_files = upload_rules_of(question)
        if not rules.within_limit(received.size, max_mb):
            raise PayloadTooLarge(f"This question takes files of at most {max_mb:g} MB.",
                                  fields={"file": [f"At most {max_mb:g} MB."]})
        answer = next((a for a in attempt.answers if a.question_id == question.id), None)
        kept = list(answer.response or []) if answer is not None and \
            isinstance(answer.response, list) else []
        if len(kept) >= max_files:
            raise Conflict(f"At most {max_files} file(s) for this question; remove one first.",
                           code="too_many_files", fields={"file": ["Too many files."]})
        verdict = _judge(received, filename, allowed)
    except DomainError:
        received.discard()
        raise
    blob = _ensure_blob(received, verdict)
    upload = AttemptUpload(attempt_id=attempt.id, question_id=question.id, user_id=user.id,
                           blob_sha256=blob.sha256,
                           filename=rules.safe_filename(filename, _fallback("upload", verdict)))
    db.session.add(upload)
    db.session.flush()
    if answer is None:
        attempt.answers.append(Answer(question_id=question.id, response=[upload.id]))
    else:
        answer.response = [*kept, upload.id]
    db.session.flush()
    return upload


def upload_ids(attempt_id: int, question_id: int) -> list[int]:
    """The ids of the files handed in for one question of an attempt."""
    return list(db.session.scalars(sa.select(AttemptUpload.id).where(
        AttemptUpload.attempt_id == attempt_id, AttemptUpload.question_id == question_id)))


def uploads_of(attempt_id: int) -> dict[int, AttemptUpload]:
    """The files handed in for an attempt, by id."""
    return {u.id: u for u in db.session.scalars(sa.select(AttemptUpload).where(
        AttemptUpload.attempt_id == attempt_id).order_by(AttemptUpload.id))}


def visible_upload(user, upload_id: int) -> AttemptUpload:
    """A handed-in file: its learner, whoever grades the attempt, the park's manager; else 404."""
    from lms.assessments import services as assessments

    if not user.is_authenticated:
        raise Unauthorized("Log in first.")
    upload = get_or_404(AttemptUpload, upload_id, "file")
    attempt = assessments.get_attempt(upload.attempt_id)
    if not assessments.can_view_attempt(user, attempt):
        raise NotFound("No such file.")
    return upload
