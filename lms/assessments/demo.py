"""Demo data: a final exam per demo course, and a few submitted attempts in a past cohort."""

from datetime import timedelta

import sqlalchemy as sa

from lms.assessments import rules, services
from lms.assessments.models import Answer, Assessment, Attempt
from lms.catalogue.models import Course
from lms.core.timeutil import park_to_utc, park_today
from lms.extensions import db
from lms.scheduling.models import Cohort, Enrollment

EXAM_TITLE = "Final exam"


def _questions(course: Course) -> list[dict]:
    topic = course.title
    return [
        {"kind": "single", "points": 2,
         "prompt": f"Which practice comes first when starting a {topic} project?",
         "options": [{"text": "Write down the requirements and constraints", "correct": True},
                     {"text": "Buy the most powerful hardware"},
                     {"text": "Skip testing to save time"}],
         "feedback": "Requirements come before tools."},
        {"kind": "multiple", "points": 3,
         "prompt": "Which of these help keep a deployment reproducible?",
         "options": [{"text": "Version control", "correct": True},
                     {"text": "Infrastructure as code", "correct": True},
                     {"text": "Manual changes on the server"},
                     {"text": "Automated tests", "correct": True}],
         "feedback": "Manual changes drift; everything else can be repeated."},
        {"kind": "true_false", "points": 1, "answer": True,
         "prompt": "Secrets such as passwords should never be committed to a repository."},
        {"kind": "short_text", "points": 1, "accepted_answers": ["git", "Git SCM"],
         "prompt": "Name the distributed version-control system used throughout this course."},
        {"kind": "numeric", "points": 1, "answer": 1024, "tolerance": 0,
         "prompt": "How many megabytes are in one gigabyte (binary)?"},
        {"kind": "essay", "points": 4,
         "prompt": "Describe a project you would build with what you learned, and how you "
                   "would test it."},
    ]


def _answers(exam: Assessment, quality: int) -> dict[int, object]:
    """Responses of a learner: quality 2 = strong, 1 = mixed, 0 = weak."""
    out = {}
    for q in exam.questions:
        right = [o["id"] for o in q.options if o.get("correct")]
        wrong = [o["id"] for o in q.options if not o.get("correct")]
        if q.kind == "single":
            out[q.id] = right[0] if quality else wrong[0]
        elif q.kind == "multiple":
            out[q.id] = right if quality == 2 else right[:1] + wrong[:1] if quality else wrong
        elif q.kind == "true_false":
            out[q.id] = quality > 0
        elif q.kind == "short_text":
            out[q.id] = " GIT " if quality else "svn"
        elif q.kind == "numeric":
            out[q.id] = 1024 if quality == 2 else 1000
        elif q.kind == "essay":
            out[q.id] = ("A booking system for the park's labs, with unit tests for the "
                         "clash rules and a staging deployment before each release.")
    return out


def seed(users: dict, parks: dict) -> None:
    """Add an exam to every demo course and attempts by demo learners of a past cohort."""
    courses = list(db.session.scalars(sa.select(Course).where(
        Course.status != "draft").order_by(Course.code)))
    today = park_today()
    for course in courses:
        if db.session.scalar(sa.select(Assessment.id).where(
                Assessment.course_id == course.id, Assessment.title == EXAM_TITLE)):
            continue
        exam = services.create_assessment(course.owner, course, {
            "title": EXAM_TITLE, "required": True, "pass_percent": 60, "max_attempts": 2,
            "grading": "highest", "time_limit_minutes": 45, "shuffle_options": True,
            "review": "after_submit", "questions": _questions(course)})
        past = db.session.scalar(sa.select(Cohort).where(
            Cohort.course_id == course.id, Cohort.end_date < today,
            Cohort.status != "cancelled").order_by(Cohort.end_date.desc()).limit(1))
        if past is None:
            continue
        learners = list(db.session.scalars(sa.select(Enrollment).where(
            Enrollment.cohort_id == past.id, Enrollment.status.in_(services.IN_COHORT))
            .order_by(Enrollment.id).limit(3)))
        started = park_to_utc(past.end_date, past.start_time)
        for i, enrolment in enumerate(learners):
            _attempt(exam, past, enrolment.user_id, started + timedelta(minutes=5 * i),
                     quality=(2, 1, 0)[i], grader=None if i == 1 else past.trainer_id)


def _attempt(exam: Assessment, cohort: Cohort, user_id: int, started, quality: int,
             grader: int | None) -> Attempt:
    """A submitted attempt; its essay graded by `grader`, or left in the queue."""
    seed = rules.attempt_seed(exam.id, user_id, 1)
    attempt = Attempt(assessment_id=exam.id, user_id=user_id, cohort_id=cohort.id, number=1,
                      started_at=started,
                      deadline_at=rules.deadline(started, exam.time_limit_minutes, None),
                      status="open", question_ids=[q.id for q in exam.questions],
                      option_orders={str(q.id): rules.option_order(
                          [o["id"] for o in q.options], f"{seed}:q{q.id}")
                          for q in exam.questions if q.kind in rules.CHOICE_KINDS})
    db.session.add(attempt)
    for qid, response in _answers(exam, quality).items():
        answer = Answer(question_id=qid, response=response)
        question = next(q for q in exam.questions if q.id == qid)
        if question.kind == "essay" and grader:
            answer.points = 3.0 if quality == 1 else 1.5
            answer.comment = "Good idea; say more about how you would test it."
            answer.graded_by_id, answer.graded_at = grader, started + timedelta(days=1)
        attempt.answers.append(answer)
    db.session.flush()
    services.finalise(attempt, started + timedelta(minutes=30))
    return attempt
