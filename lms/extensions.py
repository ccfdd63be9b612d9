"""Flask extensions, created unbound; lms.create_app binds them (no app imports here)."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from marshmallow import INCLUDE, Schema, fields
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)
migrate = Migrate(compare_type=True, render_as_batch=True)
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


class ErrorDetailSchema(Schema):
    """code, message, fields; some errors add keys (clashes, errors, request_id)."""

    class Meta:
        unknown = INCLUDE

    code = fields.String(required=True)
    message = fields.String(required=True)
    fields = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class ErrorSchema(Schema):
    """API.md's error body, documented for every error response in the OpenAPI document."""

    error = fields.Nested(ErrorDetailSchema, required=True)


class LmsApi(Api):
    ERROR_SCHEMA = ErrorSchema


api = LmsApi()
