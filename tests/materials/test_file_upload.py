"""The file_upload question kind: hand in files before the deadline, graded by a trainer."""

from datetime import timedelta
from io import BytesIO

import pytest
import sqlalchemy as sa
import time_machine

from lms.assessments import services as assessments
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.materials.models import AttemptUpload, Blob
from tests.materials.conftest import HTML_AS_PDF, PDF, SVG_SCRIPT

ZIP = b"PK\x03\x04" + b"\x00" * 200


@pytest.fixture
def lab(w):
    """A required assessment: one lab report (pdf or zip, 1 MB, 2 files) and one true/false."""
    a = assessments.create_assessment(w.owner, w.course, {
        "title": "Lab report", "pass_percent": 50, "max_attempts": 1, "grading": "highest",
        "time_limit_minutes": 60,
        "questions": [
            {"kind": "file_upload", "prompt": "Hand in your lab report.", "points": 8,
             "upload_rules": {"types": ["pdf", "zip"], "max_mb": 1, "max_files": 2}},
            {"kind": "true_false", "prompt": "TLS encrypts.", "points": 2, "answer": True}]})
    db.session.commit()
    return a


def _start(client, lab, h):
    resp = client.post(f"/api/v1/assessments/{lab.id}/attempts", headers=h)
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    q = next(q for q in body["questions"] if q["kind"] == "file_upload")
    assert q["upload_rules"] == {"types": ["pdf", "zip"], "max_mb": 1.0, "max_files": 2}
    return body["id"], q["id"]


def _hand_in(client, attempt_id, qid, h, data=PDF, name="report.pdf"):
    return client.post(f"/api/v1/attempts/{attempt_id}/uploads", headers=h,
                       data={"question_id": str(qid), "file": (BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_question_validation(w):
    from lms.core.errors import ValidationFailed

    for rules_ in ({"types": ["exe"]}, {"max_mb": 0}, {"max_mb": 500}, {"max_files": 11},
                   {"types": "pdf"}):
        with pytest.raises(ValidationFailed):
            assessments.create_assessment(w.owner, w.course, {
                "title": "x", "questions": [{"kind": "file_upload", "prompt": "p",
                                             "upload_rules": rules_}]})
        db.session.rollback()


def test_hand_in_grade_and_result(client, w, lab, token_for):
    h = token_for(w.learner)
    attempt_id, qid = _start(client, lab, h)
    resp = _hand_in(client, attempt_id, qid, h)
    assert resp.status_code == 201, resp.get_json()
    up = resp.get_json()
    assert up["filename"] == "report.pdf" and up["size"] == len(PDF) and up["question_id"] == qid
    # the upload is part of the answer at once; the learner may also send the ids themselves
    saved = client.put(f"/api/v1/attempts/{attempt_id}/answers", headers=h, json={"answers": [
        {"question_id": qid, "response": [up["id"]]},
        {"question_id": next(q.id for q in lab.questions if q.kind == "true_false"),
         "response": True}]})
    assert saved.status_code == 200, saved.get_json()
    forged = client.put(f"/api/v1/attempts/{attempt_id}/answers", headers=h, json={
        "answers": [{"question_id": qid, "response": [up["id"] + 1000]}]})
    assert forged.status_code == 422
    result = client.post(f"/api/v1/attempts/{attempt_id}/submit", headers=h).get_json()
    assert result["status"] == "needs_grading" and result["passed"] is None
    # in the trainer's queue; the trainer downloads the file and grades it
    teacher = token_for(w.teacher)
    got = client.get(up["url"], headers=teacher)
    assert got.status_code == 200 and got.data == PDF
    assert got.headers["Content-Disposition"].startswith("attachment;")
    assert attempt_id in [a.id for a in db.session.scalars(
        assessments.grading_queue_stmt(w.teacher))]
    graded = client.post(f"/api/v1/attempts/{attempt_id}/grades", headers=teacher, json={
        "grades": [{"question_id": qid, "points": 6, "comment": "Good analysis"}]})
    assert graded.status_code == 200, graded.get_json()
    body = client.get(f"/api/v1/attempts/{attempt_id}", headers=h).get_json()
    assert body["status"] == "graded" and body["score"] == 8 and body["passed"] is True
    # others may not fetch the file
    for who in (w.faculty, w.outsider, w.other_trainer):
        assert client.get(up["url"], headers=token_for(who)).status_code == 404
    assert client.get(up["url"]).status_code == 401


def test_ungraded_upload_keeps_the_required_assessment_unpassed(client, w, lab, token_for):
    h = token_for(w.learner)
    attempt_id, qid = _start(client, lab, h)
    _hand_in(client, attempt_id, qid, h)
    client.post(f"/api/v1/attempts/{attempt_id}/submit", headers=h)
    results = assessments.cohort_results(w.cohort)[w.learner.id]
    assert results[lab.id].passed is False and results[lab.id].status == "needs_grading"


def test_refusals(client, w, lab, token_for):
    h = token_for(w.learner)
    attempt_id, qid = _start(client, lab, h)
    assert _hand_in(client, attempt_id, qid, h, HTML_AS_PDF, "report.pdf").status_code == 422
    assert _hand_in(client, attempt_id, qid, h, SVG_SCRIPT, "report.zip").status_code == 422
    assert _hand_in(client, attempt_id, qid, h, b"just text", "report.txt").status_code == 422
    big = b"%PDF-1.4\n" + b"x" * (1024 * 1024 + 1)
    assert _hand_in(client, attempt_id, qid, h, big, "big.pdf").status_code == 413
    tf = next(q.id for q in lab.questions if q.kind == "true_false")
    assert _hand_in(client, attempt_id, tf, h).status_code == 422
    assert _hand_in(client, attempt_id, 999999, h).status_code == 422
    assert _hand_in(client, attempt_id, qid, h, ZIP, "a.zip").status_code == 201
    assert _hand_in(client, attempt_id, qid, h, PDF, "b.pdf").status_code == 201
    third = _hand_in(client, attempt_id, qid, h, PDF + b"3", "c.pdf")
    assert third.status_code == 409 and third.get_json()["error"]["code"] == "too_many_files"
    # someone else's attempt
    for who in (w.faculty, w.outsider):
        assert _hand_in(client, attempt_id, qid, token_for(who)).status_code == 404
    assert _hand_in(client, attempt_id, qid, token_for(w.teacher)).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(AttemptUpload.id))) == 2


def test_late_uploads_refused(client, w, lab, token_for):
    h = token_for(w.learner)
    attempt_id, qid = _start(client, lab, h)
    with time_machine.travel(utcnow() + timedelta(minutes=61)):
        late = _hand_in(client, attempt_id, qid, h)
        assert late.status_code == 409 and late.get_json()["error"]["code"] == "deadline_passed"
    assert db.session.scalar(sa.select(sa.func.count(AttemptUpload.id))) == 0
    client.post(f"/api/v1/attempts/{attempt_id}/submit", headers=h)
    after = _hand_in(client, attempt_id, qid, h)
    assert after.status_code == 409
    assert db.session.scalar(sa.select(sa.func.count(Blob.sha256))) == 0


def test_html_take_and_grade_pages(client, w, lab, login_as):
    c, _ = login_as("student", user=w.learner)
    c.post(f"/assessments/{lab.id}/start")
    attempt = db.session.scalars(sa.select(assessments.Attempt)).one()
    qid = next(q.id for q in lab.questions if q.kind == "file_upload")
    page = c.get(f"/attempts/{attempt.id}/take").get_data(as_text=True)
    assert f'action="/attempts/{attempt.id}/uploads"' in page and "pdf, zip" in page
    resp = c.post(f"/attempts/{attempt.id}/uploads",
                  data={"question_id": str(qid), "file": (BytesIO(PDF), "lab 1.pdf")},
                  content_type="multipart/form-data")
    assert resp.status_code == 302
    page = c.get(f"/attempts/{attempt.id}/take").get_data(as_text=True)
    assert "lab 1.pdf" in page
    upload_id = db.session.scalar(sa.select(AttemptUpload.id))
    # "Save" keeps the ticked file; submitting sends it to the trainer
    c.post(f"/attempts/{attempt.id}/take", data={f"q{qid}": str(upload_id), "action": "submit"})
    db.session.expire_all()
    assert db.session.get(assessments.Attempt, attempt.id).status == "needs_grading"
    t, _ = login_as("trainer", user=w.teacher)
    grade = t.get(f"/attempts/{attempt.id}/grade").get_data(as_text=True)
    assert f"/uploads/{upload_id}/download" in grade and "lab 1.pdf" in grade
    resp = t.post(f"/attempts/{attempt.id}/grade", data={f"points_{qid}": "7",
                                                        f"comment_{qid}": "Fine"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(assessments.Attempt, attempt.id).status == "graded"
    shown = c.get(f"/attempts/{attempt.id}").get_data(as_text=True)
    assert f"/uploads/{upload_id}/download" in shown
