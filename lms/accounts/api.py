"""Accounts API: tokens, /me, users, CSV import."""

from flask import g, request

from lms.accounts import services
from lms.accounts.schemas import (
    ImportQuerySchema,
    ImportResultSchema,
    MeSchema,
    StaffUserSchema,
    TokenRequestSchema,
    TokenSchema,
    UserCreatedSchema,
    UserCreateSchema,
    UserQuerySchema,
)
from lms.core.api import accepts, api_blueprint, authorize, roles_only
from lms.core.csvutil import decode_upload
from lms.core.errors import ValidationFailed
from lms.core.pagination import paginate
from lms.core.permissions import ADMIN, PARK_MANAGER, require_login, require_roles
from lms.core.schemas import page_of
from lms.core.urls import public_url
from lms.extensions import db

blp = api_blueprint("accounts_api", __name__, "Authentication and users")


@blp.route("/auth/tokens", methods=["POST"])
@blp.arguments(TokenRequestSchema)
@blp.response(201, TokenSchema)
def create_token(data):
    """Exchange an e-mail address and password for a bearer token."""
    user = services.authenticate(data["email"], data["password"], request.remote_addr or "-")
    raw, token = services.issue_token(user)
    db.session.commit()
    return {"token": raw, "expires_at": token.expires_at}


@blp.route("/auth/tokens/current", methods=["DELETE"])
@blp.response(204)
def revoke_current_token():
    """Revoke the bearer token this request carries."""
    require_login()
    raw = getattr(g, "api_token", None)
    if raw is None:
        raise ValidationFailed("This request carries no bearer token.")
    services.revoke_token(raw)
    db.session.commit()


@blp.route("/me", methods=["GET"])
@blp.response(200, MeSchema)
def get_me():
    """Who the caller is."""
    return require_login()


@blp.route("/users", methods=["POST"])
@authorize(roles_only(ADMIN, PARK_MANAGER))
@blp.arguments(UserCreateSchema)
@blp.response(201, UserCreatedSchema)
def create_user(data):
    """Create a user (a park manager: a trainer or learner of their park)."""
    actor = require_roles(ADMIN, PARK_MANAGER)
    password = data.pop("password", None)
    user = services.create_user(actor, data, password=password)
    db.session.commit()
    link = None if password else public_url("accounts.set_password",
                                            token=services.set_password_token(user))
    out = UserCreatedSchema().dump(user)
    out["set_password_url"] = link
    return out


@blp.route("/users", methods=["GET"])
@blp.arguments(UserQuerySchema, location="query")
@blp.response(200, page_of(StaffUserSchema))
def list_users(args):
    """Users the caller manages, filtered by role and park."""
    actor = require_roles(ADMIN, PARK_MANAGER)
    stmt = services.list_users_query(actor, role=args.get("role"), park_id=args.get("park_id"),
                                     q=args.get("q"))
    return paginate(stmt, args["page"], args["per_page"]).envelope()


@blp.route("/users/import", methods=["POST"])
@authorize(roles_only(ADMIN, PARK_MANAGER))
@blp.arguments(ImportQuerySchema, location="query")
@blp.response(200, ImportResultSchema)
@blp.alt_response(422, description="Some rows are invalid; nothing was written")
@accepts("text/csv")
def import_users(args):
    """Import users from a CSV body: all rows or none; `dry_run=1` only checks."""
    actor = require_roles(ADMIN, PARK_MANAGER)
    text = decode_upload(request.get_data())
    result = services.import_users(actor, text, dry_run=args["dry_run"])
    if result.errors and not args["dry_run"]:
        db.session.rollback()
        raise ValidationFailed(f"{len(result.errors)} problem(s) in the file; nothing was imported.",
                               extra={"created": 0, "updated": 0, "errors": result.errors})
    if args["dry_run"]:
        db.session.rollback()
    else:
        db.session.commit()
    return {**result.as_dict(), "dry_run": args["dry_run"]}
