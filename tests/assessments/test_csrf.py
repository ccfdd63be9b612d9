"""With CSRF on: the take page's token works for the JavaScript PUT (X-CSRFToken) and forms."""

import pytest
import sqlalchemy as sa

from lms.assessments.models import Attempt
from lms.extensions import db
from tests.conftest import PASSWORD, csrf_token_from


@pytest.fixture
def app_overrides():
    return {"WTF_CSRF_ENABLED": True}


def test_autosave_with_session_and_csrf_header(app, world):
    w = world
    c = app.test_client()
    token = csrf_token_from(c.get("/login").get_data(as_text=True))
    assert c.post("/login", data={"email": w.learner.email, "password": PASSWORD,
                                  "csrf_token": token}).status_code == 302
    page = c.get(f"/assessments/{w.exam.id}").get_data(as_text=True)
    assert c.post(f"/assessments/{w.exam.id}/start").status_code == 400  # no token: refused
    c.post(f"/assessments/{w.exam.id}/start", data={"csrf_token": csrf_token_from(page)})
    attempt = db.session.scalar(sa.select(Attempt))
    take = c.get(f"/attempts/{attempt.id}/take").get_data(as_text=True)
    token = csrf_token_from(take)
    body = {"answers": [{"question_id": w.q["true_false"].id, "response": True}]}
    url = f"/api/v1/attempts/{attempt.id}/answers"
    assert c.put(url, json=body).status_code == 400
    resp = c.put(url, json=body, headers={"X-CSRFToken": token})
    assert resp.status_code == 200, resp.get_json()
    db.session.expire_all()
    assert [a.response for a in attempt.answers] == [True]
