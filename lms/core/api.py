"""API plumbing: the JSON-only rule for writes and the blueprint factory."""

from functools import wraps

from flask import Flask, request
from flask_smorest import Blueprint

from lms.core.handlers import json_error

API_PREFIX = "/api/v1"


def api_blueprint(name: str, import_name: str, description: str) -> Blueprint:
    """A flask-smorest blueprint mounted under /api/v1."""
    return Blueprint(name, import_name, url_prefix=API_PREFIX, description=description)


def accepts(*mimetypes: str):
    """Mark an API view as taking a body type other than JSON."""

    def decorator(fn):
        fn._lms_body_types = set(mimetypes)
        return fn

    return decorator


def authorize(check):
    """Run the route's access check, `check(**path_values)`, before its body is parsed: a caller
    who may not use the route gets 401, 403 or 404, never a list of what is wrong with the body.
    Put it right under `@blp.route`, above `@blp.arguments`."""

    def decorator(fn):
        @wraps(fn)  # keeps flask-smorest's documentation of the wrapped view
        def wrapper(*args, **kwargs):
            check(**kwargs)
            return fn(*args, **kwargs)

        return wrapper

    return decorator


def roles_only(*roles: str):
    """An `authorize` check for routes whose only rule before the body is the caller's role."""
    from lms.core.permissions import require_roles

    def check(**_path_values):
        require_roles(*roles)

    return check


def init_api_guards(app: Flask) -> None:
    """Answer 415 to an API write whose body is not JSON (or the type its route takes)."""

    @app.before_request
    def _json_only():
        if not request.path.startswith(API_PREFIX + "/") or request.method not in (
                "POST", "PUT", "PATCH"):
            return None
        has_body = (request.content_length or 0) > 0 or request.headers.get(
            "Transfer-Encoding") == "chunked"
        if not has_body and not request.mimetype:
            return None
        view = app.view_functions.get(request.endpoint or "")
        allowed = {"application/json"} | getattr(view, "_lms_body_types", set())
        if request.mimetype not in allowed:
            return json_error(415, f"Send the body as {' or '.join(sorted(allowed))}.")
        return None
