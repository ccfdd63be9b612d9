"""Demo cohorts for `lms seed-demo`: one past run, one running now, upcoming open ones.

Dates are relative to today (park time) so the demo always looks current. Everything is looked up
and skipped when an earlier feature's demo data is missing.
"""

from datetime import time, timedelta

import sqlalchemy as sa

from lms.catalogue.models import Course
from lms.core.errors import DomainError
from lms.core.timeutil import park_today
from lms.extensions import db
from lms.parks.models import Room
from lms.scheduling import services
from lms.scheduling.models import Cohort

# course, park, room, trainer, name, capacity, start offset, end offset, days, start, end,
# enrol window (offsets) or None, learners (in order: the last ones may be waitlisted),
# completed?
COHORTS = [
    ("CLD-101", "lahore", "Lab A", "trainer.cloud@kp.demo", "Cloud Fundamentals · autumn batch",
     24, -90, -35, ["mon", "wed"], time(10, 0), time(13, 0), None,
     ["student1@kp.demo", "student2@kp.demo", "faculty1@kp.demo"], True),
    ("CLD-201", "lahore", "Lab B", "trainer.cloud@kp.demo", "AWS Architecture · current batch",
     24, -14, 42, ["tue", "thu"], time(14, 0), time(17, 0), None,
     ["student1@kp.demo", "faculty1@kp.demo"], False),
    ("DAT-101", "karachi", "Cloud Lab", "trainer.data@kp.demo",
     "Python for Data Analysis · evening batch", 32, 10, 66, ["mon", "wed"], time(17, 0),
     time(19, 0), (-5, 9), ["student3@kp.demo"], False),
    ("DEV-201", "lahore", "Lab A", "trainer.cloud@kp.demo", "DevOps Weekend Bootcamp", 2, 7, 63,
     ["sat"], time(10, 0), time(14, 0), (-3, 6),
     ["student2@kp.demo", "faculty1@kp.demo", "student1@kp.demo"], False),
]


def seed(users: dict, parks: dict) -> None:
    """Schedule the demo cohorts through the service (as the admin) and enrol demo learners."""
    admin = users.get("admin@kp.demo")
    if admin is None:
        return
    today = park_today()
    courses = {c.code: c for c in db.session.scalars(sa.select(Course))}
    existing = set(db.session.scalars(sa.select(Cohort.name)))
    for (code, slug, room_name, trainer_email, name, capacity, start, end, days, t0, t1, window,
         learners, completed) in COHORTS:
        course, park, trainer = courses.get(code), parks.get(slug), users.get(trainer_email)
        if course is None or course.status != "published" or park is None or trainer is None \
                or name in existing:
            continue
        room = db.session.scalar(sa.select(Room).where(Room.park_id == park.id,
                                                       Room.name == room_name))
        if room is None:
            continue
        data = {"course_id": course.id, "park_id": park.id, "name": name,
                "trainer_id": trainer.id, "room_id": room.id,
                "capacity": min(capacity, room.capacity),
                "start_date": today + timedelta(days=start),
                "end_date": today + timedelta(days=end), "meeting_days": days,
                "start_time": t0, "end_time": t1}
        if window:
            data["enrol_opens_on"] = today + timedelta(days=window[0])
            data["enrol_closes_on"] = today + timedelta(days=window[1])
        try:
            with db.session.begin_nested():
                cohort = services.create_cohort(admin, data)
        except DomainError:
            continue  # e.g. a clash with data already there: leave it out
        final_status = cohort.status
        if completed:
            cohort.status = "running"  # a past run: enrol as it was, then close it
        for email in learners:
            learner = users.get(email)
            if learner is None:
                continue
            try:
                with db.session.begin_nested():
                    # one process, one transaction: no row lock needed (and none may be taken
                    # here: on SQLite it would restart the transaction)
                    services.enrol_locked(admin, cohort, learner, staff=True)
            except DomainError:
                continue
        if completed:
            services.mark_completed(cohort, services.enrolled_user_ids(cohort.id))
            cohort.status = final_status
            cohort.completed_at = cohort.sessions[-1].ends_at if cohort.sessions else None
    db.session.flush()
