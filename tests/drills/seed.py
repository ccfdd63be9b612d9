"""Seed the drill database (run in the drill's production environment after `lms init`):
`python -m tests.drills.seed N_LEARNERS N_SESSIONS` prints the ids as JSON.

A trainer's cohort with N_SESSIONS sessions running now (check-in open), N_LEARNERS learners
sharing one password (hashed once), and a published exam with a short-text question."""

import json
import sys
from datetime import time as dtime
from datetime import timedelta

import sqlalchemy as sa

PASSWORD = "drill password 123"


def main(n_learners: int, n_sessions: int) -> dict:
    from lms import create_app
    from lms.accounts.models import User
    from lms.assessments import services as assessments
    from lms.catalogue.models import Course
    from lms.core.timeutil import utcnow
    from lms.extensions import db
    from lms.parks.models import Park, Room
    from lms.scheduling.models import ClassSession, Cohort, Enrollment

    app = create_app()
    with app.app_context():
        park = db.session.scalar(sa.select(Park).where(Park.slug == "lahore"))
        room = Room(park_id=park.id, name="Drill lab", capacity=500)
        trainer = User(email="trainer@drill.pk", full_name="Drill Trainer", role="trainer",
                       park_id=park.id)
        trainer.set_password(PASSWORD)
        db.session.add_all([room, trainer])
        db.session.flush()
        course = Course(code="DRL-001", title="Drill course", summary="Fault drills.",
                        track="both", level="beginner", duration_hours=10, status="published",
                        owner_id=trainer.id, industry_partners=[])
        db.session.add(course)
        db.session.flush()
        now = utcnow().replace(second=0, microsecond=0)
        cohort = Cohort(course_id=course.id, park_id=park.id, name="Drill cohort",
                        trainer_id=trainer.id, room_id=room.id, capacity=n_learners,
                        start_date=now.date(), end_date=now.date() + timedelta(days=1),
                        meeting_days="mon", start_time=dtime(9), end_time=dtime(17),
                        status="open")
        db.session.add(cohort)
        db.session.flush()
        sessions = []
        for i in range(n_sessions):
            s = ClassSession(cohort_id=cohort.id, starts_at=now - timedelta(minutes=5 + i),
                             ends_at=now + timedelta(hours=3), room_id=room.id,
                             trainer_id=trainer.id)
            db.session.add(s)
            sessions.append(s)
        learners = []
        for i in range(n_learners):
            u = User(email=f"learner{i:03d}@drill.pk", full_name=f"Drill Learner {i}",
                     role="student", park_id=park.id, institution="Drill University")
            u.password_hash = trainer.password_hash
            db.session.add(u)
            learners.append(u)
        db.session.flush()
        for u in learners:
            db.session.add(Enrollment(cohort_id=cohort.id, user_id=u.id, status="enrolled"))
        cohort.enrolled_count = n_learners
        exam = assessments.create_assessment(trainer, course, {
            "title": "Drill quiz", "pass_percent": 50, "max_attempts": 1, "grading": "highest",
            "questions": [{"kind": "short_text", "prompt": "Say anything.", "points": 1,
                           "accepted_answers": ["anything"]}]})
        db.session.commit()
        return {"password": PASSWORD, "trainer": trainer.email, "exam": exam.id,
                "question": exam.questions[0].id, "sessions": [s.id for s in sessions],
                "learners": [[u.id, u.email] for u in learners]}


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]), int(sys.argv[2]))))
