"""Every route of the app as concrete requests against the world: URL values and plausible bodies."""

from datetime import timedelta

from flask import Flask

from lms.core.timeutil import utcnow
from tests.conftest import PASSWORD

SKIP_ENDPOINTS = {"static"}
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def route_pairs(app: Flask) -> list[tuple[str, str, str]]:
    """(rule, method, endpoint) for every route and method of the app, `static` left out."""
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIP_ENDPOINTS:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            out.append((rule.rule, method, rule.endpoint))
    return sorted(out)


def key(rule: str, method: str) -> str:
    return f"{method} {rule}"


# --- URL values ----------------------------------------------------------------------------------

def _value(endpoint: str, name: str, w) -> object:
    if name == "code":
        return w.course.code if endpoint.startswith("catalogue.") else w.cert_code
    if name == "user_id":
        return w.ids["trainer"] if endpoint == "scheduling.trainer_timetable" else w.ids["student"]
    if name == "token":
        if endpoint == "notifications.reset_password":
            return w.reset_token
        return w.set_password_token if endpoint == "accounts.set_password" \
            else w.people["student"].ics_token
    return {
        "assessment_id": w.assessment.id, "attempt_id": w.attempt.id, "cohort_id": w.cohort.id,
        "session_id": w.session.id, "excuse_id": w.excuse.id, "question_id": w.question.id,
        "course_id": w.course.id, "track_id": w.track.id, "park_id": w.park.id,
        "slug": w.park.slug, "kind": "learners", "message_id": w.message.id, "list_id": 1,
        "material_id": w.material.id, "upload_id": w.upload.id,
    }[name]


def url_for_rule(app: Flask, rule: str, method: str, endpoint: str, w) -> str:
    """The rule's URL with every value taken from the world."""
    r = next(r for r in app.url_map.iter_rules(endpoint) if r.rule == rule)
    values = {name: _value(endpoint, name, w) for name in r.arguments}
    adapter = app.url_map.bind("localhost")
    return adapter.build(endpoint, values, method=method)


# --- bodies ----------------------------------------------------------------------------------------

def _future_day(days: int) -> str:
    return (utcnow() + timedelta(days=days)).date().isoformat()


def json_body(endpoint: str, w, role: str) -> dict | None:
    """A plausible JSON body for an API write (what an allowed caller would send)."""
    ids = w.ids
    bodies = {
        "accounts_api.create_token": {"email": w.emails["student"], "password": PASSWORD},
        "notifications_api.patch_me": {"notifications": {"digest": False}},
        "notifications_api.request_password_reset": {"email": w.emails["student"]},
        "notifications_api.retry_message": {},
        "accounts_api.create_user": {"email": "new.person@world.pk", "full_name": "New Person",
                                     "role": "student", "park_id": w.park.id},
        "assessments_api.create_assessment": {
            "title": "Quiz 2", "pass_percent": 50, "max_attempts": 1, "grading": "highest",
            "questions": [{"kind": "essay", "prompt": "Why?", "points": 1}]},
        "assessments_api.start_attempt": {},
        "assessments_api.save_answers": {"answers": [{"question_id": w.question.id,
                                                      "response": 2}]},
        "assessments_api.grade_attempt": {"grades": [{"question_id": w.essay.id, "points": 3,
                                                      "comment": "Good"}]},
        "assessments_api.submit_attempt": {},
        "certificates_api.reissue_certificate": {"reason": "Name corrected"},
        "certificates_api.revoke_certificate": {"reason": "Issued by mistake"},
        "certificates_api.issue_certificates": {},
        "scheduling_api.create_cohort": {
            "course_id": w.course.id, "park_id": w.park.id, "name": "Weekend batch",
            "trainer_id": ids["trainer"], "room_id": w.room.id, "capacity": 10,
            "start_date": _future_day(300), "end_date": _future_day(330),
            "meeting_days": ["sat"], "start_time": "09:00", "end_time": "11:00"},
        "scheduling_api.create_enrollment": (
            {} if role in ("student", "other_student", "faculty")
            else {"user_id": ids["other_student"]}),
        "catalogue_api.create_course": {
            "code": "NEW-101", "title": "New course", "summary": "S", "track": "both",
            "level": "beginner", "duration_hours": 10, "skills": ["x"], "industry_partners": []},
        "catalogue_api.update_course": {"title": "Renamed course"},
        "catalogue_api.archive_course": {},
        "catalogue_api.publish_course": {},
        "catalogue_api.create_track": {"name": "New track", "audience": "faculty",
                                       "course_ids": [w.course.id]},
        "catalogue_api.update_track": {"name": "Renamed track"},
        "parks_api.create_holiday": {"date": _future_day(400), "name": "New holiday",
                                     "park_id": w.park.id},
        "parks_api.create_room": {"name": "Lab Z", "capacity": 12},
        "attendance_api.put_attendance": {"records": [{"user_id": ids["student"],
                                                       "status": "absent"}]},
        "attendance_api.post_check_in": {"code": "123456"},
        "materials_api.create_material": {"title": "Repository", "url": "https://git.example.pk/r"},
    }
    return bodies.get(endpoint)


def form_body(endpoint: str, w, role: str) -> dict:
    """A plausible form body for an HTML POST."""
    ids = w.ids
    future = _future_day(300)
    bodies = {
        "notifications.edit_preferences": {"reminders": "y"},
        "notifications.forgot_password": {"email": w.emails["student"]},
        "notifications.reset_password": {"password": "a brand new password"},
        "notifications.retry_message": {},
        "accounts.change_password": {"current_password": PASSWORD,
                                     "new_password": "another long password"},
        "accounts.edit_user": {"email": w.emails["student"], "full_name": "Changed Name",
                               "role": "student", "park_id": str(w.park.id)},
        "accounts.new_user": {"email": "html.new@world.pk", "full_name": "Html New",
                              "role": "student", "park_id": str(w.park.id)},
        "accounts.toggle_active": {},
        "accounts.set_password": {"password": "a brand new password"},
        "accounts.login": {"email": w.emails["other_student"], "password": PASSWORD},
        "assessments.edit_assessment": {"title": "Renamed exam", "pass_percent": "40",
                                        "max_attempts": "2", "grading": "latest",
                                        "review": "never"},
        "assessments.new_assessment": {"title": "Html quiz", "pass_percent": "40",
                                       "max_attempts": "1", "grading": "highest",
                                       "review": "after_submit"},
        "assessments.set_override": {"cohort_id": str(w.cohort.id),
                                     "opens_at": f"{future}T09:00"},
        "assessments.new_question": {"kind": "essay", "prompt": "New?", "points": "1"},
        "assessments.edit_question": {"kind": "single", "prompt": "Changed?", "points": "2",
                                      "options": "*Yes\nNo"},
        "assessments.move_question": {"direction": "down"},
        "assessments.grade_attempt": {f"points_{w.essay.id}": "4",
                                      f"comment_{w.essay.id}": "Fine"},
        "assessments.take_attempt": {f"q{w.question.id}": "2", "action": "submit"},
        "attendance.decide_excuse": {"decision": "approve", "note": "ok"},
        "attendance.request_excuse": {"reason": "Exam at university"},
        "attendance.edit_register": {f"status-{ids['student']}": "absent",
                                     f"status-{ids['faculty']}": "absent", "reason": "fix"},
        "attendance.check_in": {"code": "123456"},
        "certificates.reissue_certificate": {"reissue-reason": "Name corrected"},
        "certificates.revoke_certificate": {"revoke-reason": "Issued by mistake"},
        "catalogue.edit_course": {"code": w.course.code, "title": "Renamed", "track": "both",
                                  "level": "beginner", "duration_hours": "40",
                                  "min_attendance_percent": "75"},
        "catalogue.new_course": {"code": "HTM-101", "title": "Html course", "track": "both",
                                 "level": "beginner", "duration_hours": "10",
                                 "min_attendance_percent": "75"},
        "catalogue.new_track": {"name": "Html track", "audience": "student",
                                "course_ids": w.course.code},
        "catalogue.edit_track": {"name": "Renamed track", "audience": "student",
                                 "course_ids": w.course.code},
        "parks.list_holidays": {"day": _future_day(500), "name": "Html holiday",
                                "park_id": str(w.park.id)},
        "parks.show_park": {"name": "Lab H", "capacity": "10"},
        "parks.update_targets": {"student_target": "1", "faculty_target": "1"},
        "scheduling.park_cohorts": {
            "course_id": str(w.course.id), "name": "Html batch", "trainer_id": str(ids["trainer"]),
            "room_id": str(w.room.id), "capacity": "10", "start_date": future,
            "end_date": _future_day(320), "meeting_days": "sun", "start_time": "09:00",
            "end_time": "11:00"},
        "scheduling.edit_cohort": {
            "name": "Renamed batch", "trainer_id": str(ids["trainer"]), "room_id": str(w.room.id),
            "capacity": "20", "start_date": w.cohort.start_date.isoformat(),
            "end_date": w.cohort.end_date.isoformat(), "meeting_days": "mon",
            "start_time": w.cohort.start_time.strftime("%H:%M"),
            "end_time": w.cohort.end_time.strftime("%H:%M")},
        "scheduling.enrol": ({"email": w.emails["other_student"]}
                             if role not in ("student", "other_student", "faculty") else {}),
        "scheduling.change_status": {"status": "cancelled"},
        "scheduling.move_session": {"day": future, "start_time": "15:00", "end_time": "17:00",
                                    "room_id": str(w.room.id)},
        "scheduling.cancel_session": {"reason": "Storm"},
        "materials.add_material": {"kind": "link", "title": "Repository",
                                   "url": "https://git.example.pk/r"},
        "materials.set_status": {"status": "draft"},
    }
    return bodies.get(endpoint, {})
