"""The public verification routes are throttled; oversized uploads get 413; CSRF on issue."""

import io

import pytest

from tests.conftest import PASSWORD, csrf_token_from


@pytest.fixture
def app_overrides():
    return {"LMS_VERIFY_RATE_LIMIT": "3 per minute", "MAX_CONTENT_LENGTH": 64 * 1024,
            "WTF_CSRF_ENABLED": True}


@pytest.mark.parametrize("url", ["/verify/KP-0000-0000-0000-0000",
                                 "/api/v1/verify/KP-0000-0000-0000-0000", "/verify"])
def test_verification_is_throttled(app, url):
    c = app.test_client()
    codes = [c.get(url).status_code for _ in range(4)]
    assert codes[:3] != [429] * 3 and codes[3] == 429
    if url.startswith("/api/"):
        assert c.get(url).get_json()["error"]["code"] == "throttled"


def test_oversized_upload_is_refused(app):
    c = app.test_client()
    token = csrf_token_from(c.get("/verify/file").get_data(True))
    big = io.BytesIO(b"%PDF-" + b"x" * (80 * 1024))
    resp = c.post("/verify/file", data={"csrf_token": token, "file": (big, "big.pdf")},
                  content_type="multipart/form-data")
    assert resp.status_code == 413


def test_issue_form_needs_its_csrf_token(app, issued, make_user):
    cohort, _, _ = issued(1)
    admin = make_user("admin")
    c = app.test_client()
    token = csrf_token_from(c.get("/login").get_data(True))
    assert c.post("/login", data={"email": admin.email, "password": PASSWORD,
                                  "csrf_token": token}).status_code == 302
    assert c.post(f"/cohorts/{cohort.id}/certificates").status_code == 400
    page = c.get(f"/cohorts/{cohort.id}/eligibility").get_data(True)
    resp = c.post(f"/cohorts/{cohort.id}/certificates", data={"csrf_token": csrf_token_from(page)})
    assert resp.status_code == 302
