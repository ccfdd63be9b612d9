"""The HTML side: the materials page, its form (CSRF), status and removal, streamed ZIPs."""

import io
import zipfile
from io import BytesIO

import sqlalchemy as sa

from lms.extensions import db
from lms.materials.models import Material
from tests.materials.conftest import PDF, upload


def _form(title="Slides", data=PDF, name="slides.pdf", **extra):
    return {"kind": "file", "title": title, "status": "published", "place": "",
            "file": (BytesIO(data), name), **extra}


def test_page_and_upload_form(client, w, login_as):
    c, _ = login_as("trainer", user=w.owner)
    page = c.get(f"/courses/{w.course.id}/materials")
    assert page.status_code == 200 and b"Add a material" in page.data
    resp = c.post(f"/courses/{w.course.id}/materials", data=_form(place=f"m{w.modules[0].id}"),
                  content_type="multipart/form-data")
    assert resp.status_code == 302
    m = db.session.scalar(sa.select(Material))
    assert m.module_id == w.modules[0].id and m.filename == "slides.pdf"
    learner, _ = login_as("student", user=w.learner)
    page = learner.get(f"/courses/{w.course.id}/materials").get_data(as_text=True)
    assert "Slides" in page and "Add a material" not in page and "Basics" in page
    assert f"/materials/{m.id}/download" in page
    got = learner.get(f"/materials/{m.id}/download")
    assert got.status_code == 200 and got.data == PDF


def test_form_errors_are_shown_not_500(client, w, login_as):
    c, _ = login_as("trainer", user=w.owner)
    path = f"/courses/{w.course.id}/materials"
    bad_type = c.post(path, data=_form(data=b"<html><script>x</script></html>", name="a.pdf"),
                      content_type="multipart/form-data")
    assert bad_type.status_code == 422 and b"not a .pdf file" in bad_type.data
    no_file = c.post(path, data={"kind": "file", "title": "x", "status": "published"},
                     content_type="multipart/form-data")
    assert no_file.status_code == 422 and b"Choose a file" in no_file.data
    bad_link = c.post(path, data={"kind": "link", "title": "x", "url": "javascript:alert(1)",
                                  "status": "published"})
    assert bad_link.status_code == 422 and b"https://" in bad_link.data
    assert db.session.scalar(sa.select(sa.func.count(Material.id))) == 0


def test_status_and_delete(client, w, login_as, token_for):
    m = upload(client, w.course.id, PDF, headers=token_for(w.owner)).get_json()
    c, _ = login_as("trainer", user=w.owner)
    assert c.post(f"/materials/{m['id']}/status", data={"status": "draft"}).status_code == 302
    learner, _ = login_as("student", user=w.learner)
    assert learner.get(f"/materials/{m['id']}/download").status_code == 404
    assert c.post(f"/materials/{m['id']}/status", data={"status": "published"}
                  ).status_code == 302
    assert learner.get(f"/materials/{m['id']}/download").status_code == 200
    assert learner.post(f"/materials/{m['id']}/delete").status_code in (403, 404)
    assert c.post(f"/materials/{m['id']}/delete").status_code == 302
    assert db.session.get(Material, m["id"]) is None


def _zip_of(resp) -> zipfile.ZipFile:
    data = b"".join(resp.response)  # read after the request (and its context) has ended
    return zipfile.ZipFile(io.BytesIO(data))


def test_course_zip_streamed_after_the_request(app, w, token_for, login_as):
    h = token_for(w.owner)
    c = app.test_client()
    upload(c, w.course.id, PDF, "notes.pdf", h)
    upload(c, w.course.id, PDF + b"2", "notes.pdf", h, title="Notes 2")
    upload(c, w.course.id, PDF + b"3", "draft.pdf", h, status="draft")
    upload(c, w.course.id, PDF + b"4", "lab.pdf", h, session_id=w.sessions[0].id)
    learner, _ = login_as("student", user=w.learner)
    resp = learner.get(f"/courses/{w.course.id}/materials.zip", buffered=False)
    assert resp.status_code == 200 and resp.mimetype == "application/zip"
    assert resp.headers["Content-Disposition"].startswith("attachment;")
    session_id = w.sessions[0].id
    db.session.remove()  # nothing of the request's database session is left to read from
    zf = _zip_of(resp)
    assert sorted(zf.namelist()) == ["notes (2).pdf", "notes.pdf"]
    assert zf.read("notes.pdf") == PDF and zf.read("notes (2).pdf") == PDF + b"2"
    assert zf.testzip() is None
    resp = learner.get(f"/sessions/{session_id}/materials.zip", buffered=False)
    assert resp.status_code == 200
    zf = _zip_of(resp)
    assert zf.namelist() == ["lab.pdf"] and zf.read("lab.pdf") == PDF + b"4"


def test_zip_length_matches(app, w, token_for, login_as):
    upload(app.test_client(), w.course.id, PDF, "a.pdf", token_for(w.owner))
    learner, _ = login_as("student", user=w.learner)
    resp = learner.get(f"/courses/{w.course.id}/materials.zip", buffered=False)
    data = b"".join(resp.response)
    assert int(resp.headers["Content-Length"]) == len(data)


def test_zip_access(w, login_as, make_user):
    outsider, _ = login_as("student")
    assert outsider.get(f"/courses/{w.course.id}/materials.zip").status_code == 403
    assert outsider.get(f"/sessions/{w.sessions[0].id}/materials.zip").status_code == 404
