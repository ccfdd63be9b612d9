"""With CSRF on: the catalogue's POST forms and buttons need the token; the API with a bearer
token does not."""

import pytest

from lms.catalogue import services
from lms.catalogue.models import Course
from lms.extensions import db
from tests.catalogue.conftest import course_payload
from tests.conftest import AuthActions, csrf_token_from


@pytest.fixture
def app_overrides():
    return {"WTF_CSRF_ENABLED": True}


@pytest.fixture
def logged_in(app, trainer):
    client = app.test_client()
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    assert AuthActions(client).login(trainer.email, csrf_token=token).status_code == 302
    return client


def test_publish_button_needs_the_token(logged_in, trainer):
    course = services.create_course(trainer, course_payload())
    db.session.commit()
    assert logged_in.post("/courses/CLD-201/publish").status_code == 400
    page = logged_in.get("/courses/CLD-201").get_data(as_text=True)
    resp = logged_in.post("/courses/CLD-201/publish", data={"csrf_token": csrf_token_from(page)})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Course, course.id).status == "published"


def test_course_form_carries_the_token(logged_in):
    page = logged_in.get("/courses/new").get_data(as_text=True)
    resp = logged_in.post("/courses/new", data={
        "csrf_token": csrf_token_from(page), "code": "CLD-201", "title": "Cloud", "track": "both",
        "level": "beginner", "duration_hours": "40", "min_attendance_percent": "75"})
    assert resp.status_code == 302
    assert logged_in.post("/courses/new", data={"code": "CLD-202"}).status_code == 400


def test_api_with_bearer_token_needs_no_csrf(app, trainer, token_for):
    resp = app.test_client().post("/api/v1/courses", json=course_payload(),
                                  headers=token_for(trainer))
    assert resp.status_code == 201
