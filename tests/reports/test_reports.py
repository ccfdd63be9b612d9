"""Dashboards and reports on a small known data set, computed by hand."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from lms.attendance.models import AttendanceRecord
from lms.certificates.models import Certificate
from lms.core.models import AuditEvent
from lms.extensions import db
from lms.reports import services

NOW = datetime(2026, 3, 10, 6, 0, tzinfo=UTC)  # 11:00 in the parks


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def data(frozen, app, park, other_park, make_user, make_course, make_cohort, enrol):
    """Lahore: cohort A running (2 sessions held, 2 to come), cohort B finished; Karachi: one."""
    from lms.parks.models import Room

    trainer = make_user("trainer")
    course = make_course("CLD-101", owner=trainer)
    first = NOW - timedelta(days=8)
    a = make_cohort(course=course, trainer=trainer, status="running",
                    sessions=[(first + timedelta(days=7 * i), first + timedelta(days=7 * i, hours=2))
                              for i in range(4)],
                    start_date=date(2026, 3, 2), end_date=date(2026, 3, 24))
    b = make_cohort(course=course, trainer=trainer, status="completed",
                    sessions=[(datetime(2025, 11, 3, 5, tzinfo=UTC),
                               datetime(2025, 11, 3, 7, tzinfo=UTC))],
                    start_date=date(2025, 11, 3), end_date=date(2025, 11, 3))
    karachi_room = Room(park_id=other_park.id, name="K1", capacity=20)
    db.session.add(karachi_room)
    db.session.commit()
    k = make_cohort(course=course, status="running", park_obj=other_park, room_obj=karachi_room,
                    start_date=date(2026, 3, 2), end_date=date(2026, 3, 24))
    s1, s2 = make_user("student", full_name="Sana One"), make_user("student", full_name="Sami Two")
    f1 = make_user("faculty", full_name="Dr Faiz")
    done = make_user("student", full_name="Done Learner")
    karachi = make_user("student", park_id=other_park.id)
    for u in (s1, s2, f1):
        enrol(a, u)
    enrol(b, done, status="completed")
    enrol(k, karachi)
    held = a.sessions[:2]
    marks = {s1.id: ("present", "late"), s2.id: ("absent", "excused"), f1.id: ("present", "absent")}
    for uid, statuses in marks.items():
        for session, status in zip(held, statuses, strict=True):
            db.session.add(AttendanceRecord(session_id=session.id, user_id=uid, status=status))
    db.session.add(Certificate(code="KP-TEST-0001", kind="course", user_id=done.id, cohort_id=b.id,
                               park_id=park.id, holder_name=done.full_name, title=course.title,
                               hours=40, issued_on=date(2026, 2, 14), sha256="0" * 64, pdf=b"%PDF"))
    db.session.commit()
    return {"a": a, "b": b, "k": k, "s1": s1, "s2": s2, "f1": f1, "done": done,
            "karachi": karachi, "trainer": trainer}


def test_programme_figures_by_hand(data, park, other_park):
    figures = {p.park_id: p for p in services.programme_figures().parks}
    lahore, karachi = figures[park.id], figures[other_park.id]
    assert (lahore.enrolled_students, lahore.enrolled_faculty) == (3, 1)
    assert (lahore.attending_students, lahore.attending_faculty) == (2, 1)
    assert (lahore.completed_students, lahore.certified_students) == (1, 1)
    # (present + late) / (records - excused) = (1 + 1 + 0 + 1) / (6 - 1)
    assert lahore.attendance_percent == 60.0
    assert karachi.enrolled_students == 1 and karachi.attendance_percent is None
    assert sum(p.student_target for p in figures.values()) == 6000


def test_at_risk_by_hand(data):
    ids = {r.user_id for r in services.at_risk_learners()}
    # Karachi's learner has four held sessions and no record: absent from all of them
    assert ids == {data["s2"].id, data["f1"].id, data["karachi"].id}
    rows = {r.user_id: r for r in services.learner_attendance()}
    assert rows[data["s1"].id].percent == 100.0 and rows[data["s1"].id].held == 2
    assert rows[data["s2"].id].best_possible == 66.7


def test_monthly_series(data):
    series = services.monthly_series()
    assert series["labels"][-1] == "2026-03"
    assert series["certificates"][series["labels"].index("2026-02")] == 1
    assert series["completions"][series["labels"].index("2025-11")] == 1


def test_trainer_dashboard(data):
    rows = services.trainer_dashboard(data["trainer"])
    (row,) = [r for r in rows if r.cohort.id == data["a"].id]
    assert row.learners == 3 and row.at_risk == 2 and row.attendance_percent == 60.0


def test_queries_do_not_grow_with_data(data, make_user, enrol, count_queries):
    with count_queries() as small:
        services.programme_figures()
        services.at_risk_learners()
        services.monthly_series()
        services.pass_rates()
    for _ in range(15):
        enrol(data["a"], make_user("student"))
    with count_queries() as large:
        services.programme_figures()
        services.at_risk_learners()
        services.monthly_series()
        services.pass_rates()
    # the second run lacks only the list of parks, cached because no park changed
    assert len(small) == len(large) + 1 <= 15


def test_cache_is_used_and_never_stale(data, make_user, enrol, count_queries):
    first = services.programme_figures()
    with count_queries() as statements:
        again = services.programme_figures()
    assert again is first and len(statements) <= 1  # at most the version check
    enrol(data["a"], make_user("student"))  # a trigger bumps the version
    fresh = services.programme_figures()
    assert fresh is not first
    lahore = next(p for p in fresh.parks if p.park_id == data["a"].park_id)
    assert lahore.enrolled_students == 4


def test_cache_follows_the_clock(data):
    before = {r.user_id: r.held for r in services.at_risk_learners()}
    assert before[data["f1"].id] == 2
    with time_machine.travel(NOW + timedelta(days=7), tick=False):
        later = {r.user_id: r.held for r in services.at_risk_learners()}
    assert later[data["f1"].id] == 3  # the third session has started since


@pytest.mark.parametrize("role, status", [("admin", 200), ("park_manager", 302), ("trainer", 403),
                                          ("student", 403), ("faculty", 403)])
def test_programme_page_by_role(data, login_as, role, status):
    c, _ = login_as(role)
    resp = c.get("/reports")
    assert resp.status_code == status
    if status == 200:
        html = resp.get_data(as_text=True)
        assert "<svg" in html and "Students enrolled per park" in html and "Sami Two" in html


def test_park_manager_sees_own_park_only(data, login_as, park, other_park):
    c, _ = login_as("park_manager")
    assert c.get(f"/reports/parks/{park.slug}").status_code == 200
    assert c.get(f"/reports/parks/{other_park.slug}").status_code == 403
    assert c.get(f"/reports/at-risk?park_id={other_park.id}").status_code == 403
    assert c.get(f"/reports/parks/{other_park.slug}/export/learners.csv").status_code == 403


def test_trainer_and_learner_pages(data, login_as):
    c, _ = login_as("trainer", user=data["trainer"])
    assert b"CLD-101" in c.get("/reports/trainer").data
    c, _ = login_as("student", user=data["s2"])
    page = c.get("/reports/me").get_data(as_text=True)
    assert "at risk" in page and "66.7 %" in page
    assert c.get("/reports/trainer").status_code == 403


def test_anonymous_goes_to_login(client):
    for path in ("/reports", "/reports/me", "/reports/trainer", "/reports/at-risk"):
        assert client.get(path).status_code == 302


def test_api_programme_admin_and_scoping(data, client, make_user, token_for, park, other_park):
    body = client.get("/api/v1/reports/programme", headers=token_for(make_user("admin"))).get_json()
    assert body["targets"] == {"students": 6000, "faculty": 500}
    lahore = next(p for p in body["parks"] if p["park_id"] == park.id)
    assert lahore["enrolled_students"] == 3 and lahore["certified_students"] == 1
    manager = token_for(make_user("park_manager"))
    mine = client.get("/api/v1/reports/programme", headers=manager).get_json()
    assert [p["park_id"] for p in mine["parks"]] == [park.id]
    assert client.get(f"/api/v1/reports/programme?park_id={other_park.id}",
                      headers=manager).status_code == 403
    for role in ("trainer", "student", "faculty"):
        assert client.get("/api/v1/reports/programme",
                          headers=token_for(make_user(role))).status_code == 403
    assert client.get("/api/v1/reports/programme").status_code == 401


def test_monthly_pack_csv_is_formula_safe(data, login_as, park):
    data["s1"].full_name = "=HYPERLINK(\"http://evil\")"
    db.session.commit()
    c, _ = login_as("admin")
    resp = c.get(f"/reports/parks/{park.slug}/export/attendance.csv?month=2026-03")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    text = resp.get_data(as_text=True)
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text
    assert text.count("\n") == 1 + 6  # header + six records in March
    learners = c.get(f"/reports/parks/{park.slug}/export/learners.csv?month=2026-03")
    assert "Sami Two" in learners.get_data(as_text=True)
    assert c.get(f"/reports/parks/{park.slug}/export/nope.csv").status_code == 404
    assert c.get(f"/reports/parks/{park.slug}/export/learners.csv?month=March").status_code == 422


def test_attendance_change_log(data, login_as, park):
    record = db.session.query(AttendanceRecord).first()
    db.session.add(AuditEvent(action="attendance.change", object_type="attendance_records",
                              object_id=record.id, before={"status": "absent"},
                              after={"status": "present"}, reason="came late, signed sheet"))
    db.session.commit()
    c, _ = login_as("admin")
    text = c.get("/reports/attendance-changes.csv").get_data(as_text=True)
    assert "signed sheet" in text
    c, _ = login_as("park_manager")
    assert "signed sheet" in c.get("/reports/attendance-changes.csv").get_data(as_text=True)
