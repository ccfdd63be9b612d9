"""The catalogue API contract: /courses and /tracks, status codes, error bodies, envelopes."""

import pytest
import sqlalchemy as sa

from lms.catalogue import services
from lms.catalogue.models import Course, Track
from lms.extensions import db
from tests.catalogue.conftest import ROLES, course_payload

API = "/api/v1"


@pytest.fixture
def draft(trainer):
    course = services.create_course(trainer, course_payload(code="DRF-101", title="Draft course"))
    db.session.commit()
    return course


@pytest.fixture
def published(trainer):
    course = services.create_course(trainer, course_payload(code="PUB-101", title="Live course",
                                                            track="student"))
    services.publish_course(trainer, course)
    db.session.commit()
    return course


@pytest.fixture
def track(trainer, published):
    t = services.create_track(trainer, {"name": "Cloud path", "audience": "student",
                                        "course_ids": [published.id]})
    db.session.commit()
    return t


def _error(resp, status, code=None):
    assert resp.status_code == status, resp.get_json()
    body = resp.get_json()
    assert set(body) == {"error"} and {"code", "message", "fields"} <= set(body["error"])
    if code:
        assert body["error"]["code"] == code
    return body["error"]


# ------------------------------------------------------------------ permissions, every route

WRITERS = {"anonymous": 401, "student": 403, "faculty": 403, "owner": 201, "other_trainer": 201,
           "park_manager": 403, "admin": 201}
OWNER_ONLY = {"anonymous": 401, "student": 404, "faculty": 404, "owner": 200,
              "other_trainer": 403, "park_manager": 403, "admin": 200}
EVERYONE = dict.fromkeys(ROLES, 200)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "url", "body", "expected"), [
    ("get", "/courses", None, EVERYONE),
    ("post", "/courses", "NEW", WRITERS),
    ("get", "/courses/PUB", None, EVERYONE),
    ("get", "/courses/DRF", None, {"anonymous": 404, "student": 404, "faculty": 404, "owner": 200,
                                   "other_trainer": 200, "park_manager": 200, "admin": 200}),
    ("get", "/courses/999999", None, dict.fromkeys(ROLES, 404)),
    ("patch", "/courses/DRF", {"title": "Changed"}, OWNER_ONLY),
    ("patch", "/courses/PUB", {"title": "Changed"},
     {**OWNER_ONLY, "student": 403, "faculty": 403}),
    ("post", "/courses/DRF/publish", None, OWNER_ONLY),
    ("post", "/courses/PUB/archive", None, {**OWNER_ONLY, "student": 403, "faculty": 403}),
    ("get", "/tracks", None, EVERYONE),
    ("get", "/tracks/TRK", None, EVERYONE),
    ("post", "/tracks", "TRACK", WRITERS),
    ("patch", "/tracks/TRK", {"name": "Renamed"},
     {"anonymous": 401, "student": 403, "faculty": 403, "owner": 200, "other_trainer": 403,
      "park_manager": 403, "admin": 200}),
])
def test_api_permissions(app, actor_for, trainer, draft, published, track, role, method, url, body,
                         expected):
    _, _, headers = actor_for(role, owner=trainer)
    url = (url.replace("PUB", str(published.id)).replace("DRF", str(draft.id))
           .replace("TRK", str(track.id)))
    if body == "NEW":
        body = course_payload(code="NEW-101")
    elif body == "TRACK":
        body = {"name": f"Track by {role}", "audience": "student", "course_ids": [published.id]}
    resp = getattr(app.test_client(), method)(API + url, json=body, headers=headers)
    assert resp.status_code == expected[role], resp.get_json()
    if resp.status_code >= 400:
        _error(resp, resp.status_code)


def test_session_cookie_works_for_the_api_too(login_as, draft, trainer):
    client, _ = login_as("trainer", user=trainer)
    assert client.get(f"{API}/courses/{draft.id}").status_code == 200


# ------------------------------------------------------------------ courses


def test_create_course_returns_the_draft(client, trainer, token_for):
    body = course_payload(status="published", id=77, owner_id=12345, published_at="2020-01-01")
    resp = client.post(f"{API}/courses", json=body, headers=token_for(trainer))
    assert resp.status_code == 201
    data = resp.get_json()
    assert data["status"] == "draft" and data["owner_id"] == trainer.id and data["id"] != 77
    assert data["published_at"] is None
    assert data["code"] == "CLD-201" and data["skills"] == ["aws", "terraform"]
    assert data["industry_partners"] == ["AWS", "10Pearls"]
    assert data["min_attendance_percent"] == 80 and data["duration_hours"] == 60
    assert [m["title"] for m in data["modules"]] == ["Well-Architected", "Serverless"]
    assert data["prerequisite_ids"] == []
    for key in ("id", "code", "title", "summary", "track", "level", "duration_hours", "skills",
                "industry_partners", "min_attendance_percent", "status"):
        assert key in data


def test_minimal_body_of_api_md(client, trainer, token_for):
    resp = client.post(f"{API}/courses", headers=token_for(trainer), json={
        "code": "SEC-201", "title": "Cybersecurity", "summary": "", "track": "student",
        "level": "beginner", "duration_hours": 48, "skills": [], "industry_partners": []})
    assert resp.status_code == 201 and resp.get_json()["min_attendance_percent"] == 75


def test_duplicate_code_is_409(client, trainer, token_for, published):
    resp = client.post(f"{API}/courses", json=course_payload(code="pub-101"),
                       headers=token_for(trainer))
    err = _error(resp, 409, "duplicate_code")
    assert err["fields"] == {"code": ["Already used by another course."]}


@pytest.mark.parametrize(("body", "field"), [
    ({"code": "cloud"}, "code"),
    ({"duration_hours": "40"}, "duration_hours"),     # strict types
    ({"duration_hours": 0}, "duration_hours"),
    ({"track": "alumni"}, "track"),
    ({"level": "guru"}, "level"),
    ({"min_attendance_percent": 120}, "min_attendance_percent"),
    ({"skills": "aws"}, "skills"),
    ({"modules": [{"hours": 3}]}, "modules"),
    ({"title": ""}, "title"),
    ({"prerequisite_ids": [424242]}, "prerequisite_ids"),
])
def test_invalid_bodies_are_422_with_fields(client, trainer, token_for, body, field):
    resp = client.post(f"{API}/courses", json=course_payload(**body), headers=token_for(trainer))
    err = _error(resp, 422)
    assert field in err["fields"]


def test_missing_required_fields(client, trainer, token_for):
    err = _error(client.post(f"{API}/courses", json={}, headers=token_for(trainer)), 422)
    assert {"code", "title", "track", "duration_hours"} <= set(err["fields"])


def test_non_json_body_is_415_and_malformed_json_400(client, trainer, token_for):
    headers = token_for(trainer)
    resp = client.post(f"{API}/courses", data="code=CLD-201", headers=headers,
                       content_type="application/x-www-form-urlencoded")
    _error(resp, 415)
    resp = client.post(f"{API}/courses", data="{not json", headers=headers,
                       content_type="application/json")
    assert resp.status_code in (400, 422)
    _error(resp, resp.status_code)


def test_patch_edits_and_respects_status(client, trainer, token_for, draft):
    headers = token_for(trainer)
    resp = client.patch(f"{API}/courses/{draft.id}", headers=headers, json={
        "title": "Renamed", "status": "published", "skills": ["Go"],
        "modules": [{"title": "Only module", "hours": 3}]})
    assert resp.status_code == 200
    data = resp.get_json()
    assert data["title"] == "Renamed" and data["status"] == "draft"  # status is not settable
    assert data["skills"] == ["go"] and [m["title"] for m in data["modules"]] == ["Only module"]
    assert client.post(f"{API}/courses/{draft.id}/publish", headers=headers).status_code == 200
    err = _error(client.patch(f"{API}/courses/{draft.id}", headers=headers,
                              json={"code": "NEW-999"}), 409, "not_editable")
    assert list(err["fields"]) == ["code"]
    _error(client.post(f"{API}/courses/{draft.id}/publish", headers=headers), 409,
           "invalid_status")
    assert client.post(f"{API}/courses/{draft.id}/archive", headers=headers).status_code == 200
    _error(client.patch(f"{API}/courses/{draft.id}", headers=headers, json={"title": "x"}), 409,
           "not_editable")
    assert client.get(f"{API}/courses/{draft.id}").get_json()["status"] == "archived"


def test_patch_prerequisite_cycle_is_422(client, trainer, token_for):
    headers = token_for(trainer)
    a = client.post(f"{API}/courses", json=course_payload(code="AAA-101"), headers=headers)
    a_id = a.get_json()["id"]
    b = client.post(f"{API}/courses", json=course_payload(code="BBB-101",
                                                          prerequisite_ids=[a_id]),
                    headers=headers)
    assert b.get_json()["prerequisite_ids"] == [a_id]
    err = _error(client.patch(f"{API}/courses/{a_id}", headers=headers,
                              json={"prerequisite_ids": [b.get_json()["id"]]}), 422,
                 "prerequisite_cycle")
    assert "prerequisite_ids" in err["fields"]


def test_list_envelope_filters_and_drafts(client, make_user, token_for, draft, published,
                                          make_course):
    make_course("PED-101", track="faculty", title="Teaching labs")
    resp = client.get(f"{API}/courses")
    body = resp.get_json()
    assert set(body) == {"items", "page", "per_page", "total"}
    assert (body["page"], body["per_page"], body["total"]) == (1, 50, 2)
    assert [c["code"] for c in body["items"]] == ["PED-101", "PUB-101"]
    assert [c["code"] for c in client.get(f"{API}/courses?track=faculty").get_json()["items"]] == [
        "PED-101"]
    assert [c["code"] for c in client.get(f"{API}/courses?q=teach").get_json()["items"]] == [
        "PED-101"]
    assert [c["code"] for c in client.get(f"{API}/courses?skill=AWS").get_json()["items"]] == [
        "PUB-101"]
    assert client.get(f"{API}/courses?status=draft").get_json()["total"] == 0
    learner = token_for(make_user("student"))
    assert client.get(f"{API}/courses?status=draft", headers=learner).get_json()["total"] == 0
    staff = token_for(make_user("park_manager"))
    items = client.get(f"{API}/courses?status=draft", headers=staff).get_json()["items"]
    assert [c["code"] for c in items] == ["DRF-101"]
    body = client.get(f"{API}/courses?per_page=1&page=2").get_json()
    assert (body["page"], body["per_page"], body["total"], len(body["items"])) == (2, 1, 2, 1)


def test_list_items_are_the_detail_less_modules(client, token_for, trainer, make_course):
    """Every list item (built from plain rows) equals GET /courses/{id} without `modules`."""
    from datetime import UTC, datetime

    from lms.catalogue.models import CourseModule, CourseSkill

    later = make_course("PRQ-B", owner=trainer, title="Second by code, first by id")
    sooner = make_course("PRQ-A", owner=trainer, title="First by code", status="draft",
                         industry_partners=["NetSol"])
    main = make_course("MAIN-101", owner=trainer, summary="Build **APIs**.",
                       industry_partners=["Systems Ltd", "10Pearls", "Arbisoft"],
                       min_attendance_percent=80, published_at=datetime(2026, 1, 5, 5, tzinfo=UTC))
    for name in ("python", "aws", "docker"):
        db.session.add(CourseSkill(course_id=main.id, name=name))
    db.session.add(CourseSkill(course_id=later.id, name="git"))
    db.session.add(CourseModule(course_id=main.id, position=1, title="Intro", hours=2))
    main.prerequisites = [later, sooner]
    db.session.commit()
    staff = token_for(trainer)
    items = client.get(f"{API}/courses?status=any", headers=staff).get_json()["items"]
    assert [c["code"] for c in items] == ["MAIN-101", "PRQ-A", "PRQ-B"]
    first = items[0]
    assert first["skills"] == ["aws", "docker", "python"]
    assert first["prerequisite_ids"] == [sooner.id, later.id]  # by code, not by id
    assert first["industry_partners"] == ["Systems Ltd", "10Pearls", "Arbisoft"]
    assert first["published_at"] is not None and items[1]["published_at"] is None
    assert items[1]["skills"] == [] and items[1]["prerequisite_ids"] == []
    for item in items:
        detail = client.get(f"{API}/courses/{item['id']}", headers=staff).get_json()
        assert list(item) == [k for k in detail if k != "modules"]
        assert item == {k: v for k, v in detail.items() if k != "modules"}
    assert len(client.get(f"{API}/courses/{main.id}").get_json()["modules"]) == 1


@pytest.mark.parametrize("query", ["per_page=201", "page=0", "track=alumni", "status=deleted",
                                   "per_page=x"])
def test_bad_list_queries_are_422(client, query):
    _error(client.get(f"{API}/courses?{query}"), 422)


# ------------------------------------------------------------------ tracks


def test_create_and_list_tracks(client, trainer, token_for, published, make_course):
    other = make_course("SEC-201", track="both")
    headers = token_for(trainer)
    resp = client.post(f"{API}/tracks", headers=headers, json={
        "name": "Student path", "audience": "student", "course_ids": [other.id, published.id],
        "created_by_id": 999})
    assert resp.status_code == 201
    data = resp.get_json()
    assert data["course_ids"] == [other.id, published.id] and data["audience"] == "student"
    assert [c["code"] for c in data["courses"]] == ["SEC-201", "PUB-101"]
    assert data["created_by_id"] == trainer.id
    body = client.get(f"{API}/tracks").get_json()
    assert set(body) == {"items", "page", "per_page", "total"} and body["total"] == 1
    resp = client.patch(f"{API}/tracks/{data['id']}", headers=headers,
                        json={"course_ids": [published.id, other.id]})
    assert resp.get_json()["course_ids"] == [published.id, other.id]


def test_track_errors(client, trainer, token_for, published, track, make_course):
    headers = token_for(trainer)
    faculty_only = make_course("PED-101", track="faculty")
    err = _error(client.post(f"{API}/tracks", headers=headers, json={
        "name": "Bad", "audience": "student", "course_ids": [faculty_only.id]}), 422)
    assert "course_ids" in err["fields"]
    _error(client.post(f"{API}/tracks", headers=headers, json={
        "name": "Cloud path", "audience": "student", "course_ids": [published.id]}), 409,
        "duplicate_track")
    err = _error(client.post(f"{API}/tracks", headers=headers, json={"name": "x"}), 422)
    assert {"audience", "course_ids"} <= set(err["fields"])
    _error(client.get(f"{API}/tracks/999999"), 404)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Track)) == 1


def test_track_progress_api(client, make_user, token_for, track, published, make_cohort, enrol):
    learner = make_user("student")
    enrol(make_cohort(course=published), learner, "completed")
    body = client.get(f"{API}/tracks/{track.id}/progress", headers=token_for(learner)).get_json()
    assert (body["done"], body["total"], body["complete"]) == (1, 1, True)
    assert body["courses"] == [{"id": published.id, "code": "PUB-101", "title": "Live course",
                                "done": True}]
    other = make_user("student")
    resp = client.get(f"{API}/tracks/{track.id}/progress?user_id={learner.id}",
                      headers=token_for(other))
    _error(resp, 404)
    resp = client.get(f"{API}/tracks/{track.id}/progress?user_id={learner.id}",
                      headers=token_for(make_user("admin")))
    assert resp.get_json()["done"] == 1
    _error(client.get(f"{API}/tracks/{track.id}/progress"), 401)


def test_openapi_documents_the_routes(client):
    paths = client.get(f"{API}/openapi.json").get_json()["paths"]
    for path in ("/api/v1/courses", "/api/v1/courses/{course_id}",
                 "/api/v1/courses/{course_id}/publish", "/api/v1/tracks"):
        assert path in paths, sorted(paths)


def test_no_course_row_is_left_by_a_refused_create(client, make_user, token_for):
    client.post(f"{API}/courses", json=course_payload(), headers=token_for(make_user("student")))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Course)) == 0
