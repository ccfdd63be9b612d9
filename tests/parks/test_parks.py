"""Parks, targets, rooms and holidays: init, pages and API, per role."""

import pytest
import sqlalchemy as sa

from lms.core.models import AuditEvent
from lms.extensions import db
from lms.parks.models import Holiday, Park, Room


def test_init_twice_keeps_twelve_parks(app):
    runner = app.test_cli_runner()
    from lms.parks.services import load_parks

    assert load_parks() == 0  # the fixture already loaded them
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Park)) == 12
    names = set(db.session.scalars(sa.select(Park.name)))
    assert "Knowledge Park Gilgit" in names and "Knowledge Park Muzaffarabad" in names
    assert runner is not None


def test_parks_api_is_public(client):
    body = client.get("/api/v1/parks").get_json()
    assert body["total"] == 12
    assert set(body["items"][0]) >= {"id", "slug", "name", "city", "phase", "student_target",
                                     "faculty_target"}
    assert sum(p["student_target"] for p in body["items"]) == 6000


@pytest.mark.parametrize("role, status", [("admin", 201), ("park_manager", 201), ("trainer", 403),
                                          ("student", 403), ("faculty", 403)])
def test_create_room_by_role(client, make_user, token_for, park, role, status):
    resp = client.post(f"/api/v1/parks/{park.id}/rooms", headers=token_for(make_user(role)),
                       json={"name": "Lab Z", "capacity": 25})
    assert resp.status_code == status


def test_park_manager_cannot_add_room_to_other_park(client, make_user, token_for, other_park):
    resp = client.post(f"/api/v1/parks/{other_park.id}/rooms",
                       headers=token_for(make_user("park_manager")),
                       json={"name": "Lab Z", "capacity": 25})
    assert resp.status_code == 403
    assert client.get(f"/api/v1/parks/{other_park.id}/rooms",
                      headers=token_for(make_user("park_manager"))).status_code == 403


@pytest.mark.parametrize("body, field", [({"name": "", "capacity": 10}, "name"),
                                         ({"name": "X", "capacity": 0}, "capacity"),
                                         ({"name": "X", "capacity": "ten"}, "capacity"),
                                         ({"name": "X"}, "capacity")])
def test_room_bad_input(client, make_user, token_for, park, body, field):
    resp = client.post(f"/api/v1/parks/{park.id}/rooms", headers=token_for(make_user("admin")),
                       json=body)
    assert resp.status_code == 422 and field in resp.get_json()["error"]["fields"]


def test_duplicate_room_409(client, make_user, token_for, room):
    resp = client.post(f"/api/v1/parks/{room.park_id}/rooms",
                       headers=token_for(make_user("admin")),
                       json={"name": room.name, "capacity": 10})
    assert resp.status_code == 409


def test_room_on_unknown_park_404(client, make_user, token_for):
    resp = client.post("/api/v1/parks/9999/rooms", headers=token_for(make_user("admin")),
                       json={"name": "X", "capacity": 10})
    assert resp.status_code == 404


def test_room_page_adds_room(login_as, park):
    c, _ = login_as("park_manager")
    resp = c.post(f"/parks/{park.slug}", data={"name": "Lab Q", "capacity": "20"})
    assert resp.status_code == 302
    assert db.session.query(Room).filter_by(name="Lab Q").one().capacity == 20
    assert b"Lab Q" in c.get(f"/parks/{park.slug}").data


def test_room_page_shows_errors(login_as, park):
    c, _ = login_as("admin")
    resp = c.post(f"/parks/{park.slug}", data={"name": "", "capacity": "0"})
    assert resp.status_code == 200 and b"This field is required" in resp.data


def test_park_manager_cannot_open_other_park_page(login_as, other_park):
    c, _ = login_as("park_manager")
    assert c.get(f"/parks/{other_park.slug}").status_code == 403


def test_admin_edits_targets_with_audit(login_as, park):
    c, _ = login_as("admin")
    resp = c.post(f"/parks/{park.slug}/targets", data={"student_target": "800",
                                                       "faculty_target": "70"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert (park.student_target, park.faculty_target) == (800, 70)
    assert db.session.query(AuditEvent).filter_by(action="park.targets").count() == 1


def test_park_manager_cannot_edit_targets(login_as, park):
    c, _ = login_as("park_manager")
    assert c.post(f"/parks/{park.slug}/targets",
                  data={"student_target": "1", "faculty_target": "1"}).status_code == 403


def test_programme_holiday_by_admin(client, make_user, token_for):
    resp = client.post("/api/v1/holidays", headers=token_for(make_user("admin")),
                       json={"date": "2026-12-25", "name": "Quaid-e-Azam Day"})
    assert resp.status_code == 201
    body = resp.get_json()
    assert body["date"] == "2026-12-25" and body["park_id"] is None


def test_park_manager_holiday_goes_to_own_park(client, make_user, token_for, park, other_park):
    headers = token_for(make_user("park_manager"))
    resp = client.post("/api/v1/holidays", headers=headers,
                       json={"date": "2026-12-26", "name": "Park day"})
    assert resp.get_json()["park_id"] == park.id
    resp = client.post("/api/v1/holidays", headers=headers,
                       json={"date": "2026-12-27", "name": "X", "park_id": other_park.id})
    assert resp.status_code == 403


@pytest.mark.parametrize("role", ["trainer", "student", "faculty"])
def test_others_cannot_add_holidays(client, make_user, token_for, role):
    resp = client.post("/api/v1/holidays", headers=token_for(make_user(role)),
                       json={"date": "2026-12-25", "name": "X"})
    assert resp.status_code == 403


def test_holiday_bad_and_duplicate(client, make_user, token_for):
    headers = token_for(make_user("admin"))
    assert client.post("/api/v1/holidays", headers=headers,
                       json={"date": "25/12/2026", "name": "X"}).status_code == 422
    client.post("/api/v1/holidays", headers=headers, json={"date": "2026-12-25", "name": "X"})
    again = client.post("/api/v1/holidays", headers=headers,
                        json={"date": "2026-12-25", "name": "Y"})
    assert again.status_code == 409


def test_holiday_page(login_as):
    c, _ = login_as("admin")
    resp = c.post("/holidays", data={"day": "2027-03-23", "name": "Pakistan Day", "park_id": ""})
    assert resp.status_code == 302
    assert db.session.query(Holiday).filter_by(name="Pakistan Day").one().park_id is None
    assert b"Pakistan Day" in c.get("/holidays").data


@pytest.mark.parametrize("role, status", [("admin", 200), ("park_manager", 200), ("trainer", 403),
                                          ("student", 403), ("faculty", 403)])
def test_park_pages_by_role(login_as, role, status):
    c, _ = login_as(role)
    assert c.get("/parks").status_code == status
    assert c.get("/holidays").status_code == status
