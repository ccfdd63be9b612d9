"""Migrations: empty -> head, downgrade one step and up again, `db check` clean; `lms init` twice."""

import os
import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import check, downgrade, upgrade

from lms import create_app
from tests.conftest import drop_scratch_database


@pytest.fixture
def scratch_url(tmp_path):
    """A fresh empty database of the kind the suite runs on."""
    pg = os.environ.get("LMS_TEST_DATABASE_URL", "")
    if not pg.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    name = f"lms_mig_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(pg.replace("postgresql://", "postgresql+psycopg://", 1),
                             isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    base = pg.rsplit("/", 1)[0]
    yield f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)
    drop_scratch_database(admin, name)
    admin.dispose()


def model_differences(db) -> list:
    """What `flask db check` would report: differences between the models and the database."""
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_upgrade_downgrade_check(scratch_url):
    from lms.extensions import db

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": scratch_url})
    with app.app_context():
        upgrade()
        assert model_differences(db) == []
        check()  # Flask-Migrate's own check passes too
        downgrade(revision="-1")
        assert model_differences(db) != []
        upgrade()
        assert model_differences(db) == []
        db.engine.dispose()


def test_lms_init_twice_and_seed_demo(scratch_url):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": scratch_url})
    runner = app.test_cli_runner()
    first = runner.invoke(args=["lms", "init"])
    assert first.exit_code == 0, first.output
    assert "12 park(s) added" in first.output
    second = runner.invoke(args=["lms", "init"])
    assert second.exit_code == 0 and "0 park(s) added" in second.output
    seeded = runner.invoke(args=["lms", "seed-demo"])
    assert seeded.exit_code == 0, seeded.output
    assert "admin@kp.demo" in seeded.output
    again = runner.invoke(args=["lms", "seed-demo"])
    assert "already exists" in again.output
    created = runner.invoke(args=["lms", "create-user", "--email", "Boss@KP.pk", "--role", "admin",
                                  "--password", "a long enough password"])
    assert created.exit_code == 0, created.output
    dup = runner.invoke(args=["lms", "create-user", "--email", "boss@kp.pk", "--role", "admin",
                              "--password", "a long enough password"])
    assert dup.exit_code != 0 and "already has" in dup.output
    with app.app_context():
        from lms.extensions import db
        db.engine.dispose()


def test_downgrade_to_base_and_up_again(scratch_url):
    """Every downgrade runs: base leaves no table, trigger or function behind; head again works."""
    from lms.extensions import db

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": scratch_url})
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        inspector = sa.inspect(db.engine)
        assert set(inspector.get_table_names()) <= {"alembic_version"}
        with db.engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                assert conn.exec_driver_sql(
                    "SELECT count(*) FROM pg_proc WHERE proname = 'bump_reports_version' "
                    "OR proname LIKE 'lms_bump_%%'").scalar() == 0
            else:
                assert conn.exec_driver_sql(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'").scalar() == 0
        upgrade()
        assert model_differences(db) == []
        with db.engine.begin() as conn:  # the report cache's triggers are back and fire
            assert conn.exec_driver_sql(
                "SELECT version FROM data_versions WHERE name = 'epoch'").scalar() == 1
            conn.exec_driver_sql("INSERT INTO parks (slug, name, city, phase, student_target, "
                                 "faculty_target) VALUES ('x', 'X Park', 'X', 1, 0, 0)")
            after = conn.exec_driver_sql(
                "SELECT version FROM data_versions WHERE name = 'parks:0'").scalar()
        assert after == 1
        db.engine.dispose()
