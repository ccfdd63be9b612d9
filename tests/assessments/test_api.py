"""API tests: the contract of API.md, permissions for every role, errors, and no key leaks."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from lms.assessments.models import Attempt
from lms.extensions import db
from tests.assessments.conftest import (
    answers_not_echoing_keys,
    assert_no_keys,
    questions_payload,
    right_answers,
)

T0 = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)


@pytest.fixture
def api(app, token_for):
    """api(user) -> a function making bearer-authenticated calls."""

    def _for(user):
        headers = token_for(user)
        c = app.test_client()

        def call(method, path, **kw):
            return c.open("/api/v1" + path, method=method, headers=headers, **kw)

        return call

    return _for


def test_create_assessment_contract(world, api):
    w = world
    resp = api(w.owner)("POST", f"/courses/{w.course.id}/assessments", json={
        "title": "Quiz 1", "required": False, "pass_percent": 70, "max_attempts": 3,
        "grading": "average", "time_limit_minutes": 20, "shuffle_questions": True,
        "id": 999, "questions": questions_payload()})
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["id"] != 999 and body["grading"] == "average" and len(body["questions"]) == 6
    single = body["questions"][0]
    assert set(single) >= {"kind", "prompt", "points", "options", "accepted_answers", "answer",
                           "tolerance"}
    assert [o["id"] for o in single["options"]] == [1, 2, 3]
    assert [o["correct"] for o in single["options"]] == [False, True, False]


@pytest.mark.parametrize("role", ["teacher", "other_trainer", "manager", "learner"])
def test_create_assessment_refused(world, api, role):
    resp = api(getattr(world, role))("POST", f"/courses/{world.course.id}/assessments",
                                     json={"title": "X"})
    assert resp.status_code == 403
    assert resp.get_json()["error"]["code"] == "forbidden"


def test_create_assessment_bad_input_422(world, api):
    call = api(world.owner)
    resp = call("POST", f"/courses/{world.course.id}/assessments",
                json={"title": "", "grading": "best", "pass_percent": "70"})
    assert resp.status_code == 422
    assert {"title", "grading", "pass_percent"} <= set(resp.get_json()["error"]["fields"])
    resp = call("POST", f"/courses/{world.course.id}/assessments", json={
        "title": "ok", "questions": [{"kind": "multiple", "prompt": "p",
                                      "options": [{"text": "a"}, {"text": "b"}]},
                                     {"kind": "numeric", "prompt": "n", "answer": "x"}]})
    assert resp.status_code == 422
    fields = resp.get_json()["error"]["fields"]
    assert "questions.0.options" in fields and "questions.1.answer" in fields
    assert call("POST", "/courses/424242/assessments", json={"title": "x"}).status_code == 404
    assert call("POST", f"/courses/{world.course.id}/assessments", data="title=x",
                content_type="application/x-www-form-urlencoded").status_code == 415


def test_get_assessment_by_role(world, api):
    w = world
    path = f"/assessments/{w.exam.id}"
    for user in (w.owner, w.teacher, w.admin, w.manager):
        body = api(user)("GET", path).get_json()
        assert body["questions"][0]["options"][1]["correct"] is True
    resp = api(w.learner)("GET", path)
    assert resp.status_code == 200
    assert_no_keys(resp.data, "GET assessment")
    assert resp.get_json()["attempts_left"] == 2
    assert api(w.outsider)("GET", path).status_code == 404
    assert api(w.other_trainer)("GET", path).status_code == 403
    assert api(w.learner)("GET", "/assessments/424242").status_code == 404


def test_attempt_flow_without_leaks(world, api):
    w = world
    call = api(w.learner)
    resp = call("POST", f"/assessments/{w.exam.id}/attempts", json={"number": 7, "status": "graded"})
    assert resp.status_code == 201
    body = resp.get_json()
    assert_no_keys(resp.data, "start")
    assert set(body) >= {"id", "deadline_at", "questions"} and len(body["questions"]) == 6
    assert all(set(o) == {"id", "text"} for q in body["questions"] for o in q["options"])
    attempt_id = body["id"]
    assert db.session.get(Attempt, attempt_id).number == 1

    again = call("POST", f"/assessments/{w.exam.id}/attempts")
    assert again.status_code == 409 and again.get_json()["error"]["attempt_id"] == attempt_id

    answers = answers_not_echoing_keys(w, attempt_id)
    answers[0]["points"] = 100
    resp = call("PUT", f"/attempts/{attempt_id}/answers",
                json={"answers": answers, "score": 100, "passed": True})
    assert resp.status_code == 200
    assert_no_keys(resp.data, "save")
    resp = call("GET", f"/attempts/{attempt_id}")
    assert_no_keys(resp.data, "get open attempt")
    assert {a["question_id"] for a in resp.get_json()["answers"]} == {a["question_id"]
                                                                      for a in answers}

    resp = call("POST", f"/attempts/{attempt_id}/submit", json={"score": 99})
    result = resp.get_json()
    assert resp.status_code == 200
    assert result == {"id": attempt_id, "status": "needs_grading", "score": 7.0,
                      "max_score": 12.0, "percent": None, "passed": None}
    assert call("POST", f"/attempts/{attempt_id}/submit").get_json() == result
    assert call("PUT", f"/attempts/{attempt_id}/answers",
                json={"answers": []}).status_code == 409

    # review after submit (the default): the key now shows
    review = call("GET", f"/attempts/{attempt_id}").get_json()
    assert review["review"] is True and review["questions"][0]["options"]


def test_review_never_keeps_keys_hidden(world, api):
    w = world
    w.exam.review = "never"
    db.session.commit()
    call = api(w.learner)
    attempt_id = call("POST", f"/assessments/{w.exam.id}/attempts").get_json()["id"]
    call("PUT", f"/attempts/{attempt_id}/answers", json={"answers": answers_not_echoing_keys(w, attempt_id)})
    assert_no_keys(call("POST", f"/attempts/{attempt_id}/submit").data, "submit")
    assert_no_keys(call("GET", f"/attempts/{attempt_id}").data, "review never")
    assert_no_keys(call("GET", f"/assessments/{w.exam.id}").data, "assessment after")


def test_review_after_close(world, api):
    w = world
    w.exam.review = "after_close"
    w.exam.closes_at = T0 + timedelta(days=1)
    db.session.commit()
    call = api(w.learner)
    with time_machine.travel(T0, tick=False):
        attempt_id = call("POST", f"/assessments/{w.exam.id}/attempts").get_json()["id"]
        call("POST", f"/attempts/{attempt_id}/submit")
        assert_no_keys(call("GET", f"/attempts/{attempt_id}").data, "before close")
    with time_machine.travel(T0 + timedelta(days=1), tick=False):
        assert call("GET", f"/attempts/{attempt_id}").get_json()["review"] is True


def test_attempt_permissions(world, api):
    w = world
    attempt_id = api(w.learner)("POST", f"/assessments/{w.exam.id}/attempts").get_json()["id"]
    other = api(w.learner2)
    assert other("GET", f"/attempts/{attempt_id}").status_code == 404
    assert other("PUT", f"/attempts/{attempt_id}/answers", json={"answers": []}).status_code == 404
    assert other("POST", f"/attempts/{attempt_id}/submit").status_code == 404
    assert api(w.outsider)("POST", f"/assessments/{w.exam.id}/attempts").status_code == 404
    for staff in (w.owner, w.admin, w.teacher):
        assert api(staff)("POST", f"/assessments/{w.exam.id}/attempts").status_code == 403
        assert api(staff)("GET", f"/attempts/{attempt_id}").status_code == 200
        assert api(staff)("PUT", f"/attempts/{attempt_id}/answers",
                          json={"answers": []}).status_code == 403
    assert api(w.manager)("GET", f"/attempts/{attempt_id}").status_code == 200
    assert api(w.other_trainer)("GET", f"/attempts/{attempt_id}").status_code == 404
    assert api(w.learner)("GET", "/attempts/424242").status_code == 404


def test_bad_answers_422(world, api):
    w = world
    call = api(w.learner)
    attempt_id = call("POST", f"/assessments/{w.exam.id}/attempts").get_json()["id"]
    resp = call("PUT", f"/attempts/{attempt_id}/answers", json={"answers": [
        {"question_id": w.q["true_false"].id, "response": "yes"}]})
    assert resp.status_code == 422
    assert "answers.0.response" in resp.get_json()["error"]["fields"]
    resp = call("PUT", f"/attempts/{attempt_id}/answers", json={"answers": "x"})
    assert resp.status_code == 422 and "answers" in resp.get_json()["error"]["fields"]
    resp = call("PUT", f"/attempts/{attempt_id}/answers", json={"answers": [{"response": 1}]})
    assert resp.status_code == 422


def test_deadline_over_the_api(world, api):
    w = world
    w.exam.time_limit_minutes = 15
    db.session.commit()
    call = api(w.learner)
    with time_machine.travel(T0, tick=False):
        body = call("POST", f"/assessments/{w.exam.id}/attempts").get_json()
        assert body["deadline_at"] == (T0 + timedelta(minutes=15)).isoformat()
        call("PUT", f"/attempts/{body['id']}/answers", json={"answers": right_answers(w, body['id'])[:1]})
    with time_machine.travel(T0 + timedelta(minutes=15, seconds=1), tick=False):
        late = call("PUT", f"/attempts/{body['id']}/answers", json={"answers": right_answers(w, body['id'])})
        assert late.status_code == 409 and late.get_json()["error"]["code"] == "deadline_passed"
        got = call("GET", f"/attempts/{body['id']}").get_json()
        assert got["status"] == "graded" and got["score"] == 2.0
        assert got["submitted_at"] == (T0 + timedelta(minutes=15)).isoformat()


def test_grades_endpoint(world, api):
    w = world
    call = api(w.learner)
    attempt_id = call("POST", f"/assessments/{w.exam.id}/attempts").get_json()["id"]
    call("PUT", f"/attempts/{attempt_id}/answers", json={"answers": right_answers(w, attempt_id)})
    call("POST", f"/attempts/{attempt_id}/submit")
    grade = {"grades": [{"question_id": w.q["essay"].id, "points": 4, "comment": "Clear."}]}
    assert call("POST", f"/attempts/{attempt_id}/grades", json=grade).status_code == 403
    assert api(w.manager)("POST", f"/attempts/{attempt_id}/grades", json=grade).status_code == 403
    assert api(w.other_trainer)("POST", f"/attempts/{attempt_id}/grades",
                                json=grade).status_code == 404
    bad = api(w.teacher)("POST", f"/attempts/{attempt_id}/grades",
                         json={"grades": [{"question_id": w.q["essay"].id, "points": 5}]})
    assert bad.status_code == 422 and "grades.0.points" in bad.get_json()["error"]["fields"]
    resp = api(w.teacher)("POST", f"/attempts/{attempt_id}/grades", json=grade)
    assert resp.status_code == 200
    assert resp.get_json()["status"] == "graded" and resp.get_json()["percent"] == 100.0
    assert resp.get_json()["passed"] is True
    mine = call("GET", f"/attempts/{attempt_id}").get_json()
    essay = next(a for a in mine["answers"] if a["question_id"] == w.q["essay"].id)
    assert essay["points"] == 4 and essay["comment"] == "Clear."


def test_visitor_gets_401(client, world):
    assert client.get(f"/api/v1/assessments/{world.exam.id}").status_code == 401
    assert client.post(f"/api/v1/assessments/{world.exam.id}/attempts").status_code == 401


def test_list_course_assessments(world, api):
    resp = api(world.teacher)("GET", f"/courses/{world.course.id}/assessments")
    assert resp.status_code == 200 and resp.get_json()["total"] == 1
    assert api(world.learner)("GET", f"/courses/{world.course.id}/assessments").status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(Attempt.id))) == 0
