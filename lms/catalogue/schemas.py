"""Marshmallow schemas of the catalogue API (courses and tracks)."""

from marshmallow import EXCLUDE, Schema, fields, validate

from lms.catalogue.rules import AUDIENCES, COURSE_TRACKS, LEVELS, STATUSES


class ModuleSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    id = fields.Integer(load_default=None, allow_none=True, strict=True)
    position = fields.Integer(dump_only=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    hours = fields.Float(load_default=0, validate=validate.Range(min=0, max=500))
    description = fields.String(load_default="", validate=validate.Length(max=20000))


class CourseSchema(Schema):
    """A course as the API shows it."""

    id = fields.Integer()
    code = fields.String()
    title = fields.String()
    summary = fields.String()
    track = fields.String()
    level = fields.String()
    duration_hours = fields.Integer()
    skills = fields.List(fields.String())
    industry_partners = fields.List(fields.String())
    min_attendance_percent = fields.Integer()
    status = fields.String()
    owner_id = fields.Integer()
    prerequisite_ids = fields.List(fields.Integer())
    modules = fields.List(fields.Nested(ModuleSchema))
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    published_at = fields.DateTime(allow_none=True)


class CourseCreateSchema(Schema):
    """POST /courses: API.md's fields plus modules, prerequisite_ids (and owner_id for admins)."""

    class Meta:
        unknown = EXCLUDE  # status, id, owner (for trainers) ... are ignored

    code = fields.String(required=True, validate=validate.Length(min=1, max=20))
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    summary = fields.String(load_default="", validate=validate.Length(max=20000))
    track = fields.String(required=True, validate=validate.OneOf(COURSE_TRACKS))
    level = fields.String(load_default="beginner", validate=validate.OneOf(LEVELS))
    duration_hours = fields.Integer(required=True, strict=True,
                                    validate=validate.Range(min=1, max=2000))
    skills = fields.List(fields.String(validate=validate.Length(max=60)), load_default=list)
    industry_partners = fields.List(fields.String(validate=validate.Length(max=100)),
                                    load_default=list)
    min_attendance_percent = fields.Integer(load_default=75, strict=True,
                                            validate=validate.Range(min=0, max=100))
    modules = fields.List(fields.Nested(ModuleSchema), load_default=list)
    prerequisite_ids = fields.List(fields.Integer(strict=True), load_default=list)
    owner_id = fields.Integer(load_default=None, allow_none=True, strict=True)


class CourseUpdateSchema(Schema):
    """PATCH /courses/{id}: any of the editable fields; status changes have their own routes."""

    class Meta:
        unknown = EXCLUDE

    code = fields.String(validate=validate.Length(min=1, max=20))
    title = fields.String(validate=validate.Length(min=1, max=200))
    summary = fields.String(validate=validate.Length(max=20000))
    track = fields.String(validate=validate.OneOf(COURSE_TRACKS))
    level = fields.String(validate=validate.OneOf(LEVELS))
    duration_hours = fields.Integer(strict=True, validate=validate.Range(min=1, max=2000))
    skills = fields.List(fields.String(validate=validate.Length(max=60)))
    industry_partners = fields.List(fields.String(validate=validate.Length(max=100)))
    min_attendance_percent = fields.Integer(strict=True, validate=validate.Range(min=0, max=100))
    modules = fields.List(fields.Nested(ModuleSchema))
    prerequisite_ids = fields.List(fields.Integer(strict=True))


class CourseQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    q = fields.String(validate=validate.Length(max=200))
    track = fields.String(validate=validate.OneOf(COURSE_TRACKS))
    level = fields.String(validate=validate.OneOf(LEVELS))
    skill = fields.String(validate=validate.Length(max=60))
    status = fields.String(validate=validate.OneOf((*STATUSES, "any")))
    park_id = fields.Integer()
    track_id = fields.Integer()
    owner_id = fields.Integer()
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class CourseListItemSchema(CourseSchema):
    """A course in a list: everything but the module outline."""

    class Meta:
        exclude = ("modules",)


class CoursePageSchema(Schema):
    items = fields.List(fields.Nested(CourseListItemSchema))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


class TrackCourseSchema(Schema):
    id = fields.Integer(attribute="course.id")
    code = fields.String(attribute="course.code")
    title = fields.String(attribute="course.title")
    position = fields.Integer()
    duration_hours = fields.Integer(attribute="course.duration_hours")


class TrackSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    audience = fields.String()
    description = fields.String()
    course_ids = fields.List(fields.Integer())
    courses = fields.List(fields.Nested(TrackCourseSchema), attribute="items")
    total_hours = fields.Integer()
    created_by_id = fields.Integer(allow_none=True)


class TrackCreateSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    audience = fields.String(required=True, validate=validate.OneOf(AUDIENCES))
    course_ids = fields.List(fields.Integer(strict=True), required=True)
    description = fields.String(load_default="", validate=validate.Length(max=20000))


class TrackUpdateSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    name = fields.String(validate=validate.Length(min=1, max=200))
    audience = fields.String(validate=validate.OneOf(AUDIENCES))
    course_ids = fields.List(fields.Integer(strict=True))
    description = fields.String(validate=validate.Length(max=20000))


class TrackQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    audience = fields.String(validate=validate.OneOf(AUDIENCES))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class TrackPageSchema(Schema):
    items = fields.List(fields.Nested(TrackSchema))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


class ProgressCourseSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    title = fields.String()
    done = fields.Boolean()


class TrackProgressSchema(Schema):
    track_id = fields.Integer()
    user_id = fields.Integer()
    done = fields.Integer()
    total = fields.Integer()
    percent = fields.Integer()
    complete = fields.Boolean()
    courses = fields.List(fields.Nested(ProgressCourseSchema))


class ProgressQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    user_id = fields.Integer()
