"""Database plumbing: SQLite pragmas and transactions, and the write lock that race rules take."""

import sqlite3

import sqlalchemy as sa
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


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    """Emit BEGIN, or BEGIN IMMEDIATE when a use case asked for the write lock up front."""
    if conn.dialect.name == "sqlite":
        immediate = conn.get_execution_options().get(IMMEDIATE)
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
    session = db.session
    if wrote(session):
        # on SQLite the restart would silently drop that work; refuse on every engine alike
        raise RuntimeError("lock_for_update must come before any change in the request")
    if is_sqlite():
        session.rollback()
        session.connection(execution_options={IMMEDIATE: True})
        return session.get(model, ident, populate_existing=True)
    return session.execute(
        sa.select(model).where(model.id == ident).with_for_update().execution_options(
            populate_existing=True)
    ).scalar_one_or_none()


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
