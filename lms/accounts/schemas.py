"""Marshmallow schemas of the accounts API."""

from marshmallow import EXCLUDE, Schema, fields, validate

from lms.core.permissions import ROLES
from lms.core.schemas import PageArgsSchema


class TokenRequestSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    email = fields.String(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=200))


class TokenSchema(Schema):
    token = fields.String()
    expires_at = fields.DateTime()


class UserSchema(Schema):
    id = fields.Integer(dump_only=True)
    email = fields.String()
    full_name = fields.String()
    role = fields.String()
    track = fields.String(allow_none=True)
    park_id = fields.Integer(allow_none=True)
    institution = fields.String(allow_none=True)
    active = fields.Boolean()


class StaffUserSchema(UserSchema):
    """What staff see: the CNIC too."""

    cnic = fields.String(allow_none=True)


class MeSchema(Schema):
    id = fields.Integer()
    email = fields.String()
    full_name = fields.String()
    role = fields.String()
    track = fields.String(allow_none=True)
    park_id = fields.Integer(allow_none=True)


class UserCreateSchema(Schema):
    class Meta:
        unknown = EXCLUDE  # fields a caller may not set are ignored

    email = fields.String(required=True, validate=validate.Length(max=254))
    full_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    track = fields.String(load_default=None, allow_none=True,
                          validate=validate.OneOf(["student", "faculty"]))
    park_id = fields.Integer(load_default=None, allow_none=True)
    institution = fields.String(load_default=None, allow_none=True,
                                validate=validate.Length(max=200))
    cnic = fields.String(load_default=None, allow_none=True)
    password = fields.String(load_default=None, allow_none=True, load_only=True)


class UserCreatedSchema(StaffUserSchema):
    set_password_url = fields.String(allow_none=True)


class UserQuerySchema(PageArgsSchema):
    role = fields.String(validate=validate.OneOf(ROLES))
    park_id = fields.Integer()
    q = fields.String()


class ImportErrorSchema(Schema):
    row = fields.Integer()
    field = fields.String()
    message = fields.String()


class ImportResultSchema(Schema):
    created = fields.Integer()
    updated = fields.Integer()
    unchanged = fields.Integer()
    dry_run = fields.Boolean()
    errors = fields.List(fields.Nested(ImportErrorSchema))


class ImportQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    dry_run = fields.Boolean(load_default=False)
