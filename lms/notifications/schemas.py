"""Marshmallow schemas of the notifications API."""

from marshmallow import EXCLUDE, Schema, fields, validate

from lms.core.schemas import PageArgsSchema
from lms.notifications.models import STATUSES
from lms.notifications.rules import KINDS


class OutboxMessageSchema(Schema):
    id = fields.Integer()
    to = fields.String(attribute="to_addr")
    kind = fields.String()
    subject = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    created_at = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True)
    last_error = fields.String(allow_none=True)


class OutboxQuerySchema(PageArgsSchema):
    status = fields.String(validate=validate.OneOf(STATUSES))
    kind = fields.String(validate=validate.OneOf(KINDS))


class NotificationsSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    reminders = fields.Boolean()
    at_risk = fields.Boolean()
    digest = fields.Boolean()


class MePatchSchema(Schema):
    class Meta:
        unknown = EXCLUDE  # other fields of PATCH /me (language) belong to other features

    notifications = fields.Nested(NotificationsSchema)


class MeWithNotificationsSchema(Schema):
    id = fields.Integer()
    email = fields.String()
    full_name = fields.String()
    role = fields.String()
    track = fields.String(allow_none=True)
    park_id = fields.Integer(allow_none=True)
    notifications = fields.Nested(NotificationsSchema)


class PasswordResetSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    email = fields.String(required=True, validate=validate.Length(max=254))


class AcceptedSchema(Schema):
    message = fields.String()
