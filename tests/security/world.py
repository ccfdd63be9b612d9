"""One small world with an object of every kind, built once per test module, and a logged-in
client per role; plus a fingerprint of the whole database to prove that nothing changed."""

import hashlib
import re
from datetime import timedelta
from types import SimpleNamespace

import sqlalchemy as sa

from lms.accounts.models import User
from lms.assessments.models import Answer, Assessment, Attempt, Question
from lms.attendance.models import AttendanceRecord, ExcuseRequest
from lms.catalogue.models import Course, CourseModule, CourseSkill, Track, TrackCourse
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.parks.models import Holiday, Park, Room
from lms.scheduling.models import ClassSession, Cohort, Enrollment
from tests.conftest import PASSWORD, AuthActions, csrf_token_from

# who tries every route: anonymous, and one person for each relation to the world's objects
ROLES = ("anon", "admin", "manager", "other_manager", "trainer", "other_trainer", "student",
         "other_student", "faculty")
ROLE_NOTES = {
    "anon": "no login",
    "admin": "programme office",
    "manager": "park manager of the objects' park (Lahore)",
    "other_manager": "park manager of another park (Karachi)",
    "trainer": "owns the course, track and assessment, teaches the cohort",
    "other_trainer": "a trainer of the same park with nothing of their own here",
    "student": "enrolled learner who owns the attempt, attendance, excuse and certificate",
    "other_student": "a student of the park, not enrolled",
    "faculty": "a learner enrolled in the same cohort, reaching the student's objects",
}

# tables whose rows change as a side effect of logging in or of being looked at legitimately
VOLATILE_TABLES = {"login_failures", "known_logins", "data_versions", "report_cache"}
VOLATILE_COLUMNS = {"users": {"last_login_at"}}


def build_world() -> SimpleNamespace:
    """Users of every role, rooms, a published course with modules, a track, a cohort with past,
    current and future sessions, enrolments, an assessment with questions, a submitted attempt,
    attendance, an excuse request, a certificate and a holiday. Committed."""
    from lms.certificates import services as cert_services

    lahore = db.session.scalar(sa.select(Park).where(Park.slug == "lahore"))
    karachi = db.session.scalar(sa.select(Park).where(Park.slug == "karachi"))

    def user(key, role, park, name=None):
        u = User(email=f"{key}@world.pk", full_name=name or key.replace("_", " ").title(),
                 role=role, park_id=park.id if park else None, institution="UET Lahore")
        u.set_password(PASSWORD)
        db.session.add(u)
        return u

    people = {
        "admin": user("admin", "admin", None),
        "manager": user("manager", "park_manager", lahore),
        "other_manager": user("other_manager", "park_manager", karachi),
        "trainer": user("trainer", "trainer", lahore),
        "other_trainer": user("other_trainer", "trainer", lahore),
        "student": user("student", "student", lahore, "Ayesha Siddiqui"),
        "other_student": user("other_student", "student", lahore),
        "faculty": user("faculty", "faculty", lahore),
    }
    newcomer = User(email="newcomer@world.pk", full_name="Newcomer", role="student",
                    park_id=lahore.id)  # no password yet: has a set-password link
    db.session.add(newcomer)
    db.session.flush()
    room = Room(park_id=lahore.id, name="Lab A", capacity=30)
    other_room = Room(park_id=karachi.id, name="Lab K", capacity=20)
    db.session.add_all([room, other_room])
    holiday = Holiday(day=(utcnow() + timedelta(days=200)).date(), name="Park day",
                      park_id=lahore.id)
    db.session.add(holiday)

    trainer = people["trainer"]
    course = Course(code="SEC-101", title="Secure Web Development", summary="Build *safe* apps.",
                    track="both", level="beginner", duration_hours=40, status="published",
                    owner_id=trainer.id, industry_partners=["Systems Ltd"], published_at=utcnow())
    draft = Course(code="SEC-900", title="Draft course", summary="Not yet.", track="both",
                   level="advanced", duration_hours=10, status="draft", owner_id=trainer.id,
                   industry_partners=[])
    db.session.add_all([course, draft])
    db.session.flush()
    db.session.add_all([
        CourseModule(course_id=course.id, position=1, title="Threat models", hours=10,
                     description="STRIDE"),
        CourseModule(course_id=course.id, position=2, title="Escaping", hours=30,
                     description="Output encoding"),
        CourseSkill(course_id=course.id, name="owasp"),
    ])
    track = Track(name="Secure software", audience="student", description="A path.",
                  created_by_id=trainer.id)
    db.session.add(track)
    db.session.flush()
    db.session.add(TrackCourse(track_id=track.id, course_id=course.id, position=1))

    now = utcnow().replace(microsecond=0)
    first = now - timedelta(days=14, minutes=30)
    starts = [first, first + timedelta(days=7), now - timedelta(minutes=30),
              now + timedelta(days=7)]
    cohort = Cohort(course_id=course.id, park_id=lahore.id, name="Evening batch",
                    trainer_id=trainer.id, room_id=room.id, capacity=25,
                    start_date=starts[0].date(), end_date=starts[-1].date(),
                    meeting_days="mon", start_time=first.time(),
                    end_time=(first + timedelta(hours=2)).time(), status="running")
    db.session.add(cohort)
    db.session.flush()
    sessions = [ClassSession(cohort_id=cohort.id, starts_at=s, ends_at=s + timedelta(hours=2),
                             room_id=room.id, trainer_id=trainer.id) for s in starts]
    db.session.add_all(sessions)
    for key in ("student", "faculty"):
        db.session.add(Enrollment(cohort_id=cohort.id, user_id=people[key].id, status="enrolled"))
    cohort.enrolled_count = 2
    db.session.flush()
    for key in ("student", "faculty"):
        db.session.add(AttendanceRecord(session_id=sessions[0].id, user_id=people[key].id,
                                        status="present", marked_by_id=trainer.id))
    excuse = ExcuseRequest(session_id=sessions[3].id, user_id=people["student"].id,
                           reason="Family wedding")
    db.session.add(excuse)

    assessment = Assessment(course_id=course.id, title="Final exam", pass_percent=50,
                            max_attempts=3, grading="highest")
    db.session.add(assessment)
    db.session.flush()
    single = Question(assessment_id=assessment.id, position=1, kind="single",
                      prompt="Which header stops framing?", points=1,
                      options=[{"id": 1, "text": "X-Frame-Options", "correct": True},
                               {"id": 2, "text": "Accept", "correct": False}])
    essay = Question(assessment_id=assessment.id, position=2, kind="essay",
                     prompt="Explain CSRF.", points=4)
    db.session.add_all([single, essay])
    db.session.flush()
    attempt = Attempt(assessment_id=assessment.id, user_id=people["student"].id,
                      cohort_id=cohort.id, number=1, status="needs_grading",
                      question_ids=[single.id, essay.id], started_at=now - timedelta(hours=1),
                      submitted_at=now - timedelta(minutes=50), score=1, max_score=5)
    db.session.add(attempt)
    db.session.flush()
    db.session.add_all([
        Answer(attempt_id=attempt.id, question_id=single.id, response=1, points=1),
        Answer(attempt_id=attempt.id, question_id=essay.id, response="A forged request."),
    ])
    people["student"].ics_token = "student-calendar-token-0123456789"
    people["trainer"].ics_token = "trainer-calendar-token-0123456789"
    db.session.flush()
    files = _world_files(course, sessions[2], attempt, essay, people["student"])
    cert = cert_services.create_certificate(
        people["admin"], **cert_services.course_fields(people["student"], cohort))
    db.session.commit()
    from lms.accounts.services import set_password_token
    from lms.notifications.models import OutboxMessage
    from lms.notifications.services import reset_token

    return SimpleNamespace(
        people=people, ids={k: u.id for k, u in people.items()}, park=lahore, other_park=karachi,
        room=room, holiday=holiday, course=course, draft=draft, track=track, cohort=cohort,
        sessions=sessions, session=sessions[2], excuse=excuse, assessment=assessment,
        question=single, essay=essay, attempt=attempt, certificate=cert,
        cert_code=cert.code, newcomer=newcomer, **files,
        set_password_token=set_password_token(newcomer),
        emails={k: u.email for k, u in people.items()}, reset_token=reset_token(people["student"]),
        message=db.session.scalar(sa.select(OutboxMessage).order_by(OutboxMessage.id).limit(1)))


def _world_files(course, session, attempt, question, student) -> dict:
    """A course handout, a session handout and a file handed in for the attempt (bytes stored)."""
    import io

    from lms.materials.models import AttemptUpload, Blob, Material
    from lms.materials.services import storage
    from lms.materials.storage import receive

    received = receive(io.BytesIO(b"%PDF-1.4 world handout\n%%EOF\n"), 1 << 20,
                       storage().temp_dir())
    storage().store(received)
    db.session.add(Blob(sha256=received.sha256, size=received.size,
                        content_type="application/pdf"))
    db.session.flush()
    material = Material(course_id=course.id, kind="file", title="Handout", filename="handout.pdf",
                        blob_sha256=received.sha256, status="published")
    session_material = Material(course_id=course.id, session_id=session.id, kind="file",
                                title="Lab sheet", filename="lab.pdf",
                                blob_sha256=received.sha256, status="published")
    upload = AttemptUpload(attempt_id=attempt.id, question_id=question.id, user_id=student.id,
                           blob_sha256=received.sha256, filename="report.pdf")
    db.session.add_all([material, session_material, upload])
    db.session.flush()
    return {"material": material, "session_material": session_material, "upload": upload}


class Clients(dict):
    """One test client per role, logged in through the real form on first use."""

    def __init__(self, app, world):
        super().__init__()
        self.app, self.world = app, world

    def __missing__(self, role):
        c = self.app.test_client()
        if role != "anon":
            extra = {}
            if self.app.config.get("WTF_CSRF_ENABLED"):
                extra["csrf_token"] = csrf_token_from(c.get("/login").get_data(as_text=True))
            resp = AuthActions(c).login(self.world.emails[role], **extra)
            assert resp.status_code == 302, (role, resp.status_code)
        self[role] = c
        return c


def fingerprint(ignore: set[str] = frozenset()) -> dict[str, str]:
    """{table: "count:sha1"} for every table, volatile tables and columns left out."""
    db.session.rollback()
    out = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            if table.name in VOLATILE_TABLES or table.name in ignore:
                continue
            skip = VOLATILE_COLUMNS.get(table.name, set())
            cols = [c for c in table.columns if c.name not in skip]
            order = list(table.primary_key.columns) or cols
            rows = conn.execute(sa.select(*cols).order_by(*order)).all()
            digest = hashlib.sha1(repr([tuple(r) for r in rows]).encode(), usedforsecurity=False)
            out[table.name] = f"{len(rows)}:{digest.hexdigest()}"
    return out


def changed_tables(before: dict, after: dict) -> list[str]:
    """The names of the tables whose fingerprint differs."""
    return sorted(t for t in after if before.get(t) != after[t])


def check_security_headers(resp, where: str = "") -> list[str]:
    """What is missing or weak in a response's security headers (empty when all is well)."""
    problems = []
    csp = resp.headers.get("Content-Security-Policy", "")
    script = re.search(r"script-src ([^;]*)", csp)
    if not script or "'unsafe-inline'" in script.group(1) or "'unsafe-eval'" in script.group(1):
        problems.append(f"{where}: CSP allows inline script or has no script-src: {csp!r}")
    default = re.search(r"default-src ([^;]*)", csp)
    if not default or "'unsafe-inline'" in default.group(1):
        problems.append(f"{where}: CSP default-src missing or unsafe")
    if "frame-ancestors 'none'" not in csp:
        problems.append(f"{where}: CSP does not forbid framing (frame-ancestors 'none')")
    if resp.headers.get("X-Frame-Options") != "DENY":
        problems.append(f"{where}: X-Frame-Options is {resp.headers.get('X-Frame-Options')!r}")
    if resp.headers.get("X-Content-Type-Options") != "nosniff":
        problems.append(f"{where}: X-Content-Type-Options missing")
    if resp.headers.get("Referrer-Policy") not in ("same-origin", "no-referrer",
                                                   "strict-origin-when-cross-origin"):
        problems.append(f"{where}: Referrer-Policy is {resp.headers.get('Referrer-Policy')!r}")
    if not resp.headers.get("X-Request-ID"):
        problems.append(f"{where}: no X-Request-ID")
    return problems
