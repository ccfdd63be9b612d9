"""Fixtures in the flaskr/indico style: app, db isolated per test, clients, users per role.

The suite runs on in-memory SQLite by default and on PostgreSQL when LMS_TEST_DATABASE_URL
names one (`.ci/run` does both).
"""

import os
import re

import pytest
import sqlalchemy as sa
from flask import g, has_app_context
from flask.testing import FlaskClient

os.environ.setdefault("LMS_ENV", "testing")

from lms import create_app  # noqa: E402
from lms.accounts.models import User  # noqa: E402
from lms.core import cache  # noqa: E402
from lms.extensions import db, limiter  # noqa: E402
from lms.parks.models import Park, Room  # noqa: E402
from lms.parks.services import load_parks  # noqa: E402

PASSWORD = "correct horse battery"
_schema_ready: set[str] = set()


def _is_sqlite_memory(app) -> bool:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    return uri in ("sqlite://", "sqlite:///:memory:")


def _reset_schema(app) -> None:
    """Memory SQLite: a new schema for each app. A server database: schema once, then emptied."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if _is_sqlite_memory(app):
        db.create_all()
        _install_triggers()
        return
    if uri not in _schema_ready:
        db.drop_all()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
            if conn.dialect.name == "postgresql":  # SQLite files (race tests) have no functions
                conn.exec_driver_sql("DROP FUNCTION IF EXISTS bump_reports_version() CASCADE")
        db.create_all()
        _install_triggers()
        _schema_ready.add(uri)
    # otherwise the last test's teardown emptied the tables


def _install_triggers() -> None:
    """The report cache's version triggers, as migration 0009 makes them."""
    from lms.core.versioning import install_park_versions

    with db.engine.begin() as conn:
        install_park_versions(conn)


def empty_tables() -> None:
    """Delete every row of every table, children first, in one round trip."""
    db.session.remove()
    tables = [t.name for t in reversed(db.metadata.sorted_tables) if t.name != "data_versions"]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("; ".join(f'DELETE FROM "{t}"' for t in tables))
        else:
            for t in tables:
                conn.exec_driver_sql(f'DELETE FROM "{t}"')


class RequestClient(FlaskClient):
    """A test client whose requests behave as separate requests would in production.

    The test keeps one app context (and database session) open; each request then starts with an
    empty `g` (no user left over from the last request) and is followed by a rollback, so work a
    view flushed but never committed is lost, as it would be, and the test reads fresh rows.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            g.__dict__.clear()
        try:
            return super().open(*args, **kwargs)
        finally:
            if has_app_context():
                g.__dict__.clear()
                db.session.rollback()


def make_app(**overrides):
    """A testing app; tests that need other settings pass overrides."""
    app = create_app("testing", overrides)
    app.test_client_class = RequestClient
    return app


@pytest.fixture
def app_overrides():
    """Override in a test module to change the app's settings."""
    return {}


@pytest.fixture
def app(app_overrides):
    app = make_app(**app_overrides)
    with app.app_context():
        _reset_schema(app)
        load_parks()
        db.session.commit()
        limiter.reset()
        cache.clear()
        yield app
        db.session.remove()
        if not _is_sqlite_memory(app):
            empty_tables()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def park(app) -> Park:
    """The Lahore park."""
    return db.session.scalar(sa.select(Park).where(Park.slug == "lahore"))


@pytest.fixture
def other_park(app) -> Park:
    """The Karachi park."""
    return db.session.scalar(sa.select(Park).where(Park.slug == "karachi"))


@pytest.fixture
def room(app, park) -> Room:
    room = Room(park_id=park.id, name="Lab A", capacity=30)
    db.session.add(room)
    db.session.commit()
    return room


_counter = {"n": 0}


@pytest.fixture
def make_user(app, park):
    """Factory: make_user("trainer", park=..., email=..., password=..., **fields)."""

    def _make(role: str = "student", *, email: str | None = None, password: str | None = PASSWORD,
              park_id: int | None | str = "default", **fields) -> User:
        _counter["n"] += 1
        email = email or f"{role}{_counter['n']}@example.pk"
        pid = park.id if park_id == "default" else park_id
        if role == "admin" and park_id == "default":
            pid = None
        user = User(email=email.lower(), full_name=fields.pop("full_name", f"{role.title()} {_counter['n']}"),
                    role=role, park_id=pid, **fields)
        if password:
            user.set_password(password)
        db.session.add(user)
        db.session.commit()
        return user

    return _make


class AuthActions:
    """Log a test client in and out through the real login form."""

    def __init__(self, client):
        self._client = client

    def login(self, email: str, password: str = PASSWORD, **extra):
        return self._client.post("/login", data={"email": email, "password": password, **extra})

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def login_as(app, make_user):
    """Factory: a new test client logged in as a new user of `role` (returns client, user)."""

    def _login(role: str, user: User | None = None, **fields):
        user = user or make_user(role, **fields)
        c = app.test_client()
        resp = AuthActions(c).login(user.email)
        assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
        return c, user

    return _login


@pytest.fixture
def token_for(app):
    """Factory: a bearer header for a user (through POST /api/v1/auth/tokens)."""

    def _token(user: User, password: str = PASSWORD) -> dict:
        resp = app.test_client().post("/api/v1/auth/tokens",
                                      json={"email": user.email, "password": password})
        assert resp.status_code == 201, resp.get_json()
        return {"Authorization": f"Bearer {resp.get_json()['token']}"}

    return _token


@pytest.fixture
def count_queries(app):
    """Context manager counting the SQL statements run inside it."""
    from contextlib import contextmanager

    @contextmanager
    def _count():
        statements: list[str] = []

        def before(conn, cursor, statement, *args):
            if not re.match(r"\s*(SAVEPOINT|RELEASE|ROLLBACK|BEGIN|COMMIT|PRAGMA)", statement, re.I):
                statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield statements
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", before)

    return _count


def csrf_token_from(html: str) -> str:
    """The CSRF token in a rendered form."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


requires_postgres = pytest.mark.skipif(
    not os.environ.get("LMS_TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="needs PostgreSQL: set LMS_TEST_DATABASE_URL (CI does)",
)


@pytest.fixture
def make_course(app, make_user):
    """Factory: a course (published by default) owned by a trainer."""
    from lms.catalogue.models import Course

    def _make(code: str | None = None, *, owner=None, track: str = "both",
              status: str = "published", **fields):
        _counter["n"] += 1
        owner = owner or make_user("trainer")
        course = Course(code=code or f"TST-{_counter['n']:03d}",
                        title=fields.pop("title", f"Test course {_counter['n']}"),
                        summary=fields.pop("summary", "A course for tests."), track=track,
                        level=fields.pop("level", "beginner"),
                        duration_hours=fields.pop("duration_hours", 40), status=status,
                        owner_id=owner.id, industry_partners=fields.pop("industry_partners", []),
                        **fields)
        db.session.add(course)
        db.session.commit()
        return course

    return _make


@pytest.fixture
def make_cohort(app, park, room, make_course, make_user):
    """Factory: a cohort with sessions built directly (not through the scheduling service).

    `sessions` is a list of (starts_at, ends_at) UTC pairs; by default four weekly two-hour
    sessions starting at `first` (UTC, default 2026-01-05 05:00 = 10:00 park time).
    """
    from datetime import UTC, datetime, timedelta

    from lms.scheduling.models import ClassSession, Cohort

    def _make(*, course=None, trainer=None, capacity: int = 30, status: str = "open",
              sessions: list | None = None, first: datetime | None = None, count: int = 4,
              room_obj=None, park_obj=None, **fields):
        course = course or make_course()
        trainer = trainer or make_user("trainer")
        r = room_obj or room
        p = park_obj or park
        first = first or datetime(2026, 1, 5, 5, 0, tzinfo=UTC)
        pairs = sessions or [(first + timedelta(weeks=i), first + timedelta(weeks=i, hours=2))
                             for i in range(count)]
        start_day = pairs[0][0].date()
        end_day = pairs[-1][0].date()
        cohort = Cohort(course_id=course.id, park_id=p.id, name=fields.pop("name", "Test cohort"),
                        trainer_id=trainer.id, room_id=r.id, capacity=capacity,
                        start_date=fields.pop("start_date", start_day),
                        end_date=fields.pop("end_date", end_day),
                        meeting_days=fields.pop("meeting_days", "mon"),
                        start_time=fields.pop("start_time", datetime(2026, 1, 1, 10).time()),
                        end_time=fields.pop("end_time", datetime(2026, 1, 1, 12).time()),
                        status=status, **fields)
        db.session.add(cohort)
        db.session.flush()
        for s, e in pairs:
            db.session.add(ClassSession(cohort_id=cohort.id, starts_at=s, ends_at=e, room_id=r.id,
                                        trainer_id=trainer.id))
        db.session.commit()
        return cohort

    return _make


@pytest.fixture
def enrol(app):
    """Factory: put a learner in a cohort directly (status enrolled unless told). They joined
    at `joined_at`, by default a day before the cohort's first session (sessions held before a
    learner joined do not count against them)."""
    from datetime import timedelta

    from lms.scheduling.models import Enrollment

    def _enrol(cohort, user, status: str = "enrolled", joined_at=None):
        if joined_at is None and cohort.sessions:
            joined_at = min(s.starts_at for s in cohort.sessions) - timedelta(days=1)
        e = Enrollment(cohort_id=cohort.id, user_id=user.id, status=status)
        if joined_at is not None:
            e.created_at = e.queued_at = joined_at
        db.session.add(e)
        if status == "enrolled":
            cohort.enrolled_count += 1
        db.session.commit()
        return e

    return _enrol


RACE_DATABASES = ("server", "sqlite_file")


def race_overrides(which: str, tmp_path) -> dict:
    """app_overrides for race tests: the server database (PostgreSQL; skipped without one) or a
    SQLite FILE shared by the threads, as gunicorn workers share it."""
    if which == "server":
        if not os.environ.get("LMS_TEST_DATABASE_URL", "").startswith("postgresql"):
            pytest.skip("needs PostgreSQL: set LMS_TEST_DATABASE_URL (CI does)")
        return {}
    return {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/race.db"}


def drop_scratch_database(admin_engine, name: str) -> None:
    """Drop a test's own PostgreSQL database, ending its leftover connections.

    WITH (FORCE) refuses to end a backend of another role, which an autovacuum worker on the
    freshly migrated database can be (a busy server starts one at any moment); a plain DROP
    DATABASE makes such a worker exit by itself, so try that when FORCE is refused.
    """
    import time

    for attempt in range(10):
        try:
            with admin_engine.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        except sa.exc.ProgrammingError:
            try:
                with admin_engine.connect() as conn:
                    conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
                return
            except sa.exc.OperationalError:
                time.sleep(0.2 * (attempt + 1))  # the worker is still leaving
    raise RuntimeError(f"could not drop the scratch database {name}")
