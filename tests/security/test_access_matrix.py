"""The access matrix: every route and method of the app, tried by anonymous visitors and by every
relation a user can have to the world's objects (tests/security/world.py, ROLE_NOTES).

EXPECTED says which roles may use each route on the world's objects. Everyone else must get 403
or 404 (anonymous: a redirect to the login page for HTML, 401 for the API), and a refused write
must leave every table unchanged. Allowed GETs must answer 200 (or redirect somewhere other than
the login page). Allowed writes are not sent here (each feature's own tests cover them); they
would change the world the other rows rely on.

A route that is not in EXPECTED fails the test: a new route must be added to the table.
"""

from urllib.parse import urlsplit

import pytest

from tests.security.routes import (
    WRITE_METHODS,
    form_body,
    json_body,
    key,
    route_pairs,
    url_for_rule,
)
from tests.security.world import ROLES, changed_tables, check_security_headers, fingerprint

ALL = "anon admin manager other_manager trainer other_trainer student other_student faculty"
LOGGED = "admin manager other_manager trainer other_trainer student other_student faculty"
STAFF = "admin manager other_manager trainer other_trainer"  # any park, any course
LEARNERS = "student other_student faculty"
COHORT_STAFF = "admin manager trainer"  # admin, the cohort's park manager, its trainer
COURSE_OWNERS = "admin trainer"  # admin and the course's owner
IN_COHORT = "student faculty"  # learners enrolled in the cohort
MANAGERS = "admin manager other_manager"  # each sees their own park's share of a list
PARK_STAFF = "admin manager"  # admin and the manager of the object's park
AUTHORS = "admin trainer other_trainer"  # who may write courses and tracks

# A role written "~role" may reach the route but what it sends about the world's objects is
# refused inside it (a form error: 200, or 400/409/422): it must change nothing.
# Notes: certificates are visible to every staff member by API.md ("the holder, staff"); cohorts
# and their sessions to staff of any park ("staff; learners see open ones"); a calendar feed and
# a set-password link work for whoever holds the secret URL.
EXPECTED: dict[str, str] = {
    # ops: health for everyone; metrics only for METRICS_ALLOWED addresses or METRICS_TOKEN
    "GET /healthz": ALL,
    "GET /readyz": ALL,
    "GET /metrics": "",
    # accounts
    "GET /": ALL,  # visitors: the landing page
    "GET /favicon.ico": ALL,
    "GET /account/password": LOGGED,
    "POST /account/password": LOGGED,
    "GET /login": ALL,
    "POST /login": ALL,
    "POST /logout": LOGGED,
    "GET /set-password/<token>": ALL,
    "POST /set-password/<token>": ALL,
    "GET /users": MANAGERS,
    "GET /users/new": MANAGERS,
    "POST /users/new": PARK_STAFF + " ~other_manager",
    "GET /users/import": MANAGERS,
    "POST /users/import": MANAGERS,
    "GET /users/<int:user_id>": PARK_STAFF,
    "GET /users/<int:user_id>/edit": PARK_STAFF,
    "POST /users/<int:user_id>/edit": PARK_STAFF,
    "POST /users/<int:user_id>/active": PARK_STAFF,
    "POST /api/v1/auth/tokens": ALL,
    "DELETE /api/v1/auth/tokens/current": LOGGED,
    "GET /api/v1/me": LOGGED,
    "GET /api/v1/users": MANAGERS,
    "POST /api/v1/users": MANAGERS,  # a park manager's users always land in their own park
    "POST /api/v1/users/import": MANAGERS,
    # parks
    "GET /parks": MANAGERS,
    "GET /parks/<slug>": PARK_STAFF,
    "POST /parks/<slug>": PARK_STAFF,
    "POST /parks/<slug>/targets": "admin",
    "GET /holidays": MANAGERS,
    "POST /holidays": PARK_STAFF + " ~other_manager",
    "GET /api/v1/parks": ALL,
    "GET /api/v1/parks/<int:park_id>/rooms": PARK_STAFF,
    "POST /api/v1/parks/<int:park_id>/rooms": PARK_STAFF,
    "GET /api/v1/holidays": MANAGERS,
    "POST /api/v1/holidays": PARK_STAFF,
    "GET /api/v1/openapi.json": ALL,
    # catalogue
    "GET /courses": ALL,
    "GET /courses/mine": AUTHORS,
    "GET /courses/new": AUTHORS,
    "POST /courses/new": AUTHORS,
    "GET /courses/<code>": ALL,
    "GET /courses/<code>/edit": COURSE_OWNERS,
    "POST /courses/<code>/edit": COURSE_OWNERS,
    "POST /courses/<code>/publish": COURSE_OWNERS,
    "POST /courses/<code>/archive": COURSE_OWNERS,
    "GET /tracks": ALL,
    "GET /tracks/new": AUTHORS,
    "POST /tracks/new": AUTHORS,
    "GET /tracks/<int:track_id>": ALL,
    "GET /tracks/<int:track_id>/edit": COURSE_OWNERS,
    "POST /tracks/<int:track_id>/edit": COURSE_OWNERS,
    "GET /api/v1/courses": ALL,
    "POST /api/v1/courses": AUTHORS,
    "GET /api/v1/courses/<int:course_id>": ALL,
    "PATCH /api/v1/courses/<int:course_id>": COURSE_OWNERS,
    "POST /api/v1/courses/<int:course_id>/publish": COURSE_OWNERS,
    "POST /api/v1/courses/<int:course_id>/archive": COURSE_OWNERS,
    "GET /api/v1/tracks": ALL,
    "POST /api/v1/tracks": AUTHORS,
    "GET /api/v1/tracks/<int:track_id>": ALL,
    "PATCH /api/v1/tracks/<int:track_id>": COURSE_OWNERS,
    "GET /api/v1/tracks/<int:track_id>/progress": LOGGED,  # one's own; ?user_id= checked below
    # scheduling
    "GET /cohorts": LOGGED,
    "GET /cohorts/<int:cohort_id>": STAFF + " " + IN_COHORT,
    "GET /cohorts/<int:cohort_id>/edit": PARK_STAFF,
    "POST /cohorts/<int:cohort_id>/edit": PARK_STAFF,
    "POST /cohorts/<int:cohort_id>/status": PARK_STAFF,
    "POST /cohorts/<int:cohort_id>/enrol": COHORT_STAFF + " " + IN_COHORT,
    "POST /cohorts/<int:cohort_id>/withdraw": IN_COHORT,
    "POST /cohorts/<int:cohort_id>/enrollments/<int:user_id>/withdraw": COHORT_STAFF,
    "GET /cohorts/<int:cohort_id>/import": COHORT_STAFF,
    "POST /cohorts/<int:cohort_id>/import": COHORT_STAFF,
    "GET /parks/<slug>/cohorts": PARK_STAFF,
    "POST /parks/<slug>/cohorts": PARK_STAFF,
    "GET /sessions/<int:session_id>/move": PARK_STAFF,
    "POST /sessions/<int:session_id>/move": PARK_STAFF,
    "POST /sessions/<int:session_id>/cancel": PARK_STAFF,
    "GET /rooms/calendar": MANAGERS,
    "GET /timetable": "trainer other_trainer " + LEARNERS,
    "POST /timetable/calendar-link": "trainer other_trainer " + LEARNERS,
    "GET /trainers/<int:user_id>/timetable": STAFF,
    "GET /calendar/<token>.ics": ALL,
    "GET /api/v1/cohorts": LOGGED,
    "POST /api/v1/cohorts": PARK_STAFF,
    "GET /api/v1/cohorts/<int:cohort_id>": STAFF + " " + IN_COHORT,
    "GET /api/v1/cohorts/<int:cohort_id>/sessions": STAFF + " " + IN_COHORT,
    "GET /api/v1/cohorts/<int:cohort_id>/enrollments": COHORT_STAFF,
    "POST /api/v1/cohorts/<int:cohort_id>/enrollments": COHORT_STAFF + " " + IN_COHORT,
    "DELETE /api/v1/cohorts/<int:cohort_id>/enrollments/<int:user_id>": COHORT_STAFF
    + " student",
    # attendance
    "GET /attendance/cohorts": STAFF,
    "GET /attendance/cohorts/<int:cohort_id>": COHORT_STAFF + " " + IN_COHORT,
    "GET /attendance/cohorts/<int:cohort_id>/register.csv": COHORT_STAFF,
    "GET /attendance/sessions/<int:session_id>/register": COHORT_STAFF,
    "POST /attendance/sessions/<int:session_id>/register": COHORT_STAFF,
    "GET /attendance/sessions/<int:session_id>/history": COHORT_STAFF,
    "GET /attendance/sessions/<int:session_id>/sign-in.pdf": COHORT_STAFF,
    "GET /attendance/sessions/<int:session_id>/check-in-screen": "trainer",
    "GET /attendance/sessions/<int:session_id>/excuse": IN_COHORT,
    "POST /attendance/sessions/<int:session_id>/excuse": IN_COHORT,
    "GET /attendance/excuses": STAFF,
    "POST /attendance/excuses/<int:excuse_id>/decision": COHORT_STAFF,
    "GET /attendance/learners/<int:user_id>": COHORT_STAFF,
    "GET /attendance/me": LEARNERS,
    "GET /attendance/report": MANAGERS,
    "GET /check-in/<int:session_id>": IN_COHORT,
    "POST /check-in/<int:session_id>": IN_COHORT,
    "GET /api/v1/sessions/<int:session_id>/attendance": COHORT_STAFF,
    "PUT /api/v1/sessions/<int:session_id>/attendance": COHORT_STAFF,
    "GET /api/v1/sessions/<int:session_id>/check-in-code": "trainer",
    "POST /api/v1/sessions/<int:session_id>/check-in": IN_COHORT,
    "GET /api/v1/cohorts/<int:cohort_id>/attendance-summary": COHORT_STAFF + " " + IN_COHORT,
    # assessments
    "GET /assessments": STAFF,
    "GET /grading": AUTHORS,
    "GET /my/grades": LEARNERS,
    "GET /courses/<int:course_id>/assessments": COHORT_STAFF,
    "GET /courses/<int:course_id>/assessments/new": COURSE_OWNERS,
    "POST /courses/<int:course_id>/assessments/new": COURSE_OWNERS,
    "GET /assessments/<int:assessment_id>": COHORT_STAFF + " " + IN_COHORT,
    "GET /assessments/<int:assessment_id>/edit": COURSE_OWNERS,
    "POST /assessments/<int:assessment_id>/edit": COURSE_OWNERS,
    "POST /assessments/<int:assessment_id>/overrides": COURSE_OWNERS,
    "POST /assessments/<int:assessment_id>/publish": COURSE_OWNERS,
    "GET /assessments/<int:assessment_id>/questions/new": COURSE_OWNERS,
    "POST /assessments/<int:assessment_id>/questions/new": COURSE_OWNERS,
    "GET /assessments/<int:assessment_id>/statistics": COHORT_STAFF,
    "POST /assessments/<int:assessment_id>/start": IN_COHORT,
    "GET /questions/<int:question_id>/edit": COURSE_OWNERS,
    "POST /questions/<int:question_id>/edit": COURSE_OWNERS,
    "POST /questions/<int:question_id>/delete": COURSE_OWNERS,
    "POST /questions/<int:question_id>/move": COURSE_OWNERS,
    "GET /attempts/<int:attempt_id>": COHORT_STAFF + " student",
    "GET /attempts/<int:attempt_id>/take": "student",
    "POST /attempts/<int:attempt_id>/take": "student",
    "GET /attempts/<int:attempt_id>/grade": "admin trainer",
    "POST /attempts/<int:attempt_id>/grade": "admin trainer",
    "GET /cohorts/<int:cohort_id>/gradebook": COHORT_STAFF,
    "GET /cohorts/<int:cohort_id>/gradebook.csv": COHORT_STAFF,
    "GET /api/v1/assessments/<int:assessment_id>": COHORT_STAFF + " " + IN_COHORT,
    "GET /api/v1/courses/<int:course_id>/assessments": COHORT_STAFF,
    "POST /api/v1/courses/<int:course_id>/assessments": COURSE_OWNERS,
    "POST /api/v1/assessments/<int:assessment_id>/attempts": IN_COHORT,
    "POST /api/v1/assessments/<int:assessment_id>/publish": COURSE_OWNERS,
    "GET /api/v1/attempts/<int:attempt_id>": COHORT_STAFF + " student",
    "PUT /api/v1/attempts/<int:attempt_id>/answers": "student",
    "POST /api/v1/attempts/<int:attempt_id>/submit": "student",
    "POST /api/v1/attempts/<int:attempt_id>/grades": "admin trainer",
    # certificates
    "GET /certificates": STAFF,
    "GET /my/certificates": LOGGED,
    "GET /certificates/<code>": STAFF + " student",
    "GET /certificates/<code>/pdf": STAFF + " student",
    "POST /certificates/<code>/revoke": "admin",
    "POST /certificates/<code>/reissue": PARK_STAFF,
    "GET /cohorts/<int:cohort_id>/eligibility": COHORT_STAFF,
    "POST /cohorts/<int:cohort_id>/certificates": COHORT_STAFF,
    "GET /cohorts/<int:cohort_id>/certificates.zip": COHORT_STAFF,
    "GET /verify": ALL,
    "GET /verify/<code>": ALL,
    "GET /verify/file": ALL,
    "POST /verify/file": ALL,
    "GET /api/v1/certificates": LOGGED,  # a learner's own; ?user_id= checked below
    "GET /api/v1/certificates/<code>": STAFF + " student",
    "GET /api/v1/certificates/<code>/pdf": STAFF + " student",
    "POST /api/v1/certificates/<code>/revoke": "admin",
    "POST /api/v1/certificates/<code>/reissue": PARK_STAFF,
    "GET /api/v1/cohorts/<int:cohort_id>/eligibility": COHORT_STAFF,
    "POST /api/v1/cohorts/<int:cohort_id>/certificates": COHORT_STAFF,
    "GET /api/v1/verify/<code>": ALL,
    # signed credentials (issue 24)
    "GET /.well-known/jwks.json": ALL,
    "GET /credentials/issuer": ALL,
    "GET /certificates/<code>/credential": STAFF + " student",
    "GET /verify/credential": ALL,
    "POST /verify/credential": ALL,
    "GET /api/v1/certificates/<code>/credential": STAFF + " student",
    "GET /api/v1/credentials/status/<int:list_id>": ALL,
    # reports
    "GET /reports": MANAGERS,
    "GET /reports/at-risk": MANAGERS,
    "GET /reports/attendance-changes.csv": MANAGERS,
    "GET /reports/parks/<slug>": PARK_STAFF,
    "GET /reports/parks/<slug>/export/<kind>.csv": PARK_STAFF,
    "GET /reports/trainer": "trainer other_trainer",
    "GET /reports/me": LEARNERS,
    "GET /api/v1/reports/programme": MANAGERS,
    # notifications
    "GET /admin/outbox": "admin",
    "GET /admin/outbox/<int:message_id>": "admin",
    "GET /admin/outbox/<int:message_id>/html": "admin",
    "POST /admin/outbox/<int:message_id>/retry": "admin",
    "GET /account/notifications": LOGGED,
    "POST /account/notifications": LOGGED,
    "GET /forgot-password": ALL,
    "POST /forgot-password": ALL,
    "GET /reset-password/<token>": ALL,  # whoever holds the e-mailed link
    "POST /reset-password/<token>": ALL,
    "GET /api/v1/outbox": "admin",
    "POST /api/v1/outbox/<int:message_id>/retry": "admin",
    "PATCH /api/v1/me": LOGGED,
    "POST /api/v1/auth/password-reset": ALL,
    # materials (any staff member and the course's learners see published ones; a session's
    # only the learners of its cohort); handed-in files as the attempt
    "GET /courses/<int:course_id>/materials": STAFF + " " + IN_COHORT,
    "POST /courses/<int:course_id>/materials": COURSE_OWNERS,
    "GET /courses/<int:course_id>/materials.zip": STAFF + " " + IN_COHORT,
    "GET /sessions/<int:session_id>/materials.zip": STAFF + " " + IN_COHORT,
    "GET /materials/<int:material_id>/download": STAFF + " " + IN_COHORT,
    "POST /materials/<int:material_id>/status": COURSE_OWNERS,
    "POST /materials/<int:material_id>/delete": COURSE_OWNERS,
    "POST /attempts/<int:attempt_id>/uploads": "student",
    "GET /uploads/<int:upload_id>/download": COHORT_STAFF + " student",
    "GET /api/v1/courses/<int:course_id>/materials": STAFF + " " + IN_COHORT,
    "POST /api/v1/courses/<int:course_id>/materials": COURSE_OWNERS,
    "GET /api/v1/materials/<int:material_id>/file": STAFF + " " + IN_COHORT,
    "DELETE /api/v1/materials/<int:material_id>": COURSE_OWNERS,
    "POST /api/v1/attempts/<int:attempt_id>/uploads": "student",
    "GET /api/v1/uploads/<int:upload_id>/file": COHORT_STAFF + " student",
}

LOGIN_PATH = "/login"
REFUSED_STATUSES = {200, 400, 409, 422}


def parse_roles(entry: str) -> tuple[set[str], set[str]]:
    roles = entry.split()
    unknown = {r.lstrip("~") for r in roles} - set(ROLES)
    assert not unknown, f"unknown roles {unknown} in EXPECTED"
    return {r for r in roles if not r.startswith("~")}, {r[1:] for r in roles if r[0] == "~"}


def send(client, method: str, url: str, endpoint: str, world, role: str):
    """One request with a plausible body; the body is read and the response closed."""
    if method == "GET":
        resp = client.get(url)
    elif url.startswith("/api/"):
        body = json_body(endpoint, world, role)
        resp = client.open(url, method=method, json=body) if body is not None \
            else client.open(url, method=method)
    else:
        resp = client.open(url, method=method, data=form_body(endpoint, world, role))
    resp.get_data()
    resp.close()
    return resp


def _is_login_redirect(resp) -> bool:
    return resp.status_code in (301, 302, 303) and \
        urlsplit(resp.headers.get("Location", "")).path == LOGIN_PATH


def refusal_problem(resp, role: str, api: bool) -> str | None:
    """None if the response is a proper refusal for this role, else what is wrong."""
    if role == "anon":
        if api:
            return None if resp.status_code == 401 else f"{resp.status_code}, expected 401"
        if _is_login_redirect(resp) or resp.status_code in (403, 404):
            return None
        return f"{resp.status_code} {resp.headers.get('Location', '')}, expected the login page"
    if resp.status_code in (403, 404):
        return None
    return f"{resp.status_code} {resp.headers.get('Location', '')}, expected 403 or 404"


def test_every_route_is_in_the_table(sec_app):
    pairs = {key(rule, method) for rule, method, _ in route_pairs(sec_app)}
    missing = sorted(pairs - set(EXPECTED))
    stale = sorted(set(EXPECTED) - pairs)
    assert not missing, "\n".join(f"new route {m}: add it to the access table (EXPECTED in "
                                  f"tests/security/test_access_matrix.py)" for m in missing)
    assert not stale, f"EXPECTED names routes that no longer exist: {stale}"


def test_access_matrix(sec_app, world, clients, capsys):
    problems: list[str] = []
    checked = 0
    before: dict = {}
    for rule, method, endpoint in route_pairs(sec_app):
        k = key(rule, method)
        if k not in EXPECTED:
            continue  # reported by test_every_route_is_in_the_table
        allowed, refused = parse_roles(EXPECTED[k])
        url = url_for_rule(sec_app, rule, method, endpoint, world)
        api = rule.startswith("/api/")
        write = method in WRITE_METHODS
        if write:
            before = fingerprint()  # GETs are judged in test_get_is_safe.py
        for role in ROLES:
            if role in allowed and write:
                continue  # allowed writes would change the world (covered by feature tests)
            resp = send(clients[role], method, url, endpoint, world, role)
            checked += 1
            where = f"{k} as {role}"
            problems += check_security_headers(resp, where)
            if resp.status_code >= 500:
                problems.append(f"{where}: {resp.status_code}")
            elif role in allowed:
                ok = resp.status_code == 200 or (300 <= resp.status_code < 400
                                                 and not _is_login_redirect(resp))
                if not ok:
                    problems.append(f"{where}: {resp.status_code}, expected to be let in")
            elif role in refused:
                if resp.status_code not in REFUSED_STATUSES | {403, 404}:
                    problems.append(f"{where}: {resp.status_code}, expected a refusal")
            elif problem := refusal_problem(resp, role, api):
                problems.append(f"{where}: {problem}")
            if write and role not in allowed:
                after = fingerprint()
                if changed := changed_tables(before, after):
                    problems.append(f"{where}: a refused write changed {changed}")
                before = after
    with capsys.disabled():
        print(f"\naccess matrix: {checked} (route, method, role) requests checked")
    assert checked > 900
    assert not problems, "\n".join(problems)


# --- a learner reaching another learner's objects through lists and filters -----------------

def _cross_cases(w):
    s = w.ids["student"]
    return [
        # (role, url, expected status or None for "any 2xx", texts that must not appear)
        ("faculty", "/api/v1/certificates", 200, [w.cert_code]),
        ("faculty", f"/api/v1/certificates?user_id={s}", 403, [w.cert_code]),
        ("faculty", "/my/certificates", 200, [w.cert_code]),
        ("faculty", "/my/grades", 200, ["Ayesha"]),
        ("faculty", "/reports/me", 200, ["Ayesha"]),
        ("faculty", "/attendance/me", 200, ["Ayesha", "Family wedding"]),
        ("faculty", f"/attendance/cohorts/{w.cohort.id}", 200, ["Ayesha"]),
        ("faculty", f"/api/v1/cohorts/{w.cohort.id}/attendance-summary", 200, [f'"user_id": {s}',
                                                                              f'"user_id":{s}']),
        ("faculty", f"/api/v1/tracks/{w.track.id}/progress?user_id={s}", 404, []),
        ("faculty", f"/attendance/sessions/{w.sessions[3].id}/excuse", 200, ["Family wedding"]),
        ("faculty", f"/cohorts/{w.cohort.id}", 200, ["Ayesha", "student@world.pk"]),
        ("faculty", f"/api/v1/attempts/{w.attempt.id}", 404, ["A forged request"]),
        ("other_student", f"/api/v1/tracks/{w.track.id}/progress?user_id={s}", 404, []),
        ("other_trainer", f"/api/v1/tracks/{w.track.id}/progress?user_id={s}", 404, []),
        ("other_trainer", "/attendance/excuses", 200, ["Family wedding", "Ayesha"]),
        ("other_trainer", "/grading", 200, ["Ayesha", "Final exam"]),
        ("other_manager", "/attendance/excuses", 200, ["Family wedding", "Ayesha"]),
        ("other_manager", "/users", 200, ["student@world.pk", "Ayesha"]),
        ("other_manager", "/api/v1/users", 200, ["student@world.pk", "Ayesha"]),
        ("other_manager", "/reports/at-risk", 200, ["Ayesha"]),
        ("other_manager", "/attendance/report", 200, ["Evening batch"]),
        ("other_manager", "/api/v1/holidays", 200, ["Park day"]),
        ("other_manager", f"/rooms/calendar?park={w.park.slug}", 403, ["Lab A"]),
        ("anon", "/calendar/not-a-real-token.ics", 404, ["BEGIN:VEVENT"]),
        ("anon", f"/verify/{w.cert_code}", 200, ["student@world.pk", "UET Lahore"]),
        ("anon", f"/api/v1/verify/{w.cert_code}", 200, ["student@world.pk", "UET Lahore"]),
    ]


def test_learners_and_other_parks_never_see_others_objects(sec_app, world, clients):
    problems = []
    for role, url, status, hidden in _cross_cases(world):
        resp = clients[role].get(url)
        body = resp.get_data(as_text=True)
        resp.close()
        if resp.status_code != status:
            problems.append(f"GET {url} as {role}: {resp.status_code}, expected {status}")
        problems += [f"GET {url} as {role} shows {text!r}" for text in hidden if text in body]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("role", ["faculty", "other_student"])
def test_learner_cannot_act_on_anothers_attempt_or_enrolment(sec_app, world, clients, role):
    """Writes on the student's objects by other learners: refused, nothing changes."""
    w = world
    before = fingerprint()
    c = clients[role]
    cases = [
        ("PUT", f"/api/v1/attempts/{w.attempt.id}/answers",
         {"answers": [{"question_id": w.essay.id, "response": "hijacked"}]}),
        ("POST", f"/api/v1/attempts/{w.attempt.id}/submit", {}),
        ("DELETE", f"/api/v1/cohorts/{w.cohort.id}/enrollments/{w.ids['student']}", None),
        ("POST", f"/api/v1/cohorts/{w.cohort.id}/enrollments", {"user_id": w.ids["student"]}),
    ]
    for method, url, body in cases:
        resp = c.open(url, method=method, json=body) if body is not None else \
            c.open(url, method=method)
        assert resp.status_code in (403, 404, 409), (method, url, resp.status_code)
    html = [(f"/attempts/{w.attempt.id}/take", {f"q{w.essay.id}": "hijacked", "action": "submit"}),
            (f"/cohorts/{w.cohort.id}/enrollments/{w.ids['student']}/withdraw", {})]
    for url, data in html:
        assert c.post(url, data=data).status_code in (403, 404), url
    assert changed_tables(before, fingerprint()) == []
