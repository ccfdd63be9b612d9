"""HTML pages of the attendance feature: registers, check-in, excuses, figures, exports."""

import segno
import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from lms.accounts.models import User
from lms.attendance import rules, services
from lms.attendance.forms import CheckInForm, DecisionForm, ExcuseForm, RegisterForm
from lms.attendance.models import ATTENDANCE_STATUSES
from lms.core.csvutil import csv_response
from lms.core.errors import DomainError, Forbidden, NotFound, ValidationFailed
from lms.core.forms import apply_errors, perform
from lms.core.pagination import page_args, paginate
from lms.core.permissions import (
    ADMIN,
    LEARNER_ROLES,
    PARK_MANAGER,
    STAFF_ROLES,
    TRAINER,
    roles_required,
)
from lms.core.timeutil import utcnow
from lms.core.urls import public_url
from lms.extensions import db
from lms.parks.models import Park

bp = Blueprint("attendance", __name__)
MANAGERS = (ADMIN, PARK_MANAGER)
NAV: list[tuple[str, str, tuple[str, ...] | None]] = [
    ("attendance.list_cohorts", "Attendance", (TRAINER,)),
    ("attendance.my_attendance", "My attendance", LEARNER_ROLES),
]  # the park report is linked from the dashboards


def _reraise_access(exc: DomainError) -> None:
    """Access errors become error pages; the others are shown on the form."""
    if isinstance(exc, Forbidden | NotFound):
        raise exc


# --- staff: cohorts, summary, exports ---------------------------------------------------------

@bp.route("/attendance/cohorts")
@roles_required(*STAFF_ROLES)
def list_cohorts():
    """The cohorts the user teaches or manages, with links to their attendance."""
    page, per_page = page_args()
    page_obj = paginate(services.staff_cohorts_query(current_user), page, per_page)
    pending = len(services.excuses_for_staff(current_user))
    return render_template("attendance/cohorts.html", page=page_obj, pending=pending)


@bp.route("/attendance/cohorts/<int:cohort_id>")
@roles_required()
def show_cohort(cohort_id: int):
    """A cohort's attendance summary (at-risk flagged) and its sessions; a learner sees own row."""
    cohort = services.get_cohort(cohort_id)
    rows = services.summary_for_viewer(current_user, cohort)
    sessions = services.cohort_sessions(cohort) if not current_user.is_learner else []
    return render_template("attendance/summary.html", cohort=cohort, rows=rows,
                           sessions=sessions, now=utcnow(),
                           is_trainer=current_user.id == cohort.trainer_id)


@bp.route("/attendance/cohorts/<int:cohort_id>/register.csv")
@roles_required(*STAFF_ROLES)
def export_register(cohort_id: int):
    """The cohort's register as CSV: learners by sessions (formula-safe)."""
    cohort = services.get_cohort(cohort_id)
    services.ensure_staff_of(current_user, cohort)
    sessions, rows = services.register_matrix(cohort)
    header = ["learner", "email"] + [services.park_time_label(s.starts_at) for s in sessions] + [
        "present", "late", "excused", "absent", "percent", "best_possible_percent", "at_risk"]

    lines = []  # plain values now: the session and its objects are gone while the body streams
    for user, marks, summary in rows:
        figures = ([summary.present, summary.late, summary.excused, summary.absent,
                    "" if summary.percent is None else summary.percent,
                    "" if summary.best_possible_percent is None
                    else summary.best_possible_percent,
                    "yes" if summary.at_risk else "no"] if summary else [""] * 7)
        lines.append([user.full_name, user.email, *marks, *figures])
    return csv_response(f"register-cohort-{cohort.id}.csv", header, lines)


@bp.route("/attendance/learners/<int:user_id>")
@roles_required(*STAFF_ROLES)
def show_learner(user_id: int):
    """A learner's attendance across their cohorts (those the viewer teaches or manages)."""
    learner = db.session.get(User, user_id)
    if learner is None or not learner.is_learner:
        raise NotFound("No such learner.")
    overview = services.learner_overview(learner.id, viewer=current_user)
    if not overview and not current_user.is_admin:
        raise NotFound("No such learner in your cohorts.")
    return render_template("attendance/learner.html", learner=learner, overview=overview)


@bp.route("/attendance/report")
@roles_required(*MANAGERS)
def park_report():
    """A park's attendance: per cohort, learners, average percent, at-risk learners."""
    parks = list(db.session.scalars(sa.select(Park).order_by(Park.phase, Park.name)))
    if current_user.is_admin:
        slug = request.args.get("park") or (parks[0].slug if parks else "")
        park = next((p for p in parks if p.slug == slug), None)
        if park is None:
            raise NotFound("No such park.")
    else:
        park = next((p for p in parks if p.id == current_user.park_id), None)
        if park is None or (request.args.get("park") not in (None, "", park.slug)):
            raise Forbidden("You see the report of your own park.")
    rows = services.park_report(park.id)
    return render_template("attendance/park_report.html", park=park, parks=parks, rows=rows)


# --- staff: register, history, check-in screen, sign-in sheet ---------------------------------

@bp.route("/attendance/sessions/<int:session_id>/register", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def edit_register(session_id: int):
    """A session's register: every learner, one status each, saved in one go."""
    session = services.get_session(session_id)
    services.ensure_register_access(current_user, session)
    form = RegisterForm()
    rows = services.register_rows(session)
    status = 200
    chosen: dict[int, str] = {}
    if form.validate_on_submit():
        if request.form.get("action") == "all_present":
            chosen = {u.id: "present" for u, _ in rows}
        else:
            chosen = {u.id: request.form[f"status-{u.id}"] for u, _ in rows
                      if request.form.get(f"status-{u.id}")}
        entries = [{"user_id": uid, "status": st} for uid, st in chosen.items()]
        try:
            changed = services.save_register(current_user, session, entries, form.reason.data)
        except DomainError as exc:
            db.session.rollback()
            _reraise_access(exc)
            apply_errors(form, exc)
            status = exc.status
            session = services.get_session(session_id)
            rows = services.register_rows(session)
        else:
            db.session.commit()
            flash(f"Register saved ({changed} change{'s' if changed != 1 else ''}).", "success")
            return redirect(url_for("attendance.edit_register", session_id=session_id))
    elif form.errors:
        status = 422
    state = services.edit_state(current_user, session)
    return render_template(
        "attendance/register.html", session=session, cohort=session.cohort, rows=rows,
        form=form, chosen=chosen, statuses=ATTENDANCE_STATUSES, state=state,
        not_open=utcnow() < rules.check_in_opens_at(session.starts_at),
        same_address=services.same_address_report(current_user, session),
        is_trainer=services.is_session_trainer(current_user, session)), status


@bp.route("/attendance/sessions/<int:session_id>/history")
@roles_required(*STAFF_ROLES)
def show_history(session_id: int):
    """Every change to a session's attendance: who, when, from, to, why."""
    session = services.get_session(session_id)
    events = services.session_history(current_user, session)
    names = dict(db.session.execute(sa.select(User.id, User.full_name).where(User.id.in_(
        {(e.after or e.before or {}).get("user_id") for e in events} - {None}))).all())
    return render_template("attendance/history.html", session=session, cohort=session.cohort,
                           events=events, names=names,
                           same_address=services.same_address_report(current_user, session))


@bp.route("/attendance/sessions/<int:session_id>/check-in-screen")
@roles_required(*STAFF_ROLES)
def show_check_in_screen(session_id: int):
    """The projector screen: the rotating code and its QR code (attendance.js fetches the next)."""
    session = services.get_session(session_id)
    code, expires_at = services.current_code(current_user, session)
    link = public_url("attendance.check_in", session_id=session.id, code=code)
    qr = segno.make(link, error="m").svg_data_uri(scale=8, dark="#000", light="#fff")
    refresh = max(1, int((expires_at - utcnow()).total_seconds()) + 1)
    now = utcnow()
    return render_template("attendance/check_in_screen.html", session=session,
                           cohort=session.cohort, code=code, expires_at=expires_at, link=link,
                           check_in_url=public_url("attendance.check_in", session_id=session.id),
                           qr=qr, refresh=refresh,
                           window_open=rules.in_check_in_window(now, session.starts_at,
                                                                session.ends_at))


@bp.route("/attendance/sessions/<int:session_id>/sign-in.pdf")
@roles_required(*STAFF_ROLES)
def sign_in_sheet(session_id: int):
    """A printable sign-in sheet of the session (PDF)."""
    from lms.attendance.pdf import sign_in_sheet as render_sheet

    session = services.get_session(session_id)
    services.ensure_register_access(current_user, session)
    data = render_sheet(session, services.learners_of(session.cohort),
                        urdu_font_path=current_app.config.get("LMS_URDU_FONT"))
    resp = Response(data, mimetype="application/pdf")
    resp.headers["Content-Disposition"] = (
        f'inline; filename="sign-in-session-{session.id}.pdf"')
    return resp


# --- learners: check-in, excuses, own attendance ----------------------------------------------

@bp.route("/check-in/<int:session_id>", methods=["GET", "POST"])
@roles_required(*LEARNER_ROLES)
def check_in(session_id: int):
    """A learner checks in: the QR link pre-fills the code; only the POST marks attendance."""
    session = services.get_session(session_id)
    if not services.is_learner_of(session.cohort_id, current_user.id):
        raise Forbidden("You are not enrolled in this cohort.")
    form = CheckInForm(code=request.args.get("code", ""))
    status = 200
    if form.validate_on_submit():
        try:
            record = services.check_in(current_user, session, form.code.data,
                                       address=request.remote_addr,
                                       user_agent=request.headers.get("User-Agent"))
        except DomainError as exc:
            if isinstance(exc, ValidationFailed):
                db.session.commit()  # a wrong code: its count (the throttle) is kept
            else:
                db.session.rollback()
            _reraise_access(exc)
            apply_errors(form, exc)
            status = exc.status
            session = services.get_session(session_id)
        else:
            db.session.commit()
            flash(f"You are checked in: {record.status}.", "success")
            return redirect(url_for("attendance.my_attendance"))
    elif form.errors:
        status = 422
    now = utcnow()
    record = services.records_of(session).get(current_user.id)
    return render_template("attendance/check_in.html", session=session, cohort=session.cohort,
                           form=form, record=record,
                           window_open=rules.in_check_in_window(now, session.starts_at,
                                                                session.ends_at)), status


@bp.route("/attendance/sessions/<int:session_id>/excuse", methods=["GET", "POST"])
@roles_required(*LEARNER_ROLES)
def request_excuse(session_id: int):
    """A learner asks to be excused from a session, before or after it."""
    session = services.get_session(session_id)
    if not services.is_learner_of(session.cohort_id, current_user.id):
        raise Forbidden("You are not enrolled in this cohort.")
    form = ExcuseForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.request_excuse(current_user, session, form.reason.data)
        except DomainError as exc:
            db.session.rollback()
            _reraise_access(exc)
            apply_errors(form, exc)
            status = exc.status
            session = services.get_session(session_id)
        else:
            db.session.commit()
            flash("Your request was sent to the trainer.", "success")
            return redirect(url_for("attendance.my_attendance"))
    elif form.errors:
        status = 422
    return render_template("attendance/excuse.html", session=session, cohort=session.cohort,
                           form=form), status


@bp.route("/attendance/excuses")
@roles_required(*STAFF_ROLES)
def list_excuses():
    """Excuse requests of the cohorts the user teaches or manages: pending, then decided."""
    return render_template("attendance/excuses.html",
                           pending=services.excuses_for_staff(current_user, "pending"),
                           decided=[e for e in services.excuses_for_staff(current_user, None, 100)
                                    if e.status != "pending"],
                           form=DecisionForm())


@bp.route("/attendance/excuses/<int:excuse_id>/decision", methods=["POST"])
@roles_required(*STAFF_ROLES)
def decide_excuse(excuse_id: int):
    """The trainer approves (the learner is excused) or declines an excuse request."""
    excuse = services.get_excuse(excuse_id)
    services.ensure_register_access(current_user, excuse.session)
    form = DecisionForm()
    decision = request.form.get("decision")
    if not form.validate_on_submit() or decision not in ("approve", "decline"):
        flash("Choose approve or decline (the note is at most 1,000 characters).", "error")
        return redirect(url_for("attendance.list_excuses"))
    perform(lambda: services.decide_excuse(current_user, excuse, decision == "approve",
                                           form.note.data),
            "Request approved: the learner is excused." if decision == "approve"
            else "Request declined.")
    return redirect(url_for("attendance.list_excuses"))


@bp.route("/attendance/me")
@roles_required(*LEARNER_ROLES)
def my_attendance():
    """The learner's own attendance in every cohort, sessions, and excuse requests."""
    return render_template("attendance/mine.html",
                           overview=services.learner_overview(current_user.id),
                           sessions=services.learner_sessions(current_user),
                           open_now=services.open_check_ins(current_user),
                           excuses=services.excuses_of_learner(current_user), now=utcnow())
