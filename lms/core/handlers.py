"""Error handlers: API.md's JSON body under /api/, plain pages elsewhere, never a traceback."""

import logging

from flask import Flask, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from lms.core.errors import DomainError

log = logging.getLogger("lms")

HTTP_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
    415: "unsupported_media_type", 422: "validation_failed", 429: "throttled",
    500: "internal_error",
}


def wants_json() -> bool:
    """True for API requests: their errors are JSON."""
    return request.path.startswith("/api/")


def _fields_from(exc: HTTPException) -> dict:
    """Flatten webargs/marshmallow messages ({"json": {...}}) into {field: [messages]}."""
    messages = (getattr(exc, "data", None) or {}).get("messages") or {}
    fields: dict[str, list[str]] = {}
    for _location, errs in messages.items():
        if not isinstance(errs, dict):
            continue
        for name, value in errs.items():
            fields[str(name)] = _flatten(value)
    return fields


def _flatten(value) -> list[str]:
    if isinstance(value, list):
        out: list[str] = []
        for v in value:
            out.extend(_flatten(v))
        return out
    if isinstance(value, dict):
        out = []
        for k, v in value.items():
            out.extend(f"{k}: {m}" for m in _flatten(v))
        return out
    return [str(value)]


def json_error(status: int, message: str, code: str | None = None, fields=None, extra=None):
    """A response with API.md's error body."""
    body = {"code": code or HTTP_CODES.get(status, "error"), "message": message,
            "fields": fields or {}}
    if status >= 500:
        body["request_id"] = getattr(g, "request_id", None)
    if extra:
        body.update(extra)
    return jsonify({"error": body}), status


def html_error(status: int, message: str):
    """A plain error page in the site layout."""
    return render_template("errors/error.html", status=status, message=message,
                           request_id=getattr(g, "request_id", None)), status


def _out_of_range(exc: Exception) -> bool:
    """A number too large for the database's integers (SQLite: OverflowError; PostgreSQL 22003)."""
    if isinstance(exc, OverflowError):
        return True
    return getattr(getattr(exc, "orig", None), "sqlstate", None) == "22003"


def init_handlers(app: Flask) -> None:
    """Register the handlers (after flask-smorest, so these win)."""

    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):
        if wants_json():
            return jsonify(exc.to_body()), exc.status
        if exc.status == 401:
            from flask import redirect, url_for
            return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
        return html_error(exc.status, exc.message)

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        msg = "The form expired or its security token is missing; reload the page and try again."
        if wants_json():
            return json_error(400, msg, code="csrf_failed")
        return html_error(400, msg)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        status = exc.code or 500
        if wants_json():
            fields = _fields_from(exc)
            message = (f"Invalid value(s) for: {', '.join(sorted(fields))}." if fields
                       else (exc.description or exc.name))
            if status == 429:
                message = "Too many requests; wait a little and try again."
            resp = json_error(status, message, fields=fields)
            if status == 405 and exc.get_response().headers.get("Allow"):
                resp[0].headers["Allow"] = exc.get_response().headers["Allow"]
            return resp
        if status == 429:
            return html_error(429, "Too many requests; wait a little and try again.")
        return html_error(status, exc.description or exc.name)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return _http(exc)
        if _out_of_range(exc):  # e.g. ?owner_id=99999999999999999999: the client's mistake
            from lms.extensions import db
            db.session.rollback()
            msg = "A number in the request is too large or too small."
            return json_error(422, msg) if wants_json() else html_error(422, msg)
        from lms.ops.wiring import database_unavailable, unavailable_response

        if database_unavailable(exc):  # PostgreSQL restarting, say: 503, and the pool recovers
            return unavailable_response(exc)
        log.exception("unhandled error (request %s)", getattr(g, "request_id", "-"))
        from lms.extensions import db
        db.session.rollback()
        msg = "Something went wrong on our side. It has been logged; please try again."
        if wants_json():
            return json_error(500, msg)
        return html_error(500, msg)

    app.register_error_handler(InternalServerError, _unexpected)
