"""perform(): how a button's use case ends (commit and say so, or roll back and say why)."""

import pytest
from flask import get_flashed_messages

from lms.core.errors import Conflict, Forbidden
from lms.core.forms import perform
from lms.extensions import db
from lms.parks.models import Room


def _add_room(park, name):
    db.session.add(Room(park_id=park.id, name=name, capacity=5))
    db.session.flush()
    return name


def test_success_commits_and_flashes_from_the_result(app, park):
    with app.test_request_context("/"):
        assert perform(lambda: _add_room(park, "Lab Z"), lambda name: (f"{name} added.", "info"))
        assert get_flashed_messages(with_categories=True) == [("info", "Lab Z added.")]
    db.session.rollback()  # nothing left to undo: it was committed
    assert db.session.scalar(db.select(Room).where(Room.name == "Lab Z")) is not None


def test_a_refusal_rolls_back_and_flashes_the_reason(app, park):
    def refuse():
        _add_room(park, "Half written")
        raise Conflict("That cannot be done now.", code="nope")

    with app.test_request_context("/"):
        assert not perform(refuse, "never shown")
        assert get_flashed_messages(with_categories=True) == [
            ("error", "That cannot be done now.")]
    assert db.session.scalar(db.select(Room).where(Room.name == "Half written")) is None


def test_access_errors_still_raise(app, park):
    def forbidden():
        _add_room(park, "Sneaky")
        raise Forbidden("Not yours.")

    with app.test_request_context("/"), pytest.raises(Forbidden):
        perform(forbidden, "never shown")
    assert db.session.scalar(db.select(Room).where(Room.name == "Sneaky")) is None
