"""Recording a finished run from paper records works end to end, admin only, with a reason in
the audit trail: enrol its learners, enter its registers, issue the certificates, in the pages
and the API (issue 17 item 3)."""

from datetime import date

import sqlalchemy as sa

from lms.certificates.models import Certificate
from lms.core.models import AuditEvent
from lms.extensions import db
from lms.scheduling.models import Cohort, Enrollment
from tests.scheduling.test_views import form_body

NOVEMBER = {"start_date": date(2025, 11, 3), "end_date": date(2025, 11, 28)}  # before NOW


def test_api_records_a_past_cohort_end_to_end(app, frozen, client, make_user, token_for,
                                              cohort_data, api_body, manager):
    admin = make_user("admin")
    headers = token_for(admin)
    body = api_body(cohort_data(**NOVEMBER))
    resp = client.post("/api/v1/cohorts", json=body, headers=headers)
    assert resp.status_code == 422 and "reason" in resp.get_json()["error"]["fields"]
    resp = client.post("/api/v1/cohorts", json=body, headers=token_for(manager))
    assert resp.status_code == 422 and "start_date" in resp.get_json()["error"]["fields"]
    resp = client.post("/api/v1/cohorts", json={**body, "reason": "paper registers, autumn 2025"},
                       headers=headers)
    assert resp.status_code == 201, resp.get_json()
    cohort_id = resp.get_json()["id"]
    assert resp.get_json()["status"] == "running"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "cohort.create",
                                                          AuditEvent.object_id == cohort_id))
    assert event.reason == "paper registers, autumn 2025"

    learner = make_user("student")
    resp = client.post(f"/api/v1/cohorts/{cohort_id}/enrollments", json={"user_id": learner.id},
                       headers=headers)
    assert resp.status_code == 201 and resp.get_json()["status"] == "enrolled"
    sessions = client.get(f"/api/v1/cohorts/{cohort_id}/sessions", headers=headers).get_json()
    assert len(sessions) == 8
    for s in sessions:
        resp = client.put(f"/api/v1/sessions/{s['id']}/attendance", headers=headers, json={
            "records": [{"user_id": learner.id, "status": "present"}],
            "reason": "entered from the signed paper register"})
        assert resp.status_code == 200, resp.get_json()
    summary = client.get(f"/api/v1/cohorts/{cohort_id}/attendance-summary",
                         headers=headers).get_json()["items"]
    assert summary[0]["percent"] == 100.0
    resp = client.post(f"/api/v1/cohorts/{cohort_id}/certificates", json={}, headers=headers)
    assert resp.status_code in (200, 201), resp.get_json()
    assert len(resp.get_json()["issued"]) == 1
    cert = db.session.scalar(sa.select(Certificate).where(Certificate.cohort_id == cohort_id))
    assert cert.user_id == learner.id and cert.hours == 16  # 8 sessions of 2 hours taught


def test_pages_record_a_past_cohort(app, frozen, login_as, park, make_user, cohort_data):
    c, _ = login_as("admin")
    data = form_body(cohort_data(**NOVEMBER))
    resp = c.post(f"/parks/{park.slug}/cohorts", data=data)
    assert resp.status_code == 422 and "it goes to the audit trail" in resp.get_data(as_text=True)
    resp = c.post(f"/parks/{park.slug}/cohorts", data={**data, "reason": "paper records"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:1500]
    cohort = db.session.scalar(sa.select(Cohort))
    learner = make_user("student")
    resp = c.post(f"/cohorts/{cohort.id}/enrol", data={"email": learner.email},
                  follow_redirects=True)
    assert "The learner is enrolled." in resp.get_data(as_text=True)
    assert db.session.scalar(sa.select(Enrollment.status).where(
        Enrollment.cohort_id == cohort.id)) == "enrolled"
    session = sorted(cohort.sessions, key=lambda s: s.starts_at)[0]
    resp = c.post(f"/attendance/sessions/{session.id}/register",
                  data={f"status-{learner.id}": "present", "action": "save",
                        "reason": "signed sheet"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:1500]
    resp = c.get(f"/cohorts/{cohort.id}/eligibility")
    assert resp.status_code == 200
