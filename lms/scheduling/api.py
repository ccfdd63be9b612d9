"""JSON API of the scheduling feature: cohorts, their sessions and enrolments."""

from lms.core.api import api_blueprint, authorize, roles_only
from lms.core.errors import Forbidden, NotFound
from lms.core.pagination import paginate
from lms.core.permissions import ADMIN, PARK_MANAGER, require_login, require_roles
from lms.core.schemas import PageArgsSchema, page_of
from lms.extensions import db
from lms.scheduling import services
from lms.scheduling.schemas import (
    CohortCreatedSchema,
    CohortCreateSchema,
    CohortQuerySchema,
    CohortSchema,
    EnrollmentSchema,
    EnrolRequestSchema,
    EnrolResultSchema,
    SessionSchema,
    WithdrawResultSchema,
)

blp = api_blueprint("scheduling_api", __name__, "Scheduling")


@blp.route("/cohorts", methods=["POST"])
@authorize(roles_only(ADMIN, PARK_MANAGER))
@blp.arguments(CohortCreateSchema)
@blp.response(201, CohortCreatedSchema)
@blp.alt_response(409, description="schedule_clash, with every clash in `clashes`")
def create_cohort(data):
    """Schedule a cohort; its sessions are generated; clashes are refused (409)."""
    actor = require_roles(ADMIN, PARK_MANAGER)
    cohort = services.create_cohort(actor, data)  # carries session_count
    db.session.commit()
    return cohort


@blp.route("/cohorts", methods=["GET"])
@blp.arguments(CohortQuerySchema, location="query")
@blp.response(200, page_of(CohortSchema))
def list_cohorts(args):
    """Cohorts: staff see all, learners the open ones (and their own)."""
    actor = require_login()
    stmt = services.cohorts_query(actor, park_id=args.get("park_id"),
                                  course_id=args.get("course_id"), status=args.get("status"))
    return paginate(stmt, args["page"], args["per_page"]).envelope()


@blp.route("/cohorts/<int:cohort_id>", methods=["GET"])
@blp.response(200, CohortSchema)
def get_cohort(cohort_id):
    """One cohort (learners: open ones and their own)."""
    return services.view_cohort(require_login(), cohort_id)


@blp.route("/cohorts/<int:cohort_id>/sessions", methods=["GET"])
@blp.response(200, SessionSchema(many=True))
def list_sessions(cohort_id):
    """A cohort's sessions, for staff and enrolled learners."""
    actor = require_login()
    cohort = services.view_cohort(actor, cohort_id)
    if not services.can_see_sessions(actor, cohort):
        raise Forbidden("Only staff and enrolled learners see the sessions.")
    return services.sessions_of(cohort)


def _may_enrol(cohort_id):
    actor = require_login()
    cohort = services.get_cohort(cohort_id)
    if actor.is_learner and not services.can_view(actor, cohort):
        raise NotFound("No such cohort.")
    if not actor.is_learner and not cohort.can_teach(actor):
        raise Forbidden("Only this park's staff enrol learners in this cohort.")


@blp.route("/cohorts/<int:cohort_id>/enrollments", methods=["POST"])
@authorize(_may_enrol)
@blp.arguments(EnrolRequestSchema)
@blp.response(201, EnrolResultSchema)
def create_enrollment(data, cohort_id):
    """Enrol: staff send {user_id}; a learner sends {} for self. Full -> waitlisted."""
    actor = require_login()
    e = services.enrol(actor, cohort_id, data.get("user_id"))
    out = {"user_id": e.user_id, "status": e.status, "position": e.position}
    db.session.commit()
    return out


@blp.route("/cohorts/<int:cohort_id>/enrollments/<int:user_id>", methods=["DELETE"])
@blp.response(200, WithdrawResultSchema)
def delete_enrollment(cohort_id, user_id):
    """Withdraw a learner; the first waitlisted learner takes the seat."""
    actor = require_login()
    e, promoted = services.withdraw(actor, cohort_id, user_id)
    out = {"user_id": e.user_id, "status": e.status, "promoted_user_ids": promoted}
    db.session.commit()
    return out


@blp.route("/cohorts/<int:cohort_id>/enrollments", methods=["GET"])
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_of(EnrollmentSchema))
def list_enrollments(args, cohort_id):
    """A cohort's enrolments with waitlist positions (staff)."""
    actor = require_login()
    cohort = services.view_cohort(actor, cohort_id)
    page = paginate(services.enrollments_query(actor, cohort), args["page"], args["per_page"])
    positions = services.waitlist_positions(cohort.id)
    for e in page.items:
        e.position = positions.get(e.id)
    return page.envelope()
