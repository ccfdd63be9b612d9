"""Race tests on PostgreSQL: concurrent starts make one attempt; concurrent submits agree."""

import threading

import pytest
import sqlalchemy as sa

from lms.assessments.models import Attempt
from lms.extensions import db
from tests.assessments.conftest import right_answers
from tests.conftest import RACE_DATABASES, race_overrides

THREADS = 8

@pytest.fixture(params=RACE_DATABASES)
def app_overrides(request, tmp_path):
    """Each race runs on PostgreSQL and on a SQLite file."""
    return race_overrides(request.param, tmp_path)



def _race(app, calls):
    """Run the calls at the same moment, each with its own test client; return the responses."""
    barrier = threading.Barrier(len(calls))
    out = [None] * len(calls)

    def run(i, call):
        client = app.test_client()
        barrier.wait()
        out[i] = call(client)

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return out


def test_concurrent_starts_create_one_attempt(app, world, token_for):
    w = world
    headers = token_for(w.learner)
    path = f"/api/v1/assessments/{w.exam.id}/attempts"
    responses = _race(app, [lambda c: c.post(path, headers=headers)] * THREADS)
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] + [409] * (THREADS - 1), codes
    created = next(r for r in responses if r.status_code == 201).get_json()["id"]
    for r in responses:
        if r.status_code == 409:
            assert r.get_json()["error"]["code"] == "attempt_open"
            assert r.get_json()["error"]["attempt_id"] == created
    db.session.rollback()  # a fresh snapshot: read what the threads committed
    assert db.session.scalar(sa.select(sa.func.count(Attempt.id))) == 1


def test_concurrent_submits_return_the_same_result(app, world, token_for):
    w = world
    headers = token_for(w.learner)
    client = app.test_client()
    attempt_id = client.post(f"/api/v1/assessments/{w.exam.id}/attempts",
                             headers=headers).get_json()["id"]
    assert client.put(f"/api/v1/attempts/{attempt_id}/answers", headers=headers,
                      json={"answers": right_answers(w, attempt_id)[:5]}).status_code == 200
    path = f"/api/v1/attempts/{attempt_id}/submit"
    responses = _race(app, [lambda c: c.post(path, headers=headers)] * THREADS)
    assert {r.status_code for r in responses} == {200}
    bodies = [r.get_json() for r in responses]
    assert all(b == bodies[0] for b in bodies)
    assert bodies[0]["status"] == "graded" and bodies[0]["score"] == 8.0
    db.session.rollback()  # a fresh snapshot: read what the threads committed
    attempt = db.session.get(Attempt, attempt_id)
    assert attempt.status == "graded" and attempt.score == 8.0


def test_concurrent_saves_and_submit_do_not_500(app, world, token_for):
    w = world
    headers = token_for(w.learner)
    client = app.test_client()
    attempt_id = client.post(f"/api/v1/assessments/{w.exam.id}/attempts",
                             headers=headers).get_json()["id"]
    answers = right_answers(w, attempt_id)
    calls = [lambda c: c.put(f"/api/v1/attempts/{attempt_id}/answers", headers=headers,
                             json={"answers": answers})] * (THREADS - 1)
    calls.append(lambda c: c.post(f"/api/v1/attempts/{attempt_id}/submit", headers=headers))
    responses = _race(app, calls)
    assert all(r.status_code in (200, 409) for r in responses), [r.status_code for r in responses]
