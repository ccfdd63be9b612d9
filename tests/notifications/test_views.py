"""The admin outbox pages, the e-mail settings page and PATCH /api/v1/me."""

import re

from lms.accounts import services as accounts
from lms.core.permissions import SYSTEM
from lms.extensions import db
from lms.notifications import services
from tests.conftest import csrf_token_from
from tests.notifications.conftest import PUBLIC, outbox, run_worker


def _queue_welcome(email="nadia@example.pk", name="Nadia <b>N</b>"):
    user = accounts.create_user(SYSTEM, {"email": email, "full_name": name, "role": "student"})
    db.session.commit()
    return user


def test_outbox_page_shows_messages_rendered_with_clickable_links(app, login_as):
    app.config["MAIL_SERVER"] = ""  # make run: nothing is sent
    _queue_welcome()
    admin, _ = login_as("admin")
    page = admin.get("/admin/outbox").get_data(as_text=True)
    assert "No mail server is configured" in page and "1 queued" in page
    assert "Welcome to Knowledge Park LMS" in page
    [msg] = outbox()
    detail = admin.get(f"/admin/outbox/{msg.id}").get_data(as_text=True)
    assert re.search(rf'<a href="{re.escape(PUBLIC)}/set-password/[^"]+" rel="noopener', detail)
    assert "Nadia &lt;b&gt;N&lt;/b&gt;" in detail and "<b>N</b>" not in detail
    html = admin.get(f"/admin/outbox/{msg.id}/html")
    assert html.status_code == 200 and "sandbox" in html.headers["Content-Security-Policy"]
    assert "script-src 'none'" in html.headers["Content-Security-Policy"]
    assert "Set my password" in html.get_data(as_text=True)
    filtered = admin.get("/admin/outbox?status=sent").get_data(as_text=True)
    assert "0 message(s)" in filtered


def test_only_admins_see_the_outbox(app, login_as):
    _queue_welcome()
    [msg] = outbox()
    for role in ("park_manager", "trainer", "student"):
        c, _ = login_as(role)
        assert c.get("/admin/outbox").status_code == 403
        assert c.get(f"/admin/outbox/{msg.id}/html").status_code == 403
        assert c.get("/api/v1/outbox").status_code == 403
        assert c.post(f"/api/v1/outbox/{msg.id}/retry", json={}).status_code == 403
    assert app.test_client().get("/api/v1/outbox").status_code == 401


def test_retry_button_on_a_failed_message(app, login_as, smtp):
    _queue_welcome()
    [msg] = outbox()
    msg.status, msg.attempts, msg.last_error = "failed", 6, "550 mailbox unavailable"
    db.session.commit()
    admin, _ = login_as("admin")
    page = admin.get(f"/admin/outbox/{msg.id}").get_data(as_text=True)
    assert "Send it again" in page and "550 mailbox unavailable" in page
    resp = admin.post(f"/admin/outbox/{msg.id}/retry", data={})
    assert resp.status_code == 302
    [msg] = outbox()
    assert msg.status == "queued" and msg.attempts == 0
    run_worker()
    assert len(smtp.messages) == 1


def test_preferences_page_and_api(app, login_as, token_for):
    c, user = login_as("student")
    page = c.get("/account/notifications").get_data(as_text=True)
    assert 'name="reminders"' in page and "checked" in page
    resp = c.post("/account/notifications", data={"at_risk": "y"})  # reminders, digest unticked
    assert resp.status_code == 302
    assert services.preferences(user) == {"reminders": False, "at_risk": True, "digest": False}
    headers = token_for(user)
    patched = app.test_client().patch("/api/v1/me", headers=headers,
                                      json={"notifications": {"reminders": True}})
    assert patched.status_code == 200
    body = patched.get_json()
    assert body["notifications"] == {"reminders": True, "at_risk": True, "digest": False}
    assert body["email"] == user.email
    bad = app.test_client().patch("/api/v1/me", headers=headers,
                                  json={"notifications": {"digest": "sometimes"}})
    assert bad.status_code == 422 and "error" in bad.get_json()
    assert services.preferences(user)["digest"] is False  # nothing half-written
    assert app.test_client().patch("/api/v1/me", json={"notifications": {}}).status_code == 401


def test_preferences_form_needs_csrf(app, make_user):
    app.config["WTF_CSRF_ENABLED"] = True
    user = make_user("student")
    c = app.test_client()
    login_page = c.get("/login").get_data(as_text=True)
    c.post("/login", data={"email": user.email, "password": "correct horse battery",
                           "csrf_token": csrf_token_from(login_page)})
    assert c.post("/account/notifications", data={"reminders": ""}).status_code == 400
    assert services.preferences(user)["reminders"] is True
