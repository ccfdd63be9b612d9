"""User administration, pages and API, for every role."""

import pytest

from lms.accounts.models import User
from lms.core.models import AuditEvent
from lms.extensions import db

ROLES = ["admin", "park_manager", "trainer", "student", "faculty"]


@pytest.mark.parametrize("role, status", [("admin", 200), ("park_manager", 200), ("trainer", 403),
                                          ("student", 403), ("faculty", 403)])
def test_user_list_page_by_role(login_as, role, status):
    c, _ = login_as(role)
    assert c.get("/users").status_code == status


def test_user_list_page_anonymous_goes_to_login(client):
    resp = client.get("/users")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


@pytest.mark.parametrize("role, status", [("admin", 200), ("park_manager", 200), ("trainer", 403),
                                          ("student", 403), ("faculty", 403)])
def test_user_list_api_by_role(client, make_user, token_for, role, status):
    user = make_user(role)
    assert client.get("/api/v1/users", headers=token_for(user)).status_code == status


def test_user_list_api_anonymous(client):
    assert client.get("/api/v1/users").status_code == 401


def test_park_manager_sees_only_own_park(client, make_user, token_for, park, other_park):
    manager = make_user("park_manager")
    mine = make_user("student")
    theirs = make_user("student", park_id=other_park.id)
    ids = {u["id"] for u in client.get("/api/v1/users?per_page=200",
                                       headers=token_for(manager)).get_json()["items"]}
    assert mine.id in ids and theirs.id not in ids


def test_list_filters_and_envelope(client, make_user, token_for):
    admin = make_user("admin")
    make_user("trainer")
    body = client.get("/api/v1/users?role=trainer&per_page=1", headers=token_for(admin)).get_json()
    assert set(body) == {"items", "page", "per_page", "total"}
    assert body["per_page"] == 1 and all(u["role"] == "trainer" for u in body["items"])
    bad = client.get("/api/v1/users?per_page=500", headers=token_for(admin))
    assert bad.status_code == 422 and "per_page" in bad.get_json()["error"]["fields"]


def test_admin_creates_user_with_set_password_link(client, make_user, token_for, park):
    admin = make_user("admin")
    resp = client.post("/api/v1/users", headers=token_for(admin), json={
        "email": "New.Person@Example.PK", "full_name": "نئی طالبہ", "role": "student",
        "park_id": park.id, "cnic": "35202-1234567-1", "id": 999, "active": False})
    assert resp.status_code == 201
    body = resp.get_json()
    assert body["email"] == "new.person@example.pk" and body["id"] != 999 and body["active"]
    assert "/set-password/" in body["set_password_url"]
    user = db.session.get(User, body["id"])
    assert user.password_hash is None and user.full_name == "نئی طالبہ"
    assert db.session.query(AuditEvent).filter_by(action="user.create").count() == 1


def test_duplicate_email_409_case_insensitive(client, make_user, token_for):
    admin = make_user("admin")
    make_user("student", email="taken@example.pk")
    resp = client.post("/api/v1/users", headers=token_for(admin),
                       json={"email": "TAKEN@example.pk", "full_name": "X", "role": "student"})
    assert resp.status_code == 409
    assert resp.get_json()["error"]["code"] == "duplicate_email"


def test_duplicate_cnic_409(client, make_user, token_for):
    admin = make_user("admin")
    make_user("student", cnic="35202-1234567-1")
    resp = client.post("/api/v1/users", headers=token_for(admin), json={
        "email": "x@example.pk", "full_name": "X", "role": "student", "cnic": "35202-1234567-1"})
    assert resp.status_code == 409


@pytest.mark.parametrize("body, field", [
    ({"email": "not-an-email", "full_name": "X", "role": "student"}, "email"),
    ({"email": "a@b.pk", "full_name": "", "role": "student"}, "full_name"),
    ({"email": "a@b.pk", "full_name": "X", "role": "wizard"}, "role"),
    ({"email": "a@b.pk", "full_name": "X", "role": "student", "cnic": "123"}, "cnic"),
    ({"email": "a@b.pk", "full_name": "X", "role": "student", "track": "faculty"}, "role"),
    ({"email": "a@b.pk", "full_name": "X", "role": "park_manager"}, "park_id"),
    ({"email": "a@b.pk", "full_name": "X", "role": "student", "park_id": 9999}, "park_id"),
    ({"email": 5, "full_name": "X", "role": "student"}, "email"),
])
def test_create_user_bad_input_422(client, make_user, token_for, body, field):
    admin = make_user("admin")
    resp = client.post("/api/v1/users", headers=token_for(admin), json=body)
    assert resp.status_code == 422
    assert field in resp.get_json()["error"]["fields"]


def test_park_manager_cannot_create_admin(client, make_user, token_for):
    manager = make_user("park_manager")
    resp = client.post("/api/v1/users", headers=token_for(manager),
                       json={"email": "boss@example.pk", "full_name": "X", "role": "admin"})
    assert resp.status_code == 422
    assert "role" in resp.get_json()["error"]["fields"]


def test_park_manager_creates_in_own_park_only(client, make_user, token_for, park, other_park):
    manager = make_user("park_manager")
    resp = client.post("/api/v1/users", headers=token_for(manager), json={
        "email": "t@example.pk", "full_name": "T", "role": "trainer", "park_id": other_park.id})
    assert resp.status_code == 201
    assert resp.get_json()["park_id"] == park.id


@pytest.mark.parametrize("role", ["trainer", "student", "faculty"])
def test_others_cannot_create_users(client, make_user, token_for, role):
    user = make_user(role)
    resp = client.post("/api/v1/users", headers=token_for(user),
                       json={"email": "t@example.pk", "full_name": "T", "role": "student"})
    assert resp.status_code == 403


def test_create_user_page(login_as, park):
    c, _ = login_as("admin")
    resp = c.post("/users/new", data={"email": "p@example.pk", "full_name": "Page User",
                                      "role": "trainer", "park_id": str(park.id), "cnic": ""})
    assert resp.status_code == 302
    page = c.get(resp.headers["Location"])
    assert b"Page User" in page.data and b"/set-password/" in page.data


def test_create_user_page_shows_duplicate_as_form_error(login_as, make_user):
    c, _ = login_as("admin")
    make_user("student", email="dup@example.pk")
    resp = c.post("/users/new", data={"email": "dup@example.pk", "full_name": "Dup",
                                      "role": "student", "park_id": ""})
    assert resp.status_code == 200
    assert b"Already used by another user" in resp.data


def test_park_manager_cannot_see_other_park_user(login_as, make_user, other_park):
    c, _ = login_as("park_manager")
    theirs = make_user("student", park_id=other_park.id)
    assert c.get(f"/users/{theirs.id}").status_code == 404
    assert c.get(f"/users/{theirs.id}/edit").status_code == 404
    assert c.post(f"/users/{theirs.id}/active").status_code == 404


def test_park_manager_cannot_edit_admin_of_own_park(login_as, make_user, park):
    c, manager = login_as("park_manager")
    other_manager = make_user("park_manager")
    assert c.get(f"/users/{other_manager.id}/edit").status_code == 404


def test_edit_user_records_audit(login_as, make_user):
    c, admin = login_as("admin")
    user = make_user("student", full_name="Old Name")
    resp = c.post(f"/users/{user.id}/edit", data={"email": user.email, "full_name": "New Name",
                                                  "role": "student", "park_id": str(user.park_id)})
    assert resp.status_code == 302
    event = db.session.query(AuditEvent).filter_by(action="user.update").one()
    assert event.before == {"full_name": "Old Name"} and event.after == {"full_name": "New Name"}
    assert event.actor_id == admin.id


def test_admin_cannot_deactivate_self(client, make_user, token_for, login_as):
    c, admin = login_as("admin")
    c.post(f"/users/{admin.id}/active")
    db.session.expire_all()
    assert db.session.get(User, admin.id).active


def test_cnic_shown_to_staff_only(login_as, make_user, client, token_for):
    student = make_user("student", cnic="35202-7654321-9")
    assert b"35202-7654321-9" not in client.get("/api/v1/me", headers=token_for(student)).data
    c, _ = login_as("admin")
    assert b"35202-7654321-9" in c.get(f"/users/{student.id}").data
