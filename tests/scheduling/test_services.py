"""Scheduling use cases against the database."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from lms.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from lms.extensions import db
from lms.parks import services as park_services
from lms.parks.models import Holiday, Room
from lms.scheduling import services
from lms.scheduling.models import ClassSession, Cohort, Enrollment


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def scheduled(cohort):
    return [s for s in services.sessions_of(cohort) if s.status == "scheduled"]


# --- creating cohorts ---------------------------------------------------------------------------

def test_create_cohort_generates_sessions_in_utc_skipping_holidays(app, frozen, manager, park,
                                                                   cohort_data):
    db.session.add_all([Holiday(day=date(2026, 1, 12), name="Programme day"),
                        Holiday(day=date(2026, 1, 14), name="Lahore day", park_id=park.id),
                        Holiday(day=date(2026, 1, 19), name="Elsewhere",
                                park_id=park.id + 1)])
    db.session.commit()
    cohort = services.create_cohort(manager, cohort_data())
    db.session.commit()
    assert cohort.session_count == 6  # 8 Mon/Wed from 5 to 28 Jan, minus 12th and 14th
    starts = [s.starts_at for s in services.sessions_of(cohort)]
    assert starts[0] == utc(2026, 1, 5, 5, 0)
    assert utc(2026, 1, 12, 5, 0) not in starts and utc(2026, 1, 14, 5, 0) not in starts
    assert utc(2026, 1, 19, 5, 0) in starts  # another park's holiday does not count
    assert starts[-1] == utc(2026, 1, 28, 5, 0)
    s = services.sessions_of(cohort)[0]
    assert (s.room_id, s.trainer_id) == (cohort.room_id, cohort.trainer_id)
    assert cohort.status == "open"


def test_end_date_inclusive_through_service(schedule):
    cohort = schedule(end_date=date(2026, 1, 26), meeting_days=["mon"])
    assert services.sessions_of(cohort)[-1].starts_at == utc(2026, 1, 26, 5, 0)


@pytest.mark.parametrize("over,field", [
    ({"capacity": 31}, "capacity"),
    ({"capacity": 0}, "capacity"),
    ({"end_date": date(2026, 1, 1)}, "end_date"),
    ({"meeting_days": []}, "meeting_days"),
    ({"meeting_days": ["xyz"]}, "meeting_days"),
    ({"end_time": time(9, 0)}, "end_time"),
    ({"name": "  "}, "name"),
    ({"course_id": 9999}, "course_id"),
    ({"trainer_id": 9999}, "trainer_id"),
    ({"room_id": 9999}, "room_id"),
    ({"start_date": date(2025, 12, 1)}, "start_date"),  # past dates: admins only
    ({"meeting_days": ["sun"], "end_date": date(2026, 1, 6)}, "meeting_days"),  # no sessions
    ({"enrol_opens_on": date(2026, 1, 3), "enrol_closes_on": date(2026, 1, 2)},
     "enrol_closes_on"),
])
def test_create_cohort_refuses_bad_input(app, frozen, manager, cohort_data, over, field):
    with pytest.raises(ValidationFailed) as exc:
        services.create_cohort(manager, cohort_data(**over))
    assert field in exc.value.fields


def test_room_of_another_park_trainer_role_and_draft_course(app, frozen, manager, other_park,
                                                            make_user, make_course, cohort_data):
    far = Room(park_id=other_park.id, name="Far lab", capacity=30)
    db.session.add(far)
    db.session.commit()
    with pytest.raises(ValidationFailed) as exc:
        services.create_cohort(manager, cohort_data(
            room_id=far.id, trainer_id=make_user("student").id,
            course_id=make_course(status="draft").id))
    assert {"room_id", "trainer_id", "course_id"} <= set(exc.value.fields)


def test_admin_may_schedule_in_the_past(app, frozen, make_user, cohort_data):
    admin = make_user("admin")
    cohort = services.create_cohort(admin, cohort_data(start_date=date(2025, 11, 3),
                                                       end_date=date(2025, 11, 28),
                                                       reason="paper registers"))
    assert cohort.status == "running"  # being recorded (issue 17 item 3)
    assert cohort.session_count == 8


@pytest.mark.parametrize("role", ["trainer", "student", "faculty"])
def test_only_managers_create(app, frozen, make_user, cohort_data, role):
    with pytest.raises(Forbidden):
        services.create_cohort(make_user(role), cohort_data())


def test_manager_of_another_park_may_not_create(app, frozen, make_user, other_park, cohort_data):
    with pytest.raises(Forbidden):
        services.create_cohort(make_user("park_manager", park_id=other_park.id), cohort_data())


# --- clashes ------------------------------------------------------------------------------------

def test_room_clash_lists_every_clash(schedule, make_user, make_course):
    first = schedule()
    with pytest.raises(Conflict) as exc:
        schedule(name="Clash", trainer_id=make_user("trainer").id,
                 course_id=make_course().id, start_time=time(11, 0), end_time=time(13, 0),
                 meeting_days=["wed"])
    err = exc.value
    assert err.code == "schedule_clash"
    clashes = err.extra["clashes"]
    assert len(clashes) == 4  # every Wednesday of January from the 7th
    assert {c["kind"] for c in clashes} == {"room"}
    assert {c["other_cohort_id"] for c in clashes} == {first.id}
    assert clashes[0]["session_start"] == "2026-01-07T06:00:00+00:00"
    assert err.fields["room_id"] == [  # one line per conflicting cohort (issue 17 item 7)
        "Lab A is taken by January batch, Mon and Wed 10:00-12:00, on 4 dates from 7 Jan to "
        "28 Jan."]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Cohort)) == 1


def test_back_to_back_is_not_a_clash(schedule):
    schedule()
    cohort = schedule(name="Afternoon", start_time=time(12, 0), end_time=time(14, 0))
    assert cohort.session_count == 8


def test_trainer_clash_at_another_park(schedule, other_park, cohort_data, make_user, trainer,
                                       frozen):
    schedule()
    far = Room(park_id=other_park.id, name="Cloud Lab", capacity=30)
    db.session.add(far)
    db.session.commit()
    admin = make_user("admin")
    with pytest.raises(Conflict) as exc:
        services.create_cohort(admin, cohort_data(park_id=other_park.id, room_id=far.id,
                                                  meeting_days=["mon"]))
    kinds = {c["kind"] for c in exc.value.extra["clashes"]}
    assert kinds == {"trainer"}
    assert "trainer_id" in exc.value.fields


def test_cancelled_sessions_do_not_clash(schedule, make_user):
    first = schedule(end_date=date(2026, 1, 5), meeting_days=["mon"])
    services.cancel_session(make_user("admin"), services.sessions_of(first)[0], "Ill")
    db.session.commit()
    second = schedule(name="Second", end_date=date(2026, 1, 5), meeting_days=["mon"])
    assert second.session_count == 1


def test_clash_check_is_one_query_per_resource(schedule, count_queries):
    cohort = schedule()
    pairs = [(s.starts_at, s.ends_at) for s in services.sessions_of(cohort)]
    with count_queries() as statements:
        clashes = services.find_clashes(pairs, cohort.room_id, cohort.trainer_id)
    assert len(statements) == 2
    assert len(clashes) == 16
    assert all("starts_at <" in s and "ends_at >" in s for s in statements)


# --- changing the pattern, sessions, holidays ---------------------------------------------------

def test_pattern_change_regenerates_future_only_and_keeps_attendance(schedule, manager, frozen,
                                                                     make_user):
    from lms.attendance.models import AttendanceRecord

    cohort = schedule(start_date=date(2026, 1, 5), end_date=date(2026, 1, 30))
    sessions = services.sessions_of(cohort)
    learner = make_user("student")
    attended = sessions[3]  # Wed 14 Jan
    db.session.add(AttendanceRecord(session_id=attended.id, user_id=learner.id,
                                    status="excused"))
    db.session.commit()
    frozen.move_to(datetime(2026, 1, 8, 0, 0, tzinfo=UTC))  # after Mon 5 and Wed 7
    change = services.update_cohort(manager, cohort.id, {"meeting_days": ["tue", "thu"],
                                                         "start_time": time(14, 0),
                                                         "end_time": time(16, 0)})
    db.session.commit()
    after = services.sessions_of(cohort)
    starts = [s.starts_at for s in after]
    assert starts[:2] == [utc(2026, 1, 5, 5), utc(2026, 1, 7, 5)]  # past kept
    assert attended.id in [s.id for s in after]  # attendance kept
    assert utc(2026, 1, 8, 9) in starts  # Thu 8 Jan 14:00 park time
    assert utc(2026, 1, 12, 5) not in starts  # old Monday gone
    assert change.kept == 3
    assert change.created == 7  # Tue/Thu from 8 to 29 Jan (8 days) ... minus none
    assert cohort.meeting_days == "tue,thu"


def test_pattern_change_refuses_clash(schedule, manager, make_user, make_course):
    schedule()
    other = schedule(name="Tue", meeting_days=["tue"], trainer_id=make_user("trainer").id,
                     course_id=make_course().id)
    db.session.commit()
    with pytest.raises(Conflict) as exc:
        services.update_cohort(manager, other.id, {"meeting_days": ["mon"]})
    assert exc.value.code == "schedule_clash"


def test_capacity_raise_promotes_waitlist(schedule, manager, make_user):
    cohort = schedule(capacity=1)
    a, b = make_user("student"), make_user("student")
    services.enrol(manager, cohort.id, a.id)
    db.session.commit()
    assert services.enrol(manager, cohort.id, b.id).status == "waitlisted"
    db.session.commit()
    with pytest.raises(ValidationFailed):
        services.update_cohort(manager, cohort.id, {"capacity": 0})
    db.session.rollback()
    change = services.update_cohort(manager, cohort.id, {"capacity": 2})
    db.session.commit()
    assert change.promoted == [b.id]
    assert db.session.get(Cohort, cohort.id).enrolled_count == 2


def test_cancel_and_move_session(schedule, manager, make_user, make_course, frozen):
    cohort = schedule()
    s = services.sessions_of(cohort)[0]
    other = schedule(name="Other", meeting_days=["tue"], trainer_id=make_user("trainer").id,
                     course_id=make_course().id)
    busy = services.sessions_of(other)[0]  # Tue 6 Jan 10:00 in the same room
    with pytest.raises(Conflict) as exc:
        services.move_session(manager, s, date(2026, 1, 6), time(11, 0), time(12, 0))
    assert exc.value.extra["clashes"][0]["other_cohort_id"] == other.id
    db.session.rollback()
    services.move_session(manager, s, date(2026, 1, 6), time(12, 0), time(14, 0))  # back-to-back
    db.session.commit()
    assert s.starts_at == utc(2026, 1, 6, 7)
    assert busy.status == "scheduled"
    services.cancel_session(manager, s, "Trainer ill")
    db.session.commit()
    assert s.status == "cancelled" and s.note == "Trainer ill"
    with pytest.raises(Conflict):
        services.cancel_session(manager, s)
    with pytest.raises(Forbidden):
        services.cancel_session(make_user("trainer"), services.sessions_of(cohort)[1])


@pytest.mark.parametrize("status", ["completed", "cancelled"])
def test_sessions_of_a_closed_cohort_do_not_change(schedule, manager, frozen, status):
    cohort = schedule()
    later = services.sessions_of(cohort)[-1]
    cohort.status = status
    db.session.commit()
    with pytest.raises(Conflict) as exc:
        services.move_session(manager, later, date(2026, 3, 3), time(10), time(12))
    assert exc.value.code == "cohort_closed"
    with pytest.raises(Conflict) as exc:
        services.cancel_session(manager, later, "No longer needed")
    assert exc.value.code == "cohort_closed"


def test_move_refuses_past_and_other_park_room(schedule, manager, other_park):
    cohort = schedule()
    far = Room(park_id=other_park.id, name="Far", capacity=40)
    db.session.add(far)
    db.session.commit()
    s = services.sessions_of(cohort)[1]
    with pytest.raises(ValidationFailed) as exc:
        services.move_session(manager, s, date(2025, 12, 1), time(10), time(12), far.id)
    assert {"day", "room_id"} <= set(exc.value.fields)


def test_holiday_added_later_cancels_sessions_and_says_which(schedule, manager, park, make_user,
                                                            other_park):
    cohort = schedule()
    far_room = Room(park_id=other_park.id, name="Far", capacity=30)
    db.session.add(far_room)
    db.session.commit()
    admin = make_user("admin")
    far = services.create_cohort(admin, {
        **{k: getattr(cohort, k) for k in ("course_id", "start_date", "end_date", "start_time",
                                           "end_time", "capacity")},
        "name": "Karachi", "park_id": other_park.id, "room_id": far_room.id,
        "trainer_id": make_user("trainer").id, "meeting_days": ["mon"]})
    db.session.commit()
    holiday = park_services.add_holiday(manager, date(2026, 1, 12), "Lahore closure", None)
    db.session.commit()
    assert len(holiday.effects) == 1
    assert "January batch" in holiday.effects[0] and "Mon 12 Jan 2026 10:00" in holiday.effects[0]
    cancelled = [s for s in services.sessions_of(cohort) if s.status == "cancelled"]
    assert [s.starts_at for s in cancelled] == [utc(2026, 1, 12, 5)]
    assert all(s.status == "scheduled" for s in services.sessions_of(far))  # other park
    everywhere = park_services.add_holiday(admin, date(2026, 1, 19), "National day", None)
    db.session.commit()
    assert len(everywhere.effects) == 2


def test_status_changes(schedule, manager):
    cohort = schedule()
    services.set_status(manager, cohort, "cancelled")
    db.session.commit()
    assert all(s.status == "cancelled" for s in services.sessions_of(cohort))
    with pytest.raises(Conflict):
        services.set_status(manager, cohort, "open")


# --- enrolment ----------------------------------------------------------------------------------

def test_self_enrol_waitlist_order_and_promotion(schedule, make_user):
    cohort = schedule(capacity=2)
    learners = [make_user("student") for _ in range(5)]
    results = []
    for u in learners:
        e = services.enrol(u, cohort.id)
        results.append((e.status, e.position))
        db.session.commit()
    assert results == [("enrolled", None), ("enrolled", None), ("waitlisted", 1),
                       ("waitlisted", 2), ("waitlisted", 3)]
    assert db.session.get(Cohort, cohort.id).enrolled_count == 2
    e, promoted = services.withdraw(learners[0], cohort.id, learners[0].id)
    db.session.commit()
    assert e.status == "withdrawn" and promoted == [learners[2].id]
    assert services.learner_status(learners[3], cohort).position == 1
    # a waitlisted learner leaving moves the queue up without touching seats
    services.withdraw(learners[3], cohort.id, learners[3].id)
    db.session.commit()
    assert services.learner_status(learners[4], cohort).position == 1
    assert db.session.get(Cohort, cohort.id).enrolled_count == 2
    # re-joining after a withdrawal goes to the back of the queue
    again = services.enrol(learners[0], cohort.id)
    db.session.commit()
    assert (again.status, again.position) == ("waitlisted", 2)


def test_already_enrolled_is_409(schedule, make_user):
    cohort = schedule()
    u = make_user("student")
    services.enrol(u, cohort.id)
    db.session.commit()
    with pytest.raises(Conflict) as exc:
        services.enrol(u, cohort.id)
    assert exc.value.code == "already_enrolled"


def test_wrong_track_and_prerequisites_are_422(schedule, make_user, make_course, manager, enrol,
                                              make_cohort):
    faculty_course = make_course(track="faculty")
    cohort = schedule(course_id=faculty_course.id)
    with pytest.raises(ValidationFailed) as exc:
        services.enrol(make_user("student"), cohort.id)
    assert exc.value.code == "wrong_track"

    base = make_course("BAS-100")
    advanced = make_course("ADV-200")
    advanced.prerequisites.append(base)
    db.session.commit()
    adv_cohort = schedule(name="Advanced", course_id=advanced.id, meeting_days=["fri"])
    learner = make_user("student")
    with pytest.raises(ValidationFailed) as exc:
        services.enrol(learner, adv_cohort.id)
    assert exc.value.code == "prerequisites_missing" and "BAS-100" in exc.value.message
    db.session.rollback()
    past = make_cohort(course=base, first=utc(2025, 6, 2, 5), status="completed")
    enrol(past, learner, "completed")
    assert services.completed_course_ids(learner.id) == {base.id}
    assert services.enrol(learner, adv_cohort.id).status == "enrolled"


def test_learner_cannot_hold_overlapping_cohorts(schedule, make_user, make_course, other_room):
    a = schedule()
    b = schedule(name="Overlap", room_id=other_room.id, trainer_id=make_user("trainer").id,
                 course_id=make_course().id, start_time=time(11, 0), end_time=time(13, 0),
                 meeting_days=["wed"])
    c = schedule(name="After", room_id=other_room.id, trainer_id=make_user("trainer").id,
                 course_id=make_course().id, start_time=time(12, 0), end_time=time(13, 0),
                 meeting_days=["mon"], capacity=5)
    u = make_user("student")
    services.enrol(u, a.id)
    db.session.commit()
    with pytest.raises(Conflict) as exc:
        services.enrol(u, b.id)
    assert exc.value.code == "timetable_clash"
    db.session.rollback()
    assert services.enrol(u, c.id).status == "enrolled"  # back-to-back is fine


def test_self_enrol_needs_open_cohort_and_window(schedule, make_user, manager, frozen):
    cohort = schedule(enrol_opens_on=date(2026, 1, 2))
    assert cohort.status == "planned"
    u = make_user("student")
    with pytest.raises(NotFound):  # learners do not see planned cohorts
        services.enrol(u, cohort.id)
    services.set_status(manager, cohort, "open")
    db.session.commit()
    with pytest.raises(Conflict) as exc:
        services.enrol(u, cohort.id)
    assert exc.value.code == "enrolment_closed"
    db.session.rollback()
    frozen.move_to(datetime(2026, 1, 2, 6, tzinfo=UTC))
    assert services.enrol(u, cohort.id).status == "enrolled"


def test_staff_enrol_rules(schedule, make_user, trainer, other_park):
    cohort = schedule()
    learner = make_user("student")
    assert services.enrol(trainer, cohort.id, learner.id).status == "enrolled"  # its trainer
    db.session.commit()
    with pytest.raises(Forbidden):
        services.enrol(make_user("trainer"), cohort.id, make_user("student").id)
    with pytest.raises(Forbidden):
        services.enrol(make_user("park_manager", park_id=other_park.id), cohort.id,
                       make_user("student").id)
    with pytest.raises(Forbidden):
        services.enrol(make_user("student"), cohort.id, learner.id)
    with pytest.raises(ValidationFailed):
        services.enrol(make_user("admin"), cohort.id, trainer.id)  # not a learner
    with pytest.raises(ValidationFailed):
        services.enrol(make_user("admin"), cohort.id, 99999)


def test_withdraw_rules(schedule, make_user):
    cohort = schedule()
    u, other = make_user("student"), make_user("student")
    services.enrol(u, cohort.id)
    db.session.commit()
    with pytest.raises(Forbidden):
        services.withdraw(other, cohort.id, u.id)
    with pytest.raises(NotFound):
        services.withdraw(make_user("admin"), cohort.id, other.id)


def test_bulk_enrol_all_or_nothing(schedule, manager, make_user):
    cohort = schedule(capacity=2)
    good = [make_user("student", email=f"good{i}@example.pk") for i in range(3)]
    make_user("trainer", email="staff@example.pk")
    bad_csv = ("email\ngood0@example.pk\nnobody@example.pk\nstaff@example.pk\n"
               "GOOD0@example.pk\n\n")
    with pytest.raises(ValidationFailed) as exc:
        services.bulk_enrol(manager, cohort.id, bad_csv)
    rows = [e["row"] for e in exc.value.extra["errors"]]
    assert rows == [3, 4, 5]
    db.session.rollback()
    assert services.enrolled_user_ids(cohort.id) == []
    result = services.bulk_enrol(manager, cohort.id,
                                 "email\n" + "\n".join(u.email for u in good) + "\n")
    db.session.commit()
    assert len(result.enrolled) == 2 and result.waitlisted == [good[2].email]
    with pytest.raises(ValidationFailed):
        services.bulk_enrol(manager, cohort.id, "name\nx\n")


def test_provided_interfaces(schedule, make_user, manager, make_cohort, course, enrol):
    cohort = schedule()
    a, b, c = (make_user("student") for _ in range(3))
    for u in (a, b):
        services.enrol(manager, cohort.id, u.id)
        db.session.commit()
    assert services.enrolled_user_ids(cohort.id) == sorted([a.id, b.id])
    assert services.learner_cohort_for_course(a.id, course.id).id == cohort.id
    assert services.learner_cohort_for_course(c.id, course.id) is None
    assert services.mark_completed(cohort, [a.id, c.id]) == 1
    db.session.commit()
    assert services.completed_course_ids(a.id) == {course.id}
    assert services.enrolled_user_ids(cohort.id) == sorted([a.id, b.id])
    e = db.session.scalar(sa.select(Enrollment).where(Enrollment.user_id == a.id))
    assert e.status == "completed"
    with pytest.raises(Conflict):
        services.withdraw(a, cohort.id, a.id)


def test_ics_tokens(app, make_user):
    u = make_user("student")
    token = services.ics_token_for(u)
    assert token and services.ics_token_for(u) == token
    assert services.user_for_ics_token(token).id == u.id
    new = services.reset_ics_token(u)
    assert new != token
    with pytest.raises(NotFound):
        services.user_for_ics_token(token)
    staff = make_user("admin")
    staff.ics_token = "x" * 30
    with pytest.raises(NotFound):
        services.user_for_ics_token("x" * 30)


def test_session_rows_have_utc_times(schedule):
    cohort = schedule()
    s = db.session.scalar(sa.select(ClassSession).where(ClassSession.cohort_id == cohort.id)
                          .order_by(ClassSession.starts_at))
    assert s.starts_at.utcoffset() == timedelta(0)
