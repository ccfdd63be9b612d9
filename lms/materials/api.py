"""JSON API of course materials and handed-in files (API.md, "Added in 1.1").

Uploads are multipart/form-data, the one exception to JSON bodies. Every route checks who is
asking against the object before it reads the body.
"""

from flask import request
from marshmallow import ValidationError

from lms.core.api import accepts, api_blueprint
from lms.core.errors import BadRequest, ValidationFailed
from lms.core.pagination import page_args
from lms.core.permissions import FACULTY, STUDENT, require_login, require_roles
from lms.extensions import db
from lms.materials import http, services
from lms.materials.schemas import (
    MaterialInSchema,
    MaterialPageSchema,
    MaterialSchema,
    UploadSchema,
    material_body,
    upload_body,
)

blp = api_blueprint("materials_api", __name__, "Course materials and handed-in files")
FILE_DOC = {"responses": {"200": {"description": "The file's bytes (Range, ETag honoured)",
                                  "content": {"application/octet-stream": {}}}}}


def _load(data) -> dict:
    try:
        return MaterialInSchema().load(data)
    except ValidationError as exc:
        fields = {k: v if isinstance(v, list) else [str(v)] for k, v in exc.messages.items()}
        raise ValidationFailed("Please correct the marked fields.", fields=fields) from None


@blp.route("/courses/<int:course_id>/materials", methods=["GET"])
@blp.response(200, MaterialPageSchema)
def list_materials(course_id):
    """The course's materials the caller may see (staff; learners of the course's cohorts)."""
    actor = require_login()
    materials, _acc = services.materials_of(actor, services.get_course(course_id))
    page, per_page = page_args()
    chunk = materials[(page - 1) * per_page: page * per_page]
    return {"items": [material_body(m) for m in chunk], "page": page, "per_page": per_page,
            "total": len(materials)}


@blp.route("/courses/<int:course_id>/materials", methods=["POST"])
@accepts("multipart/form-data")
@blp.response(201, MaterialSchema)
@blp.doc(requestBody={"content": {
    "multipart/form-data": {"schema": {"type": "object", "properties": {
        "file": {"type": "string", "format": "binary"}, "title": {"type": "string"},
        "module_id": {"type": "integer"}, "session_id": {"type": "integer"}}}},
    "application/json": {"schema": {"type": "object", "properties": {
        "title": {"type": "string"}, "url": {"type": "string"},
        "module_id": {"type": "integer"}}}}}})
def create_material(course_id):
    """Attach a file (multipart `file`, `title`, `module_id?`, `session_id?`) or a link (JSON
    `{title, url, module_id?}`) to a course (owner trainer, admin; a cohort's trainer: its
    sessions)."""
    actor = require_login()
    course = services.get_course(course_id)
    services.require_add(actor, course)  # before the body
    if request.mimetype == "application/json":
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise BadRequest("Send a JSON object.")
        data = _load(body)
        if not data.get("url"):
            raise ValidationFailed("A link needs its url.", fields={"url": ["Required."]})
        material = services.add_link(actor, course, data)
    else:
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            raise ValidationFailed("Send the file in the `file` field.",
                                   fields={"file": ["Required."]})
        data = _load(request.form.to_dict())
        received = services.receive_upload(upload.stream)
        material = services.add_file(actor, course, data, received, upload.filename)
    db.session.commit()
    return material_body(material)


@blp.route("/materials/<int:material_id>/file", methods=["GET"])
@blp.doc(**FILE_DOC)
def get_material_file(material_id):
    """A material's bytes, as an attachment, with Range and ETag (as the list)."""
    actor = require_login()
    material, _acc = services.visible_material(actor, material_id)
    if material.kind != "file":
        raise ValidationFailed("This material is a link: follow its url.", code="not_a_file")
    return http.send_blob(material.blob, material.filename)


@blp.route("/materials/<int:material_id>", methods=["DELETE"])
@blp.response(204)
def delete_material(material_id):
    """Remove a material (owner trainer, admin)."""
    actor = require_login()
    services.delete_material(actor, material_id)
    db.session.commit()


@blp.route("/attempts/<int:attempt_id>/uploads", methods=["POST"])
@accepts("multipart/form-data")
@blp.response(201, UploadSchema)
@blp.doc(requestBody={"content": {"multipart/form-data": {"schema": {
    "type": "object", "properties": {"file": {"type": "string", "format": "binary"},
                                     "question_id": {"type": "integer"}}}}}})
def create_upload(attempt_id):
    """Hand in a file for a file_upload question of one's own open attempt (409 late)."""
    from lms.assessments import services as assessments

    actor = require_roles(STUDENT, FACULTY)
    assessments.own_open_attempt(actor, attempt_id)  # before the body
    upload = request.files.get("file")
    raw_qid = request.form.get("question_id", "")
    errors = {}
    if upload is None or not upload.filename:
        errors["file"] = ["Required."]
    if not raw_qid.isdigit():
        errors["question_id"] = ["A question id is required."]
    if errors:
        raise ValidationFailed("Send `file` and `question_id`.", fields=errors)
    received = services.receive_upload(upload.stream)
    item = services.add_attempt_upload(actor, attempt_id, int(raw_qid), received, upload.filename)
    db.session.commit()
    return upload_body(item)


@blp.route("/uploads/<int:upload_id>/file", methods=["GET"])
@blp.doc(**FILE_DOC)
def get_upload_file(upload_id):
    """A handed-in file: its learner, whoever grades the attempt, the park's manager."""
    actor = require_login()
    upload = services.visible_upload(actor, upload_id)
    return http.send_blob(upload.blob, upload.filename)
