"""PostgreSQL: concurrent double check-in and concurrent register saves never make two records."""

import threading

import pytest
import sqlalchemy as sa

from lms.attendance import rules
from lms.attendance.models import AttendanceRecord
from lms.extensions import db
from tests.attendance.conftest import T0, minutes
from tests.conftest import RACE_DATABASES, AuthActions, race_overrides

SECRET = "testing-secret-key-not-for-production-use-0123456789"

@pytest.fixture(params=RACE_DATABASES)
def app_overrides(request, tmp_path):
    """Each race runs on PostgreSQL and on a SQLite file."""
    return race_overrides(request.param, tmp_path)



def _run_together(fns):
    barrier = threading.Barrier(len(fns))
    results = [None] * len(fns)

    def runner(i, fn):
        barrier.wait()
        results[i] = fn()

    threads = [threading.Thread(target=runner, args=(i, fn)) for i, fn in enumerate(fns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_concurrent_double_check_in_creates_one_record(app, world, at):
    s = world.sessions[0]
    now = at(T0 + minutes(1))
    code = rules.rotating_code(SECRET, s.id, rules.time_step(now))
    learner = world.learners[0]
    clients = []
    for _ in range(6):
        c = app.test_client()
        assert AuthActions(c).login(learner.email).status_code == 302
        clients.append(c)
    session_id = s.id
    db.session.remove()  # release the test's connection

    def attempt(c):
        return lambda: c.post(f"/api/v1/sessions/{session_id}/check-in",
                              json={"code": code}).status_code

    codes = _run_together([attempt(c) for c in clients])
    assert sorted(codes) == [201] + [409] * 5, codes
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AttendanceRecord)) == 1


def test_concurrent_check_in_and_register_save(app, world, at, token_for):
    s = world.sessions[0]
    now = at(T0 + minutes(1))
    code = rules.rotating_code(SECRET, s.id, rules.time_step(now))
    learner = world.learners[0]
    lc = app.test_client()
    assert AuthActions(lc).login(learner.email).status_code == 302
    trainer_headers = token_for(world.trainer)
    session_id, uid = s.id, learner.id
    db.session.remove()

    results = _run_together([
        lambda: lc.post(f"/api/v1/sessions/{session_id}/check-in",
                        json={"code": code}).status_code,
        lambda: app.test_client().put(f"/api/v1/sessions/{session_id}/attendance",
                                      headers=trainer_headers,
                                      json={"records": [{"user_id": uid, "status": "absent"}]}
                                      ).status_code,
    ])
    assert 500 not in results
    assert set(results) <= {200, 201, 409}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AttendanceRecord)) == 1


def test_every_learner_checks_in_at_once(app, world, at):
    """The morning rush in small: each learner's check-in makes exactly its one record."""
    s = world.sessions[0]
    now = at(T0 + minutes(1))
    code = rules.rotating_code(SECRET, s.id, rules.time_step(now))
    clients = []
    for learner in world.learners:
        c = app.test_client()
        assert AuthActions(c).login(learner.email).status_code == 302
        clients.append(c)
    session_id = s.id
    db.session.remove()

    codes = _run_together([
        (lambda c=c: c.post(f"/api/v1/sessions/{session_id}/check-in",
                            json={"code": code}).status_code) for c in clients for _ in range(2)])
    assert sorted(codes) == [201] * 3 + [409] * 3, codes
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AttendanceRecord)) == 3


def test_concurrent_register_saves_keep_one_record_per_learner(app, world, at, token_for):
    s = world.sessions[0]
    at(T0 + minutes(30))
    headers = token_for(world.trainer)
    session_id, uids = s.id, [u.id for u in world.learners]
    db.session.remove()

    def save(status):
        return lambda: app.test_client().put(
            f"/api/v1/sessions/{session_id}/attendance", headers=headers,
            json={"records": [{"user_id": u, "status": status} for u in uids]}).status_code

    codes = _run_together([save("present" if i % 2 else "absent") for i in range(6)])
    assert codes == [200] * 6, codes
    rows = db.session.execute(sa.select(AttendanceRecord.user_id, AttendanceRecord.status)).all()
    assert sorted(r.user_id for r in rows) == sorted(uids)
    assert len({r.status for r in rows}) == 1  # one save won whole: no mix of two saves
