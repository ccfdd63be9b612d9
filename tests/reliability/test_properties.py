"""Property tests (hypothesis) over the real services, one commit per operation as a request.

Enrolment: random sequences of enrol and withdraw in a small cohort never seat more learners than
it has seats, keep `enrolled_count` equal to the enrolled rows, and keep the waitlist first come,
first served with positions 1..n. Attempts: random sequences of start, save, submit and time
passing never give more attempts than allowed, keep scores within bounds, accept no answer after
the submit or the deadline, and a second submit returns the same result.
"""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from lms.core.errors import Conflict, DomainError, NotFound
from lms.extensions import db

T0 = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)
PROPERTY_SETTINGS = settings(max_examples=40, deadline=None, database=None, derandomize=True,
                             suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                    HealthCheck.too_slow])


def request(fn, *args, **kwargs):
    """Run one use case as a request would: commit on success, roll back on a DomainError."""
    try:
        result = fn(*args, **kwargs)
    except DomainError as exc:
        db.session.rollback()
        event(f"{fn.__name__}: {exc.status} {getattr(exc, 'code', '')}")
        return exc
    db.session.commit()
    event(f"{fn.__name__}: ok")
    return result


# enrolment -----------------------------------------------------------------------------------
LEARNERS = 6
# a crowd arrives in some order (so a queue forms), then anything happens
enrol_ops = st.tuples(
    st.permutations(range(LEARNERS)),
    st.lists(st.tuples(st.sampled_from(["enrol", "withdraw", "staff_withdraw"]),
                       st.integers(0, LEARNERS - 1)), min_size=1, max_size=20),
).map(lambda p: [("enrol", i) for i in p[0]] + p[1])


@PROPERTY_SETTINGS
@given(seats=st.integers(1, 3), ops=enrol_ops)
def test_enrolment_never_oversells_and_keeps_the_queue(make_user, make_cohort, seats, ops):
    from lms.scheduling import services
    from lms.scheduling.models import Cohort, Enrollment

    manager = make_user("park_manager", password=None)
    cohort = make_cohort(capacity=seats, first=T0 + timedelta(days=30))
    learners = [make_user("student", password=None) for _ in range(LEARNERS)]
    seated: list[int] = []  # the model: who has a seat, and the queue in order
    queue: list[int] = []
    with time_machine.travel(T0, tick=False) as clock:
        for op, i in ops:
            clock.shift(timedelta(seconds=1))
            user = learners[i]
            active = user.id in seated or user.id in queue
            if op == "enrol":
                result = request(services.enrol, user, cohort.id)
                if active:
                    assert isinstance(result, Conflict) and result.code == "already_enrolled"
                elif len(seated) < seats:
                    assert result.status == "enrolled", result
                    seated.append(user.id)
                else:
                    assert result.status == "waitlisted", result
                    queue.append(user.id)
                    assert result.position == len(queue)
            else:
                actor = user if op == "withdraw" else manager
                result = request(services.withdraw, actor, cohort.id, user.id)
                if not active:
                    assert isinstance(result, NotFound), result
                    continue
                assert not isinstance(result, DomainError), result
                _enrolment, promoted = result
                if user.id in seated:
                    event(f"seat freed, queue of {min(len(queue), 2)}")
                    seated.remove(user.id)
                    expected = queue[:1]
                    seated.extend(expected)
                    del queue[:1]
                    assert promoted == expected
                else:
                    queue.remove(user.id)
                    assert promoted == []
            # every operation is followed by a fresh read of what the database holds
            db.session.expire_all()
            count = db.session.scalar(sa.select(Cohort.enrolled_count).where(
                Cohort.id == cohort.id))
            rows = db.session.execute(sa.select(Enrollment.id, Enrollment.user_id,
                                                Enrollment.status)
                                      .where(Enrollment.cohort_id == cohort.id)
                                      .order_by(Enrollment.queued_at, Enrollment.id)).all()
            enrolled = {r.user_id for r in rows if r.status == "enrolled"}
            waiting = [r for r in rows if r.status == "waitlisted"]
            assert count == len(enrolled) <= seats
            assert enrolled == set(seated)
            assert [r.user_id for r in waiting] == queue  # first come, first served
            positions = services.waitlist_positions(cohort.id)
            assert [positions[r.id] for r in waiting] == list(range(1, len(waiting) + 1))
            db.session.rollback()


# attempts ------------------------------------------------------------------------------------
save_op = st.tuples(st.just("save"), st.sampled_from(["tf", "single", "numeric", "bogus"]),
                   st.booleans())
attempt_ops = st.lists(st.one_of(
    st.just(("start",)), save_op, save_op, save_op, st.just(("submit",)),
    st.tuples(st.just("wait"), st.integers(1, 40)),
), min_size=4, max_size=20)


@pytest.fixture
def course_with_learner(make_user, make_course, make_cohort, enrol):
    trainer = make_user("trainer", password=None)
    course = make_course(owner=trainer)
    cohort = make_cohort(course=course, trainer=trainer)
    learner = make_user("student", password=None)
    enrol(cohort, learner)
    return trainer, course, learner


def _answer(kind: str, right: bool, questions: dict, attempt_id: int) -> dict:
    """A response to one question: right or wrong; 'bogus' names no question of the attempt.
    Options go by the attempt's own ids (what its learner is shown)."""
    if kind == "bogus":
        return {"question_id": 10**6, "response": True}
    q = questions[kind]
    if kind == "tf":
        return {"question_id": q.id, "response": right}
    if kind == "single":
        from lms.assessments import services
        from lms.assessments.models import Attempt

        option = next(o for o in q.options if bool(o.get("correct")) == right)
        shown = services.attempt_option_ids(db.session.get(Attempt, attempt_id), q)
        return {"question_id": q.id, "response": shown[option["id"]]}
    return {"question_id": q.id, "response": 42 if right else 7}


@PROPERTY_SETTINGS
@given(max_attempts=st.integers(1, 3), limit=st.sampled_from([None, 10, 30]),
       closes_after=st.sampled_from([None, 45, 120]), ops=attempt_ops)
def test_attempt_life_cycle(course_with_learner, max_attempts, limit, closes_after, ops):
    from lms.assessments import services
    from lms.assessments.models import Answer, Attempt

    trainer, course, learner = course_with_learner
    with time_machine.travel(T0, tick=False) as clock:
        exam = services.create_assessment(trainer, course, {
            "title": "Property exam", "pass_percent": 50, "max_attempts": max_attempts,
            "grading": "highest", "time_limit_minutes": limit,
            "opens_at": T0 - timedelta(minutes=1),
            "closes_at": T0 + timedelta(minutes=closes_after) if closes_after else None,
            "questions": [
                {"kind": "true_false", "prompt": "True?", "points": 1, "answer": True},
                {"kind": "single", "prompt": "Pick", "points": 2,
                 "options": [{"text": "A", "correct": True}, {"text": "B"}]},
                {"kind": "numeric", "prompt": "Number?", "points": 3, "answer": 42,
                 "tolerance": 0}]})
        db.session.commit()
        questions = {{"true_false": "tf"}.get(q.kind, q.kind): q for q in exam.questions}
        closes = T0 + timedelta(minutes=closes_after) if closes_after else None
        now = T0
        current = None  # id of the attempt the model believes open
        results: dict[int, tuple] = {}  # submitted attempt id -> its result

        def frozen(attempt_id):
            a = db.session.get(Attempt, attempt_id)
            return (a.status, a.score, a.max_score, a.percent, a.passed, a.submitted_at)

        for op in ops:
            if op[0] == "wait":
                clock.shift(timedelta(minutes=op[1]))
                now += timedelta(minutes=op[1])
                continue
            started = db.session.scalar(sa.select(sa.func.count()).select_from(Attempt).where(
                Attempt.assessment_id == exam.id, Attempt.user_id == learner.id))
            open_row = db.session.get(Attempt, current) if current else None
            overdue = open_row is not None and open_row.deadline_at is not None \
                and now >= open_row.deadline_at
            if op[0] == "start":
                result = request(services.start_attempt, learner, exam)
                if open_row is not None and not overdue:
                    assert isinstance(result, Conflict) and result.code == "attempt_open"
                elif closes is not None and now >= closes:
                    assert isinstance(result, Conflict) and result.code == "window_closed"
                elif started >= max_attempts:
                    assert isinstance(result, Conflict) and result.code == "attempts_used_up"
                else:
                    assert isinstance(result, Attempt), result
                    assert result.number == started + 1 <= max_attempts
                    if open_row is not None:  # the overdue one was closed on the way
                        results[current] = frozen(current)
                    current = result.id
            elif op[0] == "save":
                target = current or (max(results) if results else None)
                if target is None:
                    continue
                before = db.session.scalars(sa.select(Answer.response).where(
                    Answer.attempt_id == target).order_by(Answer.question_id)).all()
                result = request(services.save_answers, learner, target,
                                 [_answer(op[1], op[2], questions, target)])
                if target in results:
                    assert isinstance(result, Conflict) and result.code == "attempt_submitted"
                elif overdue:
                    assert isinstance(result, Conflict) and result.code == "deadline_passed"
                elif op[1] == "bogus":
                    assert isinstance(result, DomainError) and result.status == 422
                else:
                    assert isinstance(result, Attempt), result
                if isinstance(result, DomainError):  # refused: nothing changed
                    assert db.session.scalars(sa.select(Answer.response).where(
                        Answer.attempt_id == target).order_by(Answer.question_id)).all() == before
            elif op[0] == "submit":
                target = current or (max(results) if results else None)
                if target is None:
                    continue
                result = request(services.submit_attempt, learner, target)
                assert isinstance(result, Attempt), result
                state = frozen(target)
                if target in results:  # a second submit returns the same result
                    assert state == results[target]
                results[target] = state
                current = None
                status, score, max_score, percent, _passed, submitted_at = state
                assert status == "graded"
                assert 0 <= score <= max_score == 6
                assert 0 <= percent <= 100
                deadline = db.session.get(Attempt, target).deadline_at
                assert deadline is None or submitted_at <= deadline
            db.session.rollback()
        count = db.session.scalar(sa.select(sa.func.count()).select_from(Attempt).where(
            Attempt.assessment_id == exam.id))
        assert count <= max_attempts
