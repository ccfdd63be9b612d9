"""One at-risk definition everywhere (issue 17 item 4): the attendance park report, the park
dashboard, the at-risk list, the trainer's dashboard and the cohort summary count the same
learners."""

import re
from datetime import timedelta

import time_machine

from lms.attendance import services as attendance
from lms.attendance.models import AttendanceRecord
from lms.extensions import db
from lms.reports import services as reports


def _absent(cohort, user, statuses):
    for session, status in zip(sorted(cohort.sessions, key=lambda s: s.starts_at), statuses,
                               strict=False):
        db.session.add(AttendanceRecord(session_id=session.id, user_id=user.id, status=status))
    db.session.commit()


def test_every_page_counts_the_same_at_risk_learners(app, park, make_cohort, make_user, enrol,
                                                     login_as):
    trainer = make_user("trainer")
    running = make_cohort(trainer=trainer, status="running", count=8, name="Running")
    finished = make_cohort(trainer=trainer, status="completed", count=4, name="Finished",
                           first=running.sessions[0].starts_at - timedelta(weeks=10))
    at_risk = make_user("student", full_name="Absent Learner")
    excused_ahead = make_user("student", full_name="Excused Ahead")
    done = make_user("student", full_name="Completed Learner")
    past = make_user("student", full_name="Past Learner")
    for u in (at_risk, excused_ahead):
        enrol(running, u)
    enrol(running, done, status="completed")
    enrol(finished, past)
    now = running.sessions[3].starts_at + timedelta(hours=3)  # four of eight sessions held
    _absent(running, at_risk, ["absent"] * 4)  # best possible 50 % < 75 %: at risk
    _absent(running, done, ["absent"] * 4)  # finished learner: not "at risk" any more
    # 2 of 4 held attended, 3 of the 4 to come excused ahead: best possible 3/5 = 60 %
    _absent(running, excused_ahead, ["present", "present", "absent", "absent", "excused",
                                     "excused", "excused"])
    _absent(finished, past, ["absent"] * 4)  # a completed cohort: nobody is at risk in it
    with time_machine.travel(now, tick=False):
        flagged = {r.full_name for r in reports.at_risk_learners(park_id=park.id)}
        assert flagged == {"Absent Learner", "Excused Ahead"}
        by_report = sum(r.at_risk for r in attendance.park_report(park.id))
        assert by_report == 2
        summary = {r.full_name: r.at_risk for r in attendance.cohort_summary(running)}
        assert {n for n, risk in summary.items() if risk} == flagged
        assert not any(r.at_risk for r in attendance.cohort_summary(finished))
        trainer_rows = reports.trainer_dashboard(trainer)
        assert sum(r.at_risk for r in trainer_rows) == 2

        c, _ = login_as("admin")
        html = c.get("/attendance/report?park=lahore").get_data(as_text=True)
        assert re.search(r"<dt>At risk</dt><dd><span class=\"badge danger\">2</span>", html)
        html = c.get("/reports/parks/lahore").get_data(as_text=True)
        assert "2 learner(s) at risk" in html
        html = c.get(f"/reports/at-risk?park_id={park.id}").get_data(as_text=True)
        assert "Absent Learner" in html and "Excused Ahead" in html
        assert "Completed Learner" not in html and "Past Learner" not in html
