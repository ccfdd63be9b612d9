"""Marshmallow schemas of the parks API."""

from marshmallow import EXCLUDE, Schema, fields, validate


class ParkSchema(Schema):
    id = fields.Integer()
    slug = fields.String()
    name = fields.String()
    city = fields.String()
    phase = fields.Integer()
    host_university = fields.String(allow_none=True)
    student_target = fields.Integer()
    faculty_target = fields.Integer()


class RoomSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    id = fields.Integer(dump_only=True)
    park_id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    capacity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=500))


class HolidaySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    id = fields.Integer(dump_only=True)
    date = fields.Date(required=True, attribute="day")
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    park_id = fields.Integer(load_default=None, allow_none=True)
    effects = fields.List(fields.String(), dump_only=True)
