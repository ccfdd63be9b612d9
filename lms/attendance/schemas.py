"""Marshmallow schemas of the attendance API."""

from marshmallow import EXCLUDE, Schema, fields, validate

from lms.attendance.models import ATTENDANCE_STATUSES


class RecordInSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    user_id = fields.Integer(required=True, strict=True)
    status = fields.String(required=True, validate=validate.OneOf(ATTENDANCE_STATUSES))


class RegisterSchema(Schema):
    """PUT /sessions/{id}/attendance: the whole change, saved all or nothing."""

    class Meta:
        unknown = EXCLUDE

    records = fields.List(fields.Nested(RecordInSchema), required=True,
                          validate=validate.Length(min=1, max=1000))
    reason = fields.String(load_default=None, allow_none=True,
                           validate=validate.Length(max=1000))


class RecordSchema(Schema):
    user_id = fields.Integer()
    full_name = fields.String(attribute="user.full_name")
    status = fields.String()
    source = fields.String()
    marked_at = fields.DateTime()
    marked_by_id = fields.Integer(allow_none=True)


class RegisterResultSchema(Schema):
    session_id = fields.Integer()
    changed = fields.Integer()
    records = fields.List(fields.Nested(RecordSchema))


class CheckInCodeSchema(Schema):
    code = fields.String()
    expires_at = fields.DateTime()


class CheckInSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    code = fields.String(required=True, validate=validate.Length(min=1, max=12))


class CheckInResultSchema(Schema):
    session_id = fields.Integer()
    status = fields.String()
    marked_at = fields.DateTime()


class SummaryRowSchema(Schema):
    user_id = fields.Integer()
    full_name = fields.String()
    present = fields.Integer()
    late = fields.Integer()
    excused = fields.Integer()
    absent = fields.Integer()
    held = fields.Integer()
    upcoming = fields.Integer()
    percent = fields.Float(allow_none=True)
    best_possible_percent = fields.Float(allow_none=True)
    at_risk = fields.Boolean()
