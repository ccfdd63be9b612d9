"""Error bodies, security headers, production settings: no traceback anywhere."""

import pytest

from config import ProductionConfig
from tests.conftest import make_app

SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy",
                    "X-Frame-Options")


def assert_error_body(resp, status, code=None):
    assert resp.status_code == status
    body = resp.get_json()
    assert set(body) == {"error"}
    assert {"code", "message", "fields"} <= set(body["error"])
    if code:
        assert body["error"]["code"] == code
    return body["error"]


def test_api_404_405_415_400(client):
    assert_error_body(client.get("/api/v1/nowhere"), 404, "not_found")
    assert_error_body(client.delete("/api/v1/parks"), 405, "method_not_allowed")
    assert_error_body(client.post("/api/v1/auth/tokens", data="email=x",
                                  content_type="application/x-www-form-urlencoded"), 415)
    assert_error_body(client.post("/api/v1/auth/tokens", data="{oops",
                                  content_type="application/json"), 400)


def test_api_validation_422_has_fields(client):
    err = assert_error_body(client.post("/api/v1/auth/tokens", json={"email": ["x"]}), 422,
                            "validation_failed")
    assert "email" in err["fields"] and "password" in err["fields"]


def test_api_has_no_trailing_slash_redirects(client):
    assert client.get("/api/v1/parks/").status_code == 404


@pytest.mark.parametrize("path", ["/login", "/api/v1/parks", "/api/v1/nowhere", "/nowhere",
                                  "/static/style.css"])
def test_security_headers_everywhere(client, path):
    resp = client.get(path)
    for header in SECURITY_HEADERS:
        assert header in resp.headers, (path, header)
    assert "script-src 'self'" in resp.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


def test_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["info"]["title"] == "Knowledge Park LMS"
    assert "/api/v1/me" in spec["paths"] and "/api/v1/users/import" in spec["paths"]
    assert "Error" in spec["components"]["schemas"]


@pytest.fixture
def production_app(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 48)
    app = make_app()
    app.config.update(TESTING=False, DEBUG=False, PROPAGATE_EXCEPTIONS=False)

    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internals")

    @app.route("/api/v1/boom")
    def api_boom():
        raise RuntimeError("secret internals")

    return app


def test_forced_exception_gives_generic_page_with_request_id(production_app):
    with production_app.app_context():
        c = production_app.test_client()
        resp = c.get("/boom")
        assert resp.status_code == 500
        text = resp.get_data(as_text=True)
        assert "secret internals" not in text and "Traceback" not in text
        assert resp.headers["X-Request-ID"] in text
        resp = c.get("/api/v1/boom")
        err = assert_error_body(resp, 500, "internal_error")
        assert err["request_id"] == resp.headers["X-Request-ID"]
        assert "secret internals" not in resp.get_data(as_text=True)


def test_production_refuses_weak_secret(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "changeme")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        ProductionConfig.init_secret()
    monkeypatch.delenv("SECRET_KEY")
    with pytest.raises(RuntimeError):
        ProductionConfig.init_secret()


def test_production_cookies_are_secure(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "y" * 48)
    monkeypatch.setenv("LMS_PUBLIC_URL", "https://lms.example.pk")
    from lms import create_app

    app = create_app("production", {"SQLALCHEMY_DATABASE_URI": "sqlite://",
                                    "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1"})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert not app.debug


def test_unknown_env_is_refused():
    from config import config_for

    with pytest.raises(RuntimeError, match="LMS_ENV"):
        config_for("staging")


def test_html_404_is_a_page(client):
    resp = client.get("/no/such/page")
    assert resp.status_code == 404 and b"Not found" in resp.data


def test_oversized_body_413(client, make_user, token_for, app):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    resp = client.post("/api/v1/users/import", data="x" * 5000, content_type="text/csv",
                       headers=token_for(make_user("admin")))
    assert resp.status_code == 413
    assert resp.get_json()["error"]["code"] == "payload_too_large"
