"""HTML pages: permissions for every role, forms, calendars, the iCalendar feed."""

import io
from datetime import date, time

import pytest

from lms.extensions import db
from lms.scheduling import services
from lms.scheduling.models import Cohort, Enrollment

ROLES = ["admin", "park_manager", "trainer", "student", "faculty"]


def form_body(data: dict) -> dict:
    out = {}
    for k, v in data.items():
        if isinstance(v, date):
            out[k] = v.isoformat()
        elif isinstance(v, time):
            out[k] = v.strftime("%H:%M")
        else:
            out[k] = v
    return out


@pytest.mark.parametrize("role,status", [("admin", 200), ("park_manager", 200),
                                         ("trainer", 403), ("student", 403), ("faculty", 403)])
def test_park_cohorts_page_permissions(app, frozen, login_as, park, role, status):
    c, _ = login_as(role)
    assert c.get(f"/parks/{park.slug}/cohorts").status_code == status


def test_park_cohorts_page_other_park_manager_403(app, login_as, other_park, park):
    c, _ = login_as("park_manager", park_id=other_park.id)
    assert c.get(f"/parks/{park.slug}/cohorts").status_code == 403
    assert c.get("/parks/nowhere/cohorts").status_code == 404


def test_create_cohort_through_the_form(app, frozen, login_as, manager, park, cohort_data):
    c, _ = login_as("park_manager", user=manager)
    resp = c.post(f"/parks/{park.slug}/cohorts", data=form_body(cohort_data()))
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    cohort = db.session.query(Cohort).one()
    assert resp.headers["Location"] == f"/cohorts/{cohort.id}"
    page = c.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    assert "January batch" in page and "Mon 05 Jan 2026" in page and "10:00–12:00" in page


def test_create_form_lists_every_clash(app, frozen, login_as, manager, park, cohort_data,
                                       schedule):
    schedule()
    c, _ = login_as("park_manager", user=manager)
    resp = c.post(f"/parks/{park.slug}/cohorts", data=form_body(cohort_data(name="Again")))
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert html.count(" is taken by ") == 1  # one line per conflicting cohort and resource
    assert html.count(" is teaching ") == 1
    assert 'aria-invalid="true"' in html


def test_create_form_bad_input(app, frozen, login_as, manager, park, cohort_data):
    c, _ = login_as("park_manager", user=manager)
    resp = c.post(f"/parks/{park.slug}/cohorts",
                  data=form_body(cohort_data(capacity=99, end_time=time(9, 0))))
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "The room has only 30 seats." in html
    assert "The end time must be after the start time." in html


def test_meeting_days_are_checkboxes_kept_on_error(app, frozen, login_as, manager, park,
                                                   cohort_data):
    c, _ = login_as("park_manager", user=manager)
    html = c.get(f"/parks/{park.slug}/cohorts").get_data(as_text=True)
    assert '<fieldset class="field checks" id="meeting_days">' in html
    assert "<legend>Meeting days</legend>" in html and 'type="checkbox" value="wed"' in html
    assert "required" not in html.split('id="meeting_days"')[1].split("</fieldset>")[0]
    body = form_body(cohort_data(meeting_days=[]))
    body.pop("meeting_days", None)
    resp = c.post(f"/parks/{park.slug}/cohorts", data=body)
    assert resp.status_code == 422 and "Choose at least one day." in resp.get_data(as_text=True)
    resp = c.post(f"/parks/{park.slug}/cohorts",
                  data=form_body(cohort_data(meeting_days=["mon", "wed"], capacity=99)))
    html = resp.get_data(as_text=True)  # refused for the seats; the chosen days stay ticked
    assert 'checked id="meeting_days-0" name="meeting_days" type="checkbox" value="mon"' in html
    assert 'id="meeting_days-1" name="meeting_days" type="checkbox" value="tue">' in html


@pytest.mark.parametrize("role", ROLES)
def test_cohort_list_page_every_role(app, frozen, login_as, schedule, role):
    schedule()
    c, _ = login_as(role)
    resp = c.get("/cohorts")
    assert resp.status_code == 200
    assert "January batch" in resp.get_data(as_text=True)


def test_visitor_is_sent_to_login(app, client, schedule):
    cohort = schedule()
    for url in ("/cohorts", f"/cohorts/{cohort.id}", "/timetable", "/rooms/calendar"):
        resp = client.get(url)
        assert resp.status_code == 302 and "/login" in resp.headers["Location"]


@pytest.mark.parametrize("role,roster", [("admin", True), ("park_manager", True),
                                         ("trainer", False), ("student", False),
                                         ("faculty", False)])
def test_cohort_page_roster_only_for_staff(app, frozen, login_as, schedule, make_user, enrol,
                                           role, roster):
    cohort = schedule()
    enrol(cohort, make_user("student", full_name="Zara Rostered"))
    c, _ = login_as(role)
    resp = c.get(f"/cohorts/{cohort.id}")
    assert resp.status_code == 200
    assert ("Zara Rostered" in resp.get_data(as_text=True)) is roster


def test_cohort_trainer_sees_roster(app, frozen, login_as, schedule, trainer, make_user, enrol):
    cohort = schedule()
    enrol(cohort, make_user("student", full_name="Zara Rostered"))
    c, _ = login_as("trainer", user=trainer)
    assert "Zara Rostered" in c.get(f"/cohorts/{cohort.id}").get_data(as_text=True)


def test_learner_enrols_sees_position_and_withdraws(app, frozen, login_as, schedule, make_user,
                                                   enrol):
    cohort = schedule(capacity=1)
    enrol(cohort, make_user("student"))
    c, learner = login_as("student")
    page = c.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    assert "0 left of 1" in page and "Join the waitlist" in page
    resp = c.post(f"/cohorts/{cohort.id}/enrol", follow_redirects=True)
    html = resp.get_data(as_text=True)
    assert "waitlist at place 1" in html
    assert "on the waitlist at place <strong>1</strong>" in html
    resp = c.post(f"/cohorts/{cohort.id}/withdraw", follow_redirects=True)
    assert "Withdrawn." in resp.get_data(as_text=True)
    e = db.session.query(Enrollment).filter_by(user_id=learner.id).one()
    assert e.status == "withdrawn"


def test_learner_sees_not_open_and_wrong_track_messages(app, frozen, login_as, schedule,
                                                        make_course):
    cohort = schedule(course_id=make_course(track="faculty").id)
    c, _ = login_as("student")
    html = c.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    assert "not offered to your track" in html
    resp = c.post(f"/cohorts/{cohort.id}/enrol", follow_redirects=True)
    assert "not offered to the student track" in resp.get_data(as_text=True)


def test_learner_cannot_see_planned_cohort(app, frozen, login_as, schedule):
    cohort = schedule(enrol_opens_on=date(2026, 1, 3))
    c, _ = login_as("student")
    assert c.get(f"/cohorts/{cohort.id}").status_code == 404
    assert c.post(f"/cohorts/{cohort.id}/enrol").status_code == 404


def test_staff_enrol_by_email_and_withdraw(app, frozen, login_as, schedule, manager, make_user):
    cohort = schedule(capacity=1)
    a = make_user("student", email="a@example.pk")
    b = make_user("student", email="b@example.pk")
    c, _ = login_as("park_manager", user=manager)
    for email in ("a@example.pk", "B@example.pk"):
        c.post(f"/cohorts/{cohort.id}/enrol", data={"email": email})
    resp = c.post(f"/cohorts/{cohort.id}/enrol", data={"email": "none@example.pk"},
                  follow_redirects=True)
    assert "No user has that e-mail address." in resp.get_data(as_text=True)
    resp = c.post(f"/cohorts/{cohort.id}/enrollments/{a.id}/withdraw", follow_redirects=True)
    assert "first learner on the waitlist has the seat" in resp.get_data(as_text=True)
    assert services.enrolled_user_ids(cohort.id) == [b.id]


@pytest.mark.parametrize("role,status", [("trainer", 403), ("student", 403), ("faculty", 403)])
def test_staff_actions_refused_to_others(app, frozen, login_as, schedule, make_user, enrol, role,
                                         status):
    cohort = schedule()
    learner = make_user("student")
    enrol(cohort, learner)
    session = services.sessions_of(cohort)[0]
    c, _ = login_as(role)
    assert c.post(f"/cohorts/{cohort.id}/enrollments/{learner.id}/withdraw").status_code == status
    assert c.get(f"/cohorts/{cohort.id}/edit").status_code == 403
    assert c.post(f"/cohorts/{cohort.id}/status", data={"status": "running"}).status_code == 403
    assert c.get(f"/sessions/{session.id}/move").status_code == 403
    assert c.post(f"/sessions/{session.id}/cancel").status_code == 403
    assert c.get(f"/cohorts/{cohort.id}/import").status_code == 403
    assert db.session.get(Cohort, cohort.id).status == "open"


def test_edit_pattern_page(app, frozen, login_as, manager, schedule):
    cohort = schedule()
    c, _ = login_as("park_manager", user=manager)
    assert c.get(f"/cohorts/{cohort.id}/edit").status_code == 200
    data = form_body({"name": "Renamed", "trainer_id": cohort.trainer_id,
                      "room_id": cohort.room_id, "capacity": 25, "start_date": cohort.start_date,
                      "end_date": cohort.end_date, "meeting_days": ["fri"],
                      "start_time": time(9, 0), "end_time": time(11, 0)})
    resp = c.post(f"/cohorts/{cohort.id}/edit", data=data)
    assert resp.status_code == 302
    cohort = db.session.get(Cohort, cohort.id)
    assert cohort.name == "Renamed" and cohort.meeting_days == "fri"
    assert len(services.sessions_of(cohort)) == 4  # Fridays 9-30 Jan


def test_status_move_and_cancel_pages(app, frozen, login_as, manager, schedule):
    cohort = schedule()
    s1, s2 = services.sessions_of(cohort)[:2]
    c, _ = login_as("park_manager", user=manager)
    assert c.get(f"/sessions/{s1.id}/move").status_code == 200
    resp = c.post(f"/sessions/{s1.id}/move", data={"day": "2026-01-06", "start_time": "15:00",
                                                    "end_time": "16:00", "room_id": s1.room_id})
    assert resp.status_code == 302
    resp = c.post(f"/sessions/{s2.id}/cancel", data={"reason": "Power cut"})
    assert resp.status_code == 302
    resp = c.post(f"/cohorts/{cohort.id}/status", data={"status": "running"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Cohort, cohort.id).status == "running"
    assert services.get_session(s2.id).status == "cancelled"


def test_bulk_enrol_page(app, frozen, login_as, manager, schedule, make_user):
    cohort = schedule()
    make_user("student", email="ok@example.pk")
    c, _ = login_as("park_manager", user=manager)
    assert c.get(f"/cohorts/{cohort.id}/import").status_code == 200
    bad = b"email\nok@example.pk\nghost@example.pk\n"
    resp = c.post(f"/cohorts/{cohort.id}/import",
                  data={"file": (io.BytesIO(bad), "list.csv")},
                  content_type="multipart/form-data")
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "nobody was enrolled" in html and "No such user." in html
    assert services.enrolled_user_ids(cohort.id) == []
    resp = c.post(f"/cohorts/{cohort.id}/import",
                  data={"file": (io.BytesIO(b"email\nok@example.pk\n"), "list.csv")},
                  content_type="multipart/form-data")
    assert resp.status_code == 302
    assert len(services.enrolled_user_ids(cohort.id)) == 1


def test_bulk_enrol_reads_cr_only_files_and_refuses_huge_fields(app, frozen, login_as, manager,
                                                             schedule, make_user):
    """Issue 17, item 18: Excel's "CSV (Macintosh)" is read; a field over csv's 131,072-character
    limit is refused with a clear message (both were a 500)."""
    cohort = schedule()
    make_user("student", email="ok@example.pk")
    make_user("student", email="ok2@example.pk")
    c, _ = login_as("park_manager", user=manager)
    huge = b"email\n" + b"x" * 131_073 + b"@example.pk\n"
    resp = c.post(f"/cohorts/{cohort.id}/import", data={"file": (io.BytesIO(huge), "list.csv")},
                  content_type="multipart/form-data")
    assert resp.status_code == 422
    assert "a field is longer than 131,072 characters" in resp.get_data(as_text=True)
    assert services.enrolled_user_ids(cohort.id) == []
    mac = b"email\rok@example.pk\rok2@example.pk\r"
    resp = c.post(f"/cohorts/{cohort.id}/import", data={"file": (io.BytesIO(mac), "list.csv")},
                  content_type="multipart/form-data")
    assert resp.status_code == 302
    assert len(services.enrolled_user_ids(cohort.id)) == 2


@pytest.mark.parametrize("role,status", [("admin", 200), ("park_manager", 200),
                                         ("trainer", 403), ("student", 403), ("faculty", 403)])
def test_room_calendar_permissions(app, frozen, login_as, schedule, park, role, status):
    schedule()
    c, _ = login_as(role)
    resp = c.get(f"/rooms/calendar?park={park.slug}&week=2026-01-07")
    assert resp.status_code == status
    if status == 200:
        html = resp.get_data(as_text=True)
        assert "10:00–12:00" in html and "January batch" in html
        assert "week=2025-12-29" in html and "week=2026-01-12" in html


def test_room_calendar_other_park_manager(app, login_as, other_park, park):
    c, _ = login_as("park_manager", user=None, park_id=other_park.id)
    assert c.get(f"/rooms/calendar?park={park.slug}").status_code == 403
    assert c.get("/rooms/calendar?park=atlantis").status_code == 404
    assert c.get("/rooms/calendar?week=garbage").status_code == 200


@pytest.mark.parametrize("role,status", [("admin", 403), ("park_manager", 403), ("trainer", 200),
                                         ("student", 200), ("faculty", 200)])
def test_my_timetable_permissions(app, frozen, login_as, role, status):
    c, _ = login_as(role)
    assert c.get("/timetable").status_code == status


def test_learner_timetable_and_feed(app, frozen, login_as, schedule, make_user, enrol):
    cohort = schedule()
    c, learner = login_as("student")
    enrol(cohort, learner)
    html = c.get("/timetable?week=2026-01-05").get_data(as_text=True)
    assert html.count("10:00–12:00") == 2
    db.session.refresh(learner)
    assert learner.ics_token is None and "Make my calendar address" in html  # a GET writes nothing
    c.post("/timetable/calendar-link")
    html = c.get("/timetable?week=2026-01-05").get_data(as_text=True)
    db.session.refresh(learner)
    token = learner.ics_token
    assert token and f"/calendar/{token}.ics" in html
    anon = app.test_client()
    resp = anon.get(f"/calendar/{token}.ics")
    assert resp.status_code == 200
    assert resp.mimetype == "text/calendar"
    body = resp.get_data(as_text=True)
    assert body.count("BEGIN:VEVENT") == 8
    assert "DTSTART:20260105T050000Z\r\n" in body
    assert "\r\n" in body and "\n" not in body.replace("\r\n", "")
    assert anon.get("/calendar/not-a-token.ics").status_code == 404
    c.post("/timetable/calendar-link")
    assert anon.get(f"/calendar/{token}.ics").status_code == 404


def test_trainer_timetable_and_feed(app, frozen, login_as, schedule, trainer):
    schedule()
    c, _ = login_as("trainer", user=trainer)
    html = c.get("/timetable?week=2026-01-12").get_data(as_text=True)
    assert html.count("10:00–12:00") == 2
    c.post("/timetable/calendar-link")
    db.session.refresh(trainer)
    body = app.test_client().get(f"/calendar/{trainer.ics_token}.ics").get_data(as_text=True)
    assert body.count("BEGIN:VEVENT") == 8


@pytest.mark.parametrize("role,status", [("admin", 200), ("park_manager", 200), ("trainer", 200),
                                         ("student", 403), ("faculty", 403)])
def test_trainer_timetable_page_permissions(app, frozen, login_as, schedule, trainer, role,
                                            status):
    schedule()
    c, _ = login_as(role)
    assert c.get(f"/trainers/{trainer.id}/timetable").status_code == status


def test_nav_entries_by_role(app, frozen, login_as):
    c, _ = login_as("student")
    html = c.get("/cohorts").get_data(as_text=True)
    assert "My timetable" in html and "Room calendar" not in html
    c, _ = login_as("park_manager")
    html = c.get("/cohorts").get_data(as_text=True)
    assert "Room calendar" in html and "My timetable" not in html


def test_home_panels(app, frozen, login_as, schedule, trainer, make_user, enrol):
    cohort = schedule(capacity=1)
    enrol(cohort, make_user("student"))
    c, learner = login_as("student")
    enrol(cohort, learner, "waitlisted")
    assert "waitlist place 1" in c.get("/").get_data(as_text=True)
    c, _ = login_as("trainer", user=trainer)
    html = c.get("/").get_data(as_text=True)
    assert "My next sessions" in html and "January batch" in html


