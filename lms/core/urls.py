"""Links for other people (set-password links, check-in QR codes, calendar feeds, certificate
QR codes): built from LMS_PUBLIC_URL, never from the request's Host header, which a client sets."""

from flask import current_app, has_request_context, request, url_for

DEVELOPMENT_FALLBACK = "http://127.0.0.1:5000"


def public_base() -> str:
    """The site's public address without a trailing slash.

    LMS_PUBLIC_URL when set (production refuses to start without it); in development and tests
    the address the request came to (the developer's own machine), else the `make run` default.
    """
    base = (current_app.config.get("LMS_PUBLIC_URL") or "").strip()
    if not base and current_app.config.get("ENV_NAME") in ("development", "testing"):
        base = request.host_url if has_request_context() else DEVELOPMENT_FALLBACK
    if not base:
        raise RuntimeError("LMS_PUBLIC_URL is not set")
    return base.rstrip("/")


def public_url(endpoint: str, **values) -> str:
    """The absolute public link to `endpoint` (its path from url_for, its address from
    LMS_PUBLIC_URL)."""
    return public_base() + url_for(endpoint, _external=False, **values)
