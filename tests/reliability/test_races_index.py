"""The one race the feature suites do not run on PostgreSQL: withdrawals and enrolments at once.

The races of issue 10 live next to their features, in `tests/<feature>/test_concurrency.py`
(enrolment, attempt start/save/submit, certificate issue, check-in, unique course codes and track
names); this adds seats freed and taken at once on PostgreSQL (tests/scheduling runs concurrent
withdrawals on a SQLite file only).
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from lms.accounts.services import issue_token
from lms.extensions import db
from lms.scheduling.models import Cohort, Enrollment
from tests.conftest import requires_postgres


@requires_postgres
def test_concurrent_withdrawals_and_enrolments_never_oversell(app, make_user, make_cohort):
    seats = 6
    cohort = make_cohort(capacity=seats)
    learners = []
    for _ in range(seats + 4 + 6):  # six seated, four waiting, six newcomers
        user = make_user("student", password=None)
        raw, _token = issue_token(user)
        learners.append((user.id, {"Authorization": f"Bearer {raw}"}))
    db.session.commit()
    url = f"/api/v1/cohorts/{cohort.id}/enrollments"
    for _uid, headers in learners[:10]:
        assert app.test_client().post(url, json={}, headers=headers).status_code == 201
    leavers, newcomers = learners[:4], learners[10:]  # four seated learners leave
    calls = [("delete", f"{url}/{uid}", h) for uid, h in leavers] + \
            [("post", url, h) for _uid, h in newcomers]
    barrier = threading.Barrier(len(calls))

    def call(item):
        method, target, headers = item
        client = app.test_client()
        barrier.wait()
        kwargs = {"json": {}} if method == "post" else {}
        return getattr(client, method)(target, headers=headers, **kwargs).status_code

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        codes = list(pool.map(call, calls))
    assert codes == [200] * 4 + [201] * 6, codes
    db.session.rollback()
    db.session.expire_all()
    count = db.session.scalar(sa.select(Cohort.enrolled_count).where(Cohort.id == cohort.id))
    rows = db.session.execute(sa.select(Enrollment.user_id, Enrollment.status).where(
        Enrollment.cohort_id == cohort.id).order_by(Enrollment.queued_at, Enrollment.id)).all()
    status = dict(rows)
    enrolled = [u for u, s in rows if s == "enrolled"]
    assert count == len(enrolled) == seats
    # the four who waited longest got the freed seats, before any newcomer
    assert [status[u] for u, _ in learners[6:10]] == ["enrolled"] * 4
    assert all(status[u] == "waitlisted" for u, _ in newcomers)
    assert [status[u] for u, _ in leavers] == ["withdrawn"] * 4
