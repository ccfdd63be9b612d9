"""Database plumbing: SQLite pragmas and transactions, the write lock, and whole retries.

Concurrent writers never fail each other (issue 15):
- SQLite: a request that may write (any method but GET, HEAD, OPTIONS) begins its transactions
  with BEGIN IMMEDIATE, so it takes the write lock before its first read and simply waits (busy
  timeout) for another writer instead of failing on a stale snapshot. Slow work (password hashing)
  runs outside it: `read_phase()` and `release_lock()`.
- Both databases: a request whose unit of work still fails on a lock (SQLite busy, PostgreSQL
  deadlock or serialization failure, a unique index hit by a concurrent insert) before it
  committed anything is rolled back and run again whole (`init_retry`).
"""

import contextlib
import logging
import sqlite3

import sqlalchemy as sa
from flask import g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from werkzeug.routing import IntegerConverter

from lms.extensions import db

IMMEDIATE = "lms_sqlite_immediate"
MAX_ID = 2**31 - 1  # ids are INTEGER columns: a larger number in a URL names nothing


class IdConverter(IntegerConverter):
    """`<int:...>` in URLs, bounded to the database's INTEGER range (404 beyond, no overflow)."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


@event.listens_for(Engine, "connect")
def _sqlite_connect(dbapi_connection, _record):
    """SQLite: foreign keys on, WAL, a busy timeout, and transactions begun by us (below)."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.isolation_level = None  # let the "begin" event choose the BEGIN
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=15000")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()


SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
MAX_RETRIES = 4
log = logging.getLogger(__name__)


def _request_writes() -> bool:
    """True inside a request that may write, outside its read phases."""
    return (has_request_context() and request.method not in SAFE_METHODS
            and not g.get("lms_read_phase"))


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    """Emit BEGIN, or BEGIN IMMEDIATE when a use case asked for the write lock up front or the
    request may write."""
    if conn.dialect.name == "sqlite":
        immediate = bool(conn.get_execution_options().get(IMMEDIATE)) or _request_writes()
        conn.info["lms_immediate"] = immediate
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@event.listens_for(Session, "after_flush")
def _note_flush(session, _context):
    """Remember that this transaction wrote something (lock_for_update must not discard it)."""
    session.info["lms_wrote"] = True


@event.listens_for(Session, "do_orm_execute")
def _note_dml(state):
    """INSERT, UPDATE and DELETE statements run through the session count as writing too (and
    any textual SQL that is not a plain SELECT, to be safe)."""
    statement = state.statement
    if state.is_insert or state.is_update or state.is_delete or (
            isinstance(statement, sa.TextClause)
            and not statement.text.lstrip().upper().startswith(("SELECT", "WITH", "VALUES"))):
        state.session.info["lms_wrote"] = True


@event.listens_for(Session, "before_commit")
def _note_commit(session):
    """Remember that the request committed changes: it is then never retried whole."""
    if wrote(session) and has_request_context():
        g.lms_committed = True


@event.listens_for(Session, "after_transaction_end")
def _forget_flush(session, transaction):
    if transaction.parent is None:
        session.info.pop("lms_wrote", None)


def wrote(session) -> bool:
    """True if the session's transaction holds changes (pending, flushed or run as DML)."""
    return bool(session.new or session.dirty or session.deleted or session.info.get("lms_wrote"))


def end_read_only(exc: BaseException | None) -> None:
    """Request teardown: end a transaction that wrote nothing with COMMIT instead of ROLLBACK.

    For the database the two are the same, but psycopg drops every prepared statement on
    ROLLBACK, so PostgreSQL would plan every query of every request again; after COMMIT the
    queries a connection runs often stay prepared (about 1 ms of planning saved per query).
    A transaction with changes is never committed here: the view commits, or it rolls back.
    """
    if exc is not None or not db.session.registry.has():
        return
    session = db.session()
    if not session.in_transaction() or wrote(session):
        return
    try:
        session.commit()
    except sa.exc.SQLAlchemyError:
        session.rollback()


def is_sqlite() -> bool:
    """True when the session's engine is SQLite."""
    return db.session.get_bind().dialect.name == "sqlite"


def lock_for_update(model, ident):
    """Load one row for a race-sensitive change and hold its lock until the request commits.

    PostgreSQL: SELECT ... FOR UPDATE. SQLite: restart the (so far read-only) transaction with
    BEGIN IMMEDIATE, so no other writer can slip between our count and our insert. Call it before
    the use case changes anything.
    """
    session = db.session()
    if wrote(session):
        # on SQLite the restart would silently drop that work; refuse on every engine alike
        raise RuntimeError("lock_for_update must come before any change in the request")
    if is_sqlite():
        if not (session.in_transaction() and session.connection().info.get("lms_immediate")):
            session.rollback()
            session.connection(execution_options={IMMEDIATE: True})
        return session.get(model, ident, populate_existing=True)
    return session.execute(
        sa.select(model).where(model.id == ident).with_for_update().execution_options(
            populate_existing=True)
    ).scalar_one_or_none()


def release_lock() -> None:
    """End the request's transaction so far, which must not have changed anything, so that slow
    work that follows (password hashing) holds no lock; the next query begins a new one."""
    session = db.session()
    if wrote(session):
        raise RuntimeError("release_lock must come before any change in the request")
    if session.in_transaction():
        session.commit()


@contextlib.contextmanager
def read_phase():
    """Queries inside run in a plain transaction (no write lock on SQLite), ended on leaving,
    for a request that reads, then works slowly (scrypt), then writes."""
    release_lock()
    g.lms_read_phase = True
    try:
        yield
    finally:
        g.lms_read_phase = False
    release_lock()


def _retriable(exc: BaseException) -> bool:
    """A failure caused by a concurrent writer, which the same unit of work run again avoids."""
    if not isinstance(exc, sa.exc.DBAPIError):
        return False
    code = getattr(exc.orig, "sqlstate", None)
    if code is not None:  # PostgreSQL: serialization failure, deadlock, unique violation
        return code in ("40001", "40P01", "23505")
    text = str(exc.orig)
    return ("database is locked" in text or "database is busy" in text
            or (isinstance(exc, sa.exc.IntegrityError) and "UNIQUE constraint failed" in text))


def init_retry(app) -> None:
    """Run a view again whole (up to MAX_RETRIES times) when it failed on a concurrent writer
    before committing anything; the caller never sees the conflict."""
    dispatch = app.dispatch_request

    def dispatch_with_retry():
        for attempt in range(MAX_RETRIES + 1):
            try:
                return dispatch()
            except sa.exc.DBAPIError as exc:
                if (attempt == MAX_RETRIES or not _retriable(exc)
                        or g.get("lms_committed")):
                    raise
                log.info("retrying %s %s after %s", request.method, request.path,
                         type(exc.orig).__name__)
                db.session.rollback()
                for upload in request.files.values():
                    with contextlib.suppress(OSError, ValueError):
                        upload.stream.seek(0)
        raise AssertionError("unreachable")

    app.dispatch_request = dispatch_with_retry


def commit_if_written() -> bool:
    """Commit only when the request changed something (a GET that may finalise, say).

    A commit expires every loaded object; skipping an empty one spares the page from reloading
    them row by row.
    """
    if wrote(db.session):
        db.session.commit()
        return True
    return False


def get_or_404(model, ident, what: str):
    """The row of `model` with this primary key, else NotFound("No such <what>.")."""
    from lms.core.errors import NotFound

    obj = db.session.get(model, ident)
    if obj is None:
        raise NotFound(f"No such {what}.")
    return obj
