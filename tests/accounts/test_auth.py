"""Login, logout, session renewal, cookie replay, open redirects, throttling, CSRF."""

from datetime import timedelta

import pytest
import time_machine

from lms.core.timeutil import utcnow
from lms.extensions import db
from tests.conftest import PASSWORD, AuthActions, csrf_token_from


def test_login_and_logout(client, auth, make_user):
    user = make_user("student")
    resp = auth.login(user.email)
    assert resp.status_code == 302 and resp.headers["Location"] == "/"
    assert client.get("/account/password").status_code == 200
    auth.logout()
    assert client.get("/account/password").status_code == 302


def test_login_is_case_insensitive_on_email(auth, make_user):
    user = make_user("student", email="ali@example.pk")
    assert auth.login("ALI@Example.PK").status_code == 302
    assert user.last_login_at is not None


def test_wrong_password_is_a_form_error(auth, make_user):
    user = make_user("student")
    resp = auth.login(user.email, "wrong password")
    assert resp.status_code == 401
    assert b"Wrong e-mail address or password" in resp.data


def test_inactive_user_cannot_log_in(auth, make_user):
    user = make_user("student", active=False)
    assert auth.login(user.email).status_code == 401


def test_session_is_renewed_at_login(client, auth, make_user):
    user = make_user("student")
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
    auth.login(user.email)
    with client.session_transaction() as sess:
        assert "planted" not in sess


def test_copied_session_cookie_is_dead_after_logout(app, client, auth, make_user):
    user = make_user("student")
    auth.login(user.email)
    stolen = client.get_cookie("session").value
    auth.logout()
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/account/password").status_code == 302  # back to the login page


def test_remember_me_cookie_dies_with_password_change(app, client, auth, make_user):
    user = make_user("student")
    auth.login(user.email, remember="y")
    remember = client.get_cookie("remember_token")
    assert remember is not None
    copy = app.test_client()
    copy.set_cookie("remember_token", remember.value)
    assert copy.get("/account/password").status_code == 200  # the cookie alone logs in
    client.post("/account/password", data={"current_password": PASSWORD,
                                           "new_password": "a brand new password"})
    replay = app.test_client()
    replay.set_cookie("remember_token", remember.value)
    assert replay.get("/account/password").status_code == 302
    assert client.get("/account/password").status_code == 200  # the device that changed it stays in


def test_deactivation_ends_sessions(app, login_as, make_user):
    c, user = login_as("student")
    admin_client, _ = login_as("admin")
    admin_client.post(f"/users/{user.id}/active")
    assert c.get("/account/password").status_code == 302


@pytest.mark.parametrize("target", ["//evil.example", "/\\evil.example", "javascript:alert(1)",
                                    "https://evil.example/", "/%09/evil.example", "\\\\evil"])
def test_next_never_leaves_the_site(auth, make_user, target):
    user = make_user("student")
    resp = auth.login(user.email, next=target)
    assert resp.headers["Location"] == "/"


def test_next_on_site_is_followed(auth, make_user):
    user = make_user("admin")
    resp = auth.login(user.email, next="/users?role=student")
    assert resp.headers["Location"] == "/users?role=student"


def test_login_throttle_per_account(app, make_user):
    user = make_user("student")
    c = app.test_client()
    for _ in range(10):
        assert AuthActions(c).login(user.email, "wrong").status_code == 401
    resp = AuthActions(c).login(user.email)  # even the right password waits now
    assert resp.status_code == 429
    assert b"Too many failed logins" in resp.data
    resp = c.post("/api/v1/auth/tokens", json={"email": user.email, "password": PASSWORD})
    assert resp.status_code == 429
    assert resp.get_json()["error"]["code"] == "throttled"
    with time_machine.travel(utcnow() + timedelta(minutes=16), tick=False):
        assert AuthActions(c).login(user.email).status_code == 302


def test_login_throttle_per_address_across_accounts(app, make_user):
    c = app.test_client()
    for i in range(10):
        AuthActions(c).login(f"nobody{i}@example.pk", "wrong")
    user = make_user("student")
    assert AuthActions(c).login(user.email).status_code == 429
    other_address = app.test_client()
    resp = other_address.post("/login", data={"email": user.email, "password": PASSWORD},
                              environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert resp.status_code == 302


def test_failures_are_counted_in_the_database(app, make_user):
    """Several workers share the count: it lives in login_failures, not in process memory."""
    from lms.accounts.models import LoginFailure

    user = make_user("student")
    AuthActions(app.test_client()).login(user.email, "wrong")
    assert db.session.query(LoginFailure).filter_by(email=user.email).count() == 1


class TestWithCsrf:
    @pytest.fixture
    def app_overrides(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_login_form_without_token_is_refused(self, client, make_user):
        user = make_user("student")
        resp = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert resp.status_code == 400

    def test_login_form_with_token_works(self, client, make_user):
        user = make_user("student")
        token = csrf_token_from(client.get("/login").get_data(as_text=True))
        resp = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                           "csrf_token": token})
        assert resp.status_code == 302

    def test_cookie_api_write_needs_the_header(self, client, make_user):
        admin = make_user("admin")
        token = csrf_token_from(client.get("/login").get_data(as_text=True))
        client.post("/login", data={"email": admin.email, "password": PASSWORD,
                                    "csrf_token": token})
        body = {"email": "new@example.pk", "full_name": "New", "role": "student"}
        assert client.post("/api/v1/users", json=body).status_code == 400
        token = csrf_token_from(client.get("/users/new").get_data(as_text=True))
        resp = client.post("/api/v1/users", json=body, headers={"X-CSRFToken": token})
        assert resp.status_code == 201

    def test_bearer_api_write_needs_no_csrf(self, client, make_user, token_for):
        admin = make_user("admin")
        resp = client.post("/api/v1/users", headers=token_for(admin),
                           json={"email": "n2@example.pk", "full_name": "N", "role": "student"})
        assert resp.status_code == 201

    def test_logout_needs_the_token(self, client, make_user):
        user = make_user("student")
        token = csrf_token_from(client.get("/login").get_data(as_text=True))
        client.post("/login", data={"email": user.email, "password": PASSWORD,
                                    "csrf_token": token})
        assert client.post("/logout").status_code == 400
        assert client.get("/").status_code == 200


def test_set_password_link_is_single_use(app, client, make_user):
    from lms.accounts.services import set_password_token

    user = make_user("student", password=None)
    token = set_password_token(user)
    assert client.get(f"/set-password/{token}").status_code == 200
    resp = client.post(f"/set-password/{token}", data={"password": "my own password 1",
                                                       "confirm": "my own password 1"})
    assert resp.status_code == 302
    assert AuthActions(client).login(user.email, "my own password 1").status_code == 302
    again = app.test_client().get(f"/set-password/{token}")
    assert again.status_code == 422


def test_set_password_asks_for_the_password_twice(app, client, make_user):
    from lms.accounts.services import set_password_token

    user = make_user("student", password=None)
    token = set_password_token(user)
    resp = client.post(f"/set-password/{token}", data={"password": "my own password 1",
                                                       "confirm": "my own password 2"})
    assert resp.status_code == 422
    assert "The two passwords differ" in resp.get_data(as_text=True)
    assert AuthActions(client).login(user.email, "my own password 1").status_code != 302
    # the link still works after the mistake
    resp = client.post(f"/set-password/{token}", data={"password": "my own password 1",
                                                       "confirm": "my own password 1"})
    assert resp.status_code == 302


def test_visitors_get_a_landing_page_with_catalogue_parks_verification_and_login(client):
    html = client.get("/").get_data(as_text=True)
    assert client.get("/").status_code == 200
    for text in ("Knowledge Park", 'href="/courses"', 'action="/verify"', 'href="/login"',
                 "Gilgit", "Karachi"):
        assert text in html, text


def test_set_password_link_expires_after_seven_days(app, client, make_user):
    from lms.accounts.services import set_password_token

    user = make_user("student", password=None)
    with time_machine.travel(utcnow(), tick=False) as traveller:
        token = set_password_token(user)
        traveller.shift(timedelta(days=7, minutes=1))
        assert client.get(f"/set-password/{token}").status_code == 422


def test_forged_set_password_link_is_404(client):
    assert client.get("/set-password/not-a-real-token").status_code == 404


def test_user_without_password_cannot_log_in(auth, make_user):
    user = make_user("student", password=None)
    assert auth.login(user.email, "").status_code == 200  # form error: password required
    assert auth.login(user.email, "anything at all").status_code == 401
