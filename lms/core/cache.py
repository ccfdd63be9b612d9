"""A cache for report figures that is never stale.

Database triggers count the changes of each table the reports read, per park
(`data_versions` rows "<table>:<park>", see lms.core.versioning), whoever writes (ORM, bulk SQL,
another server). A cached value is used only while the versions of its tables in its park, the
number of sessions that have started and the park date are what they were when it was computed;
reading them costs one small query per request. So a check-in at Karachi renews Karachi's
attendance figures only, and a login renews nothing. Values live in process memory: a miss is
only a recomputation, so several workers and servers stay correct without sharing anything.
"""

from collections import OrderedDict
from collections.abc import Callable
from threading import Lock

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from lms.core.timeutil import park_today, utcnow
from lms.extensions import db

MAX_ENTRIES = 256
REPORT_TABLES = ("attendance_records", "enrollments", "certificates", "attempts", "class_sessions",
                 "cohorts", "courses", "assessments", "parks", "users")
_store: OrderedDict = OrderedDict()
_lock = Lock()


def _versions() -> dict:
    """Every version row, and the number of sessions started (1 query, once per transaction:
    a stamp read before the data it guards can only cause a recomputation, never staleness)."""
    info = db.session().info
    if "report_versions" in info:
        return info["report_versions"]
    now = utcnow().replace(tzinfo=None) if _is_sqlite() else utcnow()
    rows = db.session.execute(sa.text(
        "SELECT name, version FROM data_versions UNION ALL "
        "SELECT '.started', count(*) FROM class_sessions WHERE starts_at <= :now"),
        {"now": now}).all()
    versions = {name: version for name, version in rows}
    info["report_versions"] = versions
    return versions


@event.listens_for(Session, "after_transaction_end")
def _forget_versions(session, transaction):
    if transaction.parent is None:
        session.info.pop("report_versions", None)


def current_stamp(tables: tuple[str, ...] = REPORT_TABLES, park_id: int | None = None
                  ) -> tuple | None:
    """What a figure over `tables` in one park (None: all parks) depends on: those tables'
    versions there, sessions started, park date. None when the triggers are missing."""
    versions = _versions()
    if "epoch" not in versions:
        return None
    if park_id is None:
        mine = tuple(sorted((name, v) for name, v in versions.items()
                            if name.partition(":")[0] in tables))
    else:
        mine = tuple((versions.get(f"{t}:{park_id}", 0), versions.get(f"{t}:0", 0))
                     for t in tables)
    return versions["epoch"], mine, versions[".started"], park_today()


def _is_sqlite() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"


def cached(key: tuple, compute: Callable, tables: tuple[str, ...] = REPORT_TABLES,
           park_id: int | None = None, stamp: tuple | None = None):
    """compute(), or the value computed earlier under the same key while `tables` did not
    change in park `park_id` (None: in any park), or under the same explicit `stamp`."""
    stamp = stamp if stamp is not None else current_stamp(tables, park_id)
    if stamp is None:  # no triggers (e.g. a schema made without migrations): no cache
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


def cached_per_park(name: str, park_ids: list[int], compute: Callable,
                    tables: tuple[str, ...]) -> dict:
    """{park id: value}, each cached under its park's versions of `tables`; the parks whose
    tables changed are recomputed together: compute([their ids]) -> {park id: value}."""
    stamps = {pid: current_stamp(tables, pid) for pid in park_ids}
    if any(stamp is None for stamp in stamps.values()):
        return compute(park_ids)
    found = {}
    with _lock:
        for pid in park_ids:
            hit = _store.get((name, pid))
            if hit is not None and hit[0] == stamps[pid]:
                _store.move_to_end((name, pid))
                found[pid] = hit[1]
    missing = [pid for pid in park_ids if pid not in found]
    if missing:
        computed = compute(missing)
        with _lock:
            for pid in missing:
                _store[(name, pid)] = (stamps[pid], computed.get(pid))
                _store.move_to_end((name, pid))
            while len(_store) > MAX_ENTRIES:
                _store.popitem(last=False)
        found.update(computed)
    return {pid: value for pid, value in found.items() if value is not None}


def clear() -> None:
    """Forget every cached value (tests)."""
    with _lock:
        _store.clear()
