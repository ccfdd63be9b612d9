"""With CSRF on: the upload form needs its token; with it the file is stored."""

from io import BytesIO

import pytest
import sqlalchemy as sa

from lms.extensions import db
from lms.materials.models import Material
from tests.conftest import PASSWORD, csrf_token_from
from tests.materials.conftest import PDF


@pytest.fixture
def app_overrides(tmp_path):
    return {"WTF_CSRF_ENABLED": True, "LMS_FILES_DIR": str(tmp_path / "files")}


def test_upload_form_needs_its_token(app, w):
    c = app.test_client()
    token = csrf_token_from(c.get("/login").get_data(as_text=True))
    c.post("/login", data={"email": w.owner.email, "password": PASSWORD, "csrf_token": token})
    path = f"/courses/{w.course.id}/materials"

    def form(**extra):
        return {"kind": "file", "title": "Slides", "status": "published", "place": "",
                "file": (BytesIO(PDF), "slides.pdf"), **extra}

    assert c.post(path, data=form(), content_type="multipart/form-data").status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(Material.id))) == 0
    token = csrf_token_from(c.get(path).get_data(as_text=True))
    resp = c.post(path, data=form(csrf_token=token), content_type="multipart/form-data")
    assert resp.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Material.id))) == 1
