"""Learners may join a running cohort until its enrolment closes; sessions held before they
joined do not count against their attendance (issue 17 item 2)."""

from datetime import UTC, date, datetime

import pytest
import time_machine

from lms.attendance import services as attendance
from lms.core.errors import NotFound
from lms.extensions import db
from lms.scheduling import rules, services

IN_WEEK_2 = datetime(2026, 1, 13, 6, 0, tzinfo=UTC)  # Tue 13 Jan: 3 of 8 sessions held


@pytest.mark.parametrize(("status", "closes", "expected"), [
    ("open", None, None), ("running", date(2026, 1, 20), None),
    ("running", date(2026, 1, 12), "This cohort has started and its enrolment has closed."),
    ("running", None, "This cohort has started and its enrolment has closed."),
    ("completed", date(2026, 1, 20), "This cohort is not open for enrolment."),
    ("planned", None, "This cohort is not open for enrolment.")])
def test_self_enrolment_rule(status, closes, expected):
    assert rules.self_enrolment_error(status, date(2026, 1, 13), None, closes) == expected


@pytest.fixture
def running(schedule):
    """January batch (8 sessions from Mon 5 Jan), enrolment open until 20 Jan, now running."""
    cohort = schedule(enrol_closes_on=date(2026, 1, 20))
    cohort.status = "running"
    db.session.commit()
    return cohort


def test_learner_sees_and_joins_a_running_cohort_inside_its_window(app, running, make_user,
                                                                  course, login_as, token_for):
    learner = make_user("student")
    with time_machine.travel(IN_WEEK_2, tick=False):
        c, _ = login_as("student", user=learner)
        page = c.get(f"/courses/{course.code}").get_data(as_text=True)
        assert "January batch" in page and "No cohort is scheduled yet" not in page
        assert "January batch" in c.get("/cohorts").get_data(as_text=True)
        resp = c.get(f"/cohorts/{running.id}")
        assert resp.status_code == 200
        assert "sessions held before you join do not count" in resp.get_data(as_text=True)
        api = c.get(f"/api/v1/cohorts?course_id={course.id}").get_json()
        assert [i["id"] for i in api["items"]] == [running.id]
        resp = c.post(f"/cohorts/{running.id}/enrol")
        assert resp.status_code == 302
    assert services.enrollment_of(running.id, learner.id).status == "enrolled"
    with time_machine.travel(datetime(2026, 1, 28, 8, 0, tzinfo=UTC), tick=False):
        row = attendance.learner_percent(running, learner.id)
    # joined on the 13th: the three sessions before do not count; five held since, none marked
    assert (row.held, row.absent, row.upcoming) == (5, 5, 0)


def test_running_cohort_after_its_window_stays_hidden_and_closed(app, running, make_user,
                                                                 course, login_as, token_for):
    learner = make_user("student")
    with time_machine.travel(datetime(2026, 1, 21, 6, 0, tzinfo=UTC), tick=False):
        c, _ = login_as("student", user=learner)
        assert "No cohort is scheduled yet" in c.get(f"/courses/{course.code}").get_data(
            as_text=True)
        assert c.get(f"/cohorts/{running.id}").status_code == 404
        with pytest.raises(NotFound):  # the cohort no longer exists for them
            services.enrol(learner, running.id)
        db.session.rollback()
        resp = c.post(f"/api/v1/cohorts/{running.id}/enrollments", json={},
                      headers=token_for(learner))
        assert resp.status_code == 404


def test_sessions_before_joining_do_not_count_but_marked_ones_do(app, running, make_user,
                                                                 enrol):
    from lms.attendance.models import AttendanceRecord

    late_joiner = make_user("student")
    marked = make_user("student")
    enrol(running, late_joiner, joined_at=IN_WEEK_2)
    enrol(running, marked, joined_at=IN_WEEK_2)
    first = running.sessions[0]
    db.session.add(AttendanceRecord(session_id=first.id, user_id=marked.id, status="present"))
    db.session.commit()
    with time_machine.travel(datetime(2026, 1, 15, 8, 0, tzinfo=UTC), tick=False):
        rows = {r.user_id: r for r in attendance.cohort_summary(running)}
    assert (rows[late_joiner.id].held, rows[late_joiner.id].absent) == (1, 1)  # only the 14th
    assert (rows[marked.id].held, rows[marked.id].present) == (2, 1)  # the 5th was marked
