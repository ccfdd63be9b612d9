"""Services: register saves, audit trail, edit window, check-in, excuses, figures, query counts."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from lms.attendance import rules, services
from lms.attendance.models import AttendanceRecord, ExcuseRequest
from lms.core.errors import Conflict, Forbidden, ValidationFailed
from lms.core.models import AuditEvent
from lms.extensions import db
from lms.scheduling.models import ClassSession
from tests.attendance.conftest import T0, minutes

SECRET = "testing-secret-key-not-for-production-use-0123456789"


def code_at(session, when):
    return rules.rotating_code(SECRET, session.id, rules.time_step(when))


def records(session):
    return {r.user_id: r.status for r in db.session.scalars(
        sa.select(AttendanceRecord).where(AttendanceRecord.session_id == session.id))}


# --- register ---------------------------------------------------------------------------------

def test_save_register_creates_records_and_audits_each_change(world, at):
    at(T0 + minutes(30))
    s = world.sessions[0]
    a, b, c = world.learners
    n = services.save_register(world.trainer, s, [
        {"user_id": a.id, "status": "present"}, {"user_id": b.id, "status": "late"},
        {"user_id": c.id, "status": "absent"}])
    db.session.commit()
    assert n == 3
    assert records(s) == {a.id: "present", b.id: "late", c.id: "absent"}
    # change one, keep two: only one change recorded
    n = services.save_register(world.trainer, s, [
        {"user_id": a.id, "status": "present"}, {"user_id": c.id, "status": "excused"}],
        reason="Doctor's note")
    db.session.commit()
    assert n == 1
    events = services.session_history(world.trainer, s)
    assert len(events) == 4
    last = events[-1]
    assert last.action == "attendance.marked"
    assert last.actor_id == world.trainer.id
    assert last.before["status"] == "absent" and last.after["status"] == "excused"
    assert last.reason == "Doctor's note"
    assert events[0].before is None


def test_save_register_is_all_or_nothing(world, at, make_user):
    at(T0 + minutes(30))
    s = world.sessions[0]
    stranger = make_user("student")
    with pytest.raises(ValidationFailed) as exc:
        services.save_register(world.trainer, s, [
            {"user_id": world.learners[0].id, "status": "present"},
            {"user_id": stranger.id, "status": "present"},
            {"user_id": 99999, "status": "late"},
            {"user_id": world.learners[1].id, "status": "asleep"}])
    db.session.rollback()
    assert set(exc.value.fields) == {"records.1.user_id", "records.2.user_id",
                                     "records.3.status"}
    assert records(s) == {}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 0


def test_duplicate_rows_refused(world, at):
    at(T0 + minutes(30))
    uid = world.learners[0].id
    with pytest.raises(ValidationFailed) as exc:
        services.save_register(world.trainer, world.sessions[0], [
            {"user_id": uid, "status": "present"}, {"user_id": uid, "status": "absent"}])
    assert "records.1.user_id" in exc.value.fields


def test_withdrawn_and_waitlisted_are_not_learners(world, at, make_user, enrol):
    at(T0 + minutes(30))
    gone, waiting = make_user("student"), make_user("student")
    enrol(world.cohort, gone, "withdrawn")
    enrol(world.cohort, waiting, "waitlisted")
    with pytest.raises(ValidationFailed):
        services.save_register(world.trainer, world.sessions[0],
                               [{"user_id": gone.id, "status": "present"}])
    with pytest.raises(ValidationFailed):
        services.save_register(world.trainer, world.sessions[0],
                               [{"user_id": waiting.id, "status": "present"}])


def test_register_not_open_before_the_session(world, at):
    at(T0 - minutes(16))
    with pytest.raises(Conflict) as exc:
        services.save_register(world.trainer, world.sessions[0],
                               [{"user_id": world.learners[0].id, "status": "present"}])
    assert exc.value.code == "session_not_started"


def test_cancelled_session_has_no_register(world, at):
    s = world.sessions[0]
    s.status = "cancelled"
    db.session.commit()
    at(T0 + minutes(30))
    with pytest.raises(Conflict):
        services.save_register(world.trainer, s,
                               [{"user_id": world.learners[0].id, "status": "present"}])


def test_other_trainer_and_other_park_manager_refused(world, at, make_user, other_park):
    at(T0 + minutes(30))
    entries = [{"user_id": world.learners[0].id, "status": "present"}]
    for user in (make_user("trainer"), make_user("park_manager", park_id=other_park.id),
                 world.learners[0]):
        with pytest.raises(Forbidden):
            services.save_register(user, world.sessions[0], entries)


# --- edit window ------------------------------------------------------------------------------

def test_edit_window_day_seven_vs_day_eight(world, at, make_user):
    s = world.sessions[0]
    entries = [{"user_id": world.learners[0].id, "status": "present"}]
    at(s.ends_at + timedelta(days=7) - minutes(1))  # day 7: the trainer may
    assert services.save_register(world.trainer, s, entries) == 1
    db.session.commit()
    at(s.ends_at + timedelta(days=7, minutes=1))     # day 8: the trainer may not
    with pytest.raises(Forbidden):
        services.save_register(world.trainer, s, [{**entries[0], "status": "late"}],
                               reason="forgot")
    db.session.rollback()
    manager = make_user("park_manager")              # same park
    with pytest.raises(ValidationFailed) as exc:
        services.save_register(manager, s, [{**entries[0], "status": "late"}])
    assert "reason" in exc.value.fields
    db.session.rollback()
    admin = make_user("admin")
    assert services.save_register(admin, s, [{**entries[0], "status": "late"}],
                                  reason="Sheet found in the lab") == 1
    db.session.commit()
    event = services.session_history(admin, s)[-1]
    assert (event.before["status"], event.after["status"]) == ("present", "late")
    assert event.reason == "Sheet found in the lab" and event.actor_id == admin.id


# --- check-in ---------------------------------------------------------------------------------

def test_check_in_present_then_late(world, at):
    s = world.sessions[0]
    now = at(T0 - minutes(10))
    rec = services.check_in(world.learners[0], s, code_at(s, now), address="10.0.0.5",
                            user_agent="Phone")
    db.session.commit()
    assert (rec.status, rec.source, rec.address, rec.user_agent) == (
        "present", "check_in", "10.0.0.5", "Phone")
    now = at(T0 + minutes(16))
    rec = services.check_in(world.learners[1], s, code_at(s, now))
    assert rec.status == "late"
    db.session.commit()
    events = services.session_history(world.trainer, s)
    assert [e.action for e in events] == ["attendance.checked_in"] * 2


def test_check_in_window_edges(world, at):
    s = world.sessions[0]
    now = at(T0 - minutes(15) - timedelta(seconds=1))
    with pytest.raises(Conflict) as exc:
        services.check_in(world.learners[0], s, code_at(s, now))
    assert exc.value.code == "outside_window"
    now = at(s.ends_at + timedelta(seconds=1))
    with pytest.raises(Conflict):
        services.check_in(world.learners[0], s, code_at(s, now))
    now = at(s.ends_at)
    assert services.check_in(world.learners[0], s, code_at(s, now)).status == "late"


def test_previous_code_accepted_older_refused(world, at):
    s = world.sessions[0]
    first = T0 + timedelta(seconds=3)
    code = code_at(s, first)
    at(first + timedelta(seconds=30))  # one step later: previous code still good
    assert services.check_in(world.learners[0], s, code).status == "present"
    at(first + timedelta(seconds=60))  # two steps later: expired
    with pytest.raises(ValidationFailed) as exc:
        services.check_in(world.learners[1], s, code)
    assert exc.value.code == "wrong_code" and "code" in exc.value.fields


def test_wrong_code_refused(world, at):
    s = world.sessions[0]
    now = at(T0)
    wrong = f"{(int(code_at(s, now)) + 1) % 1_000_000:06d}"
    with pytest.raises(ValidationFailed):
        services.check_in(world.learners[0], s, wrong)
    assert records(s) == {}


def test_code_of_another_session_refused(world, at, make_cohort, make_user):
    s = world.sessions[0]
    now = at(T0)
    other = make_cohort(trainer=make_user("trainer"), first=T0, count=1).sessions[0]
    with pytest.raises(ValidationFailed):
        services.check_in(world.learners[0], s, code_at(other, now))


def test_wrong_cohort_and_not_enrolled_refused(world, at, make_cohort, make_user, enrol):
    now = at(T0)
    other = make_cohort(trainer=make_user("trainer"), first=T0, count=1)
    outsider = make_user("student")
    enrol(other, outsider)
    s = world.sessions[0]
    with pytest.raises(Forbidden):  # enrolled in another cohort
        services.check_in(outsider, s, code_at(s, now))
    with pytest.raises(Forbidden):  # not enrolled anywhere
        services.check_in(make_user("faculty"), s, code_at(s, now))
    with pytest.raises(Forbidden):  # staff cannot check in
        services.check_in(world.trainer, s, code_at(s, now))


def test_double_check_in_conflicts(world, at):
    s = world.sessions[0]
    now = at(T0)
    services.check_in(world.learners[0], s, code_at(s, now))
    db.session.commit()
    with pytest.raises(Conflict) as exc:
        services.check_in(world.learners[0], s, code_at(s, now))
    assert exc.value.code == "already_marked"


def test_unique_constraint_backs_the_check(world, at, monkeypatch):
    """Even if the pre-check misses a concurrent insert, the database refuses the second."""
    s = world.sessions[0]
    now = at(T0)
    learner = world.learners[0]
    db.session.add(AttendanceRecord(session_id=s.id, user_id=learner.id, status="present",
                                    source="register"))
    db.session.commit()
    real_scalar = db.session.scalar
    calls = {"n": 0}

    def blind_scalar(stmt, *a, **kw):  # the "already marked" query sees nothing
        calls["n"] += 1
        if "attendance_records" in str(stmt) and calls["n"] == 2:
            return None
        return real_scalar(stmt, *a, **kw)

    monkeypatch.setattr(db.session, "scalar", blind_scalar)
    with pytest.raises(Conflict) as exc:
        services.check_in(learner, s, code_at(s, now))
    monkeypatch.undo()
    assert exc.value.code == "already_marked"
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AttendanceRecord)) == 1


def test_register_overrides_check_in_and_history_shows_both(world, at):
    s = world.sessions[0]
    now = at(T0 + minutes(20))
    services.check_in(world.learners[0], s, code_at(s, now))
    db.session.commit()
    services.save_register(world.trainer, s, [{"user_id": world.learners[0].id,
                                               "status": "present"}], reason="Traffic jam")
    db.session.commit()
    assert records(s) == {world.learners[0].id: "present"}
    events = services.session_history(world.trainer, s)
    assert [(e.before or {}).get("status") for e in events] == [None, "late"]


def test_same_address_report(world, at):
    s = world.sessions[0]
    now = at(T0)
    a, b, c = world.learners
    for learner, addr in ((a, "10.0.0.9"), (b, "10.0.0.9"), (c, "10.0.0.7")):
        services.check_in(learner, s, code_at(s, now), address=addr)
    db.session.commit()
    report = services.same_address_report(world.trainer, s)
    assert [(r["address"], r["count"]) for r in report] == [("10.0.0.9", 2)]
    assert {x["full_name"] for x in report[0]["learners"]} == {a.full_name, b.full_name}


# --- excuses ----------------------------------------------------------------------------------

def test_excuse_in_advance_approved_makes_excused(world, at):
    at(T0 - timedelta(days=2))
    learner = world.learners[0]
    s = world.sessions[1]
    excuse = services.request_excuse(learner, s, "Exam at university")
    db.session.commit()
    with pytest.raises(Conflict):
        services.request_excuse(learner, s, "again")
    db.session.rollback()
    services.decide_excuse(world.trainer, excuse, True, "Fine")
    db.session.commit()
    assert records(s) == {learner.id: "excused"}
    actions = [e.action for e in services.session_history(world.trainer, s)]
    assert actions == ["attendance.excuse_requested", "attendance.excuse_approved",
                       "attendance.marked"]
    with pytest.raises(Conflict):
        services.decide_excuse(world.trainer, excuse, False)


def test_excuse_afterwards_declined_keeps_absent_and_can_be_asked_again(world, at):
    s = world.sessions[0]
    at(T0 + timedelta(hours=1))
    learner = world.learners[1]
    services.save_register(world.trainer, s, [{"user_id": learner.id, "status": "absent"}])
    db.session.commit()
    at(T0 + timedelta(days=1))
    excuse = services.request_excuse(learner, s, "I was ill")
    db.session.commit()
    services.decide_excuse(world.trainer, excuse, False, "No note")
    db.session.commit()
    assert records(s) == {learner.id: "absent"}
    assert excuse.status == "declined"
    again = services.request_excuse(learner, s, "Here is the doctor's note")
    assert again.id == excuse.id and again.status == "pending"


def test_excuse_rules(world, at, make_user):
    s = world.sessions[0]
    at(T0 - timedelta(days=1))
    with pytest.raises(ValidationFailed):
        services.request_excuse(world.learners[0], s, "   ")
    with pytest.raises(Forbidden):
        services.request_excuse(make_user("student"), s, "not mine")
    excuse = services.request_excuse(world.learners[0], s, "Wedding")
    db.session.commit()
    with pytest.raises(Forbidden):
        services.decide_excuse(make_user("trainer"), excuse, True)
    db.session.rollback()
    at(s.ends_at + timedelta(days=9))  # late: the trainer can decline, not approve
    with pytest.raises(Forbidden):
        services.decide_excuse(world.trainer, excuse, True)
    db.session.rollback()
    manager = make_user("park_manager")
    with pytest.raises(ValidationFailed):
        services.decide_excuse(manager, excuse, True)
    db.session.rollback()
    services.decide_excuse(manager, excuse, True, "Approved late: documents arrived")
    db.session.commit()
    assert db.session.get(ExcuseRequest, excuse.id).status == "approved"


# --- figures ----------------------------------------------------------------------------------

def test_cohort_summary_figures(world, at):
    a, b, c = world.learners
    s0, s1, s2, s3 = world.sessions
    at(T0 + minutes(30))
    services.save_register(world.trainer, s0, [{"user_id": a.id, "status": "present"},
                                               {"user_id": b.id, "status": "absent"},
                                               {"user_id": c.id, "status": "late"}])
    db.session.commit()
    at(s1.starts_at + minutes(30))
    services.save_register(world.trainer, s1, [{"user_id": a.id, "status": "excused"},
                                               {"user_id": b.id, "status": "absent"}])
    db.session.commit()
    rows = {r.user_id: r for r in services.cohort_summary(world.cohort)}
    assert [r.full_name for r in services.cohort_summary(world.cohort)] == [
        "Ali Raza", "Hina Baloch", "Zainab Khan"]
    ra, rb, rc = rows[a.id], rows[b.id], rows[c.id]
    assert (ra.present, ra.excused, ra.held, ra.upcoming, ra.percent) == (1, 1, 2, 2, 100.0)
    assert (rb.absent, rb.percent, rb.best_possible_percent, rb.at_risk) == (2, 0.0, 50.0, True)
    # c: late once, unmarked once (counts as absent)
    assert (rc.late, rc.absent, rc.percent, rc.best_possible_percent, rc.at_risk) == (
        1, 1, 50.0, 75.0, True)  # 50 % after a quarter of the sessions: at risk
    assert not ra.at_risk
    assert services.learner_percent(world.cohort, b.id) == rb
    assert services.learner_percent(world.cohort, 99999) is None


def test_cancelled_sessions_do_not_count(world, at):
    s = world.sessions[3]
    s.status = "cancelled"
    db.session.commit()
    at(T0 + minutes(30))
    row = services.cohort_summary(world.cohort)[0]
    assert (row.held, row.upcoming) == (1, 2)


def test_learner_overview_and_park_report(world, at, make_cohort, make_course, make_user,
                                          enrol, other_park):
    a = world.learners[0]
    second = make_cohort(course=make_course(min_attendance_percent=80),
                         trainer=make_user("trainer"), first=T0 + timedelta(days=1), count=2,
                         name="Second cohort")
    enrol(second, a)
    at(T0 + timedelta(days=1, hours=1))
    services.save_register(world.trainer, world.sessions[0],
                           [{"user_id": x.id, "status": "present"} for x in world.learners])
    services.save_register(second.trainer, second.sessions[0],
                           [{"user_id": a.id, "status": "absent"}])
    db.session.commit()
    overview = dict((c.id, r) for c, r in services.learner_overview(a.id))
    assert overview[world.cohort.id].percent == 100.0
    assert overview[second.id].percent == 0.0 and overview[second.id].at_risk
    # a trainer sees only the cohorts they teach
    assert [c.id for c, _ in services.learner_overview(a.id, viewer=world.trainer)] == [
        world.cohort.id]
    report = {r.cohort.id: r for r in services.park_report(world.park.id)}
    assert (report[world.cohort.id].learners, report[world.cohort.id].average_percent,
            report[world.cohort.id].at_risk) == (3, 100.0, 0)
    assert (report[second.id].learners, report[second.id].at_risk) == (1, 1)
    assert services.park_report(other_park.id) == []


def _big_cohort(make_cohort, make_user, enrol, learners: int, sessions: int):
    first = datetime(2026, 1, 5, 5, 0, tzinfo=UTC)
    pairs = [(first + timedelta(days=2 * i), first + timedelta(days=2 * i, hours=2))
             for i in range(sessions)]
    cohort = make_cohort(trainer=make_user("trainer"), sessions=pairs, capacity=60)
    people = [make_user("student") for _ in range(learners)]
    for p in people:
        enrol(cohort, p)
    session_ids = [s.id for s in cohort.sessions]
    statuses = ("present", "late", "excused", "absent")
    db.session.execute(sa.insert(AttendanceRecord), [
        {"session_id": sid, "user_id": p.id, "status": statuses[(i + j) % 4],
         "source": "register", "marked_at": first}
        for j, sid in enumerate(session_ids[: sessions // 2]) for i, p in enumerate(people)])
    db.session.commit()
    return cohort


def test_summary_and_park_report_use_a_constant_number_of_queries(
        app, make_cohort, make_user, enrol, count_queries, at, park):
    small = _big_cohort(make_cohort, make_user, enrol, 2, 4)
    big = _big_cohort(make_cohort, make_user, enrol, 40, 48)
    at(datetime(2026, 2, 20, tzinfo=UTC))  # half of the big cohort's sessions held
    counts = {}
    for name, cohort in (("small", small), ("big", big)):
        db.session.expire_all()
        cohort = services.get_cohort(cohort.id)
        with count_queries() as q:
            rows = services.cohort_summary(cohort)
        counts[name] = len(q)
        assert rows
    assert counts["small"] == counts["big"] == 1
    big_rows = services.cohort_summary(big)
    assert len(big_rows) == 40 and all(r.held + r.upcoming == 48 for r in big_rows)
    park_id = park.id
    with count_queries() as q:
        report = services.park_report(park_id)
    assert len(q) == 3 and len(report) == 2  # cohorts, the aggregate, session counts
    with count_queries() as q:
        services.learner_overview(big_rows[0].user_id)
    assert len(q) <= 2


def test_register_matrix(world, at):
    at(T0 + minutes(30))
    services.save_register(world.trainer, world.sessions[0],
                           [{"user_id": world.learners[0].id, "status": "late"}])
    db.session.commit()
    sessions, rows = services.register_matrix(world.cohort)
    assert len(sessions) == 4
    assert rows[0][1] == ["late", "", "", ""]


def test_session_statuses_unchanged_by_summary(world):
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ClassSession)) == 4
