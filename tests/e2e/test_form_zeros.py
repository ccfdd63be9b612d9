"""Defects the journeys showed: a 0 typed in a number field was "This field is required."

WTForms' DataRequired treats 0 as missing, so 0 seats said "required" instead of "too few", and
valid zeros (a 0 % attendance threshold, a 0 % pass mark, a 0-point question, a 0 target) were
refused. The number fields now use InputRequired. These run without a browser, on both databases.
"""

import sqlalchemy as sa

from lms.assessments.models import Assessment, Question
from lms.catalogue.models import Course
from lms.extensions import db
from lms.parks.models import Park, Room


def test_zero_seats_says_too_few_not_required(login_as, park):
    c, _ = login_as("admin")
    resp = c.post(f"/parks/{park.slug}", data={"name": "Lab Z", "capacity": "0"})
    page = resp.get_data(as_text=True)
    assert "Seats: a whole number from 1 to 500." in page
    assert "This field is required" not in page
    assert db.session.scalar(sa.select(Room).where(Room.name == "Lab Z")) is None
    missing = c.post(f"/parks/{park.slug}", data={"name": "Lab Z", "capacity": ""})
    assert "Give the number of seats." in missing.get_data(as_text=True)


def test_zero_targets_are_accepted(login_as, park):
    c, _ = login_as("admin")
    resp = c.post(f"/parks/{park.slug}/targets", data={"student_target": "0",
                                                       "faculty_target": "0"})
    assert resp.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Park, park.id)
    assert (saved.student_target, saved.faculty_target) == (0, 0)


def test_zero_attendance_threshold_is_accepted(login_as):
    c, _ = login_as("trainer")
    resp = c.post("/courses/new", data={
        "code": "ZRO-101", "title": "Open seminar", "track": "both", "level": "beginner",
        "duration_hours": "2", "min_attendance_percent": "0"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    course = db.session.scalar(sa.select(Course).where(Course.code == "ZRO-101"))
    assert course.min_attendance_percent == 0


def test_zero_pass_mark_and_zero_point_question_are_accepted(login_as, make_course):
    c, trainer = login_as("trainer")
    course = make_course(owner=trainer, status="draft")
    resp = c.post(f"/courses/{course.id}/assessments/new", data={
        "title": "Warm-up survey", "required": "", "pass_percent": "0", "max_attempts": "1",
        "grading": "highest", "review": "after_submit"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    assessment = db.session.scalar(sa.select(Assessment).where(
        Assessment.title == "Warm-up survey"))
    assert assessment.pass_percent == 0
    resp = c.post(f"/assessments/{assessment.id}/questions/new", data={
        "kind": "essay", "prompt": "What do you hope to learn?", "points": "0"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    assert db.session.scalar(sa.select(Question.points).where(
        Question.assessment_id == assessment.id)) == 0


def test_zero_cohort_seats_says_the_range(login_as, park, room, make_course):
    c, _ = login_as("admin")
    course = make_course()
    resp = c.post(f"/parks/{park.slug}/cohorts", data={
        "course_id": str(course.id), "name": "Zero", "trainer_id": "", "room_id": str(room.id),
        "capacity": "0", "start_date": "2030-01-07", "end_date": "2030-01-31",
        "meeting_days": ["mon"], "start_time": "10:00", "end_time": "12:00"})
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert "Number must be between 1 and 500." in page
