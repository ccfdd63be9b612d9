"""Marshmallow schemas of the certificates API."""

from marshmallow import EXCLUDE, Schema, fields, validate


class EligibilitySchema(Schema):
    user_id = fields.Integer()
    full_name = fields.String()
    eligible = fields.Boolean()
    reasons = fields.List(fields.String())
    certificate_code = fields.String(allow_none=True)


class EligibilityListSchema(Schema):
    items = fields.List(fields.Nested(EligibilitySchema))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


class IssueArgsSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    user_ids = fields.List(fields.Integer(strict=True), load_default=None,
                           validate=validate.Length(max=1000))


class CertificateSchema(Schema):
    code = fields.String()
    user_id = fields.Integer()
    kind = fields.String()
    title = fields.String()
    holder_name = fields.String()
    issued_on = fields.Date()
    status = fields.String()
    sha256 = fields.String()
    cohort_id = fields.Integer(allow_none=True)
    track_id = fields.Integer(allow_none=True)
    park_id = fields.Integer(allow_none=True)
    hours = fields.Integer()
    starts_on = fields.Date(allow_none=True)
    ends_on = fields.Date(allow_none=True)


class SkippedSchema(Schema):
    user_id = fields.Integer()
    reasons = fields.List(fields.String())


class IssueResultSchema(Schema):
    issued = fields.List(fields.Nested(CertificateSchema))
    skipped = fields.List(fields.Nested(SkippedSchema))


class CertificateListSchema(Schema):
    items = fields.List(fields.Nested(CertificateSchema))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


class CertificateQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    user_id = fields.Integer(load_default=None)
    cohort_id = fields.Integer(load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf(
        ["valid", "revoked", "superseded"]))


class ReasonSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    reason = fields.String(required=True, validate=validate.Length(min=3, max=500))


class VerificationSchema(Schema):
    valid = fields.Boolean()
    status = fields.String()
    code = fields.String()
    kind = fields.String()
    holder_name = fields.String()
    title = fields.String()
    park = fields.String(allow_none=True)
    issued_on = fields.Date()
    starts_on = fields.Date(allow_none=True)
    ends_on = fields.Date(allow_none=True)
    hours = fields.Integer()
    revoked_on = fields.Date(allow_none=True)
