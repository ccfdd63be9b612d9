"""JSON API of the attendance feature."""

import sqlalchemy as sa
from flask import request
from sqlalchemy.orm import joinedload

from lms.attendance import services
from lms.attendance.models import AttendanceRecord
from lms.attendance.schemas import (
    CheckInCodeSchema,
    CheckInResultSchema,
    CheckInSchema,
    RecordSchema,
    RegisterResultSchema,
    RegisterSchema,
    SummaryRowSchema,
)
from lms.core.api import api_blueprint, authorize
from lms.core.errors import ValidationFailed
from lms.core.pagination import Page, paginate
from lms.core.permissions import require_login
from lms.core.schemas import PageArgsSchema, page_of
from lms.extensions import db

blp = api_blueprint("attendance_api", __name__, "Attendance")


def _records_query(session_id: int) -> sa.Select:
    return (sa.select(AttendanceRecord).where(AttendanceRecord.session_id == session_id)
            .options(joinedload(AttendanceRecord.user)).order_by(AttendanceRecord.id))


def _may_take_register(session_id):
    services.ensure_register_access(require_login(), services.get_session(session_id))


def _may_check_in(session_id):
    services.ensure_can_check_in(require_login(), services.get_session(session_id))


@blp.route("/sessions/<int:session_id>/attendance", methods=["PUT"])
@authorize(_may_take_register)
@blp.arguments(RegisterSchema)
@blp.response(200, RegisterResultSchema)
def put_attendance(data, session_id):
    """Save a session's register: all the listed records or none (trainer, manager, admin)."""
    actor = require_login()
    session = services.get_session(session_id)
    changed = services.save_register(actor, session, data["records"], data.get("reason"))
    db.session.commit()
    records = db.session.scalars(_records_query(session_id)).all()
    return {"session_id": session_id, "changed": changed, "records": records}


@blp.route("/sessions/<int:session_id>/attendance", methods=["GET"])
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_of(RecordSchema))
def get_attendance(args, session_id):
    """A session's attendance records (staff of the cohort)."""
    actor = require_login()
    session = services.get_session(session_id)
    services.ensure_register_access(actor, session)
    return paginate(_records_query(session_id), args["page"], args["per_page"]).envelope()


@blp.route("/sessions/<int:session_id>/check-in-code", methods=["GET"])
@blp.response(200, CheckInCodeSchema)
def get_check_in_code(session_id):
    """The session's current rotating code and when it expires (the cohort's trainer)."""
    actor = require_login()
    code, expires_at = services.current_code(actor, services.get_session(session_id))
    return {"code": code, "expires_at": expires_at}


@blp.route("/sessions/<int:session_id>/check-in", methods=["POST"])
@authorize(_may_check_in)
@blp.arguments(CheckInSchema)
@blp.response(201, CheckInResultSchema)
def post_check_in(data, session_id):
    """An enrolled learner checks in with the code: 201 present or late."""
    actor = require_login()
    session = services.get_session(session_id)
    try:
        record = services.check_in(actor, session, data["code"], address=request.remote_addr,
                                   user_agent=request.headers.get("User-Agent"))
    except ValidationFailed:
        db.session.commit()  # a wrong code counts towards the throttle
        raise
    db.session.commit()
    return record


@blp.route("/cohorts/<int:cohort_id>/attendance-summary", methods=["GET"])
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_of(SummaryRowSchema))
def get_attendance_summary(args, cohort_id):
    """Each learner's figures (staff of the cohort); a learner of it gets their own row."""
    actor = require_login()
    cohort = services.get_cohort(cohort_id)
    rows = services.summary_for_viewer(actor, cohort)
    page, per_page = args["page"], args["per_page"]
    items = rows[(page - 1) * per_page: page * per_page]
    return Page(items=items, page=page, per_page=per_page, total=len(rows)).envelope()
