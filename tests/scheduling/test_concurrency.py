"""Seats are never oversold: concurrent enrolments through the real API route."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from lms.accounts.services import issue_token
from lms.extensions import db
from lms.scheduling.models import Cohort, Enrollment
from tests.conftest import requires_postgres


def _learners_with_tokens(make_user, n):
    headers = []
    for _ in range(n):
        user = make_user("student", password=None)
        raw, _token = issue_token(user)
        headers.append((user.id, {"Authorization": f"Bearer {raw}"}))
    db.session.commit()
    return headers


def _race(app, url, learners):
    """Fire one POST per learner at once, each from its own thread and test client."""
    barrier = threading.Barrier(len(learners))

    def worker(item):
        user_id, headers = item
        client = app.test_client()
        barrier.wait()
        resp = client.post(url, json={}, headers=headers)
        return user_id, resp.status_code, resp.get_json()

    with ThreadPoolExecutor(max_workers=len(learners)) as pool:
        return list(pool.map(worker, learners))


def _check_outcome(cohort_id, results, seats):
    statuses = [code for _, code, _ in results]
    assert 500 not in statuses, [r for r in results if r[1] != 201][:3]
    assert statuses == [201] * len(results)
    enrolled = [r for r in results if r[2]["status"] == "enrolled"]
    waitlisted = [r for r in results if r[2]["status"] == "waitlisted"]
    assert len(enrolled) == seats
    assert len(waitlisted) == len(results) - seats
    assert sorted(r[2]["position"] for r in waitlisted) == list(range(1, len(waitlisted) + 1))
    db.session.rollback()  # end the test's own read transaction: read what the threads wrote
    cohort = db.session.get(Cohort, cohort_id)
    assert cohort.enrolled_count == seats
    rows = db.session.execute(sa.select(Enrollment.user_id, Enrollment.status).where(
        Enrollment.cohort_id == cohort_id).order_by(Enrollment.queued_at, Enrollment.id)).all()
    assert sum(1 for r in rows if r.status == "enrolled") == seats
    # the waitlist order in the database is the order of the positions handed out
    given = {r[0]: r[2]["position"] for r in waitlisted}
    queue = [r.user_id for r in rows if r.status == "waitlisted"]
    assert [given[u] for u in queue] == list(range(1, len(queue) + 1))


@requires_postgres
def test_fifty_concurrent_enrolments_for_thirty_seats_postgres(app, schedule, make_user):
    cohort = schedule(capacity=30)
    learners = _learners_with_tokens(make_user, 50)
    results = _race(app, f"/api/v1/cohorts/{cohort.id}/enrollments", learners)
    _check_outcome(cohort.id, results, 30)


@requires_postgres
def test_concurrent_double_requests_of_one_learner_postgres(app, schedule, make_user):
    cohort = schedule(capacity=5)
    [(user_id, headers)] = _learners_with_tokens(make_user, 1)
    results = _race(app, f"/api/v1/cohorts/{cohort.id}/enrollments", [(user_id, headers)] * 8)
    codes = sorted(code for _, code, _ in results)
    assert codes == [201] + [409] * 7
    db.session.rollback()
    assert db.session.get(Cohort, cohort.id).enrolled_count == 1


class TestSqliteFile:
    """The embedded default under several workers: a file database, BEGIN IMMEDIATE."""

    @pytest.fixture
    def app_overrides(self, tmp_path):
        return {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/race.db"}

    def test_no_oversell_and_no_500_from_a_busy_database(self, app, schedule, make_user):
        assert db.engine.dialect.name == "sqlite" and "race.db" in str(db.engine.url)
        db.create_all()  # already there from the fixture; harmless
        cohort = schedule(capacity=12)
        learners = _learners_with_tokens(make_user, 30)
        results = _race(app, f"/api/v1/cohorts/{cohort.id}/enrollments", learners)
        _check_outcome(cohort.id, results, 12)

    def test_concurrent_withdrawals_promote_each_waitlisted_once(self, app, schedule,
                                                                 make_user):
        cohort = schedule(capacity=10)
        learners = _learners_with_tokens(make_user, 20)
        url = f"/api/v1/cohorts/{cohort.id}/enrollments"
        for _user_id, headers in learners:
            assert app.test_client().post(url, json={}, headers=headers).status_code == 201
        leavers = learners[:8]
        barrier = threading.Barrier(len(leavers))

        def leave(item):
            user_id, headers = item
            client = app.test_client()
            barrier.wait()
            return client.delete(f"{url}/{user_id}", headers=headers).status_code

        with ThreadPoolExecutor(max_workers=len(leavers)) as pool:
            codes = list(pool.map(leave, leavers))
        assert codes == [200] * 8
        db.session.rollback()
        cohort = db.session.get(Cohort, cohort.id)
        assert cohort.enrolled_count == 10
        rows = db.session.execute(sa.select(Enrollment.user_id, Enrollment.status).where(
            Enrollment.cohort_id == cohort.id)).all()
        status = dict(rows)
        assert [status[u] for u, _ in learners[10:18]] == ["enrolled"] * 8
        assert [status[u] for u, _ in learners[18:]] == ["waitlisted"] * 2
