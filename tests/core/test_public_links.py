"""Links for other people come from LMS_PUBLIC_URL, never from the request's Host header
(issue 17 item 10)."""

import re
from datetime import timedelta
from urllib.parse import unquote

import pytest

from lms.core.timeutil import utcnow
from lms.extensions import db
from tests.conftest import PASSWORD

EVIL = {"Host": "evil.example"}
EVIL_BASE = "http://evil.example"
PUBLIC = "https://lms.example.pk"


@pytest.fixture
def evil_login(app, make_user):
    """A client logged in through the evil host (its cookies belong to that host)."""

    def _login(role: str, user=None):
        user = user or make_user(role)
        c = app.test_client()
        resp = c.post("/login", data={"email": user.email, "password": PASSWORD},
                      base_url=EVIL_BASE)
        assert resp.status_code == 302
        return c

    return _login


@pytest.fixture
def app_overrides():
    return {"LMS_PUBLIC_URL": PUBLIC}


def test_api_set_password_url_ignores_the_host_header(client, make_user, token_for, park):
    admin = make_user("admin")
    resp = client.post("/api/v1/users", headers={**token_for(admin), **EVIL},
                       json={"email": "new@example.pk", "full_name": "New Person",
                             "role": "student", "track": "student", "park_id": park.id})
    assert resp.status_code == 201, resp.get_json()
    url = resp.get_json()["set_password_url"]
    assert url.startswith(f"{PUBLIC}/set-password/")
    assert "evil.example" not in url


def test_user_page_set_password_link_ignores_the_host_header(evil_login, make_user):
    c = evil_login("admin")
    newcomer = make_user("student", password=None)
    html = c.get(f"/users/{newcomer.id}", base_url=EVIL_BASE).get_data(as_text=True)
    assert f"{PUBLIC}/set-password/" in html
    assert "evil.example" not in html


def test_check_in_qr_and_link_ignore_the_host_header(evil_login, make_cohort, make_user):
    trainer = make_user("trainer")
    cohort = make_cohort(trainer=trainer, first=utcnow().replace(microsecond=0) - timedelta(
        minutes=10), count=1)
    session = cohort.sessions[0]
    c = evil_login("trainer", user=trainer)
    html = c.get(f"/attendance/sessions/{session.id}/check-in-screen",
                 base_url=EVIL_BASE).get_data(as_text=True)
    assert "evil.example" not in unquote(html)
    assert f"{PUBLIC}/check-in/{session.id}" in html


def test_calendar_feed_url_ignores_the_host_header(evil_login, make_user):
    learner = make_user("student")
    learner.ics_token = "calendar-token-0123456789abcdef"
    db.session.commit()
    c = evil_login("student", user=learner)
    html = c.get("/timetable", base_url=EVIL_BASE).get_data(as_text=True)
    assert f"{PUBLIC}/calendar/calendar-token-0123456789abcdef.ics" in html
    assert "evil.example" not in html


def test_certificate_qr_uses_the_public_url(app):
    from lms.certificates.services import verify_url

    with app.test_request_context("/", base_url=EVIL_BASE):
        assert verify_url("KP-0000-0000-0000-0000") == f"{PUBLIC}/verify/KP-0000-0000-0000-0000"


def test_production_refuses_to_start_without_public_url(monkeypatch):
    from config import ProductionConfig

    monkeypatch.setenv("SECRET_KEY", "y" * 48)
    monkeypatch.delenv("LMS_PUBLIC_URL", raising=False)
    with pytest.raises(RuntimeError, match="LMS_PUBLIC_URL"):
        ProductionConfig.init_secret()
    monkeypatch.setenv("LMS_PUBLIC_URL", "lms.example.pk")  # no scheme: not an address
    with pytest.raises(RuntimeError, match="LMS_PUBLIC_URL"):
        ProductionConfig.init_secret()
    monkeypatch.setenv("LMS_PUBLIC_URL", "https://lms.example.pk/")
    ProductionConfig.init_secret()
    assert ProductionConfig.LMS_PUBLIC_URL == "https://lms.example.pk/"


def test_development_uses_the_address_it_serves_on(app):
    from lms.core.urls import public_base

    app.config["LMS_PUBLIC_URL"] = ""
    app.config["ENV_NAME"] = "development"
    with app.test_request_context("/", base_url="http://127.0.0.1:5057"):
        assert public_base() == "http://127.0.0.1:5057"
    assert public_base() == "http://127.0.0.1:5000"  # outside a request (the CLI)
    app.config["ENV_NAME"] = "production"
    with pytest.raises(RuntimeError), app.test_request_context("/"):
        public_base()


def test_make_run_points_public_links_at_its_own_port():
    from pathlib import Path

    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    assert re.search(r"^LMS_PUBLIC_URL \?= http://\$\(HOST\):\$\(PORT\)$", makefile, re.M)
    assert re.search(r"^export LMS_PUBLIC_URL$", makefile, re.M)
