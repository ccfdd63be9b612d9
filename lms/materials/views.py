"""HTML pages of course materials: the list with its forms, downloads, "download all" ZIPs, and
files handed in for assessments."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from lms.core.errors import DomainError
from lms.core.forms import apply_errors, perform
from lms.core.permissions import FACULTY, STUDENT, roles_required
from lms.extensions import db
from lms.materials import http, services
from lms.materials.forms import ConfirmForm, MaterialForm, StatusForm, UploadForm

bp = Blueprint("materials", __name__)
UPLOAD_ENDPOINTS = {"materials.add_material", "materials.upload_answer_file",
                    "materials_api.create_material", "materials_api.create_upload"}


@bp.before_app_request
def _allow_large_uploads():
    """Upload routes take files up to MATERIAL_MAX_MB (others keep MAX_CONTENT_LENGTH); runs
    before the CSRF check reads the form, which is when the limit applies."""
    if request.endpoint in UPLOAD_ENDPOINTS:
        request.max_content_length = max(services.max_bytes() + services.MB,
                                         current_app.config.get("MAX_CONTENT_LENGTH") or 0)


def _place_choices(course, acc) -> list[tuple[str, str]]:
    choices = [("", "The whole course")] if acc.viewer.manages else []
    if acc.viewer.manages:
        choices += [(f"m{m.id}", f"Module {m.position}: {m.title}") for m in course.modules]
    from lms.core.timeutil import to_park

    choices += [(f"s{s.id}", f"{s.cohort.name}: session of "
                             f"{to_park(s.starts_at).strftime('%d %b %Y %H:%M')}")
                for s in services.session_choices(current_user, course, acc)]
    return choices


def _place(value: str) -> dict:
    if value.startswith("m") and value[1:].isdigit():
        return {"module_id": int(value[1:]), "session_id": None}
    if value.startswith("s") and value[1:].isdigit():
        return {"module_id": None, "session_id": int(value[1:])}
    return {"module_id": None, "session_id": None}


def _page(course, form, status=200):
    materials, acc = services.materials_of(current_user, course)
    if acc.may_add:
        form.place.choices = _place_choices(course, acc)
    groups: dict = {"course": [], "modules": {}, "sessions": {}}
    for m in materials:
        if m.session_id:
            groups["sessions"].setdefault(m.session, []).append(m)
        elif m.module_id:
            groups["modules"].setdefault(m.module, []).append(m)
        else:
            groups["course"].append(m)
    return render_template("materials/list.html", course=course, groups=groups, acc=acc,
                           form=form, status_form=StatusForm(), confirm=ConfirmForm(),
                           has_files=any(m.kind == "file" for m in materials)), status


@bp.route("/courses/<int:course_id>/materials")
@roles_required()
def list_materials(course_id: int):
    """The course's materials by module and session, with the upload form for its trainers."""
    course = services.get_course(course_id)
    return _page(course, MaterialForm())


@bp.route("/courses/<int:course_id>/materials", methods=["POST"])
@roles_required()
def add_material(course_id: int):
    """Attach a file or a link."""
    course = services.get_course(course_id)
    acc = services.require_add(current_user, course)  # before the body is looked at
    form = MaterialForm()
    form.place.choices = _place_choices(course, acc)
    if not form.validate_on_submit():
        return _page(course, form, 422)
    data = {"title": form.title.data, "description": form.description.data,
            "status": form.status.data, **_place(form.place.data or "")}
    try:
        if form.kind.data == "link":
            services.add_link(current_user, course, {**data, "url": form.url.data})
        else:
            upload = form.file.data
            if not upload or not getattr(upload, "filename", ""):
                form.file.errors = ["Choose a file."]
                return _page(course, form, 422)
            received = services.receive_upload(upload.stream)
            services.add_file(current_user, course, data, received, upload.filename)
    except DomainError as exc:
        db.session.rollback()
        if exc.status in (401, 403, 404):
            raise
        apply_errors(form, exc)
        return _page(course, form, exc.status)
    db.session.commit()
    flash("Material added.", "success")
    return redirect(url_for("materials.list_materials", course_id=course.id))


@bp.route("/materials/<int:material_id>/download")
@roles_required()
def download_material(material_id: int):
    """A material's file as an attachment (Range and ETag honoured); a link's page."""
    material, _acc = services.visible_material(current_user, material_id)
    if material.kind == "link":
        return redirect(material.url)
    return http.send_blob(material.blob, material.filename)


@bp.route("/materials/<int:material_id>/status", methods=["POST"])
@roles_required()
def set_status(material_id: int):
    """Publish a draft, or take a material back to draft."""
    material = services.managed_material(current_user, material_id)
    form = StatusForm()
    if not form.validate_on_submit():
        abort(400)
    perform(lambda: services.set_status(current_user, material.id, form.status.data),
            "Material published." if form.status.data == "published" else "Material is a draft.")
    return redirect(url_for("materials.list_materials", course_id=material.course_id))


@bp.route("/materials/<int:material_id>/delete", methods=["POST"])
@roles_required()
def delete_material(material_id: int):
    """Remove a material."""
    material = services.managed_material(current_user, material_id)
    course_id = material.course_id
    if not ConfirmForm().validate_on_submit():
        abort(400)
    perform(lambda: services.delete_material(current_user, material.id), "Material removed.")
    return redirect(url_for("materials.list_materials", course_id=course_id))


@bp.route("/courses/<int:course_id>/materials.zip")
@roles_required()
def course_zip(course_id: int):
    """Every file of the course the user may see (not the sessions'), in one streamed ZIP."""
    course = services.get_course(course_id)
    materials, _acc = services.materials_of(current_user, course)
    entries = services.zip_entries([m for m in materials if m.session_id is None])
    return http.send_zip(entries, f"{course.code} materials.zip")


@bp.route("/sessions/<int:session_id>/materials.zip")
@roles_required()
def session_zip(session_id: int):
    """Every file of one session the user may see, in one streamed ZIP."""
    session, materials = services.session_materials(current_user, session_id)
    day = session.starts_at.strftime("%Y-%m-%d")
    return http.send_zip(services.zip_entries(materials),
                         f"{session.cohort.course.code} {day} materials.zip")


# files handed in for assessments ---------------------------------------------------------------
@bp.route("/attempts/<int:attempt_id>/uploads", methods=["POST"])
@roles_required(STUDENT, FACULTY)
def upload_answer_file(attempt_id: int):
    """Hand in a file for a question of one's own open attempt; back to the attempt."""
    from lms.assessments import services as assessments

    assessments.own_open_attempt(current_user, attempt_id)  # 404/403 before the body
    form = UploadForm()
    back = redirect(url_for("assessments.take_attempt", attempt_id=attempt_id))
    upload = form.file.data if form.validate_on_submit() else None
    if not upload or not getattr(upload, "filename", "") or not form.question_id.data.isdigit():
        flash("Choose a file to hand in.", "error")
        return back
    try:
        received = services.receive_upload(upload.stream)
        services.add_attempt_upload(current_user, attempt_id, int(form.question_id.data),
                                    received, upload.filename)
    except DomainError as exc:
        db.session.rollback()
        if exc.status in (401, 403, 404):
            raise
        flash(exc.message, "error")
        return back
    db.session.commit()
    flash("File handed in. Submit the attempt when you are done.", "success")
    return back


@bp.route("/uploads/<int:upload_id>/download")
@roles_required()
def download_upload(upload_id: int):
    """A handed-in file, for its learner and whoever grades it."""
    upload = services.visible_upload(current_user, upload_id)
    return http.send_blob(upload.blob, upload.filename)


@bp.app_context_processor
def _template_helpers():
    """attempt_uploads(attempt_id) and upload_limits(question) for the assessments' pages."""
    return {"attempt_uploads": services.uploads_of, "upload_limits": services.upload_rules_of}
