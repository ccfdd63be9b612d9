"""Fixtures of the scheduling tests: a frozen clock, staff, a course and a cohort factory."""

from datetime import UTC, date, datetime, time

import pytest
import time_machine

from lms.extensions import db
from lms.parks.models import Room

NOW = datetime(2026, 1, 1, 6, 0, tzinfo=UTC)  # Thu 1 Jan 2026, 11:00 park time


@pytest.fixture
def frozen():
    """The clock at NOW (ticking), so 'past' and 'future' are stable."""
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture
def manager(make_user, park):
    return make_user("park_manager", park_id=park.id)


@pytest.fixture
def trainer(make_user, park):
    return make_user("trainer", park_id=park.id)


@pytest.fixture
def course(make_course):
    return make_course("CLD-101", track="both")


@pytest.fixture
def other_room(park):
    r = Room(park_id=park.id, name="Lab B", capacity=20)
    db.session.add(r)
    db.session.commit()
    return r


@pytest.fixture
def cohort_data(course, park, room, trainer):
    """Factory: the fields of a valid cohort (Mon+Wed 10:00-12:00, 5-30 Jan 2026)."""

    def _data(**over):
        data = {"course_id": course.id, "park_id": park.id, "name": "January batch",
                "trainer_id": trainer.id, "room_id": room.id, "capacity": 20,
                "start_date": date(2026, 1, 5), "end_date": date(2026, 1, 30),
                "meeting_days": ["mon", "wed"], "start_time": time(10, 0),
                "end_time": time(12, 0)}
        data.update(over)
        return data

    return _data


@pytest.fixture
def api_body():
    """Factory: a JSON body for POST /cohorts from service-style data."""

    def _body(data: dict) -> dict:
        out = {}
        for k, v in data.items():
            if isinstance(v, date):
                out[k] = v.isoformat()
            elif isinstance(v, time):
                out[k] = v.strftime("%H:%M")
            else:
                out[k] = v
        return out

    return _body


@pytest.fixture
def schedule(app, frozen, manager, cohort_data):
    """Factory: create a cohort through the service (as the park manager) and commit."""
    from lms.scheduling import services

    def _schedule(actor=None, **over):
        cohort = services.create_cohort(actor or manager, cohort_data(**over))
        db.session.commit()
        return cohort

    return _schedule
