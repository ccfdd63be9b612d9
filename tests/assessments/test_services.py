"""Service tests: attempts, deadlines, limits, grading, regrading, results, statistics."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from lms.assessments import services
from lms.assessments.models import Answer, Attempt
from lms.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from lms.core.models import AuditEvent
from lms.extensions import db
from tests.assessments.conftest import option_ids, right_answers

T0 = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)


def start(w, user=None):
    attempt = services.start_attempt(user or w.learner, w.exam)
    db.session.commit()
    return attempt


def test_start_draws_all_questions_and_only_enrolled_learners(world):
    w = world
    attempt = start(w)
    assert attempt.number == 1 and attempt.status == "open" and attempt.cohort_id == w.cohort.id
    assert sorted(attempt.question_ids) == sorted(q.id for q in w.exam.questions)
    for user in (w.outsider, w.owner, w.admin):
        with pytest.raises(Forbidden):
            services.start_attempt(user, w.exam)


def test_withdrawn_or_waitlisted_learner_may_not_start(world, make_user, enrol):
    for status in ("withdrawn", "waitlisted"):
        u = make_user("student")
        enrol(world.cohort, u, status)
        with pytest.raises(Forbidden):
            services.start_attempt(u, world.exam)


def test_one_open_attempt_and_attempt_limit(world):
    w = world
    first = start(w)
    with pytest.raises(Conflict) as exc:
        services.start_attempt(w.learner, w.exam)
    assert exc.value.code == "attempt_open" and exc.value.extra["attempt_id"] == first.id
    services.submit_attempt(w.learner, first.id)
    db.session.commit()
    second = start(w)
    assert second.number == 2
    services.submit_attempt(w.learner, second.id)
    db.session.commit()
    with pytest.raises(Conflict) as exc:
        services.start_attempt(w.learner, w.exam)
    assert exc.value.code == "attempts_used_up"
    assert db.session.scalar(sa.select(sa.func.count(Attempt.id))) == 2


def test_full_marks_objective_and_essay_queue(world):
    w = world
    attempt = start(w)
    services.save_answers(w.learner, attempt.id, right_answers(w, attempt.id))
    db.session.commit()
    db.session.commit()  # each request locks afresh
    services.submit_attempt(w.learner, attempt.id)
    db.session.commit()
    assert attempt.status == "needs_grading"
    assert attempt.score == 8 and attempt.max_score == 12
    assert attempt.percent is None and attempt.passed is None
    assert services.grading_queue_count(w.teacher) == 1
    assert services.grading_queue_count(w.owner) == 1
    assert services.grading_queue_count(w.other_trainer) == 0
    with pytest.raises(Forbidden):
        services.grade_answers(w.manager, attempt.id,
                               [{"question_id": w.q["essay"].id, "points": 3}])
    with pytest.raises(NotFound):
        services.grade_answers(w.other_trainer, attempt.id,
                               [{"question_id": w.q["essay"].id, "points": 3}])
    with pytest.raises(ValidationFailed) as exc:
        services.grade_answers(w.teacher, attempt.id,
                               [{"question_id": w.q["essay"].id, "points": 4.5}])
    assert "grades.0.points" in exc.value.fields
    db.session.rollback()
    with pytest.raises(ValidationFailed):
        services.grade_answers(w.teacher, attempt.id,
                               [{"question_id": w.q["single"].id, "points": 1}])
    db.session.rollback()
    services.grade_answers(w.teacher, attempt.id,
                           [{"question_id": w.q["essay"].id, "points": 3, "comment": "Good"}])
    db.session.commit()
    assert attempt.status == "graded" and attempt.score == 11
    assert attempt.percent == pytest.approx(91.67) and attempt.passed is True
    assert services.grading_queue_count(w.teacher) == 0
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "attempt.grade"))


def test_second_submit_returns_same_result(world):
    w = world
    attempt = start(w)
    services.save_answers(w.learner, attempt.id, right_answers(w, attempt.id)[:3])
    db.session.commit()  # each request locks afresh
    first = services.submit_attempt(w.learner, attempt.id)
    db.session.commit()
    snapshot = (first.status, first.score, first.percent, first.submitted_at)
    again = services.submit_attempt(w.learner, attempt.id)
    assert (again.status, again.score, again.percent, again.submitted_at) == snapshot


def test_answers_refused_after_submit_and_for_others(world):
    w = world
    attempt = start(w)
    with pytest.raises(NotFound):
        services.save_answers(w.learner2, attempt.id, [])
    with pytest.raises(Forbidden):  # staff may see it but never answer
        services.save_answers(w.teacher, attempt.id, [])
    db.session.rollback()
    db.session.commit()  # each request locks afresh
    services.submit_attempt(w.learner, attempt.id)
    db.session.commit()
    with pytest.raises(Conflict) as exc:
        services.save_answers(w.learner, attempt.id, right_answers(w, attempt.id))
    assert exc.value.code == "attempt_submitted"


def test_invalid_responses_are_422_with_fields(world):
    w = world
    attempt = start(w)
    with pytest.raises(ValidationFailed) as exc:
        services.save_answers(w.learner, attempt.id, [
            {"question_id": w.q["numeric"].id, "response": "12"},
            {"question_id": 999999, "response": 1},
            {"question_id": w.q["single"].id, "response": 424242}])
    assert set(exc.value.fields) >= {"answers.0.response", "answers.1.question_id",
                                     "answers.2.response"}


def test_deadline_refuses_late_answers_and_finalises(world):
    w = world
    w.exam.time_limit_minutes = 30
    db.session.commit()
    with time_machine.travel(T0, tick=False):
        attempt = start(w)
        assert attempt.deadline_at == T0 + timedelta(minutes=30)
        services.save_answers(w.learner, attempt.id, right_answers(w, attempt.id)[:2])
        db.session.commit()
    with time_machine.travel(T0 + timedelta(minutes=30), tick=False):
        with pytest.raises(Conflict) as exc:
            services.save_answers(w.learner, attempt.id, right_answers(w, attempt.id))
        assert exc.value.code == "deadline_passed"
        db.session.rollback()
        assert services.finalise_overdue() == 1
        db.session.commit()
    db.session.refresh(attempt)
    assert attempt.status == "graded"  # only the two saved answers count; no essay written
    assert attempt.score == 5 and attempt.submitted_at == T0 + timedelta(minutes=30)
    assert services.finalise_overdue() == 0


def test_deadline_never_after_close_and_override(world):
    w = world
    w.exam.time_limit_minutes = 60
    w.exam.closes_at = T0 + timedelta(minutes=20)
    db.session.commit()
    with time_machine.travel(T0, tick=False):
        services.set_override(w.owner, w.exam, w.cohort.id, None, T0 + timedelta(minutes=45))
        db.session.commit()
        attempt = start(w)
        assert attempt.deadline_at == T0 + timedelta(minutes=45)
    with time_machine.travel(T0 + timedelta(hours=2), tick=False):
        with pytest.raises(Conflict) as exc:  # overdue attempt finalised lazily, then closed
            services.start_attempt(w.learner, w.exam)
        assert exc.value.code == "window_closed"


def test_window_not_yet_open(world):
    w = world
    w.exam.opens_at = T0
    db.session.commit()
    with time_machine.travel(T0 - timedelta(minutes=1), tick=False):
        with pytest.raises(Conflict) as exc:
            services.start_attempt(w.learner, w.exam)
        assert exc.value.code == "window_not_yet"


def test_lazy_finalise_when_read(world):
    w = world
    w.exam.time_limit_minutes = 10
    db.session.commit()
    with time_machine.travel(T0, tick=False):
        start(w)
    with time_machine.travel(T0 + timedelta(minutes=11), tick=False):
        state = services.learner_state(w.learner, w.exam)
        assert state["attempts"][0].status == "graded" and state["open_attempt"] is None


def test_grading_methods_in_results(world):
    w = world
    w.exam.max_attempts = 3
    db.session.commit()
    scores = []
    for count in (1, 5, 2):
        attempt = start(w)
        services.save_answers(w.learner, attempt.id, right_answers(w, attempt.id)[:count])
        db.session.commit()  # each request locks afresh
        services.submit_attempt(w.learner, attempt.id)
        db.session.commit()
        scores.append(attempt.percent)
    assert scores == [pytest.approx(16.67), pytest.approx(66.67), pytest.approx(41.67)]
    for method, expected, passed in (("highest", 66.67, True), ("latest", 41.67, False),
                                     ("average", 41.67, False)):
        w.exam.grading = method
        db.session.commit()
        result = services.cohort_results(w.cohort)[w.learner.id][w.exam.id]
        assert result.percent == pytest.approx(expected, abs=0.01), method
        assert result.passed is passed and result.status == "graded"
    other = services.cohort_results(w.cohort)[w.learner2.id][w.exam.id]
    assert other.status == "not_attempted" and other.percent is None and other.passed is False


def test_cohort_results_constant_queries(world, make_user, enrol, count_queries):
    w = world
    for _ in range(2):
        attempt = start(w)
        services.submit_attempt(w.learner, attempt.id)
        db.session.commit()
    with count_queries() as few:
        services.cohort_results(w.cohort)
    for _ in range(6):
        u = make_user("student")
        enrol(w.cohort, u)
        a = start(w, u)
        services.submit_attempt(u, a.id)
        db.session.commit()
    db.session.expire_all()
    with count_queries() as many:
        results = services.cohort_results(w.cohort)
    assert len(results) == 8
    assert len(many) == len(few) <= 5, (len(few), len(many))


def test_required_assessments(world):
    w = world
    services.create_assessment(w.owner, w.course, {"title": "Practice quiz", "required": False})
    db.session.commit()
    assert [a.title for a in services.required_assessments(w.course.id)] == ["Final exam"]


def test_answer_key_change_regrades_and_audits(world):
    w = world
    attempt = start(w)
    shown = option_ids(attempt.id, w.q["single"])
    wrong_single = next(shown[o["id"]] for o in w.q["single"].options if not o["correct"])
    services.save_answers(w.learner, attempt.id,
                          [{"question_id": w.q["single"].id, "response": wrong_single}])
    db.session.commit()  # each request locks afresh
    services.submit_attempt(w.learner, attempt.id)
    db.session.commit()
    assert attempt.score == 0
    q = w.q["single"]
    options = [{"id": o["id"], "text": o["text"], "correct": shown[o["id"]] == wrong_single}
               for o in q.options]
    services.update_question(w.owner, q, {"kind": "single", "prompt": q.prompt, "points": 2,
                                          "options": options})
    db.session.commit()
    db.session.refresh(attempt)
    assert attempt.score == 2 and attempt.percent == pytest.approx(16.67)
    assert [o["id"] for o in q.options] == [o["id"] for o in options]  # ids kept
    events = {e.action: e for e in db.session.scalars(sa.select(AuditEvent))}
    assert "question.key_change" in events and "assessment.regrade" in events
    assert events["assessment.regrade"].after["attempts"][0]["attempt_id"] == attempt.id
    # a prompt-only edit regrades nothing
    services.update_question(w.owner, q, {"kind": "single", "prompt": "Reworded", "points": 2,
                                          "options": options})
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).where(
        AuditEvent.action == "question.key_change")) == 1


def test_kind_change_and_delete_refused_once_drawn(world):
    w = world
    start(w)
    with pytest.raises(Conflict):
        services.update_question(w.owner, w.q["essay"], {"kind": "true_false", "prompt": "x",
                                                        "answer": True})
    db.session.rollback()
    with pytest.raises(Conflict):
        services.delete_question(w.owner, w.q["essay"])


def test_authoring_permissions_and_validation(world):
    w = world
    for user in (w.teacher, w.other_trainer, w.manager, w.learner):
        with pytest.raises(Forbidden):
            services.create_assessment(user, w.course, {"title": "X"})
    with pytest.raises(ValidationFailed) as exc:
        services.create_assessment(w.owner, w.course, {
            "title": "", "pass_percent": 120, "grading": "best", "draw_count": 3,
            "questions": [{"kind": "single", "prompt": "p", "options": [{"text": "a"}]}]})
    assert {"title", "pass_percent", "grading", "draw_count"} <= set(exc.value.fields)
    with pytest.raises(ValidationFailed) as exc:
        services.create_assessment(w.owner, w.course, {
            "title": "ok", "questions": [{"kind": "single", "prompt": "p",
                                          "options": [{"text": "a"}, {"text": "b"}]}]})
    assert "questions.0.options" in exc.value.fields
    admin_made = services.create_assessment(w.admin, w.course, {"title": "By admin"})
    assert admin_made.id


def test_move_and_reorder(world):
    w = world
    ids = [q.id for q in w.exam.questions]
    services.move_question(w.owner, w.exam.questions[0], "down")
    db.session.commit()
    db.session.expire_all()
    assert [q.id for q in w.exam.questions][:2] == [ids[1], ids[0]]
    services.reorder_questions(w.owner, w.exam, list(reversed(ids)))
    db.session.commit()
    db.session.expire_all()
    assert [q.id for q in w.exam.questions] == list(reversed(ids))
    with pytest.raises(ValidationFailed):
        services.reorder_questions(w.owner, w.exam, ids[:2])


def test_draw_and_shuffle_per_attempt(world):
    w = world
    w.exam.draw_count = 3
    w.exam.shuffle_questions = True
    w.exam.shuffle_options = True
    db.session.commit()
    attempt = start(w)
    assert len(attempt.question_ids) == 3
    ids = set(attempt.question_ids)
    db.session.expire_all()
    again = db.session.get(Attempt, attempt.id)
    assert set(again.question_ids) == ids
    for q in services.questions_of(again):
        if q.kind in ("single", "multiple"):
            shown = option_ids(again.id, q)
            assert sorted(o["id"] for o in services.ordered_options(again, q)) == \
                sorted(shown[o["id"]] for o in q.options)


def test_question_statistics(world, make_user, enrol):
    w = world
    single = w.q["single"]
    wrong = [o["id"] for o in single.options if not o["correct"]]
    right = next(o["id"] for o in single.options if o["correct"])
    for response in (right, wrong[0], wrong[0], wrong[1]):
        u = make_user("student")
        enrol(w.cohort, u)
        a = start(w, u)
        services.save_answers(u, a.id, [{"question_id": single.id,
                                         "response": option_ids(a.id, single)[response]}])
        db.session.commit()  # each request locks afresh
        services.submit_attempt(u, a.id)
        db.session.commit()
    stats = {s["question"].id: s for s in services.question_statistics(w.owner, w.exam)}
    s = stats[single.id]
    assert s["drawn"] == 4 and s["answered"] == 4 and s["share_correct"] == 25.0
    assert s["top_wrong"] == ("Compute", 2) or s["top_wrong"][1] == 2
    assert stats[w.q["numeric"].id]["share_correct"] == 0.0
    with pytest.raises(Forbidden):
        services.question_statistics(w.other_trainer, w.exam)
    assert db.session.scalar(sa.select(sa.func.count(Answer.id))) == 4
