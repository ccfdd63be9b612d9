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


def _nul_paths(value, path: str) -> list[str]:
    """Paths (a.b.0) of the JSON strings and keys holding a NUL character."""
    if isinstance(value, str):
        return [path or "body"] if "\x00" in value else []
    if isinstance(value, dict):
        out = []
        for k, v in value.items():
            sub = f"{path}.{k}" if path else str(k)
            out += [sub] if "\x00" in str(k) else _nul_paths(v, sub)
        return out
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _nul_paths(v, f"{path}.{i}" if path
                                                                  else str(i))]
    return []


def nul_inputs() -> list[str]:
    """Names of the query, form or JSON inputs that carry a NUL character (uploaded files are
    checked where they are decoded: lms.core.csvutil.decode_upload)."""
    bad = [k for k, v in request.args.items(multi=True) if "\x00" in k or "\x00" in v]
    if request.method in WRITE_METHODS:
        bad += [k for k, v in request.form.items(multi=True) if "\x00" in k or "\x00" in v]
        if request.is_json:
            bad += _nul_paths(request.get_json(silent=True), "")
    return [name.replace("\x00", "") or "?" for name in dict.fromkeys(bad)]


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

    @app.before_request
    def _refuse_nul_characters():
        # PostgreSQL cannot store NUL in text (a 500 otherwise); no text field needs one
        bad = nul_inputs()
        if not bad:
            return None
        from lms.core.handlers import html_error, json_error, wants_json

        message = f"Remove the NUL character from: {', '.join(bad)}."
        if wants_json():
            return json_error(422, message, fields={name: ["Contains a NUL character."]
                                                    for name in bad})
        return html_error(422, message)

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
