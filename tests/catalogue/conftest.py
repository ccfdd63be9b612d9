"""Catalogue fixtures: course payloads, cohorts relative to today, an actor per role."""

from datetime import time, timedelta

import pytest

from lms.core.timeutil import park_today
from lms.extensions import db

ROLES = ("anonymous", "student", "faculty", "owner", "other_trainer", "park_manager", "admin")


def course_payload(**overrides) -> dict:
    """A valid POST /courses body."""
    data = {
        "code": "CLD-201", "title": "Cloud Solutions Architecture",
        "summary": "Design **resilient** systems on AWS.", "track": "both",
        "level": "intermediate", "duration_hours": 60, "skills": ["AWS", " Terraform "],
        "industry_partners": ["AWS", "10Pearls"], "min_attendance_percent": 80,
        "modules": [{"title": "Well-Architected", "hours": 10, "description": "The *pillars*."},
                    {"title": "Serverless", "hours": 14}],
    }
    data.update(overrides)
    return data


@pytest.fixture
def trainer(make_user):
    return make_user("trainer", full_name="Usman Tariq")


@pytest.fixture
def other_trainer(make_user):
    return make_user("trainer", full_name="Fatima Noor")


@pytest.fixture
def make_upcoming_cohort(app, park, room, make_user):
    """Factory: a cohort starting in `in_days` days (no sessions; the catalogue needs none)."""
    from lms.scheduling.models import Cohort

    state = {"trainer": None}

    def _make(course, *, park_obj=None, room_obj=None, in_days=10, weeks=4, capacity=30,
              enrolled=0, status="open", name="Cohort"):
        if state["trainer"] is None:
            state["trainer"] = make_user("trainer")
        start = park_today() + timedelta(days=in_days)
        cohort = Cohort(course_id=course.id, park_id=(park_obj or park).id, name=name,
                        trainer_id=state["trainer"].id, room_id=(room_obj or room).id,
                        capacity=capacity, enrolled_count=enrolled, start_date=start,
                        end_date=start + timedelta(weeks=weeks), meeting_days="mon,wed",
                        start_time=time(10), end_time=time(12), status=status)
        db.session.add(cohort)
        db.session.commit()
        return cohort

    return _make


@pytest.fixture
def actor_for(app, make_user, login_as, token_for):
    """Factory: (user or None, html client, api headers) for a role key of ROLES.

    `owner` is the course's owner passed in; the others are new users.
    """

    def _actor(role: str, owner=None):
        if role == "anonymous":
            return None, app.test_client(), {}
        user = owner if role == "owner" else make_user(
            "trainer" if role == "other_trainer" else role)
        client, _ = login_as(user.role, user=user)
        return user, client, token_for(user)

    return _actor
