"""Forgot password, end to end: page and API, 202 always, throttled, one-time expiring link that
ends every other session."""

import re
from datetime import timedelta

import time_machine

from lms.core.timeutil import utcnow
from lms.extensions import db
from tests.conftest import PASSWORD, AuthActions
from tests.notifications.conftest import PUBLIC, outbox, parts, run_worker

NEW = "a completely new password"


def _link(smtp, email) -> str:
    [mail] = smtp.to(email)
    text, html = parts(mail)
    link = re.search(rf"{re.escape(PUBLIC)}/reset-password/\S+", text).group(0)
    assert link in html
    return link[len(PUBLIC):]


def test_reset_by_api_end_to_end_ends_other_sessions(app, make_user, smtp, token_for):
    user = make_user("student", email="sana@example.pk")
    other_device = app.test_client()
    assert AuthActions(other_device).login(user.email).status_code == 302
    bearer = token_for(user)
    resp = app.test_client().post("/api/v1/auth/password-reset", json={"email": "SANA@example.pk"})
    assert resp.status_code == 202
    run_worker()
    path = _link(smtp, user.email)
    mail = smtp.to(user.email)[0]
    assert mail["Subject"] == "Reset your Knowledge Park LMS password"
    assert mail["List-Unsubscribe"] is None
    browser = app.test_client()
    page = browser.get(path)
    assert page.status_code == 200 and "sana@example.pk" in page.get_data(as_text=True)
    assert browser.post(path, data={"password": "short", "confirm": "short"}).status_code == 200  # form error
    done = browser.post(path, data={"password": NEW, "confirm": NEW})
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    # the other device and the API token are logged out; the new password works
    assert other_device.get("/account/password").status_code == 302
    assert app.test_client().get("/api/v1/me", headers=bearer).status_code == 401
    assert AuthActions(app.test_client()).login(user.email, NEW).status_code == 302
    assert AuthActions(app.test_client()).login(user.email, PASSWORD).status_code == 401
    # one time only
    again = browser.post(path, data={"password": "yet another password", "confirm": "yet another password"})
    assert again.status_code == 422
    assert browser.get(path).status_code == 422


def test_no_enumeration_the_same_answer_for_any_address(app, make_user, smtp):
    make_user("student", email="real@example.pk")
    gone = make_user("student", email="gone@example.pk", active=False)
    answers = []
    for email in ("real@example.pk", "nobody@example.pk", gone.email, "not-an-address"):
        resp = app.test_client().post("/api/v1/auth/password-reset", json={"email": email})
        answers.append((resp.status_code, resp.get_json()))
    assert len({str(a) for a in answers}) == 1 and answers[0][0] == 202
    run_worker()
    assert [m["To"] for m in smtp.messages] == ["real@example.pk"]
    page_answers = set()
    for email in ("real@example.pk", "nobody@example.pk"):
        c = app.test_client()
        resp = c.post("/forgot-password", data={"email": email}, follow_redirects=True)
        page_answers.add((resp.status_code, re.sub(r'name="csrf_token"[^>]*>', "",
                                                   resp.get_data(as_text=True))))
    assert len(page_answers) == 1


def test_link_expires_after_an_hour(app, make_user, smtp):
    user = make_user("student")
    start = utcnow()
    with time_machine.travel(start, tick=False):
        app.test_client().post("/api/v1/auth/password-reset", json={"email": user.email})
        run_worker()
    path = _link(smtp, user.email)
    with time_machine.travel(start + timedelta(minutes=61), tick=False):
        resp = app.test_client().post(path, data={"password": NEW, "confirm": NEW})
    assert resp.status_code == 422 and "expired" in resp.get_data(as_text=True)
    assert app.test_client().get("/reset-password/forged.token").status_code == 404


def test_throttled_per_account_and_per_address(app, make_user, smtp):
    user = make_user("student")
    app.config["PASSWORD_RESET_PER_ACCOUNT"] = 3
    addresses = [f"10.0.0.{i}" for i in range(5)]
    for addr in addresses:  # five addresses: the address limit does not bite
        resp = app.test_client().post("/api/v1/auth/password-reset", json={"email": user.email},
                                      environ_base={"REMOTE_ADDR": addr})
        assert resp.status_code == 202
    assert len(outbox(kind="password_reset")) == 3  # per account: three an hour
    c = app.test_client()
    codes = [c.post("/api/v1/auth/password-reset", json={"email": f"x{i}@example.pk"},
                    environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code for i in range(7)]
    assert codes[:5] == [202] * 5 and codes[5:] == [429, 429]
    page = app.test_client()
    statuses = [page.post("/forgot-password", data={"email": "y@example.pk"},
                          environ_base={"REMOTE_ADDR": "10.8.8.8"}).status_code
                for _ in range(6)]
    assert statuses[:5] == [302] * 5 and statuses[5] == 429
    with time_machine.travel(utcnow() + timedelta(minutes=61), tick=False):
        app.test_client().post("/api/v1/auth/password-reset", json={"email": user.email})
    assert len(outbox(kind="password_reset")) == 4


def test_login_page_links_to_forgot_password(app, client):
    assert 'href="/forgot-password"' in client.get("/login").get_data(as_text=True)
    assert client.get("/forgot-password").status_code == 200
    db.session.rollback()
