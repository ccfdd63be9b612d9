"""HTML pages of the scheduling feature: cohorts, sessions, enrolment, calendars, timetables."""

from datetime import date, timedelta

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from lms.accounts.models import User
from lms.core.csvutil import decode_upload
from lms.core.errors import DomainError, NotFound
from lms.core.forms import apply_errors, perform
from lms.core.pagination import page_args, paginate
from lms.core.permissions import (
    ADMIN,
    FACULTY,
    LEARNER_ROLES,
    PARK_MANAGER,
    STAFF_ROLES,
    STUDENT,
    TRAINER,
    roles_required,
)
from lms.core.timeutil import park_today, to_park, utcnow
from lms.core.urls import public_url
from lms.extensions import db, limiter
from lms.parks import services as park_services
from lms.parks.models import Park
from lms.scheduling import ics, rules, services
from lms.scheduling.forms import (
    BulkEnrolForm,
    CancelSessionForm,
    CohortEditForm,
    CohortForm,
    ConfirmForm,
    EnrolByEmailForm,
    MoveSessionForm,
    StatusForm,
)

bp = Blueprint("scheduling", __name__)
MANAGERS = (ADMIN, PARK_MANAGER)
NAV = [
    ("scheduling.list_cohorts", "Cohorts", MANAGERS),
    ("scheduling.room_calendar", "Room calendar", (PARK_MANAGER,)),
    ("scheduling.my_timetable", "My timetable", (TRAINER, STUDENT, FACULTY)),
]


def _week_arg() -> date:
    """?week=YYYY-MM-DD (any day of it), else this week; always the Monday."""
    raw = request.args.get("week", "")
    try:
        day = date.fromisoformat(raw) if raw else park_today()
    except ValueError:
        day = park_today()
    return rules.week_start(day)


def _show_errors(form, exc: DomainError) -> None:
    """Errors on the form's fields; a clash also says so at the top, with what to do."""
    apply_errors(form, exc)
    if getattr(exc, "code", None) == "schedule_clash":
        form.form_errors.append(f"{exc.message} Choose another room, trainer or time; "
                                "each clash is listed under its field.")


def _cohort_form(form: CohortForm, park: Park) -> CohortForm:
    """Fill the choices of a cohort form for a park."""
    if getattr(form, "course_id", None) is not None:
        form.course_id.choices = [("", "Choose a course")] + [
            (c.id, f"{c.code} {c.title}") for c in services.published_courses()]
    form.trainer_id.choices = [("", "Choose a trainer")] + [
        (t.id, t.full_name + (f" ({t.park.city})" if t.park else ""))
        for t in services.trainers()]
    form.room_id.choices = [("", "Choose a room")] + [
        (r.id, f"{r.name} ({r.capacity} seats)") for r in park.rooms]
    return form


# --- cohorts ------------------------------------------------------------------------------------

@bp.route("/cohorts")
@roles_required()
def list_cohorts():
    """Cohorts: staff filter by park and status; learners see open cohorts of their track."""
    page, per_page = page_args(50)
    park_id = request.args.get("park_id", type=int)
    status = request.args.get("status") or None
    if status not in (None, *rules.COHORT_STATUSES):
        status = None
    if current_user.role == PARK_MANAGER and "park_id" not in request.args:
        park_id = current_user.park_id
    stmt = services.cohorts_query(current_user, park_id=park_id, status=status,
                                  track=current_user.track if current_user.is_learner else None)
    result = paginate(stmt, page, per_page)
    mine = {}
    if current_user.is_learner:
        from lms.scheduling.models import Enrollment

        mine = dict(db.session.execute(sa.select(Enrollment.cohort_id, Enrollment.status).where(
            Enrollment.user_id == current_user.id)).all())
    return render_template("scheduling/cohorts.html", page=result, parks=park_services.all_parks(),
                           park_id=park_id, status=status, statuses=rules.COHORT_STATUSES,
                           mine=mine)


@bp.route("/parks/<slug>/cohorts", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def park_cohorts(slug: str):
    """A park's cohorts, with the form to schedule a new one (clashes shown as form errors)."""
    park = park_services.get_park_by_slug(slug)
    if not park.can_manage(current_user):
        abort(403)
    form = _cohort_form(CohortForm(), park)
    if form.validate_on_submit():
        try:
            cohort = services.create_cohort(current_user,
                                            {**form.data_for_service(), "park_id": park.id})
            count = cohort.session_count
        except DomainError as exc:
            db.session.rollback()
            _show_errors(form, exc)
        else:
            db.session.commit()
            flash(f"Cohort {cohort.name} scheduled with {count} sessions.", "success")
            return redirect(url_for("scheduling.show_cohort", cohort_id=cohort.id))
    page, per_page = page_args(50)
    result = paginate(services.cohorts_query(current_user, park_id=park.id), page, per_page)
    status = 422 if form.errors or form.form_errors else 200
    return render_template("scheduling/park_cohorts.html", park=park, form=form,
                           page=result), status


@bp.route("/cohorts/<int:cohort_id>")
@roles_required()
def show_cohort(cohort_id: int):
    """A cohort: facts, sessions, seats; the roster for staff; enrol/withdraw for learners."""
    cohort = services.view_cohort(current_user, cohort_id)
    sessions = services.sessions_of(cohort) if services.can_see_sessions(current_user,
                                                                           cohort) else None
    roster = services.roster(cohort) if cohort.can_view_roster(current_user) else None
    mine = services.learner_status(current_user, cohort) if current_user.is_learner else None
    status_form = None
    if cohort.can_manage(current_user):
        status_form = StatusForm()
        status_form.status.choices = [(s, s.capitalize())
                                      for s in rules.STATUS_TRANSITIONS[cohort.status]]
    window = rules.self_enrolment_error(cohort.status, park_today(), cohort.enrol_opens_on,
                                        cohort.enrol_closes_on)
    return render_template(
        "scheduling/cohort.html", cohort=cohort, sessions=sessions, roster=roster, mine=mine,
        status_form=status_form, confirm=ConfirmForm(),
        enrol_form=EnrolByEmailForm() if cohort.can_teach(current_user) else None,
        cancel_form=CancelSessionForm(), window=window, now=utcnow(),
        seats_left=rules.seats_left(cohort.enrolled_count, cohort.capacity),
        serves=cohort.course.serves(current_user.track))


@bp.route("/cohorts/<int:cohort_id>/edit", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def edit_cohort(cohort_id: int):
    """Change a cohort; a new pattern regenerates its future sessions."""
    cohort = services.get_cohort(cohort_id)
    services.ensure_manage(current_user, cohort)
    form = _cohort_form(CohortEditForm(obj=cohort) if request.method == "GET"
                        else CohortEditForm(), cohort.park)
    if request.method == "GET":
        form.meeting_days.data = cohort.days
    if form.validate_on_submit():
        try:
            change = services.update_cohort(current_user, cohort.id, form.data_for_service())
        except DomainError as exc:
            db.session.rollback()
            _show_errors(form, exc)
        else:
            db.session.commit()
            flash(f"Saved: {change.created} session(s) added, {change.removed} removed, "
                  f"{change.kept} kept.", "success")
            if change.promoted:
                flash(f"{len(change.promoted)} learner(s) moved from the waitlist to a seat.",
                      "info")
            return redirect(url_for("scheduling.show_cohort", cohort_id=cohort.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("scheduling/cohort_form.html", form=form, cohort=cohort), status


@bp.route("/cohorts/<int:cohort_id>/status", methods=["POST"])
@roles_required(*MANAGERS)
def change_status(cohort_id: int):
    """Open, start, complete or cancel a cohort."""
    cohort = services.get_cohort(cohort_id)
    services.ensure_manage(current_user, cohort)
    form = StatusForm()
    form.status.choices = [(s, s) for s in rules.COHORT_STATUSES]
    if form.validate_on_submit():
        perform(lambda: services.set_status(current_user, cohort, form.status.data),
                lambda c: f"The cohort is now {c.status}.")
    return redirect(url_for("scheduling.show_cohort", cohort_id=cohort_id))


# --- enrolment ----------------------------------------------------------------------------------

@bp.route("/cohorts/<int:cohort_id>/enrol", methods=["POST"])
@roles_required()
def enrol(cohort_id: int):
    """A learner enrols themself; staff enrol a learner by e-mail address."""
    if current_user.is_learner:
        form = ConfirmForm()
        if not form.validate_on_submit():
            abort(400)
        user_id = current_user.id
    else:
        form = EnrolByEmailForm()
        if not form.validate_on_submit():
            flash("Give the learner's e-mail address.", "error")
            return redirect(url_for("scheduling.show_cohort", cohort_id=cohort_id))
        user = db.session.scalar(sa.select(User).where(
            User.email == form.email.data.strip().lower()))
        if user is None:
            services.view_cohort(current_user, cohort_id)  # 404 for unknown cohorts first
            flash("No user has that e-mail address.", "error")
            return redirect(url_for("scheduling.show_cohort", cohort_id=cohort_id))
        user_id = user.id
    def enrol() -> tuple[str, int | None]:
        e = services.enrol(current_user, cohort_id, user_id)
        return e.status, e.position  # read before the commit expires the row

    who = "You are" if current_user.is_learner else "The learner is"
    perform(enrol, lambda done: f"{who} enrolled." if done[0] == "enrolled" else
            f"The cohort is full: {who.lower()} on the waitlist at place {done[1]}.")
    return redirect(url_for("scheduling.show_cohort", cohort_id=cohort_id))


@bp.route("/cohorts/<int:cohort_id>/withdraw", methods=["POST"])
@roles_required(*LEARNER_ROLES)
def withdraw_self(cohort_id: int):
    """A learner leaves a cohort (or its waitlist)."""
    return _withdraw(cohort_id, current_user.id)


@bp.route("/cohorts/<int:cohort_id>/enrollments/<int:user_id>/withdraw", methods=["POST"])
@roles_required(*STAFF_ROLES)
def withdraw_learner(cohort_id: int, user_id: int):
    """Staff withdraw a learner; the first waitlisted learner takes the seat."""
    return _withdraw(cohort_id, user_id)


def _withdraw(cohort_id: int, user_id: int):
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    perform(lambda: services.withdraw(current_user, cohort_id, user_id),
            lambda done: "Withdrawn." + (" The first learner on the waitlist has the seat now."
                                         if done[1] else ""))
    return redirect(url_for("scheduling.show_cohort", cohort_id=cohort_id))


@bp.route("/cohorts/<int:cohort_id>/import", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def bulk_enrol(cohort_id: int):
    """Enrol learners from a CSV of e-mail addresses: all rows or none, every bad row listed."""
    cohort = services.get_cohort(cohort_id)
    if not cohort.can_teach(current_user):
        abort(403)
    form = BulkEnrolForm()
    result = None
    errors: list[dict] = []
    status = 200
    if form.validate_on_submit():
        try:
            text = decode_upload(form.file.data.read())
            result = services.bulk_enrol(current_user, cohort_id, text)
        except DomainError as exc:
            db.session.rollback()
            errors = exc.extra.get("errors", [])
            if not errors:
                apply_errors(form, exc)
            status = 422
            result = None
        else:
            db.session.commit()
            flash(f"{len(result.enrolled)} enrolled, {len(result.waitlisted)} waitlisted.",
                  "success")
            return redirect(url_for("scheduling.show_cohort", cohort_id=cohort_id))
    elif form.errors:
        status = 422
    cohort = services.get_cohort(cohort_id)
    return render_template("scheduling/bulk_enrol.html", form=form, cohort=cohort,
                           errors=errors), status


# --- sessions -----------------------------------------------------------------------------------

@bp.route("/sessions/<int:session_id>/move", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def move_session(session_id: int):
    """Move one session to another time or room (clashes refused)."""
    session = services.get_session(session_id)
    services.ensure_manage(current_user, session.cohort)
    local_start, local_end = to_park(session.starts_at), to_park(session.ends_at)
    form = MoveSessionForm(data={"day": local_start.date(), "start_time": local_start.time(),
                                 "end_time": local_end.time(), "room_id": session.room_id}
                           if request.method == "GET" else None)
    form.room_id.choices = [(r.id, f"{r.name} ({r.capacity} seats)")
                            for r in session.cohort.park.rooms]
    if form.validate_on_submit():
        try:
            services.move_session(current_user, session, form.day.data, form.start_time.data,
                                  form.end_time.data, form.room_id.data)
        except DomainError as exc:
            db.session.rollback()
            _show_errors(form, exc)
        else:
            db.session.commit()
            flash("Session moved.", "success")
            return redirect(url_for("scheduling.show_cohort", cohort_id=session.cohort_id))
    status = 422 if form.errors or form.form_errors else 200
    session = services.get_session(session_id)
    return render_template("scheduling/move_session.html", form=form, session=session), status


@bp.route("/sessions/<int:session_id>/cancel", methods=["POST"])
@roles_required(*MANAGERS)
def cancel_session(session_id: int):
    """Cancel one session."""
    session = services.get_session(session_id)
    cohort_id = session.cohort_id
    form = CancelSessionForm()
    if not form.validate_on_submit():
        abort(400)
    perform(lambda: services.cancel_session(current_user, session, form.reason.data or ""),
            "Session cancelled.")
    return redirect(url_for("scheduling.show_cohort", cohort_id=cohort_id))


# --- calendars and timetables -------------------------------------------------------------------

@bp.route("/rooms/calendar")
@roles_required(*MANAGERS)
def room_calendar():
    """A week of a park's rooms as a grid (days by rooms), in park time."""
    parks = park_services.all_parks()
    if current_user.role == PARK_MANAGER:
        parks = [p for p in parks if p.id == current_user.park_id]
    slug = request.args.get("park") or (parks[0].slug if parks else None)
    park = next((p for p in parks if p.slug == slug), None)
    if park is None:
        if slug and db.session.scalar(sa.select(Park.id).where(Park.slug == slug)):
            abort(403)
        abort(404)
    monday = _week_arg()
    rooms, grid = services.room_week(park, monday)
    days = [monday + timedelta(days=i) for i in range(7)]
    return render_template("scheduling/calendar.html", park=park, parks=parks, rooms=rooms,
                           grid=grid, days=days, monday=monday,
                           prev_week=monday - timedelta(days=7),
                           next_week=monday + timedelta(days=7))


def _timetable(user: User, own: bool):
    monday = _week_arg()
    start = rules.park_day_bounds(monday)[0]
    end = rules.park_day_bounds(monday + timedelta(days=6))[1]
    sessions = services.timetable_sessions(user, start, end)
    feed_url = None
    if own and user.ics_token:  # a GET changes nothing: the address is made by a POST (button)
        feed_url = public_url("scheduling.calendar_feed", token=user.ics_token)
    return render_template("scheduling/timetable.html", person=user, own=own, sessions=sessions,
                           monday=monday, prev_week=monday - timedelta(days=7),
                           next_week=monday + timedelta(days=7), feed_url=feed_url,
                           confirm=ConfirmForm(), sunday=monday + timedelta(days=6))


@bp.route("/timetable")
@roles_required(TRAINER, STUDENT, FACULTY)
def my_timetable():
    """My timetable (what I teach or attend) for a week, with my private calendar feed."""
    return _timetable(current_user._get_current_object(), own=True)


@bp.route("/timetable/calendar-link", methods=["POST"])
@roles_required(TRAINER, STUDENT, FACULTY)
def reset_calendar_link():
    """Make the private calendar address (a new one: the old one stops working)."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    had_one = bool(current_user.ics_token)
    services.reset_ics_token(current_user._get_current_object())
    db.session.commit()
    flash("Your calendar has a new address; the old one no longer works." if had_one
          else "Your private calendar address is ready.", "success")
    return redirect(url_for("scheduling.my_timetable"))


@bp.route("/trainers/<int:user_id>/timetable")
@roles_required(*STAFF_ROLES)
def trainer_timetable(user_id: int):
    """A trainer's timetable for a week (staff)."""
    user = db.session.get(User, user_id)
    if user is None or user.role != TRAINER:
        raise NotFound("No such trainer.")
    return _timetable(user, own=user.id == current_user.id)


@bp.route("/calendar/<token>.ics")
@limiter.limit("120/hour")
def calendar_feed(token: str):
    """A private iCalendar feed of a trainer's or learner's sessions (no login; secret URL)."""
    user = services.user_for_ics_token(token)
    events = []
    for s in services.feed_sessions(user):
        c = s.cohort
        events.append(ics.Event(
            uid=f"session-{s.id}@knowledge-park-lms", starts_at=s.starts_at, ends_at=s.ends_at,
            summary=f"{c.course.code} {c.name}", location=f"{s.room.name}, {c.park.name}",
            description=(f"{c.course.title}" + (f"\n{s.note}" if s.note else "")),
            cancelled=s.status == "cancelled"))
    body = ics.calendar(f"{user.full_name} · Knowledge Park", events, utcnow())
    resp = Response(body, mimetype="text/calendar")
    resp.headers["Content-Type"] = "text/calendar; charset=utf-8"
    resp.headers["Content-Disposition"] = 'inline; filename="timetable.ics"'
    resp.headers["Cache-Control"] = "private, max-age=300"
    return resp


@bp.app_template_filter("weekday_names")
def weekday_names(days: list[str]) -> str:
    """'mon,wed' -> 'Monday, Wednesday'."""
    return ", ".join(rules.DAY_LABELS.get(d, d) for d in days)

