"""The write lock of race-sensitive use cases, and how a request's transaction ends."""

import pytest
import sqlalchemy as sa

from lms.core.db import end_read_only, lock_for_update
from lms.extensions import db
from lms.parks.models import Park, Room
from tests.conftest import requires_postgres


def test_lock_returns_a_fresh_row(app, park):
    locked = lock_for_update(Park, park.id)
    assert locked.id == park.id


def test_lock_refuses_after_a_flushed_change(app, park):
    db.session.add(Room(park_id=park.id, name="Flushed", capacity=5))
    db.session.flush()
    with pytest.raises(RuntimeError, match="before any change"):
        lock_for_update(Park, park.id)


def test_lock_refuses_with_pending_changes(app, park):
    park.name = "Changed"
    with pytest.raises(RuntimeError):
        lock_for_update(Park, park.id)


def test_lock_after_commit_is_fine(app, park):
    db.session.add(Room(park_id=park.id, name="Committed", capacity=5))
    db.session.commit()
    assert lock_for_update(Park, park.id) is not None


# --- how a request ends: COMMIT when nothing was written (psycopg keeps its prepared statements)


@pytest.fixture
def endings(app):
    """Count the COMMITs and ROLLBACKs the engine sees."""
    seen = {"commit": 0, "rollback": 0}

    def on(name):
        def count(_conn):
            seen[name] += 1
        return count

    handlers = [(name, on(name)) for name in seen]
    for name, fn in handlers:
        sa.event.listen(db.engine, name, fn)
    yield seen
    for name, fn in handlers:
        sa.event.remove(db.engine, name, fn)


def test_a_read_only_request_ends_with_commit(client, park, endings):
    db.session.commit()
    endings.update(commit=0, rollback=0)
    assert client.get("/courses").status_code == 200
    assert endings == {"commit": 1, "rollback": 0}


@pytest.mark.parametrize("change", ["core update", "textual update", "flush", "pending"])
def test_end_read_only_never_commits_a_change(app, park, change):
    with app.test_request_context("/"):
        if change == "core update":
            db.session.execute(sa.update(Park).where(Park.id == park.id).values(name="Changed"))
        elif change == "textual update":
            db.session.execute(sa.text("UPDATE parks SET name = 'Changed' WHERE id = :i"),
                               {"i": park.id})
        elif change == "flush":
            db.session.add(Room(park_id=park.id, name="Flushed", capacity=5))
            db.session.flush()
        else:
            park.name = "Changed"
        end_read_only(None)
        assert db.session().in_transaction()  # left for the rollback
        db.session.rollback()
    assert db.session.get(Park, park.id).name != "Changed"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Room).where(
        Room.name == "Flushed")) == 0


def test_end_read_only_leaves_a_failed_request_alone(app, park):
    with app.test_request_context("/"):
        db.session.execute(sa.select(Park)).all()
        end_read_only(RuntimeError("the view failed"))
        assert db.session().in_transaction()
        end_read_only(None)
        assert not db.session().in_transaction()  # read only: committed


@requires_postgres
def test_postgresql_keeps_prepared_statements_across_requests(client, park):
    db.session.commit()
    for _ in range(8):  # psycopg prepares a statement on its sixth run on a connection
        assert client.get("/courses").status_code == 200
    prepared = db.session.scalar(sa.text("SELECT count(*) FROM pg_prepared_statements"))
    assert prepared > 0
