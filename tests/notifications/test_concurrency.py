"""Several workers at once: every message is sent exactly once (SQLite file and PostgreSQL)."""

import threading
from collections import Counter

import pytest
import sqlalchemy as sa

from lms.extensions import db
from lms.notifications import services
from lms.notifications.models import OutboxMessage
from lms.notifications.worker import run
from tests.conftest import requires_postgres

MESSAGES = 120


def _queue(make_user):
    users = [make_user("student", password=None) for _ in range(3)]
    rows = [type("U", (), {"id": users[i % 3].id, "email": f"r{i}@example.pk",
                           "full_name": f"R {i}"})() for i in range(MESSAGES)]
    services.queue_many("welcome", rows, link="https://lms.example.test/x")
    db.session.commit()


def _two_workers(app, smtp, n=2):
    barrier = threading.Barrier(n)
    errors = []

    def work(i):
        with app.app_context():
            barrier.wait()
            try:
                run(once=True, worker=f"w{i}", with_jobs=True, sleep=lambda _s: None)
            except Exception as exc:  # noqa: BLE001  (reported below)
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    received = Counter(m["To"] for m in smtp.messages)
    assert len(received) == MESSAGES and set(received.values()) == {1}, received.most_common(3)
    db.session.rollback()
    statuses = db.session.execute(sa.select(OutboxMessage.status, sa.func.count())
                                  .group_by(OutboxMessage.status)).all()
    assert dict(statuses) == {"sent": MESSAGES}
    claimers = set(db.session.scalars(sa.select(sa.func.distinct(OutboxMessage.claimed_by))))
    return claimers


class TestSqliteFile:
    @pytest.fixture
    def app_overrides(self, tmp_path, mail_settings):
        return {**mail_settings, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/outbox.db"}

    def test_two_workers_send_each_message_once(self, app, smtp, make_user):
        assert "outbox.db" in str(db.engine.url)
        _queue(make_user)
        _two_workers(app, smtp)


@requires_postgres
def test_two_workers_on_postgresql_send_each_message_once(app, smtp, make_user):
    _queue(make_user)
    _two_workers(app, smtp, n=3)
