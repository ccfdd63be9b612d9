"""Concurrent issue on PostgreSQL: many requests at once create one certificate per learner."""

import threading

import pytest
import sqlalchemy as sa

from lms.certificates.models import Certificate
from lms.extensions import db
from tests.conftest import RACE_DATABASES, race_overrides, requires_postgres


@pytest.fixture(params=RACE_DATABASES)
def app_overrides(request, tmp_path):
    """Each race runs on PostgreSQL and on a SQLite file."""
    return race_overrides(request.param, tmp_path)



def test_concurrent_issue_creates_one_certificate(app, graduates, make_user, token_for):
    cohort, [learner] = graduates(1)
    headers = [token_for(make_user("admin")) for _ in range(6)]
    url = f"/api/v1/cohorts/{cohort.id}/certificates"
    learner_id = learner.id
    barrier = threading.Barrier(len(headers))
    statuses: list[int] = []
    issued: list[int] = []

    def hit(h):
        client = app.test_client()
        barrier.wait()
        resp = client.post(url, headers=h, json={})
        statuses.append(resp.status_code)
        issued.append(len(resp.get_json().get("issued", [])))

    threads = [threading.Thread(target=hit, args=(h,)) for h in headers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200] * 5 + [201], statuses
    assert sum(issued) == 1
    db.session.rollback()  # a fresh snapshot: read what the threads committed
    count = db.session.scalar(sa.select(sa.func.count(Certificate.id)).where(
        Certificate.user_id == learner_id, Certificate.status == "valid"))
    assert count == 1


@requires_postgres
def test_index_catches_a_race_past_the_lock(app, issued, make_user):
    """Without the cohort lock, the partial unique index still refuses a second valid one."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL race")
    from lms.certificates import services

    cohort, [learner], [cert] = issued(1)
    again = services.create_certificate(make_user("admin"),
                                        **services.course_fields(learner, cohort))
    assert again is None
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 1
