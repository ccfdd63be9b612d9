"""Catalogue use cases against the database: courses, status, prerequisites, search, tracks."""

import pytest
import sqlalchemy as sa

from lms.catalogue import services
from lms.catalogue.models import Course, CourseSkill
from lms.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from lms.core.models import AuditEvent
from lms.extensions import db
from tests.catalogue.conftest import course_payload


def test_create_course_normalises_and_records(trainer):
    course = services.create_course(trainer, course_payload(code=" cld-201 ",
                                                            skills=["AWS", "#aws", "Cloud  Ops"]))
    db.session.commit()
    assert course.code == "CLD-201" and course.status == "draft"
    assert course.owner_id == trainer.id
    assert course.skills == ["aws", "cloud ops"]
    assert [m.title for m in course.modules] == ["Well-Architected", "Serverless"]
    assert [m.position for m in course.modules] == [1, 2]
    assert course.min_attendance_percent == 80
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "course.create"))
    assert event.object_id == course.id and event.actor_id == trainer.id


def test_default_min_attendance_is_75(trainer):
    data = course_payload()
    del data["min_attendance_percent"]
    assert services.create_course(trainer, data).min_attendance_percent == 75


@pytest.mark.parametrize("role", ["student", "faculty", "park_manager"])
def test_only_trainers_and_admins_create(make_user, role):
    with pytest.raises(Forbidden):
        services.create_course(make_user(role), course_payload())


def test_admin_may_create_for_a_trainer(make_user, trainer):
    course = services.create_course(make_user("admin"), course_payload(owner_id=trainer.id))
    assert course.owner_id == trainer.id


def test_duplicate_code_is_a_conflict(trainer, other_trainer):
    services.create_course(trainer, course_payload())
    db.session.commit()
    with pytest.raises(Conflict) as exc:
        services.create_course(other_trainer, course_payload(code="cld-201", title="Other"))
    assert exc.value.code == "duplicate_code" and "code" in exc.value.fields


def test_renaming_to_a_taken_code_is_a_conflict(trainer, make_course):
    make_course("DEV-201")
    course = services.create_course(trainer, course_payload())
    db.session.commit()
    with pytest.raises(Conflict):
        services.update_course(trainer, course, {"code": "DEV-201"})


def test_invalid_fields_are_validation_errors(trainer):
    with pytest.raises(ValidationFailed) as exc:
        services.create_course(trainer, course_payload(code="cloud201", duration_hours=0,
                                                       track="alumni"))
    assert set(exc.value.fields) == {"code", "duration_hours", "track"}


def test_update_changes_fields_modules_and_skills(trainer):
    course = services.create_course(trainer, course_payload())
    db.session.commit()
    first_module_id = course.modules[0].id
    services.update_course(trainer, course, {
        "title": "New title", "skills": ["Docker"],
        "modules": [{"title": "Serverless", "hours": 14, "description": ""},
                    {"id": first_module_id, "title": "Well-Architected (revised)", "hours": 12,
                     "description": "x"}]})
    db.session.commit()
    db.session.expire_all()
    course = db.session.get(Course, course.id)
    assert course.title == "New title" and course.skills == ["docker"]
    assert [(m.position, m.title) for m in course.modules] == [
        (1, "Serverless"), (2, "Well-Architected (revised)")]
    assert course.modules[1].id == first_module_id  # kept its identity when moved
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CourseSkill)) == 1


def test_only_owner_or_admin_edits(trainer, other_trainer, make_user):
    course = services.create_course(trainer, course_payload())
    db.session.commit()
    with pytest.raises(Forbidden):
        services.update_course(other_trainer, course, {"title": "Hijack"})
    with pytest.raises(Forbidden):
        services.update_course(make_user("park_manager"), course, {"title": "Hijack"})
    with pytest.raises(NotFound):  # learners may not even know a draft exists
        services.update_course(make_user("student"), course, {"title": "Hijack"})
    services.update_course(make_user("admin"), course, {"title": "By admin"})
    assert course.title == "By admin"


def test_publish_then_archive(trainer):
    course = services.create_course(trainer, course_payload())
    services.publish_course(trainer, course)
    assert course.status == "published" and course.published_at is not None
    with pytest.raises(Conflict):
        services.publish_course(trainer, course)
    services.archive_course(trainer, course)
    assert course.status == "archived"
    with pytest.raises(Conflict):
        services.archive_course(trainer, course)
    with pytest.raises(Conflict):
        services.publish_course(trainer, course)


def test_a_draft_cannot_be_archived(trainer):
    course = services.create_course(trainer, course_payload())
    with pytest.raises(Conflict) as exc:
        services.archive_course(trainer, course)
    assert exc.value.code == "invalid_status"


def test_published_course_freezes_code_track_and_threshold(trainer):
    course = services.create_course(trainer, course_payload())
    services.publish_course(trainer, course)
    for change in ({"code": "CLD-202"}, {"track": "student"}, {"min_attendance_percent": 60}):
        with pytest.raises(Conflict) as exc:
            services.update_course(trainer, course, change)
        assert exc.value.code == "not_editable" and list(exc.value.fields) == list(change)
    # unchanged values of frozen fields are fine (a form sends everything back)
    services.update_course(trainer, course, {"code": "CLD-201", "title": "Still editable"})
    assert course.title == "Still editable"


def test_archived_course_is_read_only_but_readable(trainer, client):
    course = services.create_course(trainer, course_payload())
    services.publish_course(trainer, course)
    services.archive_course(trainer, course)
    db.session.commit()
    with pytest.raises(Conflict):
        services.update_course(trainer, course, {"title": "Nope"})
    assert client.get("/courses/CLD-201").status_code == 200


def test_prerequisite_cycle_is_refused(trainer):
    a = services.create_course(trainer, course_payload(code="AAA-101"))
    b = services.create_course(trainer, course_payload(code="BBB-101", prerequisite_ids=[a.id]))
    c = services.create_course(trainer, course_payload(code="CCC-101", prerequisite_ids=[b.id]))
    db.session.commit()
    with pytest.raises(ValidationFailed) as exc:
        services.update_course(trainer, a, {"prerequisite_ids": [c.id]})
    assert exc.value.code == "prerequisite_cycle"
    assert "AAA-101 → CCC-101 → BBB-101 → AAA-101" in exc.value.message
    with pytest.raises(ValidationFailed):
        services.update_course(trainer, a, {"prerequisite_ids": [a.id]})
    with pytest.raises(ValidationFailed):
        services.update_course(trainer, a, {"prerequisite_ids": [99999]})


def test_publishing_needs_published_prerequisites(trainer):
    a = services.create_course(trainer, course_payload(code="AAA-101"))
    b = services.create_course(trainer, course_payload(code="BBB-101", prerequisite_ids=[a.id]))
    with pytest.raises(ValidationFailed):
        services.publish_course(trainer, b)
    services.publish_course(trainer, a)
    services.publish_course(trainer, b)
    assert b.status == "published"


# ------------------------------------------------------------------ catalogue filters and search


@pytest.fixture
def catalogue(make_course, trainer):
    courses = {
        "CLD-101": make_course("CLD-101", title="Cloud Computing Fundamentals", track="both",
                               summary="Virtual machines on **AWS** and Azure.", owner=trainer),
        "SEC-201": make_course("SEC-201", title="Cybersecurity Essentials", track="student",
                               level="intermediate", summary="Protect networks 100% of the time."),
        "PED-101": make_course("PED-101", title="Teaching Labs", track="faculty",
                               summary="For faculty."),
        "AIM-201": make_course("AIM-201", title="Applied Machine Learning", track="both",
                               level="intermediate", summary="Models."),
        "OLD-101": make_course("OLD-101", title="Old Cloud course", status="archived"),
        "DRF-101": make_course("DRF-101", title="Draft cloud course", status="draft",
                               owner=trainer),
    }
    for code, skills in {"CLD-101": ["aws", "linux"], "AIM-201": ["python", "machine learning"],
                         "SEC-201": ["networking"]}.items():
        for s in skills:
            db.session.add(CourseSkill(course_id=courses[code].id, name=s))
    db.session.commit()
    return courses


def _codes(user, **filters):
    from flask_login import AnonymousUserMixin

    user = user or AnonymousUserMixin()
    stmt = services.catalogue_query(user, services.CatalogueFilters(**filters))
    return [c.code for c in db.session.scalars(stmt)]


def test_public_catalogue_lists_published_only(catalogue):
    assert _codes(None) == ["AIM-201", "CLD-101", "PED-101", "SEC-201"]


def test_track_filter(catalogue):
    assert _codes(None, track="student") == ["AIM-201", "CLD-101", "SEC-201"]
    assert _codes(None, track="faculty") == ["AIM-201", "CLD-101", "PED-101"]
    assert _codes(None, track="both") == ["AIM-201", "CLD-101"]


def test_level_and_skill_filters(catalogue):
    assert _codes(None, level="intermediate") == ["AIM-201", "SEC-201"]
    assert _codes(None, skill="AWS") == ["CLD-101"]
    assert _codes(None, skill="Machine  Learning") == ["AIM-201"]
    assert _codes(None, skill="cobol") == []


@pytest.mark.parametrize(("q", "expected"), [
    ("cld", ["CLD-101"]),                 # code
    ("cybersecurity", ["SEC-201"]),       # title
    ("azure", ["CLD-101"]),               # summary
    ("python", ["AIM-201"]),              # skill
    ("learn", ["AIM-201"]),               # part of a skill / title
    ("cloud aws", ["CLD-101"]),           # every word must match
    ("100%", ["SEC-201"]),                # LIKE wildcards are literal
    ("_", []),
    ("nothing-like-this", []),
])
def test_text_search(catalogue, q, expected):
    assert _codes(None, q=q) == expected


def test_status_filter_and_drafts_for_staff_only(catalogue, make_user, trainer):
    assert _codes(None, status="archived") == ["OLD-101"]
    assert _codes(None, status="draft") == []
    assert _codes(make_user("student"), status="draft") == []
    assert _codes(make_user("park_manager"), status="draft") == ["DRF-101"]
    assert "DRF-101" in _codes(trainer, status="any")
    assert "DRF-101" not in _codes(make_user("faculty"), status="any")
    assert _codes(trainer, owner_id=trainer.id) == ["CLD-101", "DRF-101"]


def test_park_filter_needs_an_open_cohort_that_has_not_ended(catalogue, make_upcoming_cohort,
                                                             park, other_park):
    from lms.parks.models import Room

    make_upcoming_cohort(catalogue["CLD-101"])
    make_upcoming_cohort(catalogue["SEC-201"], status="planned")
    make_upcoming_cohort(catalogue["AIM-201"], in_days=-60, weeks=2)  # over
    karachi_room = Room(park_id=other_park.id, name="Cloud Lab", capacity=20)
    db.session.add(karachi_room)
    db.session.commit()
    make_upcoming_cohort(catalogue["PED-101"], park_obj=other_park, room_obj=karachi_room)
    assert _codes(None, park_id=park.id) == ["CLD-101"]
    assert _codes(None, park_id=other_park.id) == ["PED-101"]


def test_course_page_groups_upcoming_cohorts_with_seats_left(catalogue, make_upcoming_cohort,
                                                             other_park):
    from flask_login import AnonymousUserMixin

    from lms.parks.models import Room

    course = catalogue["CLD-101"]
    make_upcoming_cohort(course, capacity=30, enrolled=12, name="Evening")
    make_upcoming_cohort(course, capacity=20, enrolled=20, status="planned", name="Weekend",
                         in_days=30)
    make_upcoming_cohort(course, status="cancelled", name="Cancelled")
    make_upcoming_cohort(course, status="running", name="Running", in_days=-3)
    make_upcoming_cohort(course, in_days=-90, weeks=2, name="Ended")
    room = Room(park_id=other_park.id, name="Cloud Lab", capacity=20)
    db.session.add(room)
    db.session.commit()
    make_upcoming_cohort(course, park_obj=other_park, room_obj=room, capacity=25, enrolled=5,
                         name="Karachi A")
    data = services.course_page(AnonymousUserMixin(), "cld-101")
    summary = [(g.park.slug, [(c.name, c.seats_left) for c in g.cohorts]) for g in data["parks"]]
    assert summary == [("karachi", [("Karachi A", 20)]),
                       ("lahore", [("Evening", 18), ("Weekend", 0)])]


def test_drafts_are_hidden_from_learners_and_visitors(catalogue, make_user):
    from flask_login import AnonymousUserMixin

    for user in (AnonymousUserMixin(), make_user("student"), make_user("faculty")):
        with pytest.raises(NotFound):
            services.course_page(user, "DRF-101")
    assert services.course_page(make_user("trainer"), "DRF-101")["course"].code == "DRF-101"


# ------------------------------------------------------------------ tracks and progress


def test_create_and_reorder_a_track(catalogue, trainer):
    c = catalogue
    track = services.create_track(trainer, {
        "name": "Faculty upskilling: Cloud", "audience": "faculty",
        "course_ids": [c["PED-101"].id, c["CLD-101"].id]})
    db.session.commit()
    assert [x.code for x in track.courses] == ["PED-101", "CLD-101"]
    services.update_track(trainer, track, {"course_ids": [c["CLD-101"].id, c["AIM-201"].id,
                                                          c["PED-101"].id]})
    db.session.commit()
    db.session.expire_all()
    track = services.get_track(track.id)
    assert [x.code for x in track.courses] == ["CLD-101", "AIM-201", "PED-101"]
    assert [i.position for i in track.items] == [1, 2, 3]


def test_track_courses_must_serve_its_audience(catalogue, trainer):
    with pytest.raises(ValidationFailed) as exc:
        services.create_track(trainer, {"name": "Students", "audience": "student",
                                        "course_ids": [catalogue["PED-101"].id]})
    assert "does not serve student" in exc.value.fields["course_ids"][0]
    with pytest.raises(ValidationFailed):
        services.create_track(trainer, {"name": "Drafts", "audience": "student",
                                        "course_ids": [catalogue["DRF-101"].id]})
    with pytest.raises(ValidationFailed):
        services.create_track(trainer, {"name": "Twice", "audience": "student",
                                        "course_ids": [catalogue["CLD-101"].id] * 2})
    with pytest.raises(ValidationFailed):
        services.create_track(trainer, {"name": "Empty", "audience": "student", "course_ids": []})


def test_track_names_are_unique_and_builders_only_edit_their_own(catalogue, trainer,
                                                                 other_trainer, make_user):
    data = {"name": "Cloud path", "audience": "student", "course_ids": [catalogue["CLD-101"].id]}
    track = services.create_track(trainer, data)
    db.session.commit()
    with pytest.raises(Conflict):
        services.create_track(other_trainer, {**data, "name": "cloud PATH"})
    with pytest.raises(Forbidden):
        services.update_track(other_trainer, track, {"name": "Mine now"})
    with pytest.raises(Forbidden):
        services.create_track(make_user("park_manager"), {**data, "name": "PM"})
    services.update_track(make_user("admin"), track, {"name": "Renamed by admin"})
    assert track.name == "Renamed by admin"


def test_track_progress_counts_completed_enrolments(catalogue, trainer, make_user, make_cohort,
                                                   enrol):
    c = catalogue
    track = services.create_track(trainer, {"name": "Path", "audience": "student", "course_ids": [
        c["CLD-101"].id, c["SEC-201"].id, c["AIM-201"].id]})
    db.session.commit()
    learner = make_user("student")
    enrol(make_cohort(course=c["CLD-101"]), learner, "completed")
    enrol(make_cohort(course=c["SEC-201"]), learner, "enrolled")  # not done yet
    enrol(make_cohort(course=c["AIM-201"]), make_user("student"), "completed")  # someone else
    progress = services.track_progress(learner, track)
    assert progress["done_ids"] == {c["CLD-101"].id}
    assert (progress["done"], progress["total"], progress["percent"]) == (1, 3, 33)
    assert not progress["complete"]
