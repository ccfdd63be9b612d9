"""JSON API of the assessments feature (paths and fields as API.md writes them)."""

import sqlalchemy as sa

from lms.assessments import services
from lms.assessments.models import Assessment
from lms.assessments.schemas import (
    AnswersInSchema,
    AnswersSavedSchema,
    AssessmentFullSchema,
    AssessmentInSchema,
    AssessmentPageSchema,
    AssessmentSchema,
    AttemptSchema,
    AttemptStartedSchema,
    GradesInSchema,
    ListQuerySchema,
    SubmitResultSchema,
    assessment_full,
    assessment_learner,
    attempt_body,
    question_learner,
    submit_result,
)
from lms.core.api import api_blueprint, authorize
from lms.core.errors import Forbidden, NotFound
from lms.core.pagination import paginate
from lms.core.permissions import ADMIN, FACULTY, STUDENT, TRAINER, require_login, require_roles
from lms.extensions import db

blp = api_blueprint("assessments_api", __name__, "Assessments")


def _may_author(course_id):
    actor = require_roles(TRAINER, ADMIN)
    if not services.get_course(course_id).can_manage(actor):
        raise Forbidden("Only the course's owner and admins edit its assessments.")


def _may_answer(attempt_id):
    services.own_open_attempt(require_login(), attempt_id)


def _may_grade(attempt_id):
    actor = require_login()
    if not services.can_grade(actor, services.visible_attempt(actor, attempt_id)):
        raise Forbidden("Only the cohort's trainer, the course owner and admins grade.")


@blp.route("/courses/<int:course_id>/assessments", methods=["POST"])
@authorize(_may_author)
@blp.arguments(AssessmentInSchema)
@blp.response(201, AssessmentFullSchema)
def create_assessment(data, course_id):
    """Create an assessment with its questions (owner trainer, admin)."""
    actor = require_roles(TRAINER, ADMIN)
    assessment = services.create_assessment(actor, services.get_course(course_id), data)
    db.session.commit()
    return assessment_full(assessment)


@blp.route("/courses/<int:course_id>/assessments", methods=["GET"])
@blp.arguments(ListQuerySchema, location="query")
@blp.response(200, AssessmentPageSchema)
def list_assessments(args, course_id):
    """A course's assessments, for its staff (settings only)."""
    actor = require_login()
    course = services.get_course(course_id)
    if not services.is_course_staff(actor, course):
        raise Forbidden("Only the course's staff list its assessments.")
    page = paginate(sa.select(Assessment).where(Assessment.course_id == course.id)
                    .order_by(Assessment.id), args["page"], args["per_page"])
    return page.envelope([{k: v for k, v in assessment_full(a).items() if k != "questions"}
                          for a in page.items])


def _assessment_for(actor, assessment_id: int):
    assessment = services.get_assessment(assessment_id)
    if services.is_course_staff(actor, assessment.course):
        return assessment, True
    if actor.is_learner:
        if services.learner_cohort(actor, assessment.course_id) is None:
            raise NotFound("No such assessment.")
        services.ensure_visible_to_learner(assessment)
        return assessment, False
    raise Forbidden("Only the course's staff see this assessment.")


@blp.route("/assessments/<int:assessment_id>", methods=["GET"])
@blp.response(200, AssessmentSchema)
def get_assessment(assessment_id):
    """An assessment: staff get everything; enrolled learners settings and their attempts."""
    actor = require_login()
    assessment, staff = _assessment_for(actor, assessment_id)
    if staff:
        return assessment_full(assessment)
    state = services.learner_state(actor, assessment)
    db.session.commit()  # overdue attempts were finalised
    return assessment_learner(assessment, state)


@blp.route("/assessments/<int:assessment_id>/publish", methods=["POST"])
@blp.response(200, AssessmentFullSchema)
def publish_assessment(assessment_id):
    """A draft becomes visible to learners (owner trainer, admin); 409 without questions."""
    actor = require_roles(TRAINER, ADMIN)
    assessment = services.publish_assessment(actor, services.get_assessment(assessment_id))
    db.session.commit()
    return assessment_full(assessment)


@blp.route("/assessments/<int:assessment_id>/attempts", methods=["POST"])
@blp.response(201, AttemptStartedSchema)
def start_attempt(assessment_id):
    """Start an attempt (an enrolled learner); 409 when used up or one is open."""
    actor = require_roles(STUDENT, FACULTY)
    assessment, _staff = _assessment_for(actor, assessment_id)
    attempt = services.start_attempt(actor, assessment)
    db.session.commit()
    questions = services.questions_of(attempt)
    return {"id": attempt.id, "number": attempt.number, "status": attempt.status,
            "started_at": attempt.started_at.isoformat(),
            "deadline_at": attempt.deadline_at.isoformat() if attempt.deadline_at else None,
            "questions": [question_learner(q, services.ordered_options(attempt, q))
                          for q in questions]}


@blp.route("/attempts/<int:attempt_id>/answers", methods=["PUT"])
@authorize(_may_answer)
@blp.arguments(AnswersInSchema)
@blp.response(200, AnswersSavedSchema)
def save_answers(data, attempt_id):
    """Save answers to one's own open attempt; 409 after submit or the deadline."""
    actor = require_login()
    attempt = services.save_answers(actor, attempt_id, data["answers"])
    db.session.commit()
    return {"id": attempt.id, "saved": len(data["answers"]),
            "deadline_at": attempt.deadline_at.isoformat() if attempt.deadline_at else None}


@blp.route("/attempts/<int:attempt_id>/submit", methods=["POST"])
@blp.response(200, SubmitResultSchema)
def submit_attempt(attempt_id):
    """Submit one's own attempt; a second submit returns the same result."""
    actor = require_login()
    attempt = services.submit_attempt(actor, attempt_id)
    db.session.commit()
    return submit_result(attempt)


@blp.route("/attempts/<int:attempt_id>", methods=["GET"])
@blp.response(200, AttemptSchema)
def get_attempt(attempt_id):
    """An attempt: its learner (keys only in review) and its staff (everything)."""
    actor = require_login()
    attempt = services.visible_attempt(actor, attempt_id)
    services.finalise_if_overdue(attempt)
    db.session.commit()
    with_key = attempt.user_id != actor.id or services.review_allowed(attempt)
    return attempt_body(attempt, services.questions_of(attempt),
                        lambda q: services.ordered_options(attempt, q), with_key=with_key,
                        response_of=lambda q, r: services.shown_response(attempt, q, r))


@blp.route("/attempts/<int:attempt_id>/grades", methods=["POST"])
@authorize(_may_grade)
@blp.arguments(GradesInSchema)
@blp.response(200, SubmitResultSchema)
def grade_attempt(data, attempt_id):
    """Grade the essays of a submitted attempt (the cohort's trainer, course owner, admin)."""
    actor = require_login()
    attempt = services.grade_answers(actor, attempt_id, data["grades"])
    db.session.commit()
    return submit_result(attempt)
