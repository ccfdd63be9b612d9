"""The write lock of race-sensitive use cases."""

import pytest

from lms.core.db import lock_for_update
from lms.extensions import db
from lms.parks.models import Park, Room


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
