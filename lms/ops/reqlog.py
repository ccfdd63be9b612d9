"""One JSON line per request on the `lms.request` logger: no paths, queries or bodies (they can
carry tokens, codes or passwords), only what identifies and measures the request."""

import json
import logging
import sys
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import g

log = logging.getLogger("lms.request")
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def configure_logger() -> None:
    """Write the request lines bare (the JSON object alone) to stderr, once per process."""
    if getattr(log, "_lms_configured", False):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    log._lms_configured = True


def count_query(statement: str) -> None:
    """Count a statement of the current request (transaction control is not a query)."""
    if g and not statement.lstrip()[:9].upper().startswith(TRANSACTION_CONTROL):
        g.lms_queries = g.get("lms_queries", 0) + 1


def user_id() -> int | None:
    """The request's user id if Flask-Login loaded one, read from the identity map: never a
    query (after a rollback the user's attributes are expired and the database may be away)."""
    user = g.get("_login_user")
    state = sa.inspect(user, raiseerr=False) if user is not None else None
    key = getattr(state, "identity", None)  # None for the anonymous user (not mapped)
    return key[0] if key else None


def line(endpoint: str | None, method: str, status: int, seconds: float) -> str:
    """The JSON log line of one request."""
    return json.dumps({
        "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "request_id": g.get("request_id"),
        "user_id": user_id(),
        "method": method,
        "endpoint": endpoint,
        "status": status,
        "duration_ms": round(seconds * 1000, 1),
        "queries": g.get("lms_queries", 0),
    }, separators=(",", ":"))
