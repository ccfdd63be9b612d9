"""The demo part: certificates for past cohorts' eligible learners, tolerant of missing data."""

import sqlalchemy as sa

from lms.certificates import demo
from lms.certificates.models import Certificate
from lms.extensions import db


def test_demo_issues_for_past_cohorts(graduates, make_user, make_cohort):
    from datetime import UTC, datetime

    cohort, [learner] = graduates(1)
    make_cohort(count=2, first=datetime(2099, 1, 5, 5, tzinfo=UTC))  # not over yet
    demo.seed({"admin@kp.demo": make_user("admin")}, {})
    db.session.commit()
    certs = db.session.scalars(sa.select(Certificate)).all()
    assert [(c.user_id, c.cohort_id) for c in certs] == [(learner.id, cohort.id)]


def test_demo_without_admin_or_cohorts_does_nothing(app, make_user):
    demo.seed({}, {})
    demo.seed({"admin@kp.demo": make_user("admin")}, {})
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 0
