"""Assessment use cases: authoring, attempts, grading, regrading, gradebook and statistics.

Services load, check permission, apply the rules, change and flush; they never commit.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from functools import cache

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from lms.assessments import rules
from lms.assessments.models import (
    ASSESSMENT_STATUSES,
    GRADING_METHODS,
    REVIEW_MODES,
    Answer,
    Assessment,
    AssessmentOverride,
    Attempt,
    Question,
)
from lms.catalogue.models import Course
from lms.core import audit
from lms.core.db import get_or_404, lock_for_update
from lms.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from lms.core.permissions import ADMIN, PARK_MANAGER, TRAINER
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.notifications import services as notify
from lms.scheduling.models import Cohort, Enrollment

IN_COHORT = ("enrolled", "completed")  # enrolment statuses that count as "in the cohort"
SETTING_FIELDS = ("title", "required", "pass_percent", "max_attempts", "grading",
                  "time_limit_minutes", "opens_at", "closes_at", "shuffle_questions",
                  "shuffle_options", "draw_count", "review")


@dataclass(frozen=True)
class AssessmentResult:
    """A learner's result in one assessment, by its grading method (certificates read this)."""

    assessment_id: int
    title: str
    percent: float | None
    passed: bool
    status: str  # not_attempted | in_progress | needs_grading | graded


# loading and permissions ------------------------------------------------------------------------
def get_course(course_id: int) -> Course:
    """A course by id, else NotFound."""
    return get_or_404(Course, course_id, "course")


def get_assessment(assessment_id: int) -> Assessment:
    """An assessment by id, else NotFound."""
    return get_or_404(Assessment, assessment_id, "assessment")


def get_question(question_id: int) -> Question:
    """A question by id, else NotFound."""
    return get_or_404(Question, question_id, "question")


def get_attempt(attempt_id: int) -> Attempt:
    """An attempt by id, else NotFound."""
    return get_or_404(Attempt, attempt_id, "attempt")


def get_cohort(cohort_id: int) -> Cohort:
    """A cohort by id, else NotFound."""
    return get_or_404(Cohort, cohort_id, "cohort")


def is_course_staff(user, course: Course) -> bool:
    """Owner and admins, trainers of a cohort of the course, managers of a park running one."""
    if not user.is_authenticated or not user.is_staff:
        return False
    if course.can_manage(user):
        return True
    cond = Cohort.trainer_id == user.id if user.role == TRAINER else Cohort.park_id == user.park_id
    return bool(db.session.scalar(
        sa.select(Cohort.id).where(Cohort.course_id == course.id, cond).limit(1)))


def learner_cohort(user, course_id: int) -> Cohort | None:
    """The (latest) cohort of the course the learner is in, if any."""
    if not user.is_authenticated or not user.is_learner:
        return None
    return db.session.scalar(
        sa.select(Cohort).join(Enrollment, Enrollment.cohort_id == Cohort.id)
        .where(Enrollment.user_id == user.id, Enrollment.status.in_(IN_COHORT),
               Cohort.course_id == course_id)
        .order_by(Cohort.start_date.desc(), Cohort.id.desc()).limit(1))


def can_grade(user, attempt: Attempt) -> bool:
    """The cohort's trainer, the course owner and admins grade an attempt."""
    if not user.is_authenticated:
        return False
    if user.role == ADMIN or attempt.assessment.course.owner_id == user.id:
        return True
    if user.role == TRAINER and attempt.cohort_id is not None:
        cohort = db.session.get(Cohort, attempt.cohort_id)
        return cohort is not None and cohort.trainer_id == user.id
    return False


def can_view_attempt(user, attempt: Attempt) -> bool:
    """The learner themselves, whoever grades it, and the manager of the cohort's park."""
    if not user.is_authenticated:
        return False
    if attempt.user_id == user.id or can_grade(user, attempt):
        return True
    if user.role == PARK_MANAGER and attempt.cohort_id is not None:
        cohort = db.session.get(Cohort, attempt.cohort_id)
        return cohort is not None and cohort.park_id == user.park_id
    return False


def visible_attempt(user, attempt_id: int) -> Attempt:
    """An attempt the user may see; 404 for anyone else (they must not learn it exists)."""
    attempt = get_attempt(attempt_id)
    if not can_view_attempt(user, attempt):
        raise NotFound("No such attempt.")
    return attempt


def can_view_cohort_grades(user, cohort: Cohort) -> bool:
    """The cohort's trainer, its park's manager, admins and the course owner see its gradebook."""
    return cohort.can_teach(user) or cohort.course.can_manage(user)


def window_for(assessment: Assessment, cohort_id: int | None) -> tuple:
    """(opens_at, closes_at) of the assessment for a cohort, its override applied."""
    override = db.session.get(AssessmentOverride, (assessment.id, cohort_id)) \
        if cohort_id is not None else None
    return rules.effective_window(assessment.opens_at, assessment.closes_at,
                                  override.opens_at if override else None,
                                  override.closes_at if override else None)


def review_allowed(attempt: Attempt) -> bool:
    """Whether the attempt's learner may now see the answer key and per-question marks."""
    _opens, closes = window_for(attempt.assessment, attempt.cohort_id)
    return rules.may_review(attempt.assessment.review, attempt.status, utcnow(), closes)


# authoring ---------------------------------------------------------------------------------------
def _require_manage(actor, assessment_or_course) -> None:
    if not assessment_or_course.can_manage(actor):
        raise Forbidden("Only the course's owner and admins edit its assessments.")


def _validate_settings(data: dict, question_count: int) -> dict:
    """Check the assessment's own fields; return them cleaned (ValidationFailed otherwise)."""
    errors: dict[str, list[str]] = {}
    title = " ".join(str(data.get("title") or "").split())
    if not title or len(title) > 200:
        errors["title"] = ["A title of 1 to 200 characters is required."]

    def whole(name, low, high, default=None, optional=False):
        value = data.get(name, default)
        if value is None and optional:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            errors[name] = [f"A whole number from {low} to {high}."]
        return value

    clean = {
        "title": title,
        "required": bool(data.get("required", True)),
        "pass_percent": whole("pass_percent", 0, 100, 50),
        "max_attempts": whole("max_attempts", 1, 100, 1),
        "time_limit_minutes": whole("time_limit_minutes", 1, 1440, optional=True),
        "draw_count": whole("draw_count", 1, 500, optional=True),
        "grading": data.get("grading") or "highest",
        "review": data.get("review") or "after_submit",
        "shuffle_questions": bool(data.get("shuffle_questions", False)),
        "shuffle_options": bool(data.get("shuffle_options", False)),
        "opens_at": data.get("opens_at"),
        "closes_at": data.get("closes_at"),
    }
    if clean["grading"] not in GRADING_METHODS:
        errors["grading"] = [f"One of: {', '.join(GRADING_METHODS)}."]
    if clean["review"] not in REVIEW_MODES:
        errors["review"] = [f"One of: {', '.join(REVIEW_MODES)}."]
    for name in ("opens_at", "closes_at"):
        value = clean[name]
        if value is not None and (not isinstance(value, datetime) or value.tzinfo is None):
            errors[name] = ["An instant with its time zone."]
    if not errors.get("opens_at") and not errors.get("closes_at") and clean["opens_at"] \
            and clean["closes_at"] and clean["closes_at"] <= clean["opens_at"]:
        errors["closes_at"] = ["The close must come after the opening."]
    if isinstance(clean["draw_count"], int) and question_count and \
            clean["draw_count"] > question_count:
        errors["draw_count"] = [f"The pool has only {question_count} question(s)."]
    if errors:
        raise ValidationFailed("Please correct the marked fields.", fields=errors)
    return clean


def create_assessment(actor, course: Course, data: dict) -> Assessment:
    """Create an assessment with its questions on a course the actor manages."""
    _require_manage(actor, course)
    questions = data.get("questions") or []
    if not isinstance(questions, list) or len(questions) > 500:
        raise ValidationFailed("Give at most 500 questions.",
                               fields={"questions": ["At most 500 questions."]})
    settings = _validate_settings(data, len(questions))
    errors: dict[str, list[str]] = {}
    cleaned = []
    for i, q in enumerate(questions):
        clean, q_errors = rules.validate_question(q if isinstance(q, dict) else {})
        for name, messages in q_errors.items():
            errors[f"questions.{i}.{name}"] = messages
        cleaned.append(clean)
    if errors:
        raise ValidationFailed("Please correct the questions.", fields=errors)
    status = data.get("status") or "published"
    if status not in ASSESSMENT_STATUSES:
        raise ValidationFailed("Status is draft or published.",
                               fields={"status": ["Choose draft or published."]})
    assessment = Assessment(course_id=course.id, status=status, **settings)
    db.session.add(assessment)
    for position, clean in enumerate(cleaned, start=1):
        clean["options"] = rules.assign_option_ids(clean["options"], [])
        assessment.questions.append(Question(position=position, **clean))
    db.session.flush()
    audit.record("assessment.create", assessment, after={
        "title": assessment.title, "course_id": course.id, "questions": len(cleaned),
        "status": status}, actor=actor)
    return assessment


def publish_assessment(actor, assessment: Assessment) -> Assessment:
    """Make a draft visible to learners (it needs a question); publishing again changes
    nothing."""
    _require_manage(actor, assessment)
    if assessment.is_published:
        return assessment
    if not assessment.questions:
        raise Conflict("Add at least one question before publishing.", code="no_questions")
    assessment.status = "published"
    audit.record("assessment.publish", assessment, before={"status": "draft"},
                 after={"status": "published"}, actor=actor)
    db.session.flush()
    return assessment


def ensure_visible_to_learner(assessment: Assessment) -> None:
    """A draft does not exist for learners (404)."""
    if not assessment.is_published:
        raise NotFound("No such assessment.")


def _settings_snapshot(assessment: Assessment) -> dict:
    out = {}
    for name in SETTING_FIELDS:
        value = getattr(assessment, name)
        out[name] = value.isoformat() if isinstance(value, datetime) else value
    return out


def update_assessment(actor, assessment: Assessment, data: dict) -> Assessment:
    """Change an assessment's settings (not its questions)."""
    _require_manage(actor, assessment)
    settings = _validate_settings(data, len(assessment.questions))
    before = _settings_snapshot(assessment)
    for name, value in settings.items():
        setattr(assessment, name, value)
    after = _settings_snapshot(assessment)
    b, a = audit.diff(before, after)
    if a:
        if "pass_percent" in a:  # pass flags follow the pass mark
            for attempt in _submitted_attempts(assessment):
                if attempt.percent is not None:
                    attempt.passed = rules.passed(attempt.percent, assessment.pass_percent)
        audit.record("assessment.update", assessment, before=b, after=a, actor=actor)
    db.session.flush()
    return assessment


def _submitted_attempts(assessment: Assessment) -> list[Attempt]:
    return list(db.session.scalars(sa.select(Attempt).where(
        Attempt.assessment_id == assessment.id, Attempt.status != "open")))


def _has_attempts(assessment_id: int) -> bool:
    return bool(db.session.scalar(
        sa.select(Attempt.id).where(Attempt.assessment_id == assessment_id).limit(1)))


def add_question(actor, assessment: Assessment, data: dict) -> Question:
    """Add a question at the end of the assessment's pool."""
    _require_manage(actor, assessment)
    clean, errors = rules.validate_question(data)
    if errors:
        raise ValidationFailed("Please correct the question.", fields=errors)
    clean["options"] = rules.assign_option_ids(clean["options"], [])
    position = max((q.position for q in assessment.questions), default=0) + 1
    question = Question(position=position, **clean)
    assessment.questions.append(question)
    db.session.flush()
    audit.record("question.create", question, after={"assessment_id": assessment.id,
                                                     "kind": question.kind}, actor=actor)
    return question


def update_question(actor, question: Question, data: dict) -> Question:
    """Edit a question; a changed answer key regrades the submitted attempts (audited)."""
    assessment = question.assessment
    _require_manage(actor, assessment)
    clean, errors = rules.validate_question(data)
    if errors:
        raise ValidationFailed("Please correct the question.", fields=errors)
    if clean["kind"] != question.kind and _has_attempts(assessment.id):
        raise Conflict("Attempts exist: the kind of this question can no longer change.",
                       fields={"kind": ["Fixed once attempts exist."]}, code="question_in_use")
    clean["options"] = rules.assign_option_ids(clean["options"], question.options or [])
    key_before = rules.key_fields({"points": question.points, "options": question.options,
                                   "accepted_answers": question.accepted_answers,
                                   "answer": question.answer, "tolerance": question.tolerance})
    for name, value in clean.items():
        setattr(question, name, value)
    key_after = rules.key_fields(clean)
    db.session.flush()
    if key_before != key_after:
        changes = regrade_question(question)
        audit.record("question.key_change", question, before=key_before, after=key_after,
                     reason=f"Answer key changed; {len(changes)} submitted attempt(s) regraded.",
                     actor=actor)
        if changes:
            audit.record("assessment.regrade", assessment, after={"question_id": question.id,
                                                                  "attempts": changes},
                         actor=actor)
    else:
        audit.record("question.update", question, after={"prompt": question.prompt[:200]},
                     actor=actor)
    db.session.flush()
    return question


def regrade_question(question: Question) -> list[dict]:
    """Regrade the submitted attempts that drew `question`; return what changed."""
    assessment = question.assessment
    questions = {q.id: q for q in assessment.questions}
    changes = []
    for attempt in _submitted_attempts(assessment):
        if question.id not in (attempt.question_ids or []):
            continue
        before = (attempt.score, attempt.percent, attempt.status)
        _grade_attempt(attempt, questions)
        after = (attempt.score, attempt.percent, attempt.status)
        if before != after:
            changes.append({"attempt_id": attempt.id, "before": {"score": before[0],
                            "percent": before[1], "status": before[2]},
                            "after": {"score": after[0], "percent": after[1],
                                      "status": after[2]}})
    return changes


def delete_question(actor, question: Question) -> None:
    """Remove a question no attempt has drawn yet."""
    assessment = question.assessment
    _require_manage(actor, assessment)
    used = any(question.id in (ids or []) for ids in db.session.scalars(
        sa.select(Attempt.question_ids).where(Attempt.assessment_id == assessment.id)))
    if used:
        raise Conflict("Attempts have drawn this question; it can no longer be deleted.",
                       code="question_in_use")
    audit.record("question.delete", question, before={"assessment_id": assessment.id,
                                                      "prompt": question.prompt[:200]},
                 actor=actor)
    assessment.questions.remove(question)
    for position, q in enumerate(assessment.questions, start=1):
        q.position = position
    db.session.flush()


def move_question(actor, question: Question, direction: str) -> None:
    """Move a question one place up or down in the pool."""
    assessment = question.assessment
    _require_manage(actor, assessment)
    if direction not in ("up", "down"):
        raise ValidationFailed("Move up or down.", fields={"direction": ["up or down"]})
    ordered = list(assessment.questions)
    i = ordered.index(question)
    j = i - 1 if direction == "up" else i + 1
    if 0 <= j < len(ordered):
        ordered[i], ordered[j] = ordered[j], ordered[i]
        for position, q in enumerate(ordered, start=1):
            q.position = position
    db.session.flush()


def reorder_questions(actor, assessment: Assessment, question_ids: list[int]) -> None:
    """Put the pool in the given order (every question id exactly once)."""
    _require_manage(actor, assessment)
    by_id = {q.id: q for q in assessment.questions}
    if sorted(question_ids) != sorted(by_id):
        raise ValidationFailed("Give every question of the assessment once.",
                               fields={"question_ids": ["Every question exactly once."]})
    for position, qid in enumerate(question_ids, start=1):
        by_id[qid].position = position
    db.session.flush()


def set_override(actor, assessment: Assessment, cohort_id: int, opens_at, closes_at):
    """Give a cohort its own opening and closing times (both None removes the override)."""
    cohort = get_cohort(cohort_id)
    if cohort.course_id != assessment.course_id:
        raise ValidationFailed("That cohort is not a run of this course.",
                               fields={"cohort_id": ["Not a cohort of this course."]})
    if not (assessment.can_manage(actor) or cohort.trainer_id == actor.id):
        raise Forbidden("Only the course's owner, the cohort's trainer and admins set this.")
    if opens_at and closes_at and closes_at <= opens_at:
        raise ValidationFailed("The close must come after the opening.",
                               fields={"closes_at": ["After the opening."]})
    override = db.session.get(AssessmentOverride, (assessment.id, cohort.id))
    before = {"opens_at": override.opens_at.isoformat() if override and override.opens_at
              else None, "closes_at": override.closes_at.isoformat()
              if override and override.closes_at else None}
    if opens_at is None and closes_at is None:
        if override is not None:
            db.session.delete(override)
    else:
        if override is None:
            override = AssessmentOverride(assessment_id=assessment.id, cohort_id=cohort.id)
            db.session.add(override)
        override.opens_at, override.closes_at = opens_at, closes_at
    audit.record("assessment.override", assessment, before=before, after={
        "cohort_id": cohort.id, "opens_at": opens_at.isoformat() if opens_at else None,
        "closes_at": closes_at.isoformat() if closes_at else None}, actor=actor)
    db.session.flush()
    return override


def overrides_of(assessment: Assessment) -> list[tuple[AssessmentOverride, Cohort]]:
    """The assessment's overrides with their cohorts."""
    return list(db.session.execute(
        sa.select(AssessmentOverride, Cohort).join(Cohort, Cohort.id == AssessmentOverride.cohort_id)
        .where(AssessmentOverride.assessment_id == assessment.id).order_by(Cohort.start_date)).all())


def course_cohorts(course_id: int) -> list[Cohort]:
    """The cohorts of a course, newest first."""
    return list(db.session.scalars(sa.select(Cohort).where(Cohort.course_id == course_id)
                                   .order_by(Cohort.start_date.desc())))


def course_assessments(course_id: int) -> list[Assessment]:
    """A course's assessments, oldest first."""
    return list(db.session.scalars(sa.select(Assessment).where(
        Assessment.course_id == course_id).order_by(Assessment.id)))


def required_assessments(course_id: int) -> list[Assessment]:
    """The assessments a learner must pass to complete the course."""
    return list(db.session.scalars(sa.select(Assessment).where(
        Assessment.course_id == course_id, Assessment.required.is_(True),
        Assessment.status == "published").order_by(Assessment.id)))


def staff_courses(actor) -> list[tuple[Course, int]]:
    """Courses the actor manages or teaches, with how many assessments each has."""
    count = sa.select(sa.func.count(Assessment.id)).where(
        Assessment.course_id == Course.id).scalar_subquery()
    stmt = sa.select(Course, count).order_by(Course.code)
    if not actor.is_admin:
        taught = sa.select(Cohort.course_id).where(
            Cohort.trainer_id == actor.id if actor.role == TRAINER
            else Cohort.park_id == actor.park_id)
        cond = Course.id.in_(taught)
        if actor.role == TRAINER:
            cond = sa.or_(Course.owner_id == actor.id, cond)
        stmt = stmt.where(cond)
    return list(db.session.execute(stmt).all())


def staff_cohorts(actor) -> list[Cohort]:
    """Cohorts whose gradebook the actor sees."""
    stmt = sa.select(Cohort).join(Course, Course.id == Cohort.course_id).order_by(
        Cohort.start_date.desc())
    if actor.role == TRAINER:
        stmt = stmt.where(sa.or_(Cohort.trainer_id == actor.id, Course.owner_id == actor.id))
    elif actor.role == PARK_MANAGER:
        stmt = stmt.where(Cohort.park_id == actor.park_id)
    elif not actor.is_admin:
        return []
    return list(db.session.scalars(stmt.limit(200)))


# attempts ----------------------------------------------------------------------------------------
def _open_attempt(user_id: int, assessment_id: int) -> Attempt | None:
    return db.session.scalar(sa.select(Attempt).where(
        Attempt.assessment_id == assessment_id, Attempt.user_id == user_id,
        Attempt.status == "open"))


def attempts_of(user_id: int, assessment_id: int) -> list[Attempt]:
    """A learner's attempts at an assessment, in order."""
    return list(db.session.scalars(sa.select(Attempt).where(
        Attempt.assessment_id == assessment_id, Attempt.user_id == user_id)
        .order_by(Attempt.number)))


def start_attempt(user, assessment: Assessment) -> Attempt:
    """Start an attempt: enrolled learner, window open, attempts left, none open (409 if so)."""
    if not user.is_learner:
        raise Forbidden("Only learners take assessments.")
    ensure_visible_to_learner(assessment)
    cohort = learner_cohort(user, assessment.course_id)
    if cohort is None:
        raise Forbidden("Only learners enrolled in a cohort of this course may attempt it.")
    now = utcnow()
    current = _open_attempt(user.id, assessment.id)
    if current is not None and rules.is_overdue(now, current.deadline_at):
        finalise(current)
        current = None
    if current is not None:
        raise Conflict("You have an attempt in progress; continue it.", code="attempt_open",
                       extra={"attempt_id": current.id})
    opens, closes = window_for(assessment, cohort.id)
    state = rules.window_state(now, opens, closes)
    if state != "open":
        raise Conflict("The assessment is not open yet." if state == "not_yet"
                       else "The assessment has closed.", code=f"window_{state}")
    numbers = list(db.session.scalars(sa.select(Attempt.number).where(
        Attempt.assessment_id == assessment.id, Attempt.user_id == user.id)))
    if len(numbers) >= assessment.max_attempts:
        raise Conflict("You have used all your attempts.", code="attempts_used_up")
    pool = [q for q in assessment.questions]
    if not pool:
        raise Conflict("This assessment has no questions yet.", code="no_questions")
    number = max(numbers, default=0) + 1
    seed = rules.attempt_seed(assessment.id, user.id, number)
    question_ids = rules.draw_questions([q.id for q in pool], assessment.draw_count,
                                        assessment.shuffle_questions, seed)
    orders = {}
    by_id = {q.id: q for q in pool}
    for qid in question_ids:
        q = by_id[qid]
        if q.kind in rules.CHOICE_KINDS:
            ids = [o["id"] for o in q.options]
            orders[str(qid)] = rules.option_order(ids, rules.private_seed(
                _secret(), f"{seed}:q{qid}")) if assessment.shuffle_options else ids
    attempt = Attempt(assessment_id=assessment.id, user_id=user.id, cohort_id=cohort.id,
                      number=number, started_at=now,
                      deadline_at=rules.deadline(now, assessment.time_limit_minutes, closes),
                      status="open", question_ids=question_ids, option_orders=orders)
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
            db.session.flush()
    except IntegrityError:
        # a concurrent request of the same learner won the race (the unique indexes said so)
        existing = _open_attempt(user.id, assessment.id)
        if existing is not None:
            raise Conflict("You have an attempt in progress; continue it.", code="attempt_open",
                           extra={"attempt_id": existing.id}) from None
        raise Conflict("Another attempt was started at the same moment; try again.",
                       code="attempt_race") from None
    return attempt


def questions_of(attempt: Attempt) -> list[Question]:
    """The attempt's questions in the order the learner sees them."""
    by_id = {q.id: q for q in attempt.assessment.questions}
    return [by_id[qid] for qid in attempt.question_ids if qid in by_id]


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


def attempt_option_ids(attempt: Attempt, question: Question) -> dict[int, int]:
    """The attempt's own ids of a question's options (authoring id -> the id its learner sees):
    they say nothing about the authoring order or which option is right."""
    return rules.public_option_ids(_secret(), f"attempt:{attempt.id}:question:{question.id}",
                                   [o["id"] for o in question.options or []])


def ordered_options(attempt: Attempt, question: Question) -> list[dict]:
    """A choice question's options in the attempt's order, under the attempt's own ids."""
    by_id = {o["id"]: o for o in question.options or []}
    order = (attempt.option_orders or {}).get(str(question.id)) or list(by_id)
    shown = [by_id[i] for i in order if i in by_id]
    shown += [o for i, o in by_id.items() if i not in order]  # options added since
    public = attempt_option_ids(attempt, question)
    return [{**o, "id": public[o["id"]]} for o in shown]


def shown_response(attempt: Attempt, question: Question, response):
    """A stored response as the attempt shows it: choices under the attempt's own option ids."""
    if question.kind not in rules.CHOICE_KINDS:
        return response
    return rules.translate_response(question.kind, response, attempt_option_ids(attempt, question))


def own_open_attempt(user, attempt_id: int, *, lock: bool = False) -> Attempt:
    """The user's own attempt (404 for anyone else's), row-locked when asked."""
    attempt = lock_for_update(Attempt, attempt_id) if lock else db.session.get(Attempt, attempt_id)
    if attempt is None or (attempt.user_id != user.id and not can_view_attempt(user, attempt)):
        raise NotFound("No such attempt.")
    if attempt.user_id != user.id:
        raise Forbidden("Only the learner who took this attempt may change it.")
    return attempt


def save_answers(user, attempt_id: int, answers: list[dict], *, submit: bool = False) -> Attempt:
    """Save responses to the user's own open attempt before its deadline (409 otherwise)."""
    attempt = own_open_attempt(user, attempt_id, lock=True)
    if attempt.status != "open":
        raise Conflict("This attempt has been submitted; answers can no longer change.",
                       code="attempt_submitted")
    if rules.is_overdue(utcnow(), attempt.deadline_at):
        raise Conflict("The time for this attempt is up; answers are no longer accepted.",
                       code="deadline_passed")
    questions = {q.id: q for q in questions_of(attempt)}
    errors: dict[str, list[str]] = {}
    cleaned: dict[int, object] = {}
    for i, item in enumerate(answers or []):
        qid = item.get("question_id") if isinstance(item, dict) else None
        question = questions.get(qid) if isinstance(qid, int) else None
        if question is None:
            errors[f"answers.{i}.question_id"] = ["Not a question of this attempt."]
            continue
        try:
            response = item.get("response")
            if question.kind in rules.CHOICE_KINDS:  # the attempt's ids -> the authoring ids
                public = attempt_option_ids(attempt, question)
                response = rules.translate_response(question.kind, response,
                                                    {v: k for k, v in public.items()})
            cleaned[qid] = rules.clean_response(question.kind, response,
                                                _choice_ids(attempt, question))
        except ValueError as exc:
            errors[f"answers.{i}.response"] = [str(exc)]
            errors.setdefault(f"q{qid}", []).append(str(exc))
    if errors:
        raise ValidationFailed("Some answers are not valid for their questions.", fields=errors)
    existing = {a.question_id: a for a in attempt.answers}
    for qid, response in cleaned.items():
        answer = existing.get(qid)
        if response is None:
            if answer is not None:
                attempt.answers.remove(answer)
        elif answer is None:
            attempt.answers.append(Answer(question_id=qid, response=response))
        else:
            answer.response = response
    db.session.flush()
    if submit:
        finalise(attempt, utcnow())
    return attempt


def _choice_ids(attempt: Attempt, question: Question) -> list[int]:
    """The ids a response may name: options, or for file_upload the files handed in."""
    if question.kind == "file_upload":
        from lms.materials.services import upload_ids

        return upload_ids(attempt.id, question.id)
    return [o["id"] for o in question.options or []]


def _grade_attempt(attempt: Attempt, questions: dict[int, Question]) -> None:
    """(Re)compute every answer's points and the attempt's totals, status and pass flag."""
    answers = {a.question_id: a for a in attempt.answers}
    points, maxima = [], []
    for qid in attempt.question_ids or []:
        question = questions.get(qid)
        if question is None:
            continue
        answer = answers.get(qid)
        if question.kind in rules.MANUAL_KINDS and answer is not None and \
                answer.graded_at is not None:
            earned = min(max(answer.points or 0.0, 0.0), question.points)
        else:
            earned = rules.grade(rules.Key.of(question), answer.response if answer else None)
        if answer is not None:
            answer.points = earned
        points.append(earned)
        maxima.append(question.points)
    score, max_score, percent = rules.totals(points, maxima)
    attempt.score, attempt.max_score, attempt.percent = score, max_score, percent
    attempt.status = "graded" if percent is not None else "needs_grading"
    attempt.passed = rules.passed(percent, attempt.assessment.pass_percent) \
        if percent is not None else None


def finalise(attempt: Attempt, when: datetime | None = None) -> Attempt:
    """Close an open attempt with its saved answers and grade it (idempotent)."""
    if attempt.status != "open":
        return attempt
    attempt.submitted_at = when or min(utcnow(), attempt.deadline_at or utcnow())
    _grade_attempt(attempt, {q.id: q for q in attempt.assessment.questions})
    db.session.flush()
    return attempt


def finalise_if_overdue(attempt: Attempt) -> Attempt:
    """Finalise an attempt left open past its deadline (lazily, when it is touched)."""
    if attempt.status == "open" and rules.is_overdue(utcnow(), attempt.deadline_at):
        finalise(attempt, attempt.deadline_at)
    return attempt


def finalise_overdue(*, course_id: int | None = None, user_id: int | None = None) -> int:
    """Finalise every open attempt past its deadline (optionally of one course or learner)."""
    stmt = sa.select(Attempt).where(Attempt.status == "open", Attempt.deadline_at.is_not(None),
                                    Attempt.deadline_at <= utcnow())
    if course_id is not None:
        stmt = stmt.where(Attempt.assessment_id.in_(
            sa.select(Assessment.id).where(Assessment.course_id == course_id)))
    if user_id is not None:
        stmt = stmt.where(Attempt.user_id == user_id)
    overdue = list(db.session.scalars(stmt))
    for attempt in overdue:
        finalise(attempt, attempt.deadline_at)
    return len(overdue)


def submit_attempt(user, attempt_id: int) -> Attempt:
    """Submit the user's own attempt and grade it; a second submit returns the same result."""
    attempt = own_open_attempt(user, attempt_id, lock=True)
    if attempt.status != "open":
        return attempt
    now = utcnow()
    when = min(now, attempt.deadline_at) if attempt.deadline_at else now
    finalise(attempt, when)
    return attempt


# essay grading -----------------------------------------------------------------------------------
def grading_queue_stmt(actor) -> sa.Select:
    """Submitted attempts with essays waiting for the actor, oldest first."""
    stmt = (sa.select(Attempt).join(Assessment, Assessment.id == Attempt.assessment_id)
            .join(Course, Course.id == Assessment.course_id)
            .where(Attempt.status == "needs_grading").order_by(Attempt.submitted_at, Attempt.id))
    if actor.is_admin:
        return stmt
    if actor.role != TRAINER:
        return stmt.where(sa.false())
    taught = sa.select(Cohort.id).where(Cohort.trainer_id == actor.id)
    return stmt.where(sa.or_(Course.owner_id == actor.id, Attempt.cohort_id.in_(taught)))


def grading_queue_count(actor) -> int:
    """How many attempts wait for the actor's grading."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(
        grading_queue_stmt(actor).order_by(None).subquery())) or 0


def grade_answers(actor, attempt_id: int, grades: list[dict]) -> Attempt:
    """Grade essays of a submitted attempt (points 0..question points, comment)."""
    attempt = lock_for_update(Attempt, attempt_id)
    if attempt is None or not can_view_attempt(actor, attempt):
        raise NotFound("No such attempt.")
    if not can_grade(actor, attempt):
        raise Forbidden("Only the cohort's trainer, the course owner and admins grade.")
    if attempt.status == "open":
        raise Conflict("The learner has not submitted this attempt yet.", code="attempt_open")
    questions = {q.id: q for q in attempt.assessment.questions}
    drawn = set(attempt.question_ids or [])
    errors: dict[str, list[str]] = {}
    valid = []
    for i, g in enumerate(grades or []):
        qid = g.get("question_id") if isinstance(g, dict) else None
        question = questions.get(qid) if qid in drawn else None
        if question is None or question.kind not in rules.MANUAL_KINDS:
            errors[f"grades.{i}.question_id"] = ["Not an essay or file question of this attempt."]
            continue
        pts = g.get("points")
        if not isinstance(pts, int | float) or isinstance(pts, bool) or not \
                0 <= pts <= question.points:
            errors[f"grades.{i}.points"] = [f"From 0 to {question.points:g}."]
            errors.setdefault(f"points_{qid}", []).append(f"From 0 to {question.points:g}.")
            continue
        comment = g.get("comment")
        if comment is not None and (not isinstance(comment, str) or len(comment) > 5000):
            errors[f"grades.{i}.comment"] = ["At most 5,000 characters."]
            continue
        valid.append((question, float(pts), (comment or "").strip() or None))
    if errors:
        raise ValidationFailed("Please correct the grades.", fields=errors)
    if not valid:
        raise ValidationFailed("Give at least one grade.", fields={"grades": ["Empty."]})
    answers = {a.question_id: a for a in attempt.answers}
    now = utcnow()
    for question, pts, comment in valid:
        answer = answers.get(question.id)
        if answer is None:
            answer = Answer(question_id=question.id,
                            response="" if question.kind == "essay" else None)
            attempt.answers.append(answer)
        answer.points, answer.comment = pts, comment
        answer.graded_by_id, answer.graded_at = actor.id, now
    before = {"status": attempt.status, "score": attempt.score, "percent": attempt.percent}
    _grade_attempt(attempt, questions)
    audit.record("attempt.grade", attempt, before=before, after={
        "status": attempt.status, "score": attempt.score, "percent": attempt.percent,
        "grades": [{"question_id": q.id, "points": p} for q, p, _c in valid]}, actor=actor)
    db.session.flush()
    notify.essay_graded(attempt)
    return attempt


# results -----------------------------------------------------------------------------------------
def _result(assessment: Assessment, facts: list[rules.AttemptFacts]) -> AssessmentResult:
    percent = rules.result_percent(facts, assessment.grading)
    return AssessmentResult(assessment_id=assessment.id, title=assessment.title, percent=percent,
                            passed=rules.passed(percent, assessment.pass_percent),
                            status=rules.result_status(facts))


def cohort_results(cohort: Cohort) -> dict[int, dict[int, AssessmentResult]]:
    """user_id -> assessment_id -> result, for every learner in the cohort (constant queries)."""
    finalise_overdue(course_id=cohort.course_id)
    assessments = course_assessments(cohort.course_id)
    user_ids = list(db.session.scalars(sa.select(Enrollment.user_id).where(
        Enrollment.cohort_id == cohort.id, Enrollment.status.in_(IN_COHORT))))
    facts: dict[tuple[int, int], list[rules.AttemptFacts]] = defaultdict(list)
    if assessments and user_ids:
        rows = db.session.execute(sa.select(
            Attempt.user_id, Attempt.assessment_id, Attempt.number, Attempt.status,
            Attempt.percent).where(
            Attempt.assessment_id.in_([a.id for a in assessments]),
            Attempt.user_id.in_(sa.select(Enrollment.user_id).where(
                Enrollment.cohort_id == cohort.id, Enrollment.status.in_(IN_COHORT)))))
        for uid, aid, number, status, percent in rows:
            facts[(uid, aid)].append(rules.AttemptFacts(number, status, percent))
    return {uid: {a.id: _result(a, facts.get((uid, a.id), [])) for a in assessments}
            for uid in user_ids}


def gradebook(actor, cohort: Cohort):
    """(assessments, [(user, {assessment_id: result})]) of a cohort, for its staff."""
    if not can_view_cohort_grades(actor, cohort):
        raise Forbidden("Only the cohort's staff see its gradebook.")
    from lms.accounts.models import User

    results = cohort_results(cohort)
    assessments = course_assessments(cohort.course_id)
    users = list(db.session.scalars(sa.select(User).where(User.id.in_(list(results)))
                                    .order_by(User.full_name))) if results else []
    return assessments, [(u, results[u.id]) for u in users]


def gradebook_rows(assessments, rows):
    """Rows for the CSV export: learner, e-mail, then percent and pass per assessment."""
    for user, results in rows:
        out = [user.full_name, user.email]
        for a in assessments:
            r = results[a.id]
            out += ["" if r.percent is None else f"{r.percent:g}",
                    "yes" if r.passed else "no", r.status]
        yield out


def my_grades(user) -> list[dict]:
    """The learner's assessments (courses they are in) with attempts and result."""
    finalise_overdue(user_id=user.id)
    courses = sa.select(Cohort.course_id).join(Enrollment, Enrollment.cohort_id == Cohort.id).where(
        Enrollment.user_id == user.id, Enrollment.status.in_(IN_COHORT))
    assessments = list(db.session.scalars(sa.select(Assessment).where(
        Assessment.course_id.in_(courses), Assessment.status == "published")
        .order_by(Assessment.course_id, Assessment.id)))
    attempts: dict[int, list[Attempt]] = defaultdict(list)
    for attempt in db.session.scalars(sa.select(Attempt).where(
            Attempt.user_id == user.id).order_by(Attempt.number)):
        attempts[attempt.assessment_id].append(attempt)
    out = []
    for a in assessments:
        mine = attempts.get(a.id, [])
        facts = [rules.AttemptFacts(t.number, t.status, t.percent) for t in mine]
        out.append({"assessment": a, "attempts": mine, "result": _result(a, facts),
                    "attempts_left": max(0, a.max_attempts - len(mine))})
    return out


def learner_state(user, assessment: Assessment) -> dict:
    """What a learner sees on an assessment's page: window, attempts, what they may do."""
    ensure_visible_to_learner(assessment)
    cohort = learner_cohort(user, assessment.course_id)
    if cohort is None:
        raise NotFound("No such assessment.")
    mine = attempts_of(user.id, assessment.id)
    for attempt in mine:
        finalise_if_overdue(attempt)
    opens, closes = window_for(assessment, cohort.id)
    state = rules.window_state(utcnow(), opens, closes)
    current = next((t for t in mine if t.status == "open"), None)
    facts = [rules.AttemptFacts(t.number, t.status, t.percent) for t in mine]
    return {"cohort": cohort, "opens_at": opens, "closes_at": closes, "window": state,
            "attempts": mine, "open_attempt": current,
            "attempts_left": max(0, assessment.max_attempts - len(mine)),
            "can_start": current is None and state == "open"
            and len(mine) < assessment.max_attempts and bool(assessment.questions),
            "result": _result(assessment, facts)}


def question_statistics(actor, assessment: Assessment) -> list[dict]:
    """Per question: times drawn, answered, share correct, the most chosen wrong option."""
    if not is_course_staff(actor, assessment.course):
        raise Forbidden("Only the course's staff see its statistics.")
    questions = list(assessment.questions)
    drawn: Counter = Counter()
    for ids in db.session.scalars(sa.select(Attempt.question_ids).where(
            Attempt.assessment_id == assessment.id, Attempt.status != "open")):
        drawn.update(ids or [])
    stats = {q.id: {"answered": 0, "full": 0, "points": 0.0, "wrong": Counter()}
             for q in questions}
    by_id = {q.id: q for q in questions}
    rows = db.session.execute(
        sa.select(Answer.question_id, Answer.response, Answer.points)
        .join(Attempt, Attempt.id == Answer.attempt_id)
        .where(Attempt.assessment_id == assessment.id, Attempt.status != "open"))
    for qid, response, pts in rows:  # one pass over the submitted answers
        s, q = stats.get(qid), by_id.get(qid)
        if s is None:
            continue
        s["answered"] += 1
        s["points"] += pts or 0.0
        if rules.is_full_marks(pts, q.points):
            s["full"] += 1
        if q.kind in rules.CHOICE_KINDS:
            right = {o["id"] for o in q.options if o.get("correct")}
            chosen = response if isinstance(response, list) else [response]
            s["wrong"].update(c for c in chosen if c not in right)
    out = []
    for q in questions:
        s = stats[q.id]
        times = drawn.get(q.id, 0)
        wrong = s["wrong"].most_common(1)
        texts = {o["id"]: o["text"] for o in q.options or []}
        out.append({
            "question": q, "drawn": times, "answered": s["answered"],
            "share_correct": round(100.0 * s["full"] / times, 1) if times else None,
            "average_points": round(s["points"] / times, 2) if times else None,
            "top_wrong": (texts.get(wrong[0][0], "(removed option)"), wrong[0][1]) if wrong
            else None})
    return out


# home ---------------------------------------------------------------------------------------------
@cache
def _home_open_stmt() -> sa.Select:
    """Per assessment of the learner's courses and cohort: window, override, attempts (built
    once)."""
    A, Ov, user_id = Assessment, AssessmentOverride, sa.bindparam("user_id")
    mine = sa.and_(Attempt.assessment_id == A.id, Attempt.user_id == user_id)
    return (
        sa.select(A.id.label("assessment_id"), A.title, A.max_attempts, A.opens_at, A.closes_at,
                  Course.code.label("course_code"), Cohort.id.label("cohort_id"),
                  Ov.opens_at.label("override_opens"), Ov.closes_at.label("override_closes"),
                  sa.select(sa.func.count()).where(mine).scalar_subquery().label("attempts"),
                  sa.select(sa.func.max(Attempt.id)).where(mine, Attempt.status == "open")
                  .scalar_subquery().label("open_attempt_id"))
        .select_from(Enrollment).join(Cohort, Cohort.id == Enrollment.cohort_id)
        .join(A, A.course_id == Cohort.course_id).join(Course, Course.id == A.course_id)
        .outerjoin(Ov, sa.and_(Ov.assessment_id == A.id, Ov.cohort_id == Cohort.id))
        .where(Enrollment.user_id == user_id, Enrollment.status.in_(IN_COHORT),
               A.status == "published")
        .order_by(A.id, Cohort.start_date, Cohort.id))


@cache
def _home_recent_stmt() -> sa.Select:
    """A learner's last five finished attempts with the assessment's title, built once."""
    return (
        sa.select(Attempt.id, Attempt.number, Attempt.percent, Attempt.passed, Assessment.title)
        .join(Assessment, Assessment.id == Attempt.assessment_id)
        .where(Attempt.user_id == sa.bindparam("user_id"), Attempt.status != "open")
        .order_by(Attempt.submitted_at.desc(), Attempt.id.desc()).limit(5))


def learner_home(user) -> dict:
    """Open assessments the learner may take or continue, and recent results (two queries)."""
    now = utcnow()
    latest: dict[int, sa.Row] = {}  # per assessment, the row of the learner's latest cohort
    for row in db.session.execute(_home_open_stmt(), {"user_id": user.id}):
        latest[row.assessment_id] = row
    open_items = []
    for row in latest.values():
        opens, closes = rules.effective_window(row.opens_at, row.closes_at, row.override_opens,
                                               row.override_closes)
        if rules.window_state(now, opens, closes) != "open":
            continue
        if row.open_attempt_id is not None or row.attempts < row.max_attempts:
            open_items.append({"assessment_id": row.assessment_id, "title": row.title,
                               "course_code": row.course_code, "closes_at": closes,
                               "open_attempt_id": row.open_attempt_id})
    recent = db.session.execute(_home_recent_stmt(), {"user_id": user.id}).all()
    return {"open_items": open_items, "recent": recent}
