"""Build the programme at full scale with bulk inserts (a couple of minutes at most).

12 parks, 6,000 students, 500 faculty, 150 trainers, 60 courses, 200 cohorts of 50 sessions
(10,000 sessions), about 300,000 attendance records, 50,000 attempts with their answers and
5,000 certificates. Deterministic (seeded), so runs compare.
"""

import hashlib
import random
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from lms.accounts.models import User
from lms.assessments.models import Answer, Assessment, Attempt, Question
from lms.attendance.models import AttendanceRecord
from lms.catalogue.models import Course, CourseModule, CourseSkill
from lms.certificates.models import Certificate
from lms.certificates.rules import new_code
from lms.extensions import db
from lms.parks.models import Park, Room
from lms.parks.services import load_parks
from lms.scheduling.models import ClassSession, Cohort, Enrollment

PASSWORD = "bench password 2026"  # noqa: S105 (benchmark users only)
SCALE = {"students": 6000, "faculty": 500, "trainers": 150, "courses": 60, "cohorts": 200,
         "sessions_per_cohort": 50, "attempts": 50000, "certificates": 5000}
SKILLS = ["cloud", "aws", "azure", "devops", "docker", "kubernetes", "python", "ml", "data",
          "sql", "security", "react", "flutter", "ui", "testing", "freelancing"]
CHUNK = 5000
LEARNERS_PER_COHORT = 32


def _insert(model, rows: list[dict]) -> None:
    """Bulk insert: executemany on SQLite; on PostgreSQL multi-row VALUES statements, so the
    report-cache triggers (FOR EACH STATEMENT) fire once per chunk rather than once per row."""
    if db.engine.dialect.name != "postgresql":
        for i in range(0, len(rows), CHUNK):
            db.session.execute(sa.insert(model), rows[i:i + CHUNK])
        return
    chunk = max(1, 30000 // max(1, len(rows[0]) if rows else 1))  # under 65,535 parameters
    for i in range(0, len(rows), chunk):
        db.session.execute(sa.insert(model).values(rows[i:i + chunk]))


def _ids(model) -> list[int]:
    return list(db.session.scalars(sa.select(model.id).order_by(model.id)))


def generate(scale: dict | None = None, seed: int = 2026, log=print) -> dict:
    """Fill an empty, migrated database; return the ids the benchmark needs."""
    scale = {**SCALE, **(scale or {})}
    rnd = random.Random(seed)
    started = time.perf_counter()
    now = datetime.now(UTC).replace(microsecond=0)
    load_parks()
    parks = list(db.session.scalars(sa.select(Park).order_by(Park.id)))
    pw = generate_password_hash(PASSWORD)

    # users ------------------------------------------------------------------------------------
    users = [{"email": "admin@bench.pk", "full_name": "Bench Admin", "role": "admin",
              "park_id": None}]
    users += [{"email": f"manager.{p.slug}@bench.pk", "full_name": f"Manager {p.city}",
               "role": "park_manager", "park_id": p.id} for p in parks]
    users += [{"email": f"trainer{i}@bench.pk", "full_name": f"Trainer {i}", "role": "trainer",
               "park_id": parks[i % 12].id} for i in range(scale["trainers"])]
    users += [{"email": f"student{i}@bench.pk", "full_name": f"Student {i}", "role": "student",
               "park_id": parks[i % 12].id} for i in range(scale["students"])]
    users += [{"email": f"faculty{i}@bench.pk", "full_name": f"Faculty {i}", "role": "faculty",
               "park_id": parks[i % 12].id} for i in range(scale["faculty"])]
    for u in users:
        u.update(password_hash=pw, active=True, session_version=1, created_at=now,
                 institution="Bench University")
    _insert(User, users)
    by_role: dict[str, list[tuple[int, int]]] = {}
    for uid, role, park_id in db.session.execute(sa.select(User.id, User.role, User.park_id)):
        by_role.setdefault(role, []).append((uid, park_id))
    trainers = [uid for uid, _ in by_role["trainer"]]
    log(f"  users: {len(users)} ({time.perf_counter() - started:.1f} s)")

    # rooms, courses ---------------------------------------------------------------------------
    _insert(Room, [{"park_id": p.id, "name": f"Lab {n}", "capacity": 40}
                   for p in parks for n in range(1, 7)])
    rooms_by_park: dict[int, list[int]] = {}
    for rid, pid in db.session.execute(sa.select(Room.id, Room.park_id)):
        rooms_by_park.setdefault(pid, []).append(rid)
    _insert(Course, [{"code": f"BEN-{100 + i}", "title": f"Bench course {i}",
                      "summary": "A course of the benchmark programme. " * 5,
                      "track": ("student", "faculty", "both")[i % 3], "level": "beginner",
                      "duration_hours": 48, "industry_partners": ["Systems Ltd", "Arbisoft"],
                      "min_attendance_percent": 75, "status": "published",
                      "owner_id": trainers[i % len(trainers)], "created_at": now,
                      "updated_at": now, "published_at": now}
                     for i in range(scale["courses"])])
    courses = _ids(Course)
    _insert(CourseModule, [{"course_id": c, "position": m, "title": f"Module {m}", "hours": 6,
                            "description": "Outline of this module."}
                           for c in courses for m in range(1, 9)])
    _insert(CourseSkill, [{"course_id": c, "name": s} for i, c in enumerate(courses)
                          for s in {SKILLS[i % 16], SKILLS[(i * 7) % 16]}])

    # cohorts and sessions: 200 cohorts, 160 finished, 40 running -------------------------------
    cohorts, sessions = [], []
    per = scale["sessions_per_cohort"]
    for i in range(scale["cohorts"]):
        park = parks[i % 12]
        room = rooms_by_park[park.id][(i // 12) % 6]
        running = i % 5 == 0  # 40 running, 160 finished
        start = (now - timedelta(days=100 if running else 240)).date()
        start_hour = 9 + (i // 72) % 3 * 3
        cohorts.append({"course_id": courses[i % len(courses)], "park_id": park.id,
                        "name": f"Cohort {i}", "trainer_id": trainers[i % len(trainers)],
                        "room_id": room, "capacity": 40, "enrolled_count": 0,
                        "start_date": start, "end_date": start + timedelta(days=per * 7 // 3),
                        "meeting_days": "mon,wed,fri", "start_time": dtime(start_hour, 0),
                        "end_time": dtime(start_hour + 2, 0),
                        "status": "running" if running else "completed", "created_at": now})
    _insert(Cohort, cohorts)
    cohort_rows = list(db.session.execute(sa.select(Cohort.id, Cohort.start_date, Cohort.room_id,
                                                    Cohort.trainer_id, Cohort.start_time,
                                                    Cohort.status, Cohort.park_id,
                                                    Cohort.course_id).order_by(Cohort.id)))
    for cid, start, room, trainer, at, _status, _park, _course in cohort_rows:
        day = start
        for _ in range(per):
            while day.weekday() not in (0, 2, 4):
                day += timedelta(days=1)
            begins = datetime.combine(day, at, tzinfo=UTC) - timedelta(hours=5)
            sessions.append({"cohort_id": cid, "starts_at": begins,
                             "ends_at": begins + timedelta(hours=2), "room_id": room,
                             "trainer_id": trainer, "status": "scheduled"})
            day += timedelta(days=1)
    _insert(ClassSession, sessions)
    log(f"  cohorts {len(cohorts)}, sessions {len(sessions)} "
        f"({time.perf_counter() - started:.1f} s)")

    # enrolments: 32 learners per cohort (park's learners), finished cohorts completed ---------
    learners_by_park: dict[int, list[int]] = {}
    for uid, pid in by_role["student"] + by_role["faculty"]:
        learners_by_park.setdefault(pid, []).append(uid)
    enrolments, cohort_learners = [], {}
    offset: dict[int, int] = {}
    for cid, _start, _room, _trainer, _at, status, pid, _course in cohort_rows:
        pool = learners_by_park[pid]
        k = offset.get(pid, 0)
        chosen = [pool[(k + j) % len(pool)] for j in range(LEARNERS_PER_COHORT)]
        offset[pid] = k + LEARNERS_PER_COHORT
        cohort_learners[cid] = chosen
        enrolments += [{"cohort_id": cid, "user_id": uid,
                        "status": "completed" if status == "completed" else "enrolled",
                        "created_at": now, "queued_at": now, "updated_at": now}
                       for uid in chosen]
    _insert(Enrollment, enrolments)
    db.session.execute(sa.update(Cohort).values(enrolled_count=LEARNERS_PER_COHORT))

    # attendance for every held session --------------------------------------------------------
    records = []
    session_rows = db.session.execute(sa.select(ClassSession.id, ClassSession.cohort_id,
                                                ClassSession.starts_at)
                                      .where(ClassSession.starts_at <= now))
    statuses = ["present"] * 14 + ["late"] * 2 + ["excused", "absent", "absent"]
    for sid, cid, _ in session_rows:
        for uid in cohort_learners[cid]:
            records.append({"session_id": sid, "user_id": uid, "status": rnd.choice(statuses),
                            "source": "register", "marked_at": now})
    _insert(AttendanceRecord, records)
    log(f"  attendance records {len(records)} ({time.perf_counter() - started:.1f} s)")

    # assessments, attempts and answers ----------------------------------------------------------
    _insert(Assessment, [{"course_id": c, "title": "Final exam", "required": True,
                          "pass_percent": 50, "max_attempts": 10, "grading": "highest",
                          "time_limit_minutes": 60, "shuffle_questions": False,
                          "shuffle_options": False, "review": "after_submit", "created_at": now}
                         for c in courses])
    assessment_by_course = {c: a for c, a in db.session.execute(
        sa.select(Assessment.course_id, Assessment.id))}
    questions = []
    for aid in assessment_by_course.values():
        for q in range(5):
            questions.append({"assessment_id": aid, "position": q + 1, "kind": "single",
                              "prompt": f"Question {q + 1}?", "points": 2,
                              "options": [{"id": f"o{n}", "text": f"Option {n}",
                                           "correct": n == 1} for n in range(1, 5)],
                              "accepted_answers": []})
    _insert(Question, questions)
    q_by_assessment: dict[int, list[int]] = {}
    for qid, aid in db.session.execute(sa.select(Question.id, Question.assessment_id)
                                       .order_by(Question.id)):
        q_by_assessment.setdefault(aid, []).append(qid)
    attempts, pairs = [], []
    for cid, _start, _room, _trainer, _at, _status, _pid, course in cohort_rows:
        for uid in cohort_learners[cid]:
            pairs.append((cid, course, uid))
    per_pair = -(-scale["attempts"] // len(pairs))
    numbers: dict[tuple[int, int], int] = {}
    for cid, course, uid in pairs:
        aid = assessment_by_course[course]
        for _ in range(per_pair):
            if len(attempts) >= scale["attempts"]:
                break
            n = numbers[aid, uid] = numbers.get((aid, uid), 0) + 1
            score = rnd.choice([4, 6, 8, 10])
            started_at = now - timedelta(days=rnd.randint(1, 200))
            attempts.append({"assessment_id": aid, "user_id": uid, "cohort_id": cid, "number": n,
                             "started_at": started_at, "deadline_at": started_at + timedelta(hours=1),
                             "submitted_at": started_at + timedelta(minutes=30),
                             "status": "graded", "question_ids": q_by_assessment[aid],
                             "option_orders": {}, "score": score, "max_score": 10,
                             "percent": score * 10.0, "passed": score >= 5})
    _insert(Attempt, attempts)
    answers = []
    for attempt_id, aid, score in db.session.execute(sa.select(Attempt.id, Attempt.assessment_id,
                                                               Attempt.score)):
        right = int(score // 2)
        for i, qid in enumerate(q_by_assessment[aid]):
            answers.append({"attempt_id": attempt_id, "question_id": qid,
                            "response": "o1" if i < right else "o2",
                            "points": 2.0 if i < right else 0.0})
    _insert(Answer, answers)
    log(f"  attempts {len(attempts)}, answers {len(answers)} "
        f"({time.perf_counter() - started:.1f} s)")

    # certificates for learners of finished cohorts ---------------------------------------------
    pdf = b"%PDF-1.4\n% benchmark placeholder certificate\n%%EOF\n"
    certs = []
    for cid, start, _room, _trainer, _at, status, pid, course in cohort_rows:
        if status != "completed":
            continue
        for uid in cohort_learners[cid]:
            if len(certs) >= scale["certificates"]:
                break
            code = new_code(rnd.getrandbits)  # the real format, from a seeded generator
            certs.append({"code": code, "kind": "course", "user_id": uid, "cohort_id": cid,
                          "park_id": pid, "holder_name": f"Learner {uid}",
                          "title": f"Bench course {course}", "hours": 48, "starts_on": start,
                          "ends_on": start + timedelta(days=100), "issued_on": date.today(),
                          "issued_at": now, "status": "valid",
                          "sha256": hashlib.sha256(pdf).hexdigest(), "pdf": pdf})
    _insert(Certificate, certs)
    db.session.commit()
    log(f"  certificates {len(certs)}; generated in {time.perf_counter() - started:.1f} s")
    first_running = next(c[0] for c in cohort_rows if c[5] == "running")
    some_student = by_role["student"][0][0]
    return {"elapsed": time.perf_counter() - started, "cohort_id": first_running,
            "course_id": courses[0], "student_id": some_student,
            "certificate_code": certs[0]["code"] if certs else None,
            "counts": {"users": len(users), "sessions": len(sessions),
                       "attendance_records": len(records), "attempts": len(attempts),
                       "answers": len(answers), "certificates": len(certs)}}
