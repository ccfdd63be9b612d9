"""CSRF switched on for every form post and cookie-authenticated API write; security headers on
every kind of response; production errors without tracebacks (beyond tests/core's basics)."""

import io

import pytest

from lms.accounts.models import User
from lms.extensions import db
from tests.conftest import PASSWORD, AuthActions, csrf_token_from, make_app
from tests.security.routes import WRITE_METHODS, form_body, json_body, route_pairs, url_for_rule
from tests.security.test_access_matrix import EXPECTED, parse_roles
from tests.security.world import ROLES, changed_tables, check_security_headers, fingerprint


@pytest.fixture(scope="module")
def app_overrides():
    return {"WTF_CSRF_ENABLED": True}


# Writes every logged-in role may make: sent with a body the route refuses, so that passing the
# CSRF check changes nothing (the client, the URL values and the body).
OPEN_WRITES = {
    "POST /account/password": ("student", {"current_password": "wrong password",
                                           "new_password": "long enough password"}),
    "POST /login": ("anon", {"email": "student@world.pk", "password": "wrong password"}),
    "POST /set-password/<token>": ("anon", {"password": "short"}),
    "POST /verify/file": ("anon", {}),
    "POST /verify/credential": ("anon", {}),
    "POST /api/v1/auth/tokens": ("student", {"email": "student@world.pk", "password": "wrong"}),
    "DELETE /api/v1/auth/tokens/current": ("student", None),
    "POST /logout": None,  # tested on its own below: it ends the session
    "POST /account/notifications": ("student", {"reminders": "y", "at_risk": "y", "digest": "y"}),
    "POST /forgot-password": ("anon", {"email": "not-an-address"}),
    "POST /reset-password/<token>": ("anon", {"password": "short"}),
    "PATCH /api/v1/me": ("student", {"notifications": {"digest": "sometimes"}}),
    "POST /api/v1/auth/password-reset": ("anon", {"email": "nobody@world.pk"}),
}


def _token(client) -> str:
    """The CSRF token of the client's session (from a page with a form)."""
    return csrf_token_from(client.get("/login").get_data(as_text=True)) if not _logged_in(client) \
        else csrf_token_from(client.get("/account/password").get_data(as_text=True))


def _logged_in(client) -> bool:
    resp = client.get("/api/v1/me")
    return resp.status_code == 200


def _plan(sec_app, world):
    """(key, url, endpoint, role, body) for every write route, with a role it refuses."""
    plans = []
    for rule, method, endpoint in route_pairs(sec_app):
        if method not in WRITE_METHODS:
            continue
        k = f"{method} {rule}"
        url = url_for_rule(sec_app, rule, method, endpoint, world)
        if k in OPEN_WRITES:
            if OPEN_WRITES[k] is None:
                continue
            role, body = OPEN_WRITES[k]
        else:
            allowed, refused = parse_roles(EXPECTED[k])
            role = next(r for r in ROLES if r != "anon" and r not in allowed | refused)
            body = json_body(endpoint, world, role) if rule.startswith("/api/") \
                else form_body(endpoint, world, role)
        plans.append((k, url, endpoint, role, body))
    return plans


def _send(client, method, url, body, token=None):
    if url.startswith("/api/"):
        headers = {"X-CSRFToken": token} if token else {}
        if body is None:
            return client.open(url, method=method, headers=headers)
        return client.open(url, method=method, json=body, headers=headers)
    data = dict(body or {})
    if token:
        data["csrf_token"] = token
    return client.open(url, method=method, data=data)


def test_every_write_needs_the_csrf_token(sec_app, world, clients):
    tokens = {}
    problems, checked = [], 0
    for k, url, _endpoint, role, body in _plan(sec_app, world):
        method = k.split()[0]
        c = clients[role]
        if role not in tokens:
            tokens[role] = _token(c)
        before = fingerprint()
        bare = _send(c, method, url, body)
        if url.startswith("/api/") and role == "anon":
            pass  # no cookie, no ambient authority: the API does not ask for a token
        elif bare.status_code != 400:
            problems.append(f"{k} as {role} without a token: {bare.status_code}, expected 400")
        elif url.startswith("/api/") and bare.get_json()["error"]["code"] != "csrf_failed":
            problems.append(f"{k}: the 400 is not csrf_failed")
        with_token = _send(c, method, url, body, tokens[role])
        if with_token.status_code == 400 or with_token.status_code >= 500:
            problems.append(f"{k} as {role} with the token: {with_token.status_code}")
        if changed := changed_tables(before, fingerprint()):
            problems.append(f"{k} as {role}: changed {changed}")
        checked += 1
    assert checked > 60
    assert not problems, "\n".join(problems)


def test_bearer_api_writes_need_no_csrf_token(sec_app, world):
    """A bearer token is not sent by a browser on its own: no CSRF token is asked for."""
    c = sec_app.test_client()
    resp = c.post("/api/v1/auth/tokens", json={"email": world.emails["other_student"],
                                               "password": PASSWORD})
    assert resp.status_code == 201
    bearer = {"Authorization": f"Bearer {resp.get_json()['token']}"}
    for rule, method, endpoint in route_pairs(sec_app):
        if not rule.startswith("/api/") or method not in WRITE_METHODS:
            continue
        if rule.startswith("/api/v1/auth/"):
            continue
        url = url_for_rule(sec_app, rule, method, endpoint, world)
        body = json_body(endpoint, world, "other_student")
        before = fingerprint()
        resp = c.open(url, method=method, json=body, headers=bearer) if body is not None \
            else c.open(url, method=method, headers=bearer)
        assert resp.status_code != 400, (method, rule, resp.get_json())
        allowed, _ = parse_roles(EXPECTED[f"{method} {rule}"])
        if "other_student" not in allowed:
            assert resp.status_code in (403, 404), (method, rule, resp.status_code)
            assert not changed_tables(before, fingerprint()), (method, rule)
    assert c.delete("/api/v1/auth/tokens/current", headers=bearer).status_code in (200, 204)


def test_logout_needs_the_token(sec_app, world):
    user = User(email="leaver@world.pk", full_name="Leaver", role="student",
                park_id=world.park.id)
    user.set_password(PASSWORD)
    db.session.add(user)
    db.session.commit()
    c = sec_app.test_client()
    token = csrf_token_from(c.get("/login").get_data(as_text=True))
    assert AuthActions(c).login(user.email, csrf_token=token).status_code == 302
    assert c.post("/logout").status_code == 400
    assert c.get("/api/v1/me").status_code == 200  # still logged in
    token = _token(c)
    assert c.post("/logout", data={"csrf_token": token}).status_code == 302
    assert c.get("/api/v1/me").status_code == 401


def test_cookie_api_write_with_a_token_from_another_session_is_refused(sec_app, world, clients):
    stolen = _token(clients["student"])
    c = clients["admin"]
    resp = c.post("/api/v1/holidays", json={"date": "2031-01-01", "name": "Forged"},
                  headers={"X-CSRFToken": stolen})
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "csrf_failed"


# --- headers ---------------------------------------------------------------------------------

def test_headers_on_files_pages_json_and_errors(sec_app, world, clients):
    w = world
    cases = [
        ("admin", "GET", "/", "text/html"),
        ("admin", "GET", "/api/v1/me", "application/json"),
        ("anon", "GET", "/api/v1/openapi.json", "application/json"),
        ("student", "GET", f"/certificates/{w.cert_code}/pdf", "application/pdf"),
        ("student", "GET", f"/api/v1/certificates/{w.cert_code}/pdf", "application/pdf"),
        ("trainer", "GET", f"/attendance/sessions/{w.session.id}/sign-in.pdf", "application/pdf"),
        ("trainer", "GET", f"/attendance/cohorts/{w.cohort.id}/register.csv", "text/csv"),
        ("trainer", "GET", f"/cohorts/{w.cohort.id}/gradebook.csv", "text/csv"),
        ("admin", "GET", "/reports/parks/lahore/export/learners.csv", "text/csv"),
        ("admin", "GET", "/reports/attendance-changes.csv", "text/csv"),
        ("anon", "GET", f"/calendar/{w.people['student'].ics_token}.ics", "text/calendar"),
        ("trainer", "GET", f"/cohorts/{w.cohort.id}/certificates.zip", "application/zip"),
        ("anon", "GET", "/static/style.css", "text/css"),
        ("anon", "GET", "/nowhere", "text/html"),  # 404 page
        ("anon", "GET", "/api/v1/nowhere", "application/json"),  # 404 JSON
        ("anon", "GET", "/api/v1/me", "application/json"),  # 401
        ("student", "GET", "/users", "text/html"),  # 403 page
        ("student", "GET", "/api/v1/users", "application/json"),  # 403 JSON
        ("anon", "DELETE", "/api/v1/parks", "application/json"),  # 405
        ("admin", "POST", "/holidays", "text/html"),  # 400 CSRF page
        ("admin", "POST", "/api/v1/holidays", "application/json"),  # 400 CSRF JSON
        ("anon", "POST", "/api/v1/auth/tokens", "application/json"),  # 422 (empty JSON below)
        ("anon", "GET", "/calendar/nope.ics", "text/html"),  # 404 of a file route
    ]
    problems = []
    for role, method, url, mimetype in cases:
        kw = {"json": {}} if url == "/api/v1/auth/tokens" else {}
        resp = clients[role].open(url, method=method, **kw)
        resp.get_data()
        resp.close()
        where = f"{method} {url} as {role} ({resp.status_code})"
        if resp.mimetype != mimetype:
            problems.append(f"{where}: {resp.mimetype}, expected {mimetype}")
        problems += check_security_headers(resp, where)
    assert not problems, "\n".join(problems)


def test_413_carries_the_headers(sec_app, clients):
    sec_app.config["MAX_CONTENT_LENGTH"] = 2000
    try:
        c = clients["admin"]
        token = _token(c)
        resp = c.post("/users/import", data={"csrf_token": token,
                                            "file": (io.BytesIO(b"x" * 5000), "big.csv")},
                      content_type="multipart/form-data")
        assert resp.status_code == 413
        assert not check_security_headers(resp, "413")
    finally:
        sec_app.config["MAX_CONTENT_LENGTH"] = 5 * 1024 * 1024


# --- production errors -----------------------------------------------------------------------

@pytest.fixture
def production_app(monkeypatch):
    """The production config (TESTING off, no propagation) with routes that fail on purpose."""
    monkeypatch.setenv("SECRET_KEY", "z" * 48)
    app = make_app(TESTING=False, DEBUG=False, PROPAGATE_EXCEPTIONS=False)

    @app.route("/fail/db")
    def fail_db():
        db.session.execute(db.text("SELECT no_such_column FROM no_such_table"))

    @app.route("/api/v1/fail/zero")
    def fail_zero():
        return str(1 / 0)

    @app.route("/fail/template")
    def fail_template():
        from flask import render_template_string

        return render_template_string("{{ missing.attribute.deeper }}")

    return app


def test_production_errors_are_generic_with_a_request_id(production_app):
    with production_app.app_context():
        c = production_app.test_client()
        for url in ("/fail/db", "/fail/template", "/api/v1/fail/zero"):
            resp = c.get(url, headers={"X-Request-ID": "abc123"})
            text = resp.get_data(as_text=True)
            assert resp.status_code == 500, url
            assert resp.headers["X-Request-ID"] == "abc123"
            assert "abc123" in text
            for leak in ("Traceback", "no_such_table", "ZeroDivisionError", "division by zero",
                         "UndefinedError", "sqlalchemy", 'File "'):
                assert leak not in text, (url, leak)
            assert not check_security_headers(resp, url)
            if url.startswith("/api/"):
                err = resp.get_json()["error"]
                assert err["code"] == "internal_error" and err["request_id"] == "abc123"
            else:
                assert resp.mimetype == "text/html"
        # a request id that is not plain letters and digits is replaced, never echoed
        resp = c.get("/fail/db", headers={"X-Request-ID": "<script>x</script>"})
        assert "<script>x</script>" not in resp.get_data(as_text=True)
        assert resp.headers["X-Request-ID"].isalnum()
