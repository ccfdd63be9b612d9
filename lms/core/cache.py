"""A cache for report figures that is never stale.

Database triggers bump `data_versions.version` whenever a table the reports read changes (any
writer: ORM, bulk SQL, another server). A cached value is used only while that version, the number
of sessions that have started and the park date are what they were when it was computed; checking
costs one small query. Values live in process memory: a miss is only a recomputation, so several
workers and servers stay correct without sharing anything.
"""

from collections import OrderedDict
from collections.abc import Callable
from threading import Lock

import sqlalchemy as sa
from flask import g, has_request_context

from lms.core.timeutil import park_today, utcnow
from lms.extensions import db

MAX_ENTRIES = 256
REPORT_TABLES = ("attendance_records", "enrollments", "certificates", "attempts", "class_sessions",
                 "cohorts", "courses", "assessments", "parks", "users")
_store: OrderedDict = OrderedDict()
_lock = Lock()


def current_stamp() -> tuple:
    """What the cached figures depend on: data version, sessions started, park date (1 query,
    once per request)."""
    if has_request_context() and "report_stamp" in g:
        return g.report_stamp
    row = db.session.execute(sa.text(
        "SELECT (SELECT version FROM data_versions WHERE name = 'reports'), "
        "(SELECT count(*) FROM class_sessions WHERE starts_at <= :now)"),
        {"now": utcnow().replace(tzinfo=None) if _is_sqlite() else utcnow()}).one()
    stamp = (row[0], row[1], park_today())
    if has_request_context():
        g.report_stamp = stamp
    return stamp


def _is_sqlite() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"


def cached(key: tuple, compute: Callable, stamp: tuple | None = None):
    """compute(), or the value computed earlier under the same key and the same stamp."""
    stamp = stamp if stamp is not None else current_stamp()
    if stamp[0] is None:  # no trigger table (e.g. a schema made without migrations): no cache
        return compute()
    with _lock:
        hit = _store.get(key)
        if hit is not None and hit[0] == stamp:
            _store.move_to_end(key)
            return hit[1]
    value = compute()
    with _lock:
        _store[key] = (stamp, value)
        _store.move_to_end(key)
        while len(_store) > MAX_ENTRIES:
            _store.popitem(last=False)
    return value


def clear() -> None:
    """Forget every cached value (tests)."""
    with _lock:
        _store.clear()
