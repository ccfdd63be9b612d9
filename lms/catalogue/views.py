"""HTML pages of the catalogue: the public catalogue, course pages, trainers' courses, tracks."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from lms.catalogue import rules, services
from lms.catalogue.forms import BLANK_MODULE_ROWS, ConfirmForm, CourseForm, TrackForm
from lms.catalogue.markdown import render_markdown
from lms.core.errors import DomainError, Forbidden, ValidationFailed
from lms.core.forms import apply_errors, perform
from lms.core.pagination import page_args, paginate
from lms.core.permissions import ADMIN, FACULTY, STUDENT, TRAINER, roles_required
from lms.extensions import db

bp = Blueprint("catalogue", __name__)
WRITERS = (ADMIN, TRAINER)
NAV: list = [
    ("catalogue.list_courses", "Courses", "public"),
    ("catalogue.list_tracks", "Tracks", ("anonymous", ADMIN, STUDENT, FACULTY)),
    ("catalogue.my_courses", "My courses", (TRAINER,)),
]
MORE_ROWS = 3


@bp.app_template_filter("markdown")
def markdown_filter(text):
    """Jinja filter: Markdown rendered and sanitised (see lms.catalogue.markdown)."""
    return render_markdown(text)


# --------------------------------------------------------------------------- courses


def _filters_from_request(parks) -> services.CatalogueFilters:
    args = request.args
    park = next((p for p in parks if p.slug == args.get("park")), None)
    status = args.get("status") if args.get("status") in (*rules.STATUSES, "any") else None
    return services.CatalogueFilters(
        q=(args.get("q") or "").strip()[:200] or None,
        track=args.get("track") if args.get("track") in rules.COURSE_TRACKS else None,
        level=args.get("level") if args.get("level") in rules.LEVELS else None,
        skill=(args.get("skill") or "").strip()[:60] or None,
        park_id=park.id if park else None, status=status)


@bp.route("/courses")
def list_courses():
    """The public catalogue: published courses, filters, search, pages (constant queries)."""
    choices = services.filter_choices()
    filters = _filters_from_request(choices["parks"])
    page, per_page = page_args(default_per_page=20)
    result = services.catalogue_page(current_user, filters, page, per_page)
    return render_template("catalogue/courses.html", page=result, filters=filters,
                           park_slug=request.args.get("park", ""), is_staff=services.is_staff(
                               current_user), **choices)


@bp.route("/courses/mine")
@roles_required(*WRITERS)
def my_courses():
    """A trainer's own courses in every status, drafts included."""
    page, per_page = page_args(default_per_page=50)
    filters = services.CatalogueFilters(owner_id=current_user.id, status="any")
    result = services.catalogue_page(current_user, filters, page, per_page)
    return render_template("catalogue/my_courses.html", page=result)


@bp.route("/courses/<code>")
def show_course(code: str):
    """A course: outline, hours, partners, prerequisites, upcoming cohorts by park."""
    data = services.course_page(current_user, code)
    endpoint = "scheduling.show_cohort"  # the scheduling feature's cohort page, when it exists
    return render_template("catalogue/course.html", confirm=ConfirmForm(),
                           cohort_endpoint=endpoint if endpoint in current_app.view_functions
                           else None, **data)


def _module_rows(form: CourseForm) -> list[dict]:
    """The outline typed in the module rows, in the order their numbers give."""
    rows = []
    for index, entry in enumerate(form.modules.entries):
        sub = entry.form
        title = (sub.title.data or "").strip()
        if not title:
            if (sub.description.data or "").strip():
                raise ValidationFailed("A module with a description needs a title.",
                                       fields={"modules": [f"Row {index + 1}: add a title."]})
            continue
        order = sub.position.data if sub.position.data is not None else 1000 + index
        rows.append((order, index, {
            "id": int(sub.id.data) if (sub.id.data or "").isdigit() else None,
            "title": title, "hours": sub.hours.data or 0,
            "description": sub.description.data or ""}))
    return [r for _o, _i, r in sorted(rows, key=lambda r: (r[0], r[1]))]


def _course_data(form: CourseForm) -> dict:
    data = {
        "title": form.title.data, "summary": form.summary.data or "",
        "level": form.level.data, "duration_hours": form.duration_hours.data,
        "skills": form.skills.data or "", "industry_partners": form.industry_partners.data or "",
        "prerequisite_ids": list(form.prerequisite_ids.data or []),
        "modules": _module_rows(form),
    }
    for name in ("code", "track", "min_attendance_percent"):
        if hasattr(form, name) and getattr(form, name) is not None:
            data[name] = getattr(form, name).data
    return data


def _course_initial(course) -> dict:
    """The edit form's starting values."""
    return {
        "code": course.code, "title": course.title, "summary": course.summary,
        "track": course.track, "level": course.level, "duration_hours": course.duration_hours,
        "min_attendance_percent": course.min_attendance_percent,
        "skills": ", ".join(course.skills),
        "industry_partners": ", ".join(course.industry_partners or []),
        "prerequisite_ids": course.prerequisite_ids,
        "modules": [{"id": str(m.id), "position": m.position, "title": m.title,
                     "hours": int(m.hours) if float(m.hours).is_integer() else m.hours,
                     "description": m.description} for m in course.modules],
    }


def _show_errors(form, exc: DomainError) -> None:
    """Domain errors on the form; those of no field (e.g. modules) at the top of the form."""
    apply_errors(form, exc)
    for name, messages in exc.fields.items():
        if not hasattr(getattr(form, name, None), "label") or name == "modules":
            form.form_errors.extend(m for m in messages if m not in form.form_errors)


def _pad_rows(form: CourseForm, extra: int) -> None:
    for _ in range(extra):
        form.modules.append_entry()
    for n, entry in enumerate(form.modules.entries, start=1):
        if entry.form.position.data is None and not entry.form.title.data:
            entry.form.position.data = n


def _course_form_page(form: CourseForm, course=None):
    """Create and edit share one page; "add rows" re-shows the form with more module rows."""
    return render_template("catalogue/course_form.html", form=form, course=course,
                           frozen=sorted(rules.FROZEN_WHEN_PUBLISHED)
                           if course is not None and course.status != "draft" else [])


@bp.route("/courses/new", methods=["GET", "POST"])
@roles_required(*WRITERS)
def new_course():
    """A trainer (or admin) adds a draft course with its outline."""
    form = CourseForm()
    form.prerequisite_ids.choices = services.course_choices()
    if request.method == "POST" and "add_rows" in request.form:
        _pad_rows(form, MORE_ROWS)
        return _course_form_page(form)
    if form.validate_on_submit():
        try:
            course = services.create_course(current_user, _course_data(form))
        except DomainError as exc:
            db.session.rollback()
            _show_errors(form, exc)
        else:
            db.session.commit()
            flash(f"Draft course {course.code} saved. Publish it when it is ready.", "success")
            return redirect(url_for("catalogue.show_course", code=course.code))
    _pad_rows(form, 0)
    return _course_form_page(form), (422 if form.errors or form.form_errors else 200)


@bp.route("/courses/<code>/edit", methods=["GET", "POST"])
@roles_required(*WRITERS)
def edit_course(code: str):
    """The owner trainer or an admin edits a course (published: code, track and threshold fixed)."""
    course = services.managed_course(current_user, services.get_course_by_code(code))
    if course.status == "archived":
        flash("An archived course is read-only.", "warning")
        return redirect(url_for("catalogue.show_course", code=course.code))
    if request.method == "GET":
        form = CourseForm(data=_course_initial(course))
        blank = sum(1 for e in form.modules.entries if not e.form.title.data)
        _pad_rows(form, max(0, BLANK_MODULE_ROWS - blank))
    else:
        form = CourseForm()
    if course.status != "draft":
        for name in rules.FROZEN_WHEN_PUBLISHED:
            delattr(form, name)
    form.prerequisite_ids.choices = services.course_choices(exclude_id=course.id)
    if request.method == "POST" and "add_rows" in request.form:
        _pad_rows(form, MORE_ROWS)
        return _course_form_page(form, course)
    if form.validate_on_submit():
        try:
            services.update_course(current_user, course, _course_data(form))
        except DomainError as exc:
            db.session.rollback()
            _show_errors(form, exc)
        else:
            db.session.commit()
            flash(f"Course {course.code} saved.", "success")
            return redirect(url_for("catalogue.show_course", code=course.code))
    status = 422 if request.method == "POST" else 200
    if request.method == "POST":
        _pad_rows(form, 0)
    return _course_form_page(form, course), status


@bp.route("/courses/<code>/publish", methods=["POST"])
@roles_required(*WRITERS)
def publish_course(code: str):
    """Publish a draft (owner trainer, admin)."""
    course = services.get_course_by_code(code)
    perform(lambda: services.publish_course(current_user, course),
            f"{course.code} is published: it is in the catalogue now.")
    return redirect(url_for("catalogue.show_course", code=code))


@bp.route("/courses/<code>/archive", methods=["POST"])
@roles_required(*WRITERS)
def archive_course(code: str):
    """Archive a published course (owner trainer, admin); it stays readable."""
    course = services.get_course_by_code(code)
    perform(lambda: services.archive_course(current_user, course),
            f"{course.code} is archived: no new cohorts, its history stays.")
    return redirect(url_for("catalogue.show_course", code=code))


# --------------------------------------------------------------------------- tracks


@bp.route("/tracks")
def list_tracks():
    """Every learning track with its courses (public)."""
    page, per_page = page_args(default_per_page=50)
    audience = request.args.get("audience")
    result = paginate(services.tracks_query(audience), page, per_page)
    return render_template("catalogue/tracks.html", page=result,
                           audience=audience if audience in rules.AUDIENCES else "")


@bp.route("/tracks/<int:track_id>")
def show_track(track_id: int):
    """A track's courses in order; a learner sees which of them they have completed."""
    track = services.get_track(track_id)
    progress = None
    if current_user.is_authenticated and current_user.is_learner:
        progress = services.track_progress(current_user, track)
    return render_template("catalogue/track.html", track=track, progress=progress)


def _track_data(form: TrackForm) -> dict:
    codes = rules.split_list(form.course_ids.data or "")
    return {"name": form.name.data, "audience": form.audience.data,
            "description": form.description.data or "",
            "course_ids": services.course_ids_for_codes(codes)}


@bp.route("/tracks/new", methods=["GET", "POST"])
@roles_required(*WRITERS)
def new_track():
    """Build a track from published course codes (admins, trainers)."""
    form = TrackForm()
    if form.validate_on_submit():
        try:
            track = services.create_track(current_user, _track_data(form))
        except DomainError as exc:
            db.session.rollback()
            _show_errors(form, exc)
        else:
            db.session.commit()
            flash(f"Track {track.name} saved.", "success")
            return redirect(url_for("catalogue.show_track", track_id=track.id))
    return _track_form_page(form, None)


@bp.route("/tracks/<int:track_id>/edit", methods=["GET", "POST"])
@roles_required(*WRITERS)
def edit_track(track_id: int):
    """Rename a track or reorder its courses (its builder, admins)."""
    track = services.get_track(track_id)
    if not track.can_manage(current_user):
        raise Forbidden("Only the track's builder or an admin may change it.")
    form = TrackForm(obj=track) if request.method == "GET" else TrackForm()
    if request.method == "GET":
        form.course_ids.data = "\n".join(c.code for c in track.courses)
    if form.validate_on_submit():
        try:
            services.update_track(current_user, track, _track_data(form))
        except DomainError as exc:
            db.session.rollback()
            _show_errors(form, exc)
        else:
            db.session.commit()
            flash(f"Track {track.name} saved.", "success")
            return redirect(url_for("catalogue.show_track", track_id=track.id))
    return _track_form_page(form, track)


def _track_form_page(form: TrackForm, track):
    """The track form with a reference list of the published courses and their codes."""
    filters = services.CatalogueFilters(status="published")
    courses = paginate(services.catalogue_query(current_user, filters), 1, 200).items
    status = 422 if request.method == "POST" else 200
    return render_template("catalogue/track_form.html", form=form, track=track,
                           courses=courses), status
