"""Security baseline: CSRF for cookie-authenticated writes, response headers, safe redirects."""

import uuid
from urllib.parse import unquote, urlsplit

from flask import Flask, g, request, session

from lms.extensions import csrf

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


def bearer_token() -> str | None:
    """The token of an `Authorization: Bearer ...` header, if any."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def is_safe_next(target: str | None) -> bool:
    """True only for a same-site path: no scheme, no host, no backslash or control-character tricks."""
    if not target:
        return False
    decoded = unquote(target)
    if decoded != target and not is_safe_next(decoded):
        return False
    if any(c in target for c in ("\\", "\n", "\r", "\t")) or any(ord(c) < 32 for c in target):
        return False
    if not target.startswith("/") or target.startswith("//"):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def _cookie_authenticated(app: Flask) -> bool:
    """True when the request carries a logged-in session or a remember-me cookie."""
    remember = app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    return "_user_id" in session or remember in request.cookies


def init_security(app: Flask) -> None:
    """Register the request id, the CSRF check and the security headers."""

    @app.before_request
    def _request_id():
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming[:64] if incoming.isalnum() else uuid.uuid4().hex[:16]

    @app.before_request
    def _csrf_unless_bearer():
        if request.method not in WRITE_METHODS or not app.config.get("WTF_CSRF_ENABLED", True):
            return
        if bearer_token() is not None:
            return  # bearer tokens are not sent by browsers on their own: no CSRF risk
        if request.path.startswith("/api/") and not _cookie_authenticated(app):
            return  # an API call with no login cookie carries no ambient authority to abuse
        csrf.protect()

    @app.after_request
    def _headers(resp):
        resp.headers.setdefault("Content-Security-Policy", CSP)
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        resp.headers.setdefault("Permissions-Policy", "camera=(self), geolocation=(), microphone=()")
        if app.config.get("SESSION_COOKIE_SECURE"):
            resp.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if request.path.startswith("/api/") or resp.mimetype == "text/html":
            resp.headers.setdefault("Cache-Control", "no-store")
        resp.headers["X-Request-ID"] = getattr(g, "request_id", "")
        return resp
