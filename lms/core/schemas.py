"""Schemas shared by the APIs: paging arguments and the list envelope."""

from functools import cache

from marshmallow import EXCLUDE, Schema, fields, validate

from lms.core.pagination import MAX_PAGE, MAX_PER_PAGE


class PageArgsSchema(Schema):
    """?page and ?per_page (at most 200); subclass it to add a list's filters."""

    class Meta:
        unknown = EXCLUDE

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PER_PAGE))


@cache
def page_of(item_schema: type[Schema]) -> type[Schema]:
    """The list envelope {items, page, per_page, total} of `item_schema`, for @blp.response."""
    return type(f"{item_schema.__name__.removesuffix('Schema')}PageSchema", (Schema,), {
        "items": fields.List(fields.Nested(item_schema)),
        "page": fields.Integer(),
        "per_page": fields.Integer(),
        "total": fields.Integer(),
    })
