"""HTML pages: authoring, taking without JavaScript, results, grading, gradebook, permissions."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from lms.assessments import services
from lms.assessments.models import Assessment, AssessmentOverride, Attempt, Question
from lms.extensions import db
from tests.assessments.conftest import answers_not_echoing_keys, assert_no_keys, option_ids

T0 = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)


@pytest.fixture
def as_(login_as):
    return lambda user: login_as(user.role, user=user)[0]


def submitted_attempt(w, user=None, answers=None):
    user = user or w.learner
    attempt = services.start_attempt(user, w.exam)
    db.session.commit()
    services.save_answers(user, attempt.id, answers or answers_not_echoing_keys(w, attempt.id))
    db.session.commit()
    services.submit_attempt(user, attempt.id)
    db.session.commit()
    return attempt


def test_staff_authoring_journey(world, as_):
    w = world
    c = as_(w.owner)
    assert c.get("/assessments").status_code == 200
    page = c.get(f"/courses/{w.course.id}/assessments")
    assert b"Final exam" in page.data and b"New assessment" in page.data
    resp = c.post(f"/courses/{w.course.id}/assessments/new", data={
        "title": "Week 1 quiz", "pass_percent": "70", "max_attempts": "2", "grading": "latest",
        "review": "never", "opens_at": "2026-03-02T10:00", "time_limit_minutes": "15"})
    assert resp.status_code == 302
    quiz = db.session.scalar(sa.select(Assessment).where(Assessment.title == "Week 1 quiz"))
    assert quiz.opens_at == T0  # 10:00 park time is 05:00 UTC
    base = f"/assessments/{quiz.id}/questions/new"
    forms = [
        {"kind": "single", "prompt": "Pick", "points": "2", "options": "A\n*B\nC"},
        {"kind": "multiple", "prompt": "Pick all", "points": "3", "options": "*A\n*B\nC"},
        {"kind": "true_false", "prompt": "Sky is blue", "points": "1", "answer_tf": "true"},
        {"kind": "short_text", "prompt": "Agent?", "points": "1", "accepted_answers": "kubelet"},
        {"kind": "numeric", "prompt": "Pi?", "points": "1", "answer_number": "3.14",
         "tolerance": "0.01"},
        {"kind": "essay", "prompt": "Discuss", "points": "5"},
    ]
    for data in forms:
        assert c.post(base, data=data).status_code == 302, data
    db.session.expire_all()
    kinds = [q.kind for q in quiz.questions]
    assert kinds == ["single", "multiple", "true_false", "short_text", "numeric", "essay"]
    numeric = quiz.questions[4]
    assert numeric.answer == 3.14 and numeric.tolerance == 0.01
    # bad input: a form error, not a crash
    bad = c.post(base, data={"kind": "single", "prompt": "x", "points": "1", "options": "A\nB"})
    assert bad.status_code == 422 and b"exactly one" in bad.data
    bad = c.post(base, data={"kind": "numeric", "prompt": "x", "points": "1",
                             "answer_number": "pi"})
    assert bad.status_code == 422 and b"Give a number" in bad.data
    # edit keeps option ids; move and delete with plain buttons
    single = quiz.questions[0]
    ids = [o["id"] for o in single.options]
    edit = c.get(f"/questions/{single.id}/edit")
    assert b"*B" in edit.data
    assert c.post(f"/questions/{single.id}/edit", data={
        "kind": "single", "prompt": "Pick one", "points": "2",
        "options": "C\nA\n*B"}).status_code == 302
    db.session.expire_all()
    assert sorted(o["id"] for o in single.options) == sorted(ids)
    assert c.post(f"/questions/{single.id}/move", data={"direction": "down"}).status_code == 302
    db.session.expire_all()
    assert quiz.questions[1].id == single.id
    assert c.post(f"/questions/{single.id}/delete").status_code == 302
    db.session.expire_all()
    assert len(quiz.questions) == 5
    assert c.get(f"/assessments/{quiz.id}/edit").status_code == 200
    bad = c.post(f"/assessments/{quiz.id}/edit", data={"title": "", "pass_percent": "500",
                                                       "max_attempts": "1"})
    assert bad.status_code == 422
    # cohort override
    assert c.post(f"/assessments/{quiz.id}/overrides", data={
        "cohort_id": str(w.cohort.id), "closes_at": "2026-03-09T17:00"}).status_code == 302
    override = db.session.get(AssessmentOverride, (quiz.id, w.cohort.id))
    assert override.closes_at == datetime(2026, 3, 9, 12, 0, tzinfo=UTC)
    page = c.get(f"/assessments/{quiz.id}")
    assert b"Move up" in page.data and b"kubelet" in page.data  # staff see the key


def test_learner_takes_attempt_without_javascript(world, as_):
    w = world
    c = as_(w.learner)
    page = c.get(f"/assessments/{w.exam.id}")
    assert page.status_code == 200 and b"Start attempt 1" in page.data
    assert_no_keys(page.data, "assessment page")
    resp = c.post(f"/assessments/{w.exam.id}/start")
    assert resp.status_code == 302
    attempt = db.session.scalar(sa.select(Attempt))
    assert resp.headers["Location"].endswith(f"/attempts/{attempt.id}/take")
    take = c.get(f"/attempts/{attempt.id}/take")
    assert take.status_code == 200 and b"assessments.js" in take.data
    assert_no_keys(take.data, "take page")
    # starting again continues the open attempt
    assert c.post(f"/assessments/{w.exam.id}/start").headers["Location"].endswith(
        f"/attempts/{attempt.id}/take")
    q = w.q
    single_ids, multi_ids = option_ids(attempt.id, q["single"]), option_ids(attempt.id,
                                                                          q["multiple"])
    right_single = next(single_ids[o["id"]] for o in q["single"].options if o["correct"])
    form = {f"q{q['single'].id}": str(right_single),
            f"q{q['multiple'].id}": [str(multi_ids[o["id"]]) for o in q["multiple"].options
                                     if o["correct"]],
            f"q{q['true_false'].id}": "true", f"q{q['short_text'].id}": "kube proxy",
            f"q{q['numeric'].id}": "1,234.57", f"q{q['essay'].id}": "Swap traffic.",
            "action": "save"}
    assert c.post(f"/attempts/{attempt.id}/take", data=form).status_code == 302
    saved = c.get(f"/attempts/{attempt.id}/take")
    assert b"Swap traffic." in saved.data and b"checked" in saved.data
    assert_no_keys(saved.data, "take page with answers")
    bad = c.post(f"/attempts/{attempt.id}/take",
                 data={**form, f"q{q['numeric'].id}": "lots"})
    assert bad.status_code == 422 and b"Give a number" in bad.data
    form["action"] = "submit"
    done = c.post(f"/attempts/{attempt.id}/take", data=form)
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/attempts/{attempt.id}")
    db.session.expire_all()
    assert attempt.status == "needs_grading" and attempt.score == 7
    # the take page of a submitted attempt sends to the result
    assert c.get(f"/attempts/{attempt.id}/take").status_code == 302
    result = c.get(f"/attempts/{attempt.id}")
    assert result.status_code == 200 and b"Review" in result.data  # after_submit
    grades = c.get("/my/grades")
    assert grades.status_code == 200 and b"Final exam" in grades.data


def test_result_page_hides_keys_until_review(world, as_):
    w = world
    w.exam.review = "never"
    db.session.commit()
    attempt = submitted_attempt(w)
    c = as_(w.learner)
    for path in (f"/attempts/{attempt.id}", f"/assessments/{w.exam.id}", "/my/grades", "/"):
        resp = c.get(path)
        assert resp.status_code == 200, path
        assert_no_keys(resp.data, path)


def test_late_form_post_submits_saved_answers(world, as_):
    w = world
    w.exam.time_limit_minutes = 5
    db.session.commit()
    with time_machine.travel(T0, tick=False):
        c = as_(w.learner)
        c.post(f"/assessments/{w.exam.id}/start")
        attempt = db.session.scalar(sa.select(Attempt))
        c.post(f"/attempts/{attempt.id}/take",
               data={f"q{w.q['true_false'].id}": "true", "action": "save"})
    with time_machine.travel(T0 + timedelta(minutes=6), tick=False):
        resp = c.post(f"/attempts/{attempt.id}/take",
                      data={f"q{w.q['true_false'].id}": "true",
                            f"q{w.q['numeric'].id}": "1234.5678", "action": "submit"})
        assert resp.status_code == 302
    db.session.expire_all()
    assert attempt.status == "graded" and attempt.score == 1  # the late numeric was refused


def test_grading_page(world, as_):
    w = world
    attempt = submitted_attempt(w)
    c = as_(w.teacher)
    queue = c.get("/grading")
    assert queue.status_code == 200 and w.learner.full_name.encode() in queue.data
    home = c.get("/")
    assert b"1 attempt waiting" in home.data
    page = c.get(f"/attempts/{attempt.id}/grade")
    assert page.status_code == 200 and b"Swap" not in page.data
    essay = w.q["essay"].id
    bad = c.post(f"/attempts/{attempt.id}/grade", data={f"points_{essay}": "9"})
    assert bad.status_code == 422 and b"From 0 to 4" in bad.data
    bad = c.post(f"/attempts/{attempt.id}/grade", data={f"points_{essay}": "lots"})
    assert bad.status_code == 422
    ok = c.post(f"/attempts/{attempt.id}/grade",
                data={f"points_{essay}": "2.5", f"comment_{essay}": "More detail"})
    assert ok.status_code == 302
    db.session.expire_all()
    assert attempt.status == "graded" and attempt.score == 9.5
    mine = as_(w.learner).get(f"/attempts/{attempt.id}")
    assert b"More detail" in mine.data


def test_gradebook_and_csv(world, as_, make_user, enrol):
    w = world
    evil = make_user("student", full_name="=HYPERLINK(\"http://x\")")
    enrol(w.cohort, evil)
    submitted_attempt(w)
    c = as_(w.teacher)
    page = c.get(f"/cohorts/{w.cohort.id}/gradebook")
    assert page.status_code == 200 and b"Final exam" in page.data
    resp = c.get(f"/cohorts/{w.cohort.id}/gradebook.csv")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True))))
    assert rows[0][:3] == ["learner", "email", "Final exam (%)"]
    assert len(rows) == 4
    names = [r[0] for r in rows[1:]]
    assert "'=HYPERLINK(\"http://x\")" in names
    learner_row = next(r for r in rows if r[1] == w.learner.email)
    assert learner_row[4] == "needs_grading"


def test_statistics_page(world, as_):
    w = world
    submitted_attempt(w)
    resp = as_(w.owner).get(f"/assessments/{w.exam.id}/statistics")
    assert resp.status_code == 200 and b"Most chosen wrong option" in resp.data


def test_learner_home_panel(world, as_):
    w = world
    c = as_(w.learner)
    assert b"Final exam" in c.get("/").data
    submitted_attempt(w)
    home = c.get("/")
    assert b"Recent results" in home.data
    assert_no_keys(home.data, "home")


# permissions: every route, every role --------------------------------------------------------------
ROLES = ("visitor", "learner", "learner2", "outsider", "owner", "teacher", "other_trainer",
         "manager", "admin")


def _client(role, w, client, as_):
    return client if role == "visitor" else as_(getattr(w, role))


def expected(route, role):
    """The status each role gets (visitors are sent to log in: 302)."""
    if role == "visitor":
        return 302
    table = {
        "index": {"learner": 403, "learner2": 403, "outsider": 403},
        "course": {"learner": 403, "learner2": 403, "outsider": 403, "other_trainer": 403},
        "new": {"learner": 403, "learner2": 403, "outsider": 403, "other_trainer": 403,
                "teacher": 403, "manager": 403},
        "edit": {"learner": 403, "learner2": 403, "outsider": 403, "other_trainer": 403,
                 "teacher": 403, "manager": 403},
        "qnew": {"learner": 403, "learner2": 403, "outsider": 403, "other_trainer": 403,
                 "teacher": 403, "manager": 403},
        "qedit": {"learner": 403, "learner2": 403, "outsider": 403, "other_trainer": 403,
                  "teacher": 403, "manager": 403},
        "show": {"outsider": 404, "other_trainer": 403},
        "stats": {"learner": 403, "learner2": 403, "outsider": 403, "other_trainer": 403},
        "attempt": {"learner2": 404, "outsider": 404, "other_trainer": 404},
        "take": {"learner2": 404, "outsider": 404, "owner": 403, "teacher": 403,
                 "other_trainer": 403, "manager": 403, "admin": 403},
        "grade": {"learner": 403, "learner2": 403, "outsider": 403, "other_trainer": 404,
                  "manager": 403},
        "queue": {"learner": 403, "learner2": 403, "outsider": 403, "manager": 403},
        "gradebook": {"learner": 403, "learner2": 403, "outsider": 403, "other_trainer": 403},
        "csv": {"learner": 403, "learner2": 403, "outsider": 403, "other_trainer": 403},
        "mygrades": {"owner": 403, "teacher": 403, "other_trainer": 403, "manager": 403,
                     "admin": 403},
    }
    return table[route].get(role, 200)


@pytest.mark.parametrize("role", ROLES)
def test_get_routes_by_role(world, client, as_, role):
    w = world
    open_attempt = services.start_attempt(w.learner, w.exam)
    db.session.commit()
    done = submitted_attempt(w, user=w.learner2)  # an attempt with an essay to grade
    q = db.session.scalar(sa.select(Question).limit(1))
    routes = {
        "index": "/assessments", "course": f"/courses/{w.course.id}/assessments",
        "new": f"/courses/{w.course.id}/assessments/new",
        "edit": f"/assessments/{w.exam.id}/edit",
        "qnew": f"/assessments/{w.exam.id}/questions/new", "qedit": f"/questions/{q.id}/edit",
        "show": f"/assessments/{w.exam.id}", "stats": f"/assessments/{w.exam.id}/statistics",
        "attempt": f"/attempts/{open_attempt.id}", "take": f"/attempts/{open_attempt.id}/take",
        "grade": f"/attempts/{done.id}/grade", "queue": "/grading",
        "gradebook": f"/cohorts/{w.cohort.id}/gradebook",
        "csv": f"/cohorts/{w.cohort.id}/gradebook.csv", "mygrades": "/my/grades",
    }
    c = _client(role, w, client, as_)
    for name, path in routes.items():
        want = expected(name, role)
        if name == "attempt" and role == "learner2":
            want = 404
        got = c.get(path).status_code
        assert got == want, f"{role} GET {path}: {got}, expected {want}"


@pytest.mark.parametrize("role", ["learner", "teacher", "other_trainer", "manager"])
def test_post_routes_refused(world, as_, role):
    w = world
    q = w.exam.questions[0]
    c = as_(getattr(w, role))
    for path, data in ((f"/courses/{w.course.id}/assessments/new", {"title": "x"}),
                       (f"/assessments/{w.exam.id}/edit", {"title": "x"}),
                       (f"/assessments/{w.exam.id}/questions/new", {"kind": "essay",
                                                                   "prompt": "x"}),
                       (f"/questions/{q.id}/edit", {"kind": "essay", "prompt": "x"}),
                       (f"/questions/{q.id}/move", {"direction": "down"}),
                       (f"/questions/{q.id}/delete", {})):
        assert c.post(path, data=data).status_code == 403, (role, path)
    assert len(w.exam.questions) == 6
    override = c.post(f"/assessments/{w.exam.id}/overrides",
                      data={"cohort_id": str(w.cohort.id), "closes_at": "2026-03-09T17:00"})
    assert override.status_code == (302 if role == "teacher" else 403)
    if role != "learner":
        assert c.post(f"/assessments/{w.exam.id}/start").status_code == 403
