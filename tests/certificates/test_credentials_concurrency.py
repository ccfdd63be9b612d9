"""Certificates issued at the same moment get distinct status list indexes (one bit each), on a
SQLite file database (several workers of the embedded default) and on PostgreSQL (the sequence)."""

import threading

import pytest
import sqlalchemy as sa

from lms.certificates.models import Certificate
from lms.credentials import services
from lms.extensions import db
from tests.conftest import requires_postgres

COHORTS = 6


def _race_issue(app, graduates, make_user, token_for) -> list[int]:
    """Issue in COHORTS cohorts at once (one learner each); return the HTTP statuses."""
    cohorts = [graduates(1)[0] for _ in range(COHORTS)]
    headers = [token_for(make_user("admin")) for _ in cohorts]
    barrier = threading.Barrier(len(cohorts))
    statuses: list[int] = []

    def hit(cohort_id, h):
        client = app.test_client()
        barrier.wait()
        statuses.append(client.post(f"/api/v1/cohorts/{cohort_id}/certificates", headers=h,
                                    json={}).status_code)

    threads = [threading.Thread(target=hit, args=(c.id, h)) for c, h in zip(cohorts, headers,
                                                                           strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statuses


def _check_distinct() -> None:
    db.session.rollback()
    db.session.expire_all()
    rows = db.session.execute(sa.select(Certificate.status_index, Certificate.credential)).all()
    assert len(rows) == COHORTS
    indexes = [r[0] for r in rows]
    assert None not in indexes and len(set(indexes)) == COHORTS, indexes
    for _index, token in rows:  # each stored credential verifies and carries its own index
        assert services.verify_token(token).status == "valid"


class TestSqliteFile:
    @pytest.fixture
    def app_overrides(self, tmp_path):
        return {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/race.db"}

    def test_concurrent_issues_get_distinct_status_indexes(self, app, graduates, make_user,
                                                           token_for):
        assert "race.db" in str(db.engine.url)
        statuses = _race_issue(app, graduates, make_user, token_for)
        assert statuses == [201] * COHORTS, statuses
        _check_distinct()


@requires_postgres
def test_concurrent_issues_get_distinct_status_indexes_postgres(app, graduates, make_user,
                                                                token_for):
    statuses = _race_issue(app, graduates, make_user, token_for)
    assert statuses == [201] * COHORTS, statuses
    _check_distinct()
