"""`lms backup` and `lms restore`: a backup restored into a fresh database still verifies a
known certificate (same PDF bytes), restore asks before replacing data, and the report cache's
version moves past every value cached before the restore."""

import contextvars
import hashlib
import os
import shutil
import sqlite3
import uuid

import pytest
import sqlalchemy as sa
from flask_migrate import stamp

from lms import create_app
from lms.core import backup as backup_module
from lms.core.backup import BackupError
from lms.extensions import db
from tests.conftest import drop_scratch_database, requires_postgres

PG_URL = os.environ.get("LMS_TEST_DATABASE_URL", "")


def fresh(fn, *args, **kwargs):
    """Run fn outside the test's pushed app context (another app's CLI must not see it)."""
    return contextvars.Context().run(fn, *args, **kwargs)


def cli(app, *args, **kwargs):
    """Invoke `flask lms ...` of `app` as a separate process would."""
    return fresh(app.test_cli_runner().invoke, args=["lms", *args], **kwargs)


def version_of(app) -> int:
    def read():
        with app.app_context():
            with db.engine.connect() as conn:
                value = conn.execute(sa.text(backup_module.VERSION_SQL)).scalar()
            db.engine.dispose()
            return value
    return fresh(read)


@pytest.fixture
def certified(app, make_user, make_course, make_cohort, enrol, token_for):
    """A learner's valid certificate: (admin's e-mail, code, sha256 of the downloaded PDF)."""
    from lms.certificates import services

    admin = make_user("admin")
    learner = make_user("student", full_name="Ayesha Backup")
    cohort = make_cohort(course=make_course(title="Restorable Course"))
    enrol(cohort, learner)
    cert = services.create_certificate(admin, **services.course_fields(learner, cohort))
    db.session.commit()
    resp = app.test_client().get(f"/api/v1/certificates/{cert.code}/pdf",
                                 headers=token_for(admin))
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    digest = hashlib.sha256(resp.data).hexdigest()
    assert digest == cert.sha256
    return admin.email, cert.code, digest


def assert_verifies(target, admin, code, digest):
    """The restored database verifies the certificate and serves the very same PDF."""
    def check():
        client = target.test_client()
        body = client.get(f"/api/v1/verify/{code}").get_json()
        assert body["valid"] is True and body["holder_name"] == "Ayesha Backup", body
        token = client.post("/api/v1/auth/tokens", json={"email": admin,
                                                         "password": "correct horse battery"})
        assert token.status_code == 201, token.get_json()
        pdf = client.get(f"/api/v1/certificates/{code}/pdf",
                         headers={"Authorization": f"Bearer {token.get_json()['token']}"})
        assert pdf.status_code == 200
        assert hashlib.sha256(pdf.data).hexdigest() == digest
        with target.app_context():
            db.engine.dispose()
    fresh(check)


class TestSqlite:
    """A SQLite file database (the embedded default), in both passes of the suite."""

    @pytest.fixture
    def app_overrides(self, tmp_path):
        return {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/source.db"}

    def test_backup_then_restore_into_a_fresh_database(self, app, certified, tmp_path):
        admin, code, digest = certified
        stamp()  # the source is a migrated database (the fixture made it with create_all)
        file = tmp_path / "lms.backup"
        made = cli(app, "backup", str(file))
        assert made.exit_code == 0, made.output
        assert file.read_bytes().startswith(b"SQLite format 3\x00")
        assert not (tmp_path / "lms.backup.part").exists()
        again = cli(app, "backup", str(file))
        assert again.exit_code != 0 and "--force" in again.output  # no silent overwrite
        assert cli(app, "backup", str(file), "--force").exit_code == 0

        target = create_app("testing", {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/target.db"})
        done = cli(target, "restore", str(file), "--yes")
        assert done.exit_code == 0, done.output
        assert_verifies(target, admin, code, digest)

        # data written after the restore, then a second restore: the version moves past both
        source_version = version_of(app)
        def write():
            with target.app_context():
                with db.engine.begin() as conn:
                    for _ in range(3):  # as three restores would have moved the epoch on
                        conn.execute(sa.text("UPDATE data_versions SET version = version + 1 "
                                             "WHERE name = 'epoch'"))
                db.engine.dispose()
        fresh(write)
        before = version_of(target)
        assert before > source_version
        done = cli(target, "restore", str(file), "--yes")
        assert done.exit_code == 0, done.output
        assert version_of(target) == max(before, source_version) + 1

    def test_restore_asks_first_and_refuses_wrong_files(self, app, certified, tmp_path):
        stamp()
        file = tmp_path / "lms.backup"
        assert cli(app, "backup", str(file)).exit_code == 0
        target = create_app("testing", {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/target.db"})
        said_no = cli(target, "restore", str(file), input="n\n")
        assert said_no.exit_code != 0 and "Nothing restored" in said_no.output
        untouched = tmp_path / "target.db"
        assert not untouched.exists() or not sqlite3.connect(untouched).execute(
            "SELECT name FROM sqlite_master").fetchall()
        junk = tmp_path / "junk.bin"
        junk.write_bytes(b"not a backup at all")
        refused = cli(target, "restore", str(junk), "--yes")
        assert refused.exit_code != 0 and "neither a SQLite database" in refused.output
        pgdump = tmp_path / "pg.dump"
        pgdump.write_bytes(b"PGDMP\x01\x0e\x00")
        refused = cli(target, "restore", str(pgdump), "--yes")
        assert refused.exit_code != 0 and "is a postgresql backup" in refused.output


def test_missing_postgres_tools_are_named(tmp_path, monkeypatch):
    """Without pg_dump/pg_restore on PATH, the commands say what to install."""
    engine = sa.create_engine("postgresql+psycopg://lms:secret@127.0.0.1:1/nowhere")
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    with pytest.raises(BackupError, match="pg_dump is not installed"):
        backup_module.backup(engine, tmp_path / "x.dump")
    dump = tmp_path / "x.dump"
    dump.write_bytes(b"PGDMP\x01")
    with pytest.raises(BackupError, match="pg_restore is not installed"):
        backup_module.restore(engine, dump)


@requires_postgres
@pytest.mark.skipif(not shutil.which("pg_dump"), reason="pg_dump and pg_restore not installed")
def test_postgres_backup_restored_into_a_scratch_database(app, certified, tmp_path):
    admin, code, digest = certified
    file = tmp_path / "lms.dump"
    made = cli(app, "backup", str(file))
    assert made.exit_code == 0, made.output
    assert file.read_bytes().startswith(b"PGDMP")
    name = f"lms_restore_{uuid.uuid4().hex[:8]}"
    server = sa.create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1),
                              isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        target = create_app("testing", {
            "SQLALCHEMY_DATABASE_URI": PG_URL.rsplit("/", 1)[0] + f"/{name}"})
        done = cli(target, "restore", str(file), "--yes")
        assert done.exit_code == 0, done.output
        assert version_of(target) == version_of(app) + 1  # past anything cached before
        assert_verifies(target, admin, code, digest)
    finally:
        drop_scratch_database(server, name)
        server.dispose()
