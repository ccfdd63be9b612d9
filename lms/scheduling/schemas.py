"""Marshmallow schemas of the scheduling API."""

from marshmallow import EXCLUDE, Schema, fields, validate

from lms.core.schemas import PageArgsSchema
from lms.scheduling.rules import COHORT_STATUSES, WEEKDAYS


class CohortCreateSchema(Schema):
    class Meta:
        unknown = EXCLUDE  # id, status, enrolled_count ... are ignored

    course_id = fields.Integer(required=True, strict=True)
    park_id = fields.Integer(required=True, strict=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    trainer_id = fields.Integer(required=True, strict=True)
    room_id = fields.Integer(required=True, strict=True)
    capacity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=500))
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    meeting_days = fields.List(fields.String(validate=validate.OneOf(WEEKDAYS)), required=True,
                               validate=validate.Length(min=1, max=7))
    start_time = fields.Time(required=True, format="%H:%M")
    end_time = fields.Time(required=True, format="%H:%M")
    enrol_opens_on = fields.Date(load_default=None, allow_none=True)
    enrol_closes_on = fields.Date(load_default=None, allow_none=True)
    reason = fields.String(load_default=None, allow_none=True,
                           validate=validate.Length(max=500),
                           metadata={"description": "required (admins) for a cohort that "
                                                    "starts in the past: recorded from paper"})


class CohortSchema(Schema):
    id = fields.Integer()
    course_id = fields.Integer()
    course_code = fields.Function(lambda c: c.course.code)
    park_id = fields.Integer()
    name = fields.String()
    trainer_id = fields.Integer()
    room_id = fields.Integer()
    capacity = fields.Integer()
    enrolled_count = fields.Integer()
    seats_left = fields.Function(lambda c: max(0, c.capacity - c.enrolled_count))
    start_date = fields.Date()
    end_date = fields.Date()
    meeting_days = fields.Function(lambda c: c.days)
    start_time = fields.Time(format="%H:%M")
    end_time = fields.Time(format="%H:%M")
    enrol_opens_on = fields.Date(allow_none=True)
    enrol_closes_on = fields.Date(allow_none=True)
    status = fields.String()


class CohortCreatedSchema(CohortSchema):
    session_count = fields.Integer()


class CohortQuerySchema(PageArgsSchema):
    park_id = fields.Integer()
    course_id = fields.Integer()
    status = fields.String(validate=validate.OneOf(COHORT_STATUSES))


class SessionSchema(Schema):
    id = fields.Integer()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    status = fields.String()
    room_id = fields.Integer()
    note = fields.String(allow_none=True)


class EnrolRequestSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    user_id = fields.Integer(load_default=None, allow_none=True, strict=True)


class EnrollmentSchema(Schema):
    user_id = fields.Integer()
    full_name = fields.Function(lambda e: e.user.full_name)
    email = fields.Function(lambda e: e.user.email)
    status = fields.String()
    position = fields.Integer(allow_none=True)
    queued_at = fields.DateTime()


class EnrolResultSchema(Schema):
    user_id = fields.Integer()
    status = fields.String()
    position = fields.Integer(allow_none=True)


class WithdrawResultSchema(Schema):
    user_id = fields.Integer()
    status = fields.String()
    promoted_user_ids = fields.List(fields.Integer())
