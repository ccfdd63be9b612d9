"""Marshmallow schemas of the materials API."""

from flask import url_for
from marshmallow import EXCLUDE, Schema, fields, validate

from lms.materials.rules import STATUSES


class MaterialInSchema(Schema):
    """The fields of a new material: a multipart form's fields, or a JSON link."""

    class Meta:
        unknown = EXCLUDE

    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String(load_default="", validate=validate.Length(max=1000))
    module_id = fields.Integer(load_default=None, allow_none=True)
    session_id = fields.Integer(load_default=None, allow_none=True)
    status = fields.String(load_default="published", validate=validate.OneOf(STATUSES))
    url = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class MaterialSchema(Schema):
    """A material as listed: for files, `url` is where to download it."""

    id = fields.Integer(required=True)
    title = fields.String(required=True)
    description = fields.String()
    kind = fields.String(required=True, metadata={"enum": ["file", "link"]})
    status = fields.String(required=True)
    position = fields.Integer()
    module_id = fields.Integer(allow_none=True)
    session_id = fields.Integer(allow_none=True)
    filename = fields.String(allow_none=True)
    size = fields.Integer(allow_none=True)
    sha256 = fields.String(allow_none=True)
    content_type = fields.String(allow_none=True)
    url = fields.String(required=True)


class MaterialPageSchema(Schema):
    items = fields.List(fields.Nested(MaterialSchema), required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)


class UploadSchema(Schema):
    """A file handed in for a file_upload question."""

    id = fields.Integer(required=True)
    question_id = fields.Integer(required=True)
    filename = fields.String(required=True)
    size = fields.Integer(required=True)
    sha256 = fields.String(required=True)
    url = fields.String(required=True)


def material_body(m) -> dict:
    """A material as JSON."""
    is_file = m.kind == "file"
    return {"id": m.id, "title": m.title, "description": m.description, "kind": m.kind,
            "status": m.status, "position": m.position, "module_id": m.module_id,
            "session_id": m.session_id, "filename": m.filename if is_file else None,
            "size": m.blob.size if is_file else None,
            "sha256": m.blob_sha256 if is_file else None,
            "content_type": m.blob.content_type if is_file else None,
            "url": url_for("materials_api.get_material_file", material_id=m.id) if is_file
            else m.url}


def upload_body(u) -> dict:
    """A handed-in file as JSON."""
    return {"id": u.id, "question_id": u.question_id, "filename": u.filename,
            "size": u.blob.size, "sha256": u.blob_sha256,
            "url": url_for("materials_api.get_upload_file", upload_id=u.id)}
