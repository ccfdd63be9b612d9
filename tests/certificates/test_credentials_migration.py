"""Migration i24_1: certificates issued before it get status indexes 0, 1, 2 ... in id order,
and new certificates continue after them (the PostgreSQL sequence starts past the backfill)."""

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from lms import create_app
from tests.core.test_migrations import scratch_url  # noqa: F401  (the fixture)


def test_existing_certificates_get_indexes_and_new_ones_follow(scratch_url):  # noqa: F811
    from lms.extensions import db

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": scratch_url})
    with app.app_context():
        upgrade(revision="0007")
        with db.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO users (id, email, full_name, role, active, session_version, "
                "created_at) VALUES (1, 'a@kp.pk', 'Admin', 'admin', true, 1, :now)"),
                {"now": "2026-01-01 00:00:00+00:00"})
            for i, code in enumerate(["KP-AAAA", "KP-BBBB", "KP-CCCC"], start=10):
                conn.execute(sa.text(
                    "INSERT INTO certificates (id, code, kind, user_id, holder_name, title, "
                    "hours, issued_on, issued_at, status, sha256, pdf) VALUES (:id, :code, "
                    "'course', 1, 'Admin', 'T', 1, '2026-01-02', :now, 'valid', :sha, :pdf)"),
                    {"id": i, "code": code, "now": "2026-01-02 00:00:00+00:00",
                     "sha": "0" * 64, "pdf": b"%PDF"})
        upgrade()
        rows = db.session.execute(sa.text(
            "SELECT id, status_index FROM certificates ORDER BY id")).all()
        assert [r[1] for r in rows] == [0, 1, 2]
        from lms.credentials.services import next_status_index

        following = db.session.scalar(sa.select(next_status_index()))
        assert following == 3
        db.session.rollback()
        downgrade(revision="0007")
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("certificates")}
        assert "status_index" not in columns and "credential" not in columns
        db.engine.dispose()
