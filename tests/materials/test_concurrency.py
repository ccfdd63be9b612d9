"""The same file uploaded several times at once: every upload succeeds, the bytes and the blob
row are stored once (SQLite file database and PostgreSQL)."""

import os
import threading
from io import BytesIO

import pytest
import sqlalchemy as sa

from lms.extensions import db
from lms.materials.models import Blob, Material
from tests.conftest import requires_postgres
from tests.materials.conftest import PDF

THREADS = 6


def _race(app, course_id, headers, data) -> list[int]:
    barrier = threading.Barrier(THREADS)
    codes = [0] * THREADS

    def run(i):
        client = app.test_client()
        form = {"title": f"Copy {i}", "file": (BytesIO(data), f"copy{i}.pdf")}
        barrier.wait()
        codes[i] = client.post(f"/api/v1/courses/{course_id}/materials", data=form,
                               headers=headers, content_type="multipart/form-data").status_code

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return codes


def _check(app, codes):
    assert codes == [201] * THREADS
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Material.id))) == THREADS
    assert db.session.scalar(sa.select(sa.func.count(Blob.sha256))) == 1
    root = app.config["LMS_FILES_DIR"]
    stored = [f for d, _s, fs in os.walk(root) if d != os.path.join(root, "tmp") for f in fs]
    assert len(stored) == 1
    assert os.listdir(os.path.join(root, "tmp")) == []


@requires_postgres
def test_same_file_at_once_postgres(app, w, token_for):
    data = PDF + b"pg"
    _check(app, _race(app, w.course.id, token_for(w.owner), data))


class TestSqliteFile:
    @pytest.fixture
    def app_overrides(self, tmp_path):
        return {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/race.db",
                "LMS_FILES_DIR": str(tmp_path / "files")}

    def test_same_file_at_once_sqlite(self, app, w, token_for):
        assert db.engine.dialect.name == "sqlite" and "race.db" in str(db.engine.url)
        _check(app, _race(app, w.course.id, token_for(w.owner), PDF + b"lite"))
