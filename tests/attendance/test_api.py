"""The attendance API: permissions for every role, bodies, error codes."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.attendance import rules
from lms.attendance.models import AttendanceRecord
from lms.core.models import AuditEvent
from lms.extensions import db
from tests.attendance.conftest import ROLES, T0, minutes

SECRET = "testing-secret-key-not-for-production-use-0123456789"


def code_at(session_id, when):
    return rules.rotating_code(SECRET, session_id, rules.time_step(when))


@pytest.fixture
def tokens(people, token_for):
    """Bearer headers per role (made on first use, at the travelled time)."""

    class Tokens(dict):
        def __missing__(self, name):
            self[name] = token_for(people._users[name])
            return self[name]

    return Tokens()


def test_get_attendance_permissions(world, tokens, client, at):
    at(T0 + minutes(30))
    url = f"/api/v1/sessions/{world.sessions[0].id}/attendance"
    expected = {"admin": 200, "manager": 200, "trainer": 200}
    for role in ROLES:
        resp = client.get(url, headers=tokens[role])
        assert resp.status_code == expected.get(role, 403), role
        if resp.status_code == 403:
            assert resp.get_json()["error"]["code"] == "forbidden"
    assert client.get(url).status_code == 401
    assert client.get("/api/v1/sessions/9999/attendance",
                      headers=tokens["admin"]).status_code == 404


def test_put_attendance_permissions_and_body(world, tokens, client, at):
    at(T0 + minutes(30))
    s = world.sessions[0]
    url = f"/api/v1/sessions/{s.id}/attendance"
    a = world.learners[0]
    body = {"records": [{"user_id": a.id, "status": "present"}]}
    for role in ROLES:
        if role in ("admin", "manager", "trainer"):
            continue
        assert client.put(url, json=body, headers=tokens[role]).status_code == 403, role
    assert client.put(url, json=body).status_code == 401
    resp = client.put(url, json={**body, "id": 5, "source": "check_in"}, headers=tokens["trainer"])
    assert resp.status_code == 200, resp.get_json()
    data = resp.get_json()
    assert data["changed"] == 1 and data["records"][0]["status"] == "present"
    assert data["records"][0]["source"] == "register"
    listing = client.get(url, headers=tokens["manager"]).get_json()
    assert listing["total"] == 1 and listing["items"][0]["user_id"] == a.id
    assert set(listing) == {"items", "page", "per_page", "total"}


def test_put_attendance_all_or_nothing_and_bad_input(world, tokens, client, at, make_user):
    at(T0 + minutes(30))
    url = f"/api/v1/sessions/{world.sessions[0].id}/attendance"
    h = tokens["trainer"]
    stranger = make_user("student")
    resp = client.put(url, headers=h, json={"records": [
        {"user_id": world.learners[0].id, "status": "present"},
        {"user_id": stranger.id, "status": "present"}]})
    assert resp.status_code == 422
    assert "records.1.user_id" in resp.get_json()["error"]["fields"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AttendanceRecord)) == 0
    resp = client.put(url, headers=h, json={"records": [{"user_id": "x", "status": "gone"}]})
    assert resp.status_code == 422 and resp.get_json()["error"]["fields"]
    assert client.put(url, headers=h, json={"records": []}).status_code == 422
    assert client.put(url, headers=h, json={}).status_code == 422
    assert client.put(url, headers=h, data="records", content_type="text/plain").status_code == 415


def test_put_attendance_edit_window(world, tokens, client, at):
    s = world.sessions[0]
    at(s.ends_at + timedelta(days=8))
    url = f"/api/v1/sessions/{s.id}/attendance"
    body = {"records": [{"user_id": world.learners[0].id, "status": "late"}]}
    assert client.put(url, headers=tokens["trainer"], json=body).status_code == 403
    resp = client.put(url, headers=tokens["manager"], json=body)
    assert resp.status_code == 422 and "reason" in resp.get_json()["error"]["fields"]
    resp = client.put(url, headers=tokens["admin"], json={**body, "reason": "Late sheet"})
    assert resp.status_code == 200
    event = db.session.scalars(sa.select(AuditEvent)).one()
    assert (event.after["status"], event.reason) == ("late", "Late sheet")


def test_check_in_code_only_for_the_cohorts_trainer(world, tokens, client, at):
    now = at(T0 + timedelta(seconds=7))
    s = world.sessions[0]
    url = f"/api/v1/sessions/{s.id}/check-in-code"
    for role in ROLES:
        resp = client.get(url, headers=tokens[role])
        assert resp.status_code == (200 if role == "trainer" else 403), role
    data = client.get(url, headers=tokens["trainer"]).get_json()
    assert data["code"] == code_at(s.id, now)
    assert data["expires_at"].startswith("2026-03-02T05:00:30")
    assert client.get(url).status_code == 401


def test_check_in_api(world, tokens, client, at):
    s = world.sessions[0]
    url = f"/api/v1/sessions/{s.id}/check-in"
    now = at(T0 + minutes(16))
    code = code_at(s.id, now)
    for role in ("admin", "manager", "trainer", "other_trainer", "outsider", "faculty"):
        assert client.post(url, json={"code": code}, headers=tokens[role]).status_code == 403
    assert client.post(url, json={"code": code}).status_code == 401
    resp = client.post(url, json={"code": "abc"}, headers=tokens["learner"])
    assert resp.status_code == 422 and resp.get_json()["error"]["code"] == "wrong_code"
    resp = client.post(url, json={"code": 123456}, headers=tokens["learner"])
    assert resp.status_code == 422  # strict types: a string
    resp = client.post(url, json={"code": code}, headers=tokens["learner"])
    assert resp.status_code == 201 and resp.get_json()["status"] == "late"
    resp = client.post(url, json={"code": code}, headers=tokens["learner"])
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "already_marked"


def test_check_in_api_window_and_expired_code(world, tokens, client, at):
    s = world.sessions[0]
    url = f"/api/v1/sessions/{s.id}/check-in"
    now = at(T0 - minutes(20))
    h = tokens["learner"]
    resp = client.post(url, json={"code": code_at(s.id, now)}, headers=h)
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "outside_window"
    old = code_at(s.id, T0)
    at(T0 + timedelta(seconds=65))
    resp = client.post(url, json={"code": old}, headers=h)
    assert resp.status_code == 422


def test_check_in_api_throttled(world, tokens, client, at):
    s = world.sessions[0]
    url = f"/api/v1/sessions/{s.id}/check-in"
    now = at(T0)
    good = code_at(s.id, now)
    wrong = "000000" if good != "000000" else "111111"
    h = tokens["learner"]
    for _ in range(10):
        assert client.post(url, json={"code": wrong}, headers=h).status_code == 422
    resp = client.post(url, json={"code": good}, headers=h)
    assert resp.status_code == 429 and resp.get_json()["error"]["code"] == "throttled"


def test_summary_api(world, tokens, client, at):
    s0, s1 = world.sessions[:2]
    at(s1.starts_at + minutes(30))
    a, b, _c = world.learners
    client.put(f"/api/v1/sessions/{s0.id}/attendance", headers=tokens["trainer"], json={
        "records": [{"user_id": a.id, "status": "present"}, {"user_id": b.id,
                                                             "status": "absent"}]})
    url = f"/api/v1/cohorts/{world.cohort.id}/attendance-summary"
    expected = {"admin": 200, "manager": 200, "trainer": 200, "learner": 200,
                "outsider": 404, "faculty": 404}
    for role in ROLES:
        assert client.get(url, headers=tokens[role]).status_code == expected.get(role, 403), role
    data = client.get(url, headers=tokens["trainer"]).get_json()
    assert data["total"] == 3
    row = {r["user_id"]: r for r in data["items"]}[b.id]
    assert {k: row[k] for k in ("present", "late", "excused", "absent", "percent",
                                "best_possible_percent", "at_risk")} == {
        "present": 0, "late": 0, "excused": 0, "absent": 2, "percent": 0.0,
        "best_possible_percent": 50.0, "at_risk": True}
    own = client.get(url, headers=tokens["learner"]).get_json()
    assert [r["user_id"] for r in own["items"]] == [a.id]
    assert client.get(url + "?per_page=1&page=2", headers=tokens["admin"]).get_json()[
        "items"][0]["user_id"] == b.id
    assert client.get(url + "?per_page=500", headers=tokens["admin"]).status_code == 422
    assert client.get("/api/v1/cohorts/9999/attendance-summary",
                      headers=tokens["admin"]).status_code == 404


def test_openapi_lists_the_attendance_paths(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for p in ("/api/v1/sessions/{session_id}/attendance", "/api/v1/sessions/{session_id}/check-in",
              "/api/v1/sessions/{session_id}/check-in-code",
              "/api/v1/cohorts/{cohort_id}/attendance-summary"):
        assert p in paths or p.replace("/api/v1", "") in paths, p
