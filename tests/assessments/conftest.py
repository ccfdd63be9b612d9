"""Fixtures of the assessments tests: a course with a cohort, learners and a six-kind exam."""

from types import SimpleNamespace

import pytest

from lms.assessments import services
from lms.assessments.models import Attempt
from lms.extensions import db

# answer-key values no learner may receive before review (searched for in every response)
SECRET_ACCEPTED = "Zebrafish Kubelet"
SECRET_NUMBER = 1234.5678
SECRET_TOLERANCE = 0.0321
SECRET_FEEDBACK = "FEEDBACK-SECRET-77"
KEY_MARKERS = ["zebrafish", "1234.5678", "0.0321", "feedback-secret", "correct", "accepted_answers",
               "tolerance"]


def questions_payload():
    """One question of every kind (API shape)."""
    return [
        {"kind": "single", "prompt": "Which service stores objects?", "points": 2,
         "options": [{"text": "Compute"}, {"text": "Blob storage", "correct": True},
                     {"text": "Queue"}], "feedback": SECRET_FEEDBACK},
        {"kind": "multiple", "prompt": "Which are container tools?", "points": 3,
         "options": [{"text": "Docker", "correct": True}, {"text": "Podman", "correct": True},
                     {"text": "Excel"}, {"text": "Word"}]},
        {"kind": "true_false", "prompt": "TCP is connection oriented.", "points": 1,
         "answer": True},
        {"kind": "short_text", "prompt": "Name the node agent.", "points": 1,
         "accepted_answers": [SECRET_ACCEPTED]},
        {"kind": "numeric", "prompt": "Give the constant.", "points": 1,
         "answer": SECRET_NUMBER, "tolerance": SECRET_TOLERANCE},
        {"kind": "essay", "prompt": "Explain blue-green deployment.", "points": 4},
    ]


def assert_no_keys(body: bytes | str, where: str = "") -> None:
    """Fail if a learner-facing body holds an answer key or correctness."""
    text = (body.decode() if isinstance(body, bytes) else body).lower()
    for marker in KEY_MARKERS:
        assert marker not in text, f"{where}: learner response contains {marker!r}"


@pytest.fixture
def world(app, make_user, make_course, make_cohort, enrol):
    """owner (course), teacher (cohort trainer), learner and learner2 enrolled, outsider learner,
    other trainer, park manager, admin; `exam` with the six kinds (2 attempts, highest)."""
    from lms.assessments import services

    owner = make_user("trainer")
    teacher = make_user("trainer")
    course = make_course(owner=owner)
    cohort = make_cohort(course=course, trainer=teacher)
    learner, learner2 = make_user("student"), make_user("faculty")
    enrol(cohort, learner)
    enrol(cohort, learner2)
    exam = services.create_assessment(owner, course, {
        "title": "Final exam", "pass_percent": 60, "max_attempts": 2, "grading": "highest",
        "questions": questions_payload()})
    db.session.commit()
    return SimpleNamespace(
        owner=owner, teacher=teacher, course=course, cohort=cohort, learner=learner,
        learner2=learner2, outsider=make_user("student"), other_trainer=make_user("trainer"),
        manager=make_user("park_manager"), admin=make_user("admin"), exam=exam,
        q={q.kind: q for q in exam.questions})


def option_ids(attempt_id: int, question) -> dict[int, int]:
    """Authoring id -> the id the attempt shows for the question's options."""
    return services.attempt_option_ids(db.session.get(Attempt, attempt_id), question)


def right_answers(w, attempt_id: int) -> list[dict]:
    """Full-marks responses for every objective question, and an essay (in the attempt's own
    option ids)."""
    q = w.q
    single_ids, multi_ids = option_ids(attempt_id, q["single"]), option_ids(attempt_id,
                                                                          q["multiple"])
    single_right = next(single_ids[o["id"]] for o in q["single"].options if o["correct"])
    multi_right = [multi_ids[o["id"]] for o in q["multiple"].options if o["correct"]]
    return [{"question_id": q["single"].id, "response": single_right},
            {"question_id": q["multiple"].id, "response": multi_right},
            {"question_id": q["true_false"].id, "response": True},
            {"question_id": q["short_text"].id, "response": "  zebrafish   KUBELET "},
            {"question_id": q["numeric"].id, "response": 1234.59},
            {"question_id": q["essay"].id, "response": "Two environments, switch traffic."}]


def answers_not_echoing_keys(w, attempt_id: int) -> list[dict]:
    """Like right_answers, but the short text is wrong so no echo of a key is in the body."""
    answers = right_answers(w, attempt_id)
    for a in answers:
        if a["question_id"] == w.q["short_text"].id:
            a["response"] = "kube proxy"
    return answers
