"""Materials over HTTP: upload, list, download with Range and ETag, sniffing, limits, access."""

import hashlib
import os
from io import BytesIO

import pytest
import sqlalchemy as sa

from lms.extensions import db
from lms.materials.models import Blob, Material
from tests.materials.conftest import EXE, HTML_AS_PDF, PDF, SVG_SCRIPT, upload


@pytest.fixture
def owner_h(w, token_for):
    return token_for(w.owner)


def _stored_files(app) -> list[str]:
    root = app.config["LMS_FILES_DIR"]
    return [os.path.join(d, f) for d, _s, fs in os.walk(root) for f in fs
            if d != os.path.join(root, "tmp")]


def _temp_files(app) -> list[str]:
    tmp = os.path.join(app.config["LMS_FILES_DIR"], "tmp")
    return os.listdir(tmp) if os.path.isdir(tmp) else []


def test_upload_list_download(app, client, w, owner_h, token_for):
    resp = upload(client, w.course.id, PDF, "Week 1 notes.pdf", owner_h,
                  module_id=w.modules[0].id)
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["kind"] == "file" and body["size"] == len(PDF)
    assert body["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert body["filename"] == "Week 1 notes.pdf" and body["module_id"] == w.modules[0].id
    listed = client.get(f"/api/v1/courses/{w.course.id}/materials",
                        headers=token_for(w.learner)).get_json()
    assert listed["total"] == 1 and listed["items"][0]["url"] == f"/api/v1/materials/{body['id']}/file"
    got = client.get(body["url"], headers=token_for(w.learner))
    assert got.status_code == 200
    assert got.data == PDF
    assert got.headers["Content-Type"] == "application/pdf"
    assert got.headers["Content-Length"] == str(len(PDF))
    assert got.headers["Content-Disposition"] == 'attachment; filename="Week 1 notes.pdf"'
    assert got.headers["ETag"] == f'"{body["sha256"]}"'
    assert got.headers["Accept-Ranges"] == "bytes"
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    # the database holds the facts, never the bytes
    blob = db.session.get(Blob, body["sha256"])
    assert blob.size == len(PDF) and not hasattr(blob, "data")


def test_range_and_etag(client, w, owner_h, token_for):
    url = upload(client, w.course.id, PDF, headers=owner_h).get_json()["url"]
    h = token_for(w.learner)
    part = client.get(url, headers={**h, "Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.data == PDF[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(PDF)}"
    tail = client.get(url, headers={**h, "Range": f"bytes={len(PDF) - 10}-"})
    assert tail.status_code == 206 and tail.data == PDF[-10:]
    bad = client.get(url, headers={**h, "Range": f"bytes={len(PDF) + 5}-"})
    assert bad.status_code == 416
    etag = client.get(url, headers=h).headers["ETag"]
    same = client.get(url, headers={**h, "If-None-Match": etag})
    assert same.status_code == 304 and same.data == b""
    other = client.get(url, headers={**h, "If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.data == PDF
    # resuming only if unchanged: If-Range with the ETag honours the range
    resumed = client.get(url, headers={**h, "Range": "bytes=0-9", "If-Range": etag})
    assert resumed.status_code == 206 and resumed.data == PDF[:10]


def test_html_named_pdf_is_refused(app, client, w, owner_h):
    resp = upload(client, w.course.id, HTML_AS_PDF, "slides.pdf", owner_h)
    assert resp.status_code == 422
    assert resp.get_json()["error"]["fields"]["file"]
    assert db.session.scalar(sa.select(sa.func.count(Material.id))) == 0
    assert _stored_files(app) == [] and _temp_files(app) == []


def test_executables_are_refused(app, client, w, owner_h):
    for data, name in ((EXE, "setup.exe"), (EXE, "report.docx"), (EXE, "notes.txt"),
                       (b"#!/bin/sh\nrm -rf ~\n", "run.txt"), (b"echo hi", "install.sh")):
        resp = upload(client, w.course.id, data, name, owner_h)
        assert resp.status_code == 422, name
    assert db.session.scalar(sa.select(sa.func.count(Blob.sha256))) == 0
    assert _stored_files(app) == [] and _temp_files(app) == []


@pytest.mark.parametrize(("data", "name"), [(SVG_SCRIPT, "diagram.svg"),
                                            (HTML_AS_PDF, "handout.html"),
                                            (SVG_SCRIPT, "diagram")])
def test_markup_only_ever_served_as_octet_stream_attachment(client, w, owner_h, token_for, data,
                                                            name):
    resp = upload(client, w.course.id, data, name, owner_h)
    assert resp.status_code == 201, resp.get_json()
    got = client.get(resp.get_json()["url"], headers=token_for(w.learner))
    assert got.status_code == 200 and got.data == data
    assert got.headers["Content-Type"] == "application/octet-stream"
    assert got.headers["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in got.headers["Content-Security-Policy"]
    assert got.headers["X-Content-Type-Options"] == "nosniff"


def test_type_comes_from_bytes_not_from_the_header(client, w, owner_h, token_for):
    form = {"title": "Notes", "file": (BytesIO(SVG_SCRIPT), "notes.png", "image/png")}
    resp = client.post(f"/api/v1/courses/{w.course.id}/materials", data=form, headers=owner_h,
                       content_type="multipart/form-data")
    assert resp.status_code == 422  # a .png whose bytes are no PNG
    form = {"title": "Notes", "file": (BytesIO(SVG_SCRIPT), "notes", "application/pdf")}
    resp = client.post(f"/api/v1/courses/{w.course.id}/materials", data=form, headers=owner_h,
                       content_type="multipart/form-data")
    assert resp.status_code == 201
    got = client.get(resp.get_json()["url"], headers=token_for(w.learner))
    assert got.headers["Content-Type"] == "application/octet-stream"


def test_unicode_and_hostile_file_names(client, w, owner_h, token_for):
    resp = upload(client, w.course.id, PDF, '../../etc/passwd; x=1 <b>نوٹس<b>.pdf', owner_h)
    assert resp.status_code == 201
    body = resp.get_json()
    assert "/" not in body["filename"] and "\r" not in body["filename"]
    assert body["filename"] == "passwd_ x=1 _b_نوٹس_b_.pdf"
    assert ";" not in body["filename"] and "<" not in body["filename"]
    got = client.get(body["url"], headers=token_for(w.learner))
    cd = got.headers["Content-Disposition"]
    assert cd.startswith('attachment; filename="') and "filename*=UTF-8''" in cd
    assert "\r" not in cd and "\n" not in cd and "passwd" in cd


def test_size_limit_413(app, client, w, owner_h):
    app.config["MATERIAL_MAX_MB"] = 0.01  # 10 KiB
    big = b"%PDF-1.4\n" + b"x" * (11 * 1024)
    resp = upload(client, w.course.id, big, "big.pdf", owner_h)
    assert resp.status_code == 413
    assert resp.get_json()["error"]["code"] == "payload_too_large"
    # far beyond the request limit: refused while reading, also 413 with the JSON body
    huge = b"%PDF-1.4\n" + b"x" * (2 * 1024 * 1024)
    resp = upload(client, w.course.id, huge, "huge.pdf", owner_h)
    assert resp.status_code == 413 and resp.get_json()["error"]["code"] == "payload_too_large"
    assert db.session.scalar(sa.select(sa.func.count(Material.id))) == 0
    assert _stored_files(app) == [] and _temp_files(app) == []


def test_larger_than_max_content_length_is_fine_up_to_material_limit(app, client, w, owner_h):
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    data = PDF + b"y" * (200 * 1024)
    resp = upload(client, w.course.id, data, "bigger.pdf", owner_h)
    assert resp.status_code == 201, resp.get_json()


def test_course_quota(app, client, w, owner_h):
    app.config["MATERIAL_COURSE_QUOTA_MB"] = len(PDF) * 1.5 / (1024 * 1024)
    assert upload(client, w.course.id, PDF, "a.pdf", owner_h).status_code == 201
    resp = upload(client, w.course.id, PDF + b"2", "b.pdf", owner_h)
    assert resp.status_code == 413
    assert resp.get_json()["error"]["code"] == "quota_exceeded"


def test_same_file_twice_is_stored_once(app, client, w, owner_h):
    a = upload(client, w.course.id, PDF, "a.pdf", owner_h).get_json()
    b = upload(client, w.course.id, PDF, "b.pdf", owner_h, title="Again").get_json()
    assert a["id"] != b["id"] and a["sha256"] == b["sha256"]
    assert db.session.scalar(sa.select(sa.func.count(Blob.sha256))) == 1
    assert len(_stored_files(app)) == 1


def test_links(client, w, owner_h, token_for):
    resp = client.post(f"/api/v1/courses/{w.course.id}/materials", headers=owner_h,
                       json={"title": "Recording", "url": "https://videos.example.pk/r/1",
                             "module_id": w.modules[1].id})
    assert resp.status_code == 201
    assert resp.get_json()["kind"] == "link" and resp.get_json()["size"] is None
    for url in ("javascript:alert(1)", "ftp://x/y", "/relative", "https://"):
        bad = client.post(f"/api/v1/courses/{w.course.id}/materials", headers=owner_h,
                          json={"title": "Bad", "url": url})
        assert bad.status_code == 422, url
        assert "url" in bad.get_json()["error"]["fields"]
    file_url = f"/api/v1/materials/{resp.get_json()['id']}/file"
    assert client.get(file_url, headers=token_for(w.learner)).status_code == 422


def test_bad_bodies(client, w, owner_h):
    path = f"/api/v1/courses/{w.course.id}/materials"
    assert client.post(path, headers=owner_h, data="x", content_type="text/plain"
                       ).status_code == 415
    no_file = client.post(path, headers=owner_h, data={"title": "x"},
                          content_type="multipart/form-data")
    assert no_file.status_code == 422 and "file" in no_file.get_json()["error"]["fields"]
    no_title = upload(client, w.course.id, PDF, headers=owner_h, title="")
    assert no_title.status_code == 422 and "title" in no_title.get_json()["error"]["fields"]
    wrong_module = upload(client, w.course.id, PDF, headers=owner_h, module_id=999999)
    assert wrong_module.status_code == 422
    both = upload(client, w.course.id, PDF, headers=owner_h, module_id=w.modules[0].id,
                  session_id=w.sessions[0].id)
    assert both.status_code == 422
    empty = upload(client, w.course.id, b"", "empty.pdf", owner_h)
    assert empty.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(Material.id))) == 0


# who sees what ------------------------------------------------------------------------------------
def test_visibility_by_role(client, w, owner_h, token_for, enrol, make_cohort):
    pub = upload(client, w.course.id, PDF, "pub.pdf", owner_h).get_json()
    draft = upload(client, w.course.id, PDF + b"d", "draft.pdf", owner_h, status="draft").get_json()
    session = upload(client, w.course.id, PDF + b"s", "s.pdf", owner_h,
                     session_id=w.sessions[0].id).get_json()
    expect = {  # role: (list status, ids listed)
        "owner": (200, {pub["id"], draft["id"], session["id"]}),
        "admin": (200, {pub["id"], draft["id"], session["id"]}),
        "teacher": (200, {pub["id"], session["id"]}),
        "other_trainer": (200, {pub["id"], session["id"]}),
        "manager": (200, {pub["id"], session["id"]}),
        "learner": (200, {pub["id"], session["id"]}),
        "faculty": (200, {pub["id"], session["id"]}),
        "outsider": (403, set()),
    }
    for role, (status, ids) in expect.items():
        h = token_for(getattr(w, role))
        resp = client.get(f"/api/v1/courses/{w.course.id}/materials", headers=h)
        assert resp.status_code == status, role
        if status == 200:
            assert {m["id"] for m in resp.get_json()["items"]} == ids, role
        for m in (pub, draft, session):
            got = client.get(m["url"], headers=h)
            assert got.status_code == (200 if m["id"] in ids else 404), (role, m["filename"])
    assert client.get(pub["url"]).status_code == 401
    assert client.get(f"/api/v1/courses/{w.course.id}/materials").status_code == 401


def test_session_materials_only_for_that_cohort_and_while_scheduled(
        client, w, owner_h, token_for, make_cohort, enrol, make_user):
    other_cohort = make_cohort(course=w.course, trainer=w.other_trainer)
    someone = make_user("student")
    enrol(other_cohort, someone)
    m = upload(client, w.course.id, PDF, "s.pdf", owner_h, session_id=w.sessions[1].id).get_json()
    assert client.get(m["url"], headers=token_for(someone)).status_code == 404
    assert client.get(m["url"], headers=token_for(w.learner)).status_code == 200
    w.sessions[1].status = "cancelled"
    db.session.commit()
    assert client.get(m["url"], headers=token_for(w.learner)).status_code == 404
    assert client.get(m["url"], headers=token_for(w.teacher)).status_code == 200


def test_completed_and_withdrawn_learners(client, w, owner_h, token_for, make_user, enrol):
    done, gone = make_user("student"), make_user("student")
    enrol(w.cohort, done, status="completed")
    enrol(w.cohort, gone, status="withdrawn")
    m = upload(client, w.course.id, PDF, headers=owner_h).get_json()
    assert client.get(m["url"], headers=token_for(done)).status_code == 200
    assert client.get(m["url"], headers=token_for(gone)).status_code == 404


def test_who_may_add_and_delete(client, w, owner_h, token_for):
    path = f"/api/v1/courses/{w.course.id}/materials"
    for role in ("learner", "outsider", "other_trainer", "manager"):
        resp = upload(client, w.course.id, PDF, headers=token_for(getattr(w, role)))
        assert resp.status_code == 403, role
    # the cohort's trainer: its sessions only
    teacher = token_for(w.teacher)
    assert upload(client, w.course.id, PDF, headers=teacher).status_code == 422
    ok = upload(client, w.course.id, PDF, headers=teacher, session_id=w.sessions[2].id)
    assert ok.status_code == 201
    assert client.post(path, headers=token_for(w.admin),
                       json={"title": "Repo", "url": "https://git.example.pk/x"}
                       ).status_code == 201
    m = upload(client, w.course.id, PDF, headers=owner_h).get_json()
    for role in ("learner", "other_trainer", "manager", "teacher"):
        resp = client.delete(f"/api/v1/materials/{m['id']}", headers=token_for(getattr(w, role)))
        assert resp.status_code in (403, 404), role
    assert client.delete(f"/api/v1/materials/{m['id']}", headers=owner_h).status_code == 204
    assert client.get(m["url"], headers=owner_h).status_code == 404
    assert client.delete(f"/api/v1/materials/{ok.get_json()['id']}", headers=teacher
                         ).status_code == 204


def test_accel_redirect(app, client, w, owner_h, token_for):
    m = upload(client, w.course.id, PDF, headers=owner_h).get_json()
    app.config["LMS_ACCEL_REDIRECT"] = "/_files/"
    got = client.get(m["url"], headers=token_for(w.learner))
    sha = m["sha256"]
    assert got.status_code == 200 and got.data == b""
    assert got.headers["X-Accel-Redirect"] == f"/_files/{sha[:2]}/{sha[2:4]}/{sha}"
    assert got.headers["Content-Disposition"].startswith("attachment;")
    assert got.headers["ETag"] == f'"{sha}"'
    assert client.get(m["url"], headers={**token_for(w.learner), "If-None-Match": f'"{sha}"'}
                      ).status_code == 304
    assert client.get(m["url"], headers=token_for(w.outsider)).status_code == 404
