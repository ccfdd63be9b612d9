"""Bearer tokens: issue, use, expire, revoke; stored hashed."""

from datetime import timedelta

import time_machine

from lms.accounts.models import ApiToken
from lms.core.timeutil import utcnow
from lms.extensions import db
from tests.conftest import PASSWORD


def test_token_gives_me(client, make_user, token_for):
    user = make_user("faculty")
    resp = client.get("/api/v1/me", headers=token_for(user))
    assert resp.status_code == 200
    assert resp.get_json() == {"id": user.id, "email": user.email, "full_name": user.full_name,
                               "role": "faculty", "track": "faculty", "park_id": user.park_id}


def test_token_is_stored_hashed(client, make_user):
    user = make_user("student")
    raw = client.post("/api/v1/auth/tokens",
                      json={"email": user.email, "password": PASSWORD}).get_json()["token"]
    stored = db.session.query(ApiToken).one()
    assert raw not in stored.token_hash and len(stored.token_hash) == 64


def test_bad_credentials_401(client, make_user):
    user = make_user("student")
    resp = client.post("/api/v1/auth/tokens", json={"email": user.email, "password": "nope"})
    assert resp.status_code == 401
    assert resp.get_json()["error"]["code"] == "unauthorized"


def test_bad_token_401(client):
    resp = client.get("/api/v1/me", headers={"Authorization": "Bearer not-a-token"})
    assert resp.status_code == 401


def test_token_expires(client, make_user, token_for):
    user = make_user("student")
    headers = token_for(user)
    with time_machine.travel(utcnow() + timedelta(hours=13), tick=False):
        assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_revoke_current_token(client, make_user, token_for):
    user = make_user("student")
    headers = token_for(user)
    assert client.delete("/api/v1/auth/tokens/current", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_deactivation_kills_tokens(client, make_user, token_for):
    user = make_user("student")
    admin = make_user("admin")
    headers = token_for(user)
    client.post(f"/users/{user.id}/active", headers=token_for(admin))  # HTML route: no bearer
    user.active = False
    db.session.commit()
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_bearer_ignores_session_cookie(login_as, make_user):
    c, _ = login_as("admin")
    resp = c.get("/api/v1/me", headers={"Authorization": "Bearer forged"})
    assert resp.status_code == 401


def test_cookie_session_works_for_api(login_as):
    c, user = login_as("trainer")
    assert c.get("/api/v1/me").get_json()["id"] == user.id
