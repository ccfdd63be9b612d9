"""Fixtures of the attendance tests: a cohort with a trainer, learners and weekly sessions."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import time_machine

# Monday 2 March 2026, 10:00 park time (05:00 UTC); four weekly two-hour sessions from then.
T0 = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)


@pytest.fixture
def world(make_course, make_cohort, make_user, enrol, park):
    """A cohort (threshold 75 %) of four sessions from T0 with three enrolled learners."""
    course = make_course(min_attendance_percent=75)
    trainer = make_user("trainer", full_name="Usman Tariq")
    cohort = make_cohort(course=course, trainer=trainer, first=T0, count=4)
    learners = [make_user("student", full_name=name)
                for name in ("Ali Raza", "Hina Baloch", "Zainab Khan")]
    for learner in learners:
        enrol(cohort, learner)
    return SimpleNamespace(course=course, trainer=trainer, cohort=cohort, learners=learners,
                           sessions=list(cohort.sessions), park=park)


@pytest.fixture
def at():
    """Travel to an instant (frozen) for the rest of the test: at(dt)."""
    travellers = []

    def _at(when: datetime):
        if travellers:
            travellers.pop().stop()
        t = time_machine.travel(when, tick=False)
        t.start()
        travellers.append(t)
        return when

    yield _at
    for t in travellers:
        t.stop()


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


ROLES = ("admin", "manager", "other_manager", "trainer", "other_trainer", "learner",
         "outsider", "faculty")


class _People(dict):
    """Clients that log in on first use, so at the (travelled) time of the test."""

    def __init__(self, users, login_as):
        super().__init__()
        self._users, self._login_as = users, login_as

    def __missing__(self, name):
        user = self._users[name]
        client, _ = self._login_as(user.role, user=user)
        self[name] = SimpleNamespace(client=client, user=user)
        return self[name]


@pytest.fixture
def people(world, make_user, login_as, other_park):
    """A client and user for each relation to the world's cohort; call `at` before using one
    (a session cookie signed "in the future" is refused)."""
    users = {
        "admin": make_user("admin"),
        "manager": make_user("park_manager"),
        "other_manager": make_user("park_manager", park_id=other_park.id),
        "trainer": world.trainer,
        "other_trainer": make_user("trainer"),
        "learner": world.learners[0],
        "outsider": make_user("student"),
        "faculty": make_user("faculty"),
    }
    return _People(users, login_as)
