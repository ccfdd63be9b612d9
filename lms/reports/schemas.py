"""Marshmallow schemas of the reports API."""

from marshmallow import EXCLUDE, Schema, fields


class ProgrammeQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    park_id = fields.Integer()


class TargetsSchema(Schema):
    students = fields.Integer()
    faculty = fields.Integer()


class ParkReportSchema(Schema):
    park_id = fields.Integer()
    name = fields.String()
    phase = fields.Integer()
    enrolled_students = fields.Integer()
    enrolled_faculty = fields.Integer()
    attending_students = fields.Integer()
    attending_faculty = fields.Integer()
    assessed_students = fields.Integer()
    assessed_faculty = fields.Integer()
    completed_students = fields.Integer()
    completed_faculty = fields.Integer()
    certified_students = fields.Integer()
    certified_faculty = fields.Integer()
    attendance_percent = fields.Float(allow_none=True)
    student_target = fields.Integer()
    faculty_target = fields.Integer()


class ProgrammeReportSchema(Schema):
    targets = fields.Nested(TargetsSchema)
    parks = fields.List(fields.Nested(ParkReportSchema))
