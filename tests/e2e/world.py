"""The journeys' world: its people, and idempotent `ensure_*` helpers that seed through the services.

A journey does its own part in the browser; what it needs from an earlier journey it takes from
`ensure_*`, which returns what that journey made or, if it failed or did not run, makes it through
the services. So every journey can run (and fail) on its own, and in order they build on each other.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa

from tests.conftest import PASSWORD

COURSE_CODE = "DEV-301"
COURSE_TITLE = "DevOps pipelines in practice"
ASSESSMENT_TITLE = "Pipelines final check"
COHORT_NAME = "Lahore weekday batch"
CLASH_COHORT_NAME = "Lahore evening batch"
SINGLE_PROMPT = "Which of these runs a CI pipeline defined in a YAML file of the repository?"
ESSAY_PROMPT = "Describe how you would roll back a failed deployment."


class World:
    """Users of every role and the seeding helpers, over the live server's app."""

    def __init__(self, app):
        from lms.accounts.models import User
        from lms.extensions import db
        from lms.parks.models import Park, Room

        self.app = app
        with app.app_context():
            lahore = db.session.scalar(sa.select(Park).where(Park.slug == "lahore"))
            self.park_id, self.park_slug = lahore.id, lahore.slug
            people = {
                "admin": ("admin", "Programme Office", None),
                "manager": ("park_manager", "Sana Malik", lahore.id),
                "trainer": ("trainer", "Imran Qureshi", lahore.id),
                "other_trainer": ("trainer", "Hira Baig", lahore.id),
                "student": ("student", "Ayesha Khan", lahore.id),
                "classmate": ("student", "Bilal Ahmed", lahore.id),
            }
            for key, (role, name, park_id) in people.items():
                user = User(email=f"{key}@e2e.example.pk", full_name=name, role=role,
                            park_id=park_id)
                user.set_password(PASSWORD)
                db.session.add(user)
            room = Room(park_id=lahore.id, name="Lab A", capacity=30)
            db.session.add(room)
            db.session.commit()
            self.room_id = room.id
            for key in people:
                user = db.session.scalar(sa.select(User).where(
                    User.email == f"{key}@e2e.example.pk"))
                setattr(self, key, _Person(user.id, user.email, user.full_name))

    # --- helpers ---------------------------------------------------------------------------

    def run(self, fn):
        """Call fn() in an app context and commit; return its result."""
        from lms.extensions import db

        with self.app.app_context():
            try:
                result = fn()
                db.session.commit()
                return result
            finally:
                db.session.remove()

    @staticmethod
    def user(person):
        from lms.accounts.models import User
        from lms.extensions import db

        return db.session.get(User, person.id)

    # --- catalogue and assessments ---------------------------------------------------------

    def ensure_course(self) -> int:
        """The trainer's published DEV-301 with modules and an assessment with an essay."""
        from lms.assessments import services as assessments
        from lms.catalogue import services as catalogue
        from lms.catalogue.models import Course
        from lms.extensions import db

        def go():
            trainer = self.user(self.trainer)
            course = db.session.scalar(sa.select(Course).where(Course.code == COURSE_CODE))
            if course is None:
                course = catalogue.create_course(trainer, {
                    "code": COURSE_CODE, "title": COURSE_TITLE, "track": "both",
                    "summary": "Build, test and ship with CI/CD.", "level": "intermediate",
                    "duration_hours": 24, "skills": "ci, docker",
                    "modules": [{"title": "Pipelines", "hours": 12, "description": ""},
                                {"title": "Releases", "hours": 12, "description": ""}]})
            if not assessments.course_assessments(course.id):
                assessments.create_assessment(trainer, course, {
                    "title": ASSESSMENT_TITLE, "required": True, "pass_percent": 50,
                    "max_attempts": 1, "time_limit_minutes": 20, "questions": [
                        {"kind": "single", "prompt": SINGLE_PROMPT, "points": 1,
                         "options": [{"text": "GitHub Actions", "correct": True},
                                     {"text": "A spreadsheet", "correct": False}]},
                        {"kind": "essay", "prompt": ESSAY_PROMPT, "points": 4}]})
            if course.status == "draft":
                catalogue.publish_course(trainer, course)
            return course.id

        return self.run(go)

    def assessment_id(self) -> int:
        from lms.assessments import services as assessments

        course_id = self.ensure_course()
        return self.run(lambda: assessments.course_assessments(course_id)[0].id)

    # --- scheduling --------------------------------------------------------------------------

    def ensure_clash_cohort(self) -> None:
        """Another trainer's cohort in Lab A, weekdays 17:00-19:00 park time, from next week."""
        from lms.catalogue.models import Course
        from lms.extensions import db
        from lms.scheduling import services as scheduling
        from lms.scheduling.models import Cohort

        def go():
            if db.session.scalar(sa.select(Cohort.id).where(Cohort.name == CLASH_COHORT_NAME)):
                return
            course = Course(code="OPS-201", title="Linux operations", summary="", track="both",
                            level="beginner", duration_hours=20, status="published",
                            owner_id=self.other_trainer.id, industry_partners=[])
            db.session.add(course)
            db.session.flush()
            start = self.today() + timedelta(days=7)
            scheduling.create_cohort(self.user(self.admin), {
                "course_id": course.id, "park_id": self.park_id, "name": CLASH_COHORT_NAME,
                "trainer_id": self.other_trainer.id, "room_id": self.room_id, "capacity": 20,
                "start_date": start, "end_date": start + timedelta(days=27),
                "meeting_days": ["mon", "tue", "wed", "thu", "fri"],
                "start_time": time(17, 0), "end_time": time(19, 0)})

        self.run(go)

    @staticmethod
    def today():
        from lms.core.timeutil import park_today

        return park_today()

    def ensure_cohort(self) -> int:
        """The manager's DEV-301 cohort in Lab A (Mondays and Wednesdays 10:00-12:00)."""
        from lms.extensions import db
        from lms.scheduling import services as scheduling
        from lms.scheduling.models import Cohort

        course_id = self.ensure_course()

        def go():
            found = db.session.scalar(sa.select(Cohort.id).where(Cohort.name == COHORT_NAME))
            if found:
                return found
            start = self.today() + timedelta(days=7)
            return scheduling.create_cohort(self.user(self.manager), {
                "course_id": course_id, "park_id": self.park_id, "name": COHORT_NAME,
                "trainer_id": self.trainer.id, "room_id": self.room_id, "capacity": 20,
                "start_date": start, "end_date": start + timedelta(days=27),
                "meeting_days": ["mon", "wed"], "start_time": time(10, 0),
                "end_time": time(12, 0)}).id

        return self.run(go)

    def ensure_enrolled(self, person) -> int:
        """`person` enrolled in the manager's cohort; returns the cohort id."""
        from lms.scheduling import services as scheduling

        cohort_id = self.ensure_cohort()

        def go():
            e = scheduling.enrollment_of(cohort_id, person.id)
            if e is None or e.status not in ("enrolled", "completed"):
                scheduling.enrol(self.user(self.admin), cohort_id, person.id)
            return cohort_id

        return self.run(go)

    def ensure_session_now(self) -> int:
        """A session of the cohort happening now (started 2 minutes ago): check-in is open."""
        from lms.extensions import db
        from lms.scheduling.models import ClassSession

        cohort_id = self.ensure_cohort()

        def go():
            now = datetime.now(UTC).replace(second=0, microsecond=0)
            found = db.session.scalar(sa.select(ClassSession).where(
                ClassSession.cohort_id == cohort_id, ClassSession.starts_at <= now,
                ClassSession.ends_at > now + timedelta(minutes=20)))
            if found:
                return found.id
            from lms.core.timeutil import park_to_utc

            # today in park time, so it is on the trainer's "Today's sessions" even at 00:01
            midnight = park_to_utc(self.today(), time(0, 0))
            s = ClassSession(cohort_id=cohort_id, starts_at=max(now - timedelta(minutes=2),
                                                                  midnight),
                             ends_at=now + timedelta(minutes=90), room_id=self.room_id,
                             trainer_id=self.trainer.id)
            db.session.add(s)
            db.session.flush()
            return s.id

        return self.run(go)

    # --- attendance, attempts, certificates ---------------------------------------------------

    def ensure_present(self, person) -> None:
        """`person` marked present at the session happening now."""
        from lms.attendance import services as attendance
        from lms.attendance.models import AttendanceRecord
        from lms.extensions import db

        self.ensure_enrolled(person)
        session_id = self.ensure_session_now()

        def go():
            record = db.session.scalar(sa.select(AttendanceRecord).where(
                AttendanceRecord.session_id == session_id,
                AttendanceRecord.user_id == person.id))
            if record is None or record.status not in ("present", "late"):
                session = attendance.get_session(session_id)
                attendance.save_register(self.user(self.trainer), session,
                                         [{"user_id": person.id, "status": "present"}], None)

        self.run(go)

    def ensure_submitted(self, person) -> int:
        """`person` submitted an attempt (right choice, an essay); returns the attempt id."""
        from lms.assessments import services as assessments
        from lms.assessments.models import Attempt
        from lms.extensions import db

        self.ensure_enrolled(person)
        assessment_id = self.assessment_id()

        def start():
            attempt = db.session.scalar(sa.select(Attempt).where(
                Attempt.assessment_id == assessment_id, Attempt.user_id == person.id))
            if attempt is None:
                attempt = assessments.start_attempt(self.user(person),
                                                    assessments.get_assessment(assessment_id))
            return attempt.id

        attempt_id = self.run(start)  # committed: answering takes the attempt's lock first

        def go():
            attempt = assessments.get_attempt(attempt_id)
            user = self.user(person)
            if attempt.status == "open":
                answers = []
                for q in assessments.questions_of(attempt):
                    if q.kind == "single":
                        right = next(o for o in q.options if o.get("correct"))
                        answers.append({"question_id": q.id, "response": right["id"]})
                    else:
                        answers.append({"question_id": q.id, "response": "Redeploy the last "
                                        "good release from the pipeline, then investigate."})
                assessments.save_answers(user, attempt.id, answers, submit=True)
            return attempt.id

        return self.run(go)

    def ensure_passed(self, person) -> None:
        """`person`'s attempt graded and passed."""
        from lms.assessments import services as assessments

        attempt_id = self.ensure_submitted(person)

        def go():
            attempt = assessments.get_attempt(attempt_id)
            if attempt.status == "needs_grading":
                essay = next(q for q in assessments.questions_of(attempt) if q.kind == "essay")
                assessments.grade_answers(self.user(self.trainer), attempt.id, [
                    {"question_id": essay.id, "points": 3, "comment": "Clear."}])

        self.run(go)

    def ensure_completed(self) -> int:
        """The cohort marked completed (open -> running -> completed)."""
        from lms.scheduling import services as scheduling

        cohort_id = self.ensure_cohort()

        def go():
            cohort = scheduling.get_cohort(cohort_id)
            manager = self.user(self.manager)
            for status in ("running", "completed"):
                if cohort.status == "open" and status == "running" or \
                        cohort.status == "running" and status == "completed":
                    scheduling.set_status(manager, cohort, status)
            return cohort_id

        return self.run(go)

    def ensure_certificate(self, person) -> str:
        """`person` holds a course certificate of the cohort; returns its code."""
        from lms.certificates import services as certificates
        from lms.certificates.models import Certificate
        from lms.extensions import db

        self.ensure_present(person)
        self.ensure_passed(person)
        cohort_id = self.ensure_completed()

        def go():
            cert = db.session.scalar(sa.select(Certificate).where(
                Certificate.user_id == person.id, Certificate.cohort_id == cohort_id,
                Certificate.kind == "course").order_by(Certificate.id.desc()))
            if cert is None:
                certificates.issue_certificates(self.user(self.trainer), cohort_id,
                                                [person.id])
                cert = db.session.scalar(sa.select(Certificate).where(
                    Certificate.user_id == person.id, Certificate.cohort_id == cohort_id))
            return cert.code

        return self.run(go)


class _Person:
    """A user's id, e-mail and name, safe to use outside the app context."""

    def __init__(self, id_: int, email: str, full_name: str):
        self.id, self.email, self.full_name = id_, email, full_name
