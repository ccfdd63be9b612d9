"""Assessments have a draft state: a draft is invisible to learners until it is published
(issue 17 item 8; API.md 1.1: `status` on create, POST /assessments/{id}/publish)."""

from lms.assessments import services
from lms.assessments.models import Assessment
from lms.extensions import db
from tests.assessments.conftest import questions_payload


def _draft(w, client, token_for, questions=None):
    resp = client.post(f"/api/v1/courses/{w.course.id}/assessments", headers=token_for(w.owner),
                       json={"title": "Quiz in the making", "status": "draft",
                             "questions": questions or []})
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["status"] == "draft"
    return resp.get_json()["id"]


def test_api_default_is_published_for_existing_integrations(world, client, token_for):
    resp = client.post(f"/api/v1/courses/{world.course.id}/assessments",
                       headers=token_for(world.owner), json={"title": "Old style"})
    assert resp.status_code == 201 and resp.get_json()["status"] == "published"
    resp = client.post(f"/api/v1/courses/{world.course.id}/assessments",
                       headers=token_for(world.owner), json={"title": "X", "status": "hidden"})
    assert resp.status_code == 422 and "status" in resp.get_json()["error"]["fields"]


def test_a_draft_is_invisible_to_learners_everywhere(world, client, token_for, login_as):
    draft_id = _draft(world, client, token_for)
    learner = token_for(world.learner)
    assert client.get(f"/api/v1/assessments/{draft_id}", headers=learner).status_code == 404
    assert client.post(f"/api/v1/assessments/{draft_id}/attempts", json={},
                       headers=learner).status_code == 404
    c, _ = login_as("student", user=world.learner)
    assert c.get(f"/assessments/{draft_id}").status_code == 404
    assert "Quiz in the making" not in c.get("/").get_data(as_text=True)
    assert "Quiz in the making" not in c.get("/my/grades").get_data(as_text=True)
    assert "Final exam" in c.get("/my/grades").get_data(as_text=True)  # the published one
    assert draft_id not in [a.id for a in services.required_assessments(world.course.id)]
    # staff still see and list it, marked as a draft
    staff = client.get(f"/api/v1/courses/{world.course.id}/assessments",
                       headers=token_for(world.teacher)).get_json()["items"]
    assert {a["id"]: a["status"] for a in staff}[draft_id] == "draft"
    owner, _ = login_as("trainer", user=world.owner)
    page = owner.get(f"/assessments/{draft_id}").get_data(as_text=True)
    assert "Publish assessment" in page and "learners do not see it" in page


def test_publishing_needs_a_question_and_the_owner(world, client, token_for):
    draft_id = _draft(world, client, token_for)
    url = f"/api/v1/assessments/{draft_id}/publish"
    assert client.post(url, json={}, headers=token_for(world.teacher)).status_code == 403
    assert client.post(url, json={}, headers=token_for(world.learner)).status_code == 403
    resp = client.post(url, json={}, headers=token_for(world.owner))
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "no_questions"
    assert db.session.get(Assessment, draft_id).status == "draft"


def test_published_draft_appears_for_learners(world, client, token_for, login_as):
    draft_id = _draft(world, client, token_for, questions_payload()[:1])
    resp = client.post(f"/api/v1/assessments/{draft_id}/publish", json={},
                       headers=token_for(world.owner))
    assert resp.status_code == 200 and resp.get_json()["status"] == "published"
    again = client.post(f"/api/v1/assessments/{draft_id}/publish", json={},
                        headers=token_for(world.owner))
    assert again.status_code == 200  # idempotent
    c, _ = login_as("student", user=world.learner)
    assert c.get(f"/assessments/{draft_id}").status_code == 200
    assert "Quiz in the making" in c.get("/").get_data(as_text=True)
    assert client.post(f"/api/v1/assessments/{draft_id}/attempts", json={},
                       headers=token_for(world.learner)).status_code == 201


def test_page_creates_drafts_and_publishes_them(world, login_as):
    c, _ = login_as("trainer", user=world.owner)
    resp = c.post(f"/courses/{world.course.id}/assessments/new",
                  data={"title": "Page quiz", "pass_percent": 50, "max_attempts": 1,
                        "grading": "highest", "review": "after_submit"})
    assert resp.status_code == 302
    quiz = db.session.query(Assessment).filter_by(title="Page quiz").one()
    assert quiz.status == "draft"
    learner, _ = login_as("student", user=world.learner)
    assert "Page quiz" not in learner.get("/").get_data(as_text=True)
    resp = c.post(f"/assessments/{quiz.id}/publish", follow_redirects=True)
    assert "Add at least one question before publishing." in resp.get_data(as_text=True)
    services.add_question(world.owner, quiz, questions_payload()[2])
    db.session.commit()
    resp = c.post(f"/assessments/{quiz.id}/publish", follow_redirects=True)
    assert "Assessment published" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Assessment, quiz.id).status == "published"
    other, _ = login_as("trainer")
    assert other.post(f"/assessments/{quiz.id}/publish").status_code == 403
