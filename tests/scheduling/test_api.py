"""The scheduling JSON API: contract, permissions for every role, bad input."""

from datetime import date

import pytest

from lms.extensions import db
from lms.scheduling import services
from lms.scheduling.models import Cohort

ROLES = ["admin", "park_manager", "trainer", "student", "faculty"]


@pytest.fixture
def as_role(make_user, token_for, park):
    """Factory: (headers, user) for a new user of the role (at the Lahore park)."""

    def _as(role, **fields):
        user = make_user(role, **fields)
        return token_for(user), user

    return _as


def test_create_cohort_201_with_session_count(app, frozen, client, as_role, cohort_data,
                                              api_body):
    headers, _ = as_role("park_manager")
    body = api_body(cohort_data())
    body.update(id=999, status="completed", enrolled_count=5)  # ignored
    resp = client.post("/api/v1/cohorts", json=body, headers=headers)
    assert resp.status_code == 201, resp.get_json()
    out = resp.get_json()
    assert out["session_count"] == 8
    assert out["status"] == "open" and out["enrolled_count"] == 0 and out["id"] != 999
    assert out["meeting_days"] == ["mon", "wed"]
    assert out["start_time"] == "10:00" and out["start_date"] == "2026-01-05"


def test_create_cohort_409_schedule_clash(app, frozen, client, as_role, cohort_data, api_body,
                                          schedule):
    first = schedule()
    headers, _ = as_role("admin")
    resp = client.post("/api/v1/cohorts", json=api_body(cohort_data(name="Again")),
                       headers=headers)
    assert resp.status_code == 409
    err = resp.get_json()["error"]
    assert err["code"] == "schedule_clash"
    assert len(err["clashes"]) == 16  # 8 room + 8 trainer
    assert err["clashes"][0] == {"kind": "room", "session_start": "2026-01-05T05:00:00+00:00",
                                 "other_cohort_id": first.id}
    assert {c["kind"] for c in err["clashes"]} == {"room", "trainer"}


@pytest.mark.parametrize("role,status", [("admin", 201), ("park_manager", 201),
                                         ("trainer", 403), ("student", 403),
                                         ("faculty", 403)])
def test_create_cohort_permissions(app, frozen, client, as_role, cohort_data, api_body, role,
                                   status):
    headers, _ = as_role(role)
    resp = client.post("/api/v1/cohorts", json=api_body(cohort_data()), headers=headers)
    assert resp.status_code == status
    assert client.post("/api/v1/cohorts", json=api_body(cohort_data())).status_code == 401


def test_create_cohort_other_park_manager_403(app, frozen, client, as_role, cohort_data,
                                             api_body, other_park):
    headers, _ = as_role("park_manager", park_id=other_park.id)
    resp = client.post("/api/v1/cohorts", json=api_body(cohort_data()), headers=headers)
    assert resp.status_code == 403


@pytest.mark.parametrize("patch,field", [
    ({"meeting_days": ["funday"]}, "meeting_days"),
    ({"start_time": "25:00"}, "start_time"),
    ({"start_date": "2026-13-01"}, "start_date"),
    ({"capacity": "20"}, "capacity"),
    ({"capacity": 31}, "capacity"),
    ({"end_time": "09:00"}, "end_time"),
    ({"room_id": None}, "room_id"),
])
def test_create_cohort_bad_input_422(app, frozen, client, as_role, cohort_data, api_body, patch,
                                     field):
    headers, _ = as_role("admin")
    body = {**api_body(cohort_data()), **patch}
    resp = client.post("/api/v1/cohorts", json=body, headers=headers)
    assert resp.status_code == 422, resp.get_json()
    assert field in resp.get_json()["error"]["fields"]


def test_non_json_is_415(app, client, as_role):
    headers, _ = as_role("admin")
    resp = client.post("/api/v1/cohorts", data="x", headers={**headers,
                                                             "Content-Type": "text/plain"})
    assert resp.status_code == 415


def test_list_and_get_cohorts_visibility(app, frozen, client, as_role, schedule, manager):
    open_one = schedule()
    planned = schedule(name="Later", start_date=date(2026, 3, 2), end_date=date(2026, 3, 27),
                       enrol_opens_on=date(2026, 2, 1))
    assert planned.status == "planned"
    staff, _ = as_role("trainer")
    learner, _ = as_role("student")
    resp = client.get("/api/v1/cohorts", headers=staff)
    assert resp.get_json()["total"] == 2
    assert set(resp.get_json()) == {"items", "page", "per_page", "total"}
    resp = client.get("/api/v1/cohorts", headers=learner)
    assert [c["id"] for c in resp.get_json()["items"]] == [open_one.id]
    assert client.get(f"/api/v1/cohorts/{planned.id}", headers=learner).status_code == 404
    assert client.get(f"/api/v1/cohorts/{open_one.id}", headers=learner).status_code == 200
    assert client.get(f"/api/v1/cohorts/{planned.id}", headers=staff).status_code == 200
    assert client.get("/api/v1/cohorts/9999", headers=staff).status_code == 404
    resp = client.get(f"/api/v1/cohorts?park_id={open_one.park_id}&course_id=9999",
                      headers=staff)
    assert resp.get_json()["total"] == 0
    assert client.get("/api/v1/cohorts?per_page=500", headers=staff).status_code == 422
    assert client.get("/api/v1/cohorts").status_code == 401


def test_sessions_for_staff_and_enrolled_learners(app, frozen, client, as_role, schedule):
    cohort = schedule()
    learner_h, learner = as_role("student")
    other_h, _ = as_role("faculty")
    staff_h, _ = as_role("trainer")
    url = f"/api/v1/cohorts/{cohort.id}/sessions"
    assert client.get(url, headers=learner_h).status_code == 403
    assert client.post(f"/api/v1/cohorts/{cohort.id}/enrollments", json={},
                       headers=learner_h).status_code == 201
    resp = client.get(url, headers=learner_h)
    assert resp.status_code == 200
    first = resp.get_json()[0]
    assert set(first) >= {"id", "starts_at", "ends_at", "status"}
    assert first["starts_at"] == "2026-01-05T05:00:00+00:00"
    assert client.get(url, headers=staff_h).status_code == 200
    assert client.get(url, headers=other_h).status_code == 403


def test_enrol_self_waitlist_and_withdraw(app, frozen, client, as_role, schedule):
    cohort = schedule(capacity=1)
    a_h, a = as_role("student")
    b_h, b = as_role("faculty")
    url = f"/api/v1/cohorts/{cohort.id}/enrollments"
    resp = client.post(url, json={}, headers=a_h)
    assert resp.status_code == 201
    assert resp.get_json() == {"user_id": a.id, "status": "enrolled", "position": None}
    resp = client.post(url, json={"user_id": a.id}, headers=b_h)  # a learner enrols self only
    assert resp.status_code == 403
    resp = client.post(url, json={}, headers=b_h)
    assert resp.get_json() == {"user_id": b.id, "status": "waitlisted", "position": 1}
    resp = client.post(url, json={}, headers=a_h)
    assert resp.status_code == 409
    assert resp.get_json()["error"]["code"] == "already_enrolled"
    assert client.delete(f"{url}/{a.id}", headers=b_h).status_code == 403
    resp = client.delete(f"{url}/{a.id}", headers=a_h)
    assert resp.status_code == 200
    assert resp.get_json() == {"user_id": a.id, "status": "withdrawn",
                               "promoted_user_ids": [b.id]}
    assert client.delete(f"{url}/{a.id}", headers=a_h).status_code == 404


def test_enrol_wrong_track_422(app, frozen, client, as_role, schedule, make_course):
    cohort = schedule(course_id=make_course(track="faculty").id)
    h, _ = as_role("student")
    resp = client.post(f"/api/v1/cohorts/{cohort.id}/enrollments", json={}, headers=h)
    assert resp.status_code == 422
    assert resp.get_json()["error"]["code"] == "wrong_track"


@pytest.mark.parametrize("role,status", [("admin", 201), ("park_manager", 201),
                                         ("trainer", 403), ("student", 403), ("faculty", 403)])
def test_staff_enrol_permissions(app, frozen, client, as_role, schedule, make_user, role,
                                 status):
    cohort = schedule()
    h, _ = as_role(role)
    learner = make_user("student")
    resp = client.post(f"/api/v1/cohorts/{cohort.id}/enrollments", json={"user_id": learner.id},
                       headers=h)
    assert resp.status_code == status


def test_cohort_trainer_may_enrol_and_list(app, frozen, client, token_for, schedule, trainer,
                                           make_user):
    cohort = schedule()
    h = token_for(trainer)
    learner = make_user("student")
    url = f"/api/v1/cohorts/{cohort.id}/enrollments"
    assert client.post(url, json={"user_id": learner.id}, headers=h).status_code == 201
    assert client.post(url, json={"user_id": "x"}, headers=h).status_code == 422
    assert client.post(url, json={}, headers=h).status_code == 422
    resp = client.get(url, headers=h)
    assert resp.status_code == 200
    item = resp.get_json()["items"][0]
    assert item["user_id"] == learner.id and item["status"] == "enrolled"


@pytest.mark.parametrize("role,status", [("admin", 200), ("park_manager", 200),
                                         ("trainer", 403), ("student", 404), ("faculty", 404)])
def test_list_enrollments_permissions(app, frozen, client, as_role, schedule, manager, role,
                                      status):
    cohort = schedule()
    services.set_status(manager, db.session.get(Cohort, cohort.id), "running")
    db.session.commit()
    h, _ = as_role(role)
    assert client.get(f"/api/v1/cohorts/{cohort.id}/enrollments",
                      headers=h).status_code == status


def test_enrollment_list_shows_waitlist_positions(app, frozen, client, as_role, schedule,
                                                  make_user, manager):
    cohort = schedule(capacity=1)
    users = [make_user("student") for _ in range(3)]
    for u in users:
        services.enrol(manager, cohort.id, u.id)
        db.session.commit()
    h, _ = as_role("admin")
    items = client.get(f"/api/v1/cohorts/{cohort.id}/enrollments",
                       headers=h).get_json()["items"]
    positions = {i["user_id"]: i["position"] for i in items}
    assert positions == {users[0].id: None, users[1].id: 1, users[2].id: 2}


def test_unknown_cohort_404s(app, client, as_role):
    h, _ = as_role("admin")
    assert client.get("/api/v1/cohorts/999/sessions", headers=h).status_code == 404
    assert client.post("/api/v1/cohorts/999/enrollments", json={"user_id": 1},
                       headers=h).status_code == 404
    assert client.delete("/api/v1/cohorts/999/enrollments/1", headers=h).status_code == 404
