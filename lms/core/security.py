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


MAX_JSON_DEPTH = 32  # the deepest API body (an assessment's questions' options) needs 4


def json_depth(value) -> int:
    """How deeply arrays and objects nest in a parsed JSON value (a scalar: 0); no recursion."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            depth += 1
            deepest = max(deepest, depth)
            stack.extend((v, depth) for v in (item.values() if isinstance(item, dict) else item))
    return deepest


def _nul_paths(value, path: str) -> list[str]:
    """Paths (a.b.0) of the JSON strings and keys holding a NUL character (no recursion)."""
    out, stack = [], [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                out.append(where or "body")
        elif isinstance(item, dict):
            for k, v in item.items():
                sub = f"{where}.{k}" if where else str(k)
                if "\x00" in str(k):
                    out.append(sub)
                else:
                    stack.append((v, sub))
        elif isinstance(item, list):
            stack.extend((v, f"{where}.{i}" if where else str(i)) for i, v in enumerate(item))
    return sorted(out)


def json_body_problem() -> str | None:
    """Why the JSON body of a write cannot be read safely (nested too deeply), or None."""
    if request.method not in WRITE_METHODS or not request.is_json:
        return None
    try:
        body = request.get_json(silent=True)  # cached for the view
    except RecursionError:  # deeper than the parser itself can go
        body, depth = None, None
    else:
        depth = json_depth(body)
    if depth is None or depth > MAX_JSON_DEPTH:
        return (f"The JSON body is nested too deeply (at most {MAX_JSON_DEPTH} levels of "
                "arrays and objects).")
    return None


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
    def _refuse_deep_json():
        # deep nesting would exhaust the recursion of parsers and validators: a 500 otherwise
        problem = json_body_problem()
        if problem is None:
            return None
        from lms.core.handlers import html_error, json_error, wants_json

        if wants_json():
            return json_error(400, problem, code="too_deeply_nested")
        return html_error(400, problem)

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
