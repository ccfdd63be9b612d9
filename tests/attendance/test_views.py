"""HTML pages: permissions for every role, register, check-in, excuses, CSV, PDF, throttling."""

import csv
import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.attendance import rules, services
from lms.attendance.models import AttendanceRecord, ExcuseRequest
from lms.core.models import AuditEvent
from lms.extensions import db
from tests.attendance.conftest import ROLES, T0, minutes

SECRET = "testing-secret-key-not-for-production-use-0123456789"


def code_at(session_id, when):
    return rules.rotating_code(SECRET, session_id, rules.time_step(when))


def count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


STAFF3 = {"admin", "manager", "trainer"}

PAGES = [
    # (name, path template, {role: expected status}; missing roles -> 403)
    ("cohorts", "/attendance/cohorts", {r: 200 for r in ("admin", "manager", "other_manager",
                                                         "trainer", "other_trainer")}),
    ("summary", "/attendance/cohorts/{cohort}", {**{r: 200 for r in STAFF3}, "learner": 200,
                                                 "outsider": 404, "faculty": 404}),
    ("csv", "/attendance/cohorts/{cohort}/register.csv", {r: 200 for r in STAFF3}),
    ("learner", "/attendance/learners/{learner}", {**{r: 200 for r in STAFF3},
                                                   "other_manager": 404, "other_trainer": 404}),
    ("report", "/attendance/report", {"admin": 200, "manager": 200, "other_manager": 200}),
    ("register", "/attendance/sessions/{session}/register", {r: 200 for r in STAFF3}),
    ("history", "/attendance/sessions/{session}/history", {r: 200 for r in STAFF3}),
    ("screen", "/attendance/sessions/{session}/check-in-screen", {"trainer": 200}),
    ("pdf", "/attendance/sessions/{session}/sign-in.pdf", {r: 200 for r in STAFF3}),
    ("check_in", "/check-in/{session}", {"learner": 200}),
    ("excuse", "/attendance/sessions/{session}/excuse", {"learner": 200}),
    ("excuses", "/attendance/excuses", {r: 200 for r in ("admin", "manager", "other_manager",
                                                         "trainer", "other_trainer")}),
    ("mine", "/attendance/me", {"learner": 200, "outsider": 200, "faculty": 200}),
]


@pytest.mark.parametrize(("name", "path", "expected"), PAGES, ids=[p[0] for p in PAGES])
def test_page_permissions_for_every_role(name, path, expected, world, people, at, client):
    at(T0 + minutes(5))
    url = path.format(cohort=world.cohort.id, session=world.sessions[0].id,
                      learner=world.learners[0].id)
    for role in ROLES:
        resp = people[role].client.get(url)
        resp.get_data()  # consume streamed bodies (CSV)
        assert resp.status_code == expected.get(role, 403), (role, resp.status_code)
    resp = client.get(url)  # a visitor is sent to log in
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_unknown_objects_are_404(people, world, at):
    at(T0)
    c = people["admin"].client
    for url in ("/attendance/cohorts/9999", "/attendance/sessions/9999/register",
                "/attendance/sessions/9999/history", "/attendance/sessions/9999/sign-in.pdf",
                "/attendance/learners/9999", "/attendance/report?park=atlantis"):
        assert c.get(url).status_code == 404, url
    assert people["learner"].client.get("/check-in/9999").status_code == 404


def test_manager_cannot_see_another_parks_report(people, at):
    at(T0)
    assert people["manager"].client.get("/attendance/report?park=karachi").status_code == 403
    resp = people["admin"].client.get("/attendance/report?park=karachi")
    assert resp.status_code == 200 and b"Karachi" in resp.data


# --- register page ----------------------------------------------------------------------------

def test_register_page_save_and_mark_all_present(world, people, at):
    at(T0 + minutes(30))
    s = world.sessions[0]
    c = people["trainer"].client
    page = c.get(f"/attendance/sessions/{s.id}/register").get_data(as_text=True)
    for learner in world.learners:
        assert f'name="status-{learner.id}"' in page
    assert "attendance.js" in page and "<script>" not in page
    resp = c.post(f"/attendance/sessions/{s.id}/register", data={"action": "all_present"})
    assert resp.status_code == 302
    assert {r.status for r in db.session.scalars(sa.select(AttendanceRecord))} == {"present"}
    a = world.learners[0]
    resp = c.post(f"/attendance/sessions/{s.id}/register",
                  data={"action": "save", f"status-{a.id}": "late",
                        f"status-{world.learners[1].id}": "present"})
    assert resp.status_code == 302
    db.session.expire_all()
    rec = db.session.scalar(sa.select(AttendanceRecord).where(AttendanceRecord.user_id == a.id))
    assert rec.status == "late"
    assert count(AuditEvent) == 4  # three marked present, one changed to late
    history = c.get(f"/attendance/sessions/{s.id}/history").get_data(as_text=True)
    assert "Ali Raza" in history and "late" in history


def test_register_bad_status_shows_form_error(world, people, at):
    at(T0 + minutes(30))
    s = world.sessions[0]
    resp = people["trainer"].client.post(
        f"/attendance/sessions/{s.id}/register",
        data={"action": "save", f"status-{world.learners[0].id}": "asleep"})
    assert resp.status_code == 422
    assert b"nothing was saved" in resp.data
    assert count(AttendanceRecord) == 0


def test_register_after_window_trainer_403_manager_needs_reason(world, people, at):
    s = world.sessions[0]
    at(s.ends_at + timedelta(days=8))
    data = {"action": "save", f"status-{world.learners[0].id}": "present"}
    page = people["trainer"].client.get(f"/attendance/sessions/{s.id}/register")
    assert b"only the park manager or an admin" in page.data
    assert people["trainer"].client.post(f"/attendance/sessions/{s.id}/register",
                                         data=data).status_code == 403
    m = people["manager"].client
    resp = m.post(f"/attendance/sessions/{s.id}/register", data=data)
    assert resp.status_code == 422 and b"reason" in resp.data
    resp = m.post(f"/attendance/sessions/{s.id}/register", data={**data, "reason": "Paper sheet"})
    assert resp.status_code == 302
    event = db.session.scalars(sa.select(AuditEvent)).one()
    assert event.reason == "Paper sheet" and event.actor_id == people["manager"].user.id


def test_register_with_csrf_enabled_refuses_missing_token(app, world, people, at):
    at(T0 + minutes(30))
    c = people["trainer"].client  # logs in before CSRF is turned on
    app.config["WTF_CSRF_ENABLED"] = True
    resp = c.post(f"/attendance/sessions/{world.sessions[0].id}/register",
                                         data={"action": "all_present"})
    assert resp.status_code == 400
    assert count(AttendanceRecord) == 0


# --- check-in screen and learner check-in -----------------------------------------------------

def test_check_in_screen_shows_code_qr_and_refresh(world, people, at):
    s = world.sessions[0]
    now = at(T0 + timedelta(seconds=10))
    resp = people["trainer"].client.get(f"/attendance/sessions/{s.id}/check-in-screen")
    html = resp.get_data(as_text=True)
    code = code_at(s.id, now)
    assert f"{code[:3]} {code[3:]}" in html
    assert 'src="data:image/svg+xml' in html and 'data-refresh-after="21"' in html
    assert "http-equiv" not in html  # no self-reloading page (axe: meta-refresh, critical)
    assert "<script>" not in html


def test_qr_link_prefills_and_get_changes_nothing(world, people, at):
    s = world.sessions[0]
    now = at(T0)
    code = code_at(s.id, now)
    c = people["learner"].client
    resp = c.get(f"/check-in/{s.id}?code={code}")
    assert resp.status_code == 200 and f'value="{code}"' in resp.get_data(as_text=True)
    assert count(AttendanceRecord) == 0
    resp = c.post(f"/check-in/{s.id}", data={"code": code},
                  headers={"User-Agent": "TestPhone/1.0"})
    assert resp.status_code == 302
    rec = db.session.scalars(sa.select(AttendanceRecord)).one()
    assert (rec.status, rec.source, rec.user_agent, rec.address) == (
        "present", "check_in", "TestPhone/1.0", "127.0.0.1")
    again = c.post(f"/check-in/{s.id}", data={"code": code})
    assert again.status_code == 409
    assert b"already marked" in again.data or b"You are marked" in again.data


def test_learner_check_in_wrong_code_and_outside_window(world, people, at):
    s = world.sessions[0]
    at(T0 - timedelta(hours=1))
    c = people["learner"].client
    resp = c.post(f"/check-in/{s.id}", data={"code": code_at(s.id, T0 - timedelta(hours=1))})
    assert resp.status_code == 409, resp.headers.get("Location")
    now = at(T0 + minutes(20))
    resp = c.post(f"/check-in/{s.id}", data={"code": "000000" if code_at(s.id, now) != "000000"
                                             else "111111"})
    assert resp.status_code == 422 and b"Wrong or expired code" in resp.data
    resp = c.post(f"/check-in/{s.id}", data={"code": "12ab"})
    assert resp.status_code == 422
    resp = c.post(f"/check-in/{s.id}", data={"code": code_at(s.id, now)})
    assert resp.status_code == 302
    assert db.session.scalars(sa.select(AttendanceRecord)).one().status == "late"


def test_wrong_codes_are_throttled_per_learner(world, people, at):
    s = world.sessions[0]
    now = at(T0)
    good = code_at(s.id, now)
    wrong = "000000" if good != "000000" else "111111"
    c = people["learner"].client
    for _ in range(10):
        assert c.post(f"/check-in/{s.id}", data={"code": wrong}).status_code == 422
    assert c.post(f"/check-in/{s.id}", data={"code": good}).status_code == 429
    assert count(AttendanceRecord) == 0
    # another learner (same address) is not blocked
    other = world.learners[1]
    from tests.conftest import AuthActions
    c2 = c.application.test_client()
    AuthActions(c2).login(other.email)
    assert c2.post(f"/check-in/{s.id}", data={"code": good}).status_code == 302


# --- excuses ----------------------------------------------------------------------------------

def test_excuse_request_and_trainer_decision(world, people, at):
    at(T0 - timedelta(days=1))
    s = world.sessions[0]
    lc = people["learner"].client
    resp = lc.post(f"/attendance/sessions/{s.id}/excuse", data={"reason": ""})
    assert resp.status_code == 422
    resp = lc.post(f"/attendance/sessions/{s.id}/excuse", data={"reason": "Family wedding"})
    assert resp.status_code == 302
    excuse = db.session.scalars(sa.select(ExcuseRequest)).one()
    tc = people["trainer"].client
    page = tc.get("/attendance/excuses").get_data(as_text=True)
    assert "Family wedding" in page
    assert people["other_trainer"].client.post(
        f"/attendance/excuses/{excuse.id}/decision",
        data={"decision": "approve"}).status_code == 403
    resp = tc.post(f"/attendance/excuses/{excuse.id}/decision", data={"decision": "approve"})
    assert resp.status_code == 302
    rec = db.session.scalars(sa.select(AttendanceRecord)).one()
    assert (rec.status, rec.source) == ("excused", "excuse")
    mine = lc.get("/attendance/me").get_data(as_text=True)
    assert "approved" in mine


# --- summary, exports -------------------------------------------------------------------------

def test_summary_flags_at_risk_and_learner_sees_only_own_row(world, people, at):
    s0, s1 = world.sessions[:2]
    at(s1.starts_at + minutes(30))
    a, b, c = world.learners
    services.save_register(world.trainer, s0, [{"user_id": a.id, "status": "present"},
                                                {"user_id": b.id, "status": "absent"}])
    services.save_register(world.trainer, s1, [{"user_id": a.id, "status": "present"},
                                                {"user_id": b.id, "status": "absent"}])
    db.session.commit()
    html = people["trainer"].client.get(f"/attendance/cohorts/{world.cohort.id}").get_data(
        as_text=True)
    assert "Hina Baloch" in html and "at risk" in html
    # figures per learner: two held, Ali present at both (100 %), Hina at neither (0 %)
    assert re.search(r"Ali Raza</a></td>(\s*<td class=\"num\">[^<]*</td>){6}\s*"
                     r"<td class=\"num\">100.0 %", html)
    assert re.search(r"Hina Baloch</a></td>(\s*<td class=\"num\">[^<]*</td>){6}\s*"
                     r"<td class=\"num\">0.0 %", html)
    # each scheduled session links to its register (which links history, sheet, screen)
    for s in world.sessions:
        assert f'href="/attendance/sessions/{s.id}/register"' in html
    own = people["learner"].client.get(f"/attendance/cohorts/{world.cohort.id}").get_data(
        as_text=True)
    assert "Ali Raza" in own and "Hina Baloch" not in own


def test_csv_export_neutralises_formulas(world, people, at, make_user, enrol):
    evil = make_user("student", full_name="=cmd|' /C calc'!A0")
    enrol(world.cohort, evil)
    at(T0 + minutes(30))
    services.save_register(world.trainer, world.sessions[0],
                           [{"user_id": evil.id, "status": "present"}])
    db.session.commit()
    resp = people["trainer"].client.get(f"/attendance/cohorts/{world.cohort.id}/register.csv")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True))))
    assert rows[0][:3] == ["learner", "email", "2026-03-02 10:00"]
    assert len(rows) == 5
    evil_row = next(r for r in rows if "cmd" in r[0])
    assert evil_row[0].startswith("'=")
    assert evil_row[2] == "present"


def test_sign_in_sheet_pdf(world, people, make_user, enrol, at):
    at(T0)
    enrol(world.cohort, make_user("student", full_name="<b>Bold</b> & زینب خان"))
    resp = people["trainer"].client.get(f"/attendance/sessions/{world.sessions[0].id}/sign-in.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert resp.data.startswith(b"%PDF")


def test_pages_render_for_their_users(world, people, at):
    at(T0 - timedelta(hours=2))  # same park day
    home = people["trainer"].client.get("/").get_data(as_text=True)
    assert "Today&#39;s sessions" in home or "Today's sessions" in home
    assert f"/attendance/sessions/{world.sessions[0].id}/register" in home
    mine = people["learner"].client.get("/attendance/me").get_data(as_text=True)
    assert "Ask to be excused" in mine
    report = people["manager"].client.get("/attendance/report").get_data(as_text=True)
    assert world.cohort.name in report
    at(T0 + minutes(5))
    home = people["learner"].client.get("/").get_data(as_text=True)
    assert "My attendance" in home and f"/check-in/{world.sessions[0].id}" in home
