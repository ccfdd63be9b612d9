"""HTML pages: catalogue, course page, course and track forms, publish/archive, permissions."""

import re

import pytest
import sqlalchemy as sa

from lms.catalogue import services
from lms.catalogue.models import Course, Track
from lms.extensions import db
from tests.catalogue.conftest import ROLES, course_payload


def _form(code="CLD-201", **over) -> dict:
    data = {"code": code, "title": "Cloud Solutions Architecture", "summary": "Design on **AWS**.",
            "track": "both", "level": "intermediate", "duration_hours": "60",
            "min_attendance_percent": "75", "skills": "AWS, Terraform",
            "industry_partners": "AWS, 10Pearls",
            "modules-0-position": "2", "modules-0-title": "Serverless", "modules-0-hours": "14",
            "modules-0-description": "Lambda *and* API Gateway",
            "modules-1-position": "1", "modules-1-title": "Well-Architected",
            "modules-1-hours": "10", "modules-2-position": "3", "modules-2-title": ""}
    data.update(over)
    return data


@pytest.fixture
def draft(trainer):
    course = services.create_course(trainer, course_payload(code="DRF-101", title="Draft course"))
    db.session.commit()
    return course


@pytest.fixture
def published(trainer):
    course = services.create_course(trainer, course_payload(code="PUB-101", title="Live course"))
    services.publish_course(trainer, course)
    db.session.commit()
    return course


@pytest.fixture
def track(trainer, published):
    t = services.create_track(trainer, {"name": "Cloud path", "audience": "student",
                                        "course_ids": [published.id]})
    db.session.commit()
    return t


# ------------------------------------------------------------------ permissions, every route

LOGIN = 302  # HTML: visitors are sent to the login page
ALLOWED_WRITERS = {"anonymous": LOGIN, "student": 403, "faculty": 403, "owner": 200,
                   "other_trainer": 200, "park_manager": 403, "admin": 200}
OWNER_ONLY = {"anonymous": LOGIN, "student": 403, "faculty": 403, "owner": 200,
              "other_trainer": 403, "park_manager": 403, "admin": 200}
EVERYONE = dict.fromkeys(ROLES, 200)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "url", "expected"), [
    ("get", "/courses", EVERYONE),
    ("get", "/courses/PUB-101", EVERYONE),
    ("get", "/courses/DRF-101", {"anonymous": 404, "student": 404, "faculty": 404, "owner": 200,
                                 "other_trainer": 200, "park_manager": 200, "admin": 200}),
    ("get", "/courses/NOP-999", {**dict.fromkeys(ROLES, 404)}),
    ("get", "/courses/mine", ALLOWED_WRITERS),
    ("get", "/courses/new", ALLOWED_WRITERS),
    ("get", "/courses/DRF-101/edit", OWNER_ONLY),
    ("get", "/courses/PUB-101/edit", OWNER_ONLY),
    ("post", "/courses/DRF-101/publish", {**OWNER_ONLY, "owner": 302, "admin": 302}),
    ("post", "/courses/PUB-101/archive", {**OWNER_ONLY, "owner": 302, "admin": 302}),
    ("get", "/tracks", EVERYONE),
    ("get", "/tracks/TRACK", EVERYONE),
    ("get", "/tracks/new", ALLOWED_WRITERS),
    ("get", "/tracks/TRACK/edit", OWNER_ONLY),
])
def test_html_permissions(actor_for, trainer, draft, published, track, role, method, url,
                          expected):
    _, client, _ = actor_for(role, owner=trainer)
    resp = getattr(client, method)(url.replace("TRACK", str(track.id)))
    assert resp.status_code == expected[role], resp.get_data(as_text=True)[:300]
    if resp.status_code == 302 and expected[role] == LOGIN and role == "anonymous":
        assert resp.headers["Location"].startswith("/login")


@pytest.mark.parametrize("role", ["student", "faculty", "park_manager", "other_trainer"])
def test_forbidden_writes_change_nothing(actor_for, trainer, draft, role):
    _, client, _ = actor_for(role, owner=trainer)
    client.post("/courses/DRF-101/publish")
    client.post("/courses/DRF-101/edit", data=_form("DRF-101", title="Hijacked"))
    db.session.expire_all()
    course = db.session.get(Course, draft.id)
    assert course.status == "draft" and course.title == "Draft course"


def test_nav_entries(client, login_as):
    page = client.get("/courses").get_data(as_text=True)
    assert 'href="/courses"' in page and 'href="/tracks"' in page
    assert 'href="/courses/mine"' not in page
    c, _ = login_as("trainer")
    assert 'href="/courses/mine"' in c.get("/courses").get_data(as_text=True)
    c, _ = login_as("student")
    assert 'href="/courses/mine"' not in c.get("/courses").get_data(as_text=True)


# ------------------------------------------------------------------ course forms


def test_trainer_creates_a_course_with_ordered_modules(login_as, trainer):
    client, _ = login_as("trainer", user=trainer)
    resp = client.post("/courses/new", data=_form(code="cld-201"))
    assert resp.status_code == 302 and resp.headers["Location"] == "/courses/CLD-201"
    course = db.session.scalar(sa.select(Course).where(Course.code == "CLD-201"))
    assert course.status == "draft" and course.owner_id == trainer.id
    assert [(m.position, m.title, m.hours) for m in course.modules] == [
        (1, "Well-Architected", 10), (2, "Serverless", 14)]
    assert course.skills == ["aws", "terraform"]
    assert course.industry_partners == ["AWS", "10Pearls"]
    page = client.get("/courses/CLD-201").get_data(as_text=True)
    assert "<strong>AWS</strong>" in page and "Lambda <em>and</em> API Gateway" in page
    assert page.index("Well-Architected") < page.index("Serverless")


def test_duplicate_code_is_a_form_error_not_a_500(login_as, trainer, published):
    client, _ = login_as("trainer", user=trainer)
    resp = client.post("/courses/new", data=_form(code="pub-101"))
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert "Already used by another course." in page and 'aria-invalid="true"' in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Course)) == 1


def test_bad_code_and_missing_fields_are_form_errors(login_as):
    client, _ = login_as("trainer")
    resp = client.post("/courses/new", data=_form(code="cloud-1", title=""))
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert "This field is required." in page
    resp = client.post("/courses/new", data=_form(code="cloud-1"))
    assert "2 to 5 capital letters" in resp.get_data(as_text=True)


def test_module_description_without_title_is_an_error(login_as):
    client, _ = login_as("trainer")
    resp = client.post("/courses/new", data=_form(**{"modules-2-description": "orphan"}))
    assert resp.status_code == 422 and "Row 3: add a title." in resp.get_data(as_text=True)


def test_add_more_rows_keeps_what_was_typed_and_saves_nothing(login_as):
    client, _ = login_as("trainer")
    resp = client.post("/courses/new", data={**_form(), "add_rows": "1"})
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    assert 'name="modules-5-title"' in page and 'value="Serverless"' in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Course)) == 0


def test_edit_reorders_and_removes_modules(login_as, trainer, draft):
    client, _ = login_as("trainer", user=trainer)
    page = client.get("/courses/DRF-101/edit").get_data(as_text=True)
    assert 'value="Well-Architected"' in page and 'value="aws, terraform"' in page
    ids = [m.id for m in draft.modules]
    resp = client.post("/courses/DRF-101/edit", data=_form(
        "DRF-101", **{"modules-0-id": str(ids[0]), "modules-0-position": "2",
                      "modules-0-title": "Well-Architected",
                      "modules-1-id": str(ids[1]), "modules-1-position": "1",
                      "modules-1-title": "Serverless first", "modules-1-hours": "14",
                      "modules-2-title": ""}))
    assert resp.status_code == 302
    db.session.expire_all()
    course = db.session.get(Course, draft.id)
    assert [(m.id, m.title) for m in course.modules] == [(ids[1], "Serverless first"),
                                                         (ids[0], "Well-Architected")]


def test_published_course_form_hides_frozen_fields(login_as, trainer, published):
    client, _ = login_as("trainer", user=trainer)
    page = client.get("/courses/PUB-101/edit").get_data(as_text=True)
    assert 'name="code"' not in page and 'name="track"' not in page and 'name="title"' in page
    # a crafted post that sends the code anyway changes nothing of it
    resp = client.post("/courses/PUB-101/edit", data=_form("XXX-999", title="Renamed"))
    assert resp.status_code == 302
    db.session.expire_all()
    course = db.session.get(Course, published.id)
    assert course.code == "PUB-101" and course.title == "Renamed"


def test_archived_course_edit_redirects(login_as, trainer, published):
    client, _ = login_as("trainer", user=trainer)
    client.post("/courses/PUB-101/archive")
    resp = client.get("/courses/PUB-101/edit")
    assert resp.status_code == 302
    page = client.get("/courses/PUB-101").get_data(as_text=True)
    assert "archived" in page.lower() and "Edit course" not in page


def test_publish_and_archive_buttons(login_as, trainer, draft):
    client, _ = login_as("trainer", user=trainer)
    page = client.get("/courses/DRF-101").get_data(as_text=True)
    assert 'action="/courses/DRF-101/publish"' in page
    assert client.post("/courses/DRF-101/publish").status_code == 302
    assert db.session.get(Course, draft.id).status == "published"
    assert client.post("/courses/DRF-101/publish").status_code == 302  # flashed, not a 500
    page = client.get("/courses/DRF-101").get_data(as_text=True)
    assert "cannot be published" in page and 'action="/courses/DRF-101/archive"' in page


def test_markdown_on_the_course_page_is_sanitised(login_as, trainer):
    course = services.create_course(trainer, course_payload(
        code="XSS-101",
        summary="Hi <script>alert('s')</script> <img src=x onerror=alert(1)> "
                "[link](javascript:alert(2))",
        modules=[{"title": "M <b>1</b>", "hours": 1,
                  "description": '<a href="#" onclick="alert(3)">x</a> [y](javascript:alert(4))'}]))
    services.publish_course(trainer, course)
    db.session.commit()
    page = login_as("student")[0].get("/courses/XSS-101").get_data(as_text=True)
    assert "<script>alert" not in page and "<img" not in page
    assert 'href="javascript' not in page.lower()
    assert not re.search(r"<[a-z][^>]*\son\w+\s*=", page, re.I)  # no real tag has a handler
    assert "&lt;a href=" in page  # the raw HTML was shown as text, escaped
    assert "M &lt;b&gt;1&lt;/b&gt;" in page  # titles are plain text, escaped


# ------------------------------------------------------------------ catalogue list


def test_catalogue_filters_and_search_in_the_page(client, make_course):
    make_course("CLD-101", title="Cloud Computing", track="both")
    make_course("PED-101", title="Teaching Labs", track="faculty")
    make_course("DRF-101", title="Secret draft", status="draft")
    page = client.get("/courses").get_data(as_text=True)
    assert "CLD-101" in page and "PED-101" in page and "DRF-101" not in page
    page = client.get("/courses?track=student").get_data(as_text=True)
    assert "CLD-101" in page and "PED-101" not in page
    page = client.get("/courses?q=teach").get_data(as_text=True)
    assert "PED-101" in page and "CLD-101" not in page and "1 course found" in page
    page = client.get("/courses?status=draft").get_data(as_text=True)
    assert "DRF-101" not in page


def test_catalogue_paginates(client, make_course):
    for i in range(25):
        make_course(f"PAG-{i:03d}")
    page = client.get("/courses").get_data(as_text=True)
    assert "PAG-019" in page and "PAG-020" not in page and "Page 1 of 2" in page
    page = client.get("/courses?page=2").get_data(as_text=True)
    assert "PAG-024" in page and "PAG-000" not in page
    assert client.get("/courses?per_page=500").status_code == 422


def test_park_filter_in_the_page(client, make_course, make_upcoming_cohort):
    a, _ = make_course("CLD-101"), make_course("DEV-201")
    make_upcoming_cohort(a)
    page = client.get("/courses?park=lahore").get_data(as_text=True)
    assert "CLD-101" in page and "DEV-201" not in page
    assert "DEV-201" in client.get("/courses?park=nowhere").get_data(as_text=True)


def test_trainer_sees_own_drafts_in_my_courses(login_as, trainer, draft, published, make_course):
    make_course("OTH-101", status="draft")
    client, _ = login_as("trainer", user=trainer)
    page = client.get("/courses/mine").get_data(as_text=True)
    assert "DRF-101" in page and "PUB-101" in page and "OTH-101" not in page


def test_course_page_shows_cohorts_with_seats(client, published, make_upcoming_cohort):
    make_upcoming_cohort(published, capacity=30, enrolled=28, name="Evening batch")
    make_upcoming_cohort(published, capacity=10, enrolled=10, name="Full batch", in_days=20)
    page = client.get("/courses/pub-101").get_data(as_text=True)
    assert "Knowledge Park Lahore" in page and "Evening batch" in page
    assert '<td class="num">2</td>' in page and "Full" in page


# ------------------------------------------------------------------ tracks


def test_build_a_track_from_codes(login_as, trainer, published, make_course):
    other = make_course("SEC-201", track="student")
    client, _ = login_as("trainer", user=trainer)
    resp = client.post("/tracks/new", data={"name": "Student path", "audience": "student",
                                            "course_ids": "sec-201\nPUB-101"})
    assert resp.status_code == 302
    t = db.session.scalar(sa.select(Track))
    assert t.course_ids == [other.id, published.id]
    resp = client.post(f"/tracks/{t.id}/edit", data={"name": "Student path", "audience": "student",
                                                     "course_ids": "PUB-101, SEC-201"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Track, t.id).course_ids == [published.id, other.id]


def test_track_form_errors(login_as, trainer, published, make_course):
    make_course("PED-101", track="faculty")
    client, _ = login_as("trainer", user=trainer)
    resp = client.post("/tracks/new", data={"name": "X", "audience": "student",
                                            "course_ids": "PED-101\nNOP-999"})
    assert resp.status_code == 422 and "No course NOP-999." in resp.get_data(as_text=True)
    resp = client.post("/tracks/new", data={"name": "X", "audience": "student",
                                            "course_ids": "PED-101"})
    assert "does not serve student learners" in resp.get_data(as_text=True)


def test_learner_track_page_shows_done_marks(login_as, track, published, make_cohort, enrol):
    client, learner = login_as("student")
    page = client.get(f"/tracks/{track.id}").get_data(as_text=True)
    assert "0 of 1 courses done" in page
    enrol(make_cohort(course=published), learner, "completed")
    page = client.get(f"/tracks/{track.id}").get_data(as_text=True)
    assert "1 of 1 courses done" in page and "✓ Done" in page and "Track complete" in page


def test_visitors_see_tracks_without_progress(client, track):
    page = client.get(f"/tracks/{track.id}").get_data(as_text=True)
    assert "Cloud path" in page and "Your progress" not in page


def test_home_panels(login_as, trainer, draft, published, track, make_cohort, enrol):
    client, _ = login_as("trainer", user=trainer)
    page = client.get("/").get_data(as_text=True)
    assert "1 draft," in page and "1 published" in page
    client, learner = login_as("student")
    enrol(make_cohort(course=published), learner, "completed")
    page = client.get("/").get_data(as_text=True)
    assert "Cloud path</a>: 1 of 1 courses done" in page
    client, _ = login_as("faculty")
    assert "No tracks for you yet." in client.get("/").get_data(as_text=True)


def test_home_track_progress_counts_each_course_once(login_as, trainer, published, make_course,
                                                     make_cohort, enrol):
    second, third = make_course(owner=trainer), make_course(owner=trainer)
    services.create_track(trainer, {"name": "Data path", "audience": "student",
                                    "course_ids": [published.id, second.id, third.id]})
    services.create_track(trainer, {"name": "Faculty path", "audience": "faculty",
                                    "course_ids": [published.id]})
    db.session.commit()
    client, learner = login_as("student")
    enrol(make_cohort(course=published), learner, "completed")
    enrol(make_cohort(course=published), learner, "completed")  # the same course twice
    enrol(make_cohort(course=second), learner, "enrolled")  # not done yet
    page = client.get("/").get_data(as_text=True)
    assert "Data path</a>: 1 of 3 courses done" in page
    assert "Faculty path" not in page  # another audience's track
