"""Option ids a learner sees say nothing about authoring order or correctness (issue 17, item
16): inside an attempt every option has the attempt's own opaque id; authoring ids (1, 2, 3 in
authoring order) are refused; attempts and answers stored before keep working."""

import pytest

from lms.assessments import rules, services
from lms.assessments.models import Answer, Attempt
from lms.extensions import db
from tests.assessments.conftest import option_ids


@pytest.fixture
def api(app, token_for):
    def _for(user):
        headers, c = token_for(user), app.test_client()
        return lambda method, path, **kw: c.open("/api/v1" + path, method=method,
                                                 headers=headers, **kw)
    return _for


def _single(body, w):
    return next(q for q in body["questions"] if q["id"] == w.q["single"].id)


def test_learner_never_sees_authoring_ids(world, api):
    w = world
    authoring = [o["id"] for o in w.q["single"].options]
    assert authoring == [1, 2, 3]
    call = api(w.learner)
    started = call("POST", f"/assessments/{w.exam.id}/attempts").get_json()
    shown = [o["id"] for o in _single(started, w)["options"]]
    assert not set(shown) & set(authoring) and len(set(shown)) == 3
    assert all(rules.PUBLIC_ID_FLOOR <= i <= rules.PUBLIC_ID_CEILING for i in shown)
    again = call("GET", f"/attempts/{started['id']}").get_json()
    assert [o["id"] for o in _single(again, w)["options"]] == shown  # stable in the attempt
    # the authoring id of the right option is refused: it names no option of the attempt
    resp = call("PUT", f"/attempts/{started['id']}/answers",
                json={"answers": [{"question_id": w.q["single"].id, "response": 2}]})
    assert resp.status_code == 422
    assert "answers.0.response" in resp.get_json()["error"]["fields"]


def test_ids_differ_between_attempts_and_learners(world, api):
    w = world
    mine = api(w.learner)("POST", f"/assessments/{w.exam.id}/attempts").get_json()
    theirs = api(w.learner2)("POST", f"/assessments/{w.exam.id}/attempts").get_json()
    assert {o["id"] for o in _single(mine, w)["options"]}.isdisjoint(
        o["id"] for o in _single(theirs, w)["options"])


def test_answers_round_trip_and_grade_under_the_attempts_ids(world, api):
    w = world
    call = api(w.learner)
    attempt_id = call("POST", f"/assessments/{w.exam.id}/attempts").get_json()["id"]
    ids = option_ids(attempt_id, w.q["single"])
    right = next(ids[o["id"]] for o in w.q["single"].options if o["correct"])
    assert call("PUT", f"/attempts/{attempt_id}/answers", json={"answers": [
        {"question_id": w.q["single"].id, "response": right}]}).status_code == 200
    stored = db.session.query(Answer).filter_by(attempt_id=attempt_id).one()
    assert stored.response == 2  # stored under the authoring id: grading is unchanged
    body = call("GET", f"/attempts/{attempt_id}").get_json()
    assert body["answers"] == [{"question_id": w.q["single"].id, "response": right}]
    result = call("POST", f"/attempts/{attempt_id}/submit").get_json()
    assert result["score"] == w.q["single"].points
    review = call("GET", f"/attempts/{attempt_id}").get_json()
    assert review["review"] is True
    chosen = next(o for o in _single(review, w)["options"] if o["id"] == right)
    assert chosen["correct"] is True  # in review the key carries the same ids as the answers


def test_an_attempt_stored_before_keeps_working(world, api):
    """An attempt saved with authoring ids (before this change) is shown and graded as before."""
    w = world
    attempt = services.start_attempt(w.learner, w.exam)
    attempt.answers.append(Answer(question_id=w.q["single"].id, response=2))  # the right one
    db.session.commit()
    call = api(w.learner)
    shown = option_ids(attempt.id, w.q["single"])
    body = call("GET", f"/attempts/{attempt.id}").get_json()
    assert body["answers"][0]["response"] == shown[2]
    result = call("POST", f"/attempts/{attempt.id}/submit").get_json()
    assert result["score"] == w.q["single"].points


def test_take_page_uses_the_attempts_ids(world, login_as):
    w = world
    attempt = services.start_attempt(w.learner, w.exam)
    db.session.commit()
    c, _ = login_as("student", user=w.learner)
    page = c.get(f"/attempts/{attempt.id}/take").get_data(as_text=True)
    shown = option_ids(attempt.id, w.q["single"])
    for authoring, public in shown.items():
        assert f'value="{public}"' in page and f'value="{authoring}"' not in page
    wrong = next(shown[o["id"]] for o in w.q["single"].options if not o["correct"])
    resp = c.post(f"/attempts/{attempt.id}/take",
                  data={f"q{w.q['single'].id}": str(wrong), "action": "save"})
    assert resp.status_code == 302
    assert f'value="{wrong}" checked' in c.get(f"/attempts/{attempt.id}/take").get_data(
        as_text=True)
    assert db.session.get(Attempt, attempt.id).answers[0].response != 2


def test_public_ids_rule():
    ids = rules.public_option_ids("k", "attempt:1:question:1", [1, 2, 3, 4])
    assert len(set(ids.values())) == 4 and ids == rules.public_option_ids(
        "k", "attempt:1:question:1", [1, 2, 3, 4])
    assert ids != rules.public_option_ids("other key", "attempt:1:question:1", [1, 2, 3, 4])
    # the first authored option has the smallest public id only about a quarter of the time
    smallest = sum(
        min(m := rules.public_option_ids("k", f"attempt:{n}:question:1", [1, 2, 3, 4]),
            key=m.get) == 1 for n in range(200))
    assert 20 < smallest < 80
    assert rules.translate_response("single", 7, {7: 1}) == 1
    assert rules.translate_response("single", 8, {7: 1}) == 0
    assert rules.translate_response("multiple", [7, 9], {7: 1}) == [1, 0]
    assert rules.translate_response("single", True, {7: 1}) is True
    assert rules.translate_response("essay", "x", {}) == "x"


def test_shuffle_seed_is_not_computable_by_learners():
    seed = rules.attempt_seed(1, 2, 1)
    assert rules.private_seed("k", seed) != seed
    assert rules.private_seed("k", seed) != rules.private_seed("other", seed)
