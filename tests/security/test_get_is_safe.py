"""A GET never changes anything: every GET route, called by every role allowed to use it and by an
anonymous visitor, leaves every table as it was (rows and values; login bookkeeping aside)."""

from tests.security.routes import route_pairs, url_for_rule
from tests.security.test_access_matrix import EXPECTED, parse_roles
from tests.security.world import changed_tables, fingerprint


def test_every_get_leaves_the_database_unchanged(sec_app, world, clients):
    # log every client in first: logging in writes (last_login_at), looking must not
    for role in ("anon", "admin", "manager", "other_manager", "trainer", "other_trainer",
                 "student", "other_student", "faculty"):
        clients[role]  # noqa: B018
    before = fingerprint()
    problems, calls = [], 0
    for rule, method, endpoint in route_pairs(sec_app):
        if method != "GET":
            continue
        allowed, _ = parse_roles(EXPECTED[f"GET {rule}"])
        url = url_for_rule(sec_app, rule, method, endpoint, world)
        for role in sorted(allowed | {"anon"}):
            resp = clients[role].get(url)
            resp.get_data()
            resp.close()
            calls += 1
            assert resp.status_code < 500, (url, role, resp.status_code)
        after = fingerprint()
        if changed := changed_tables(before, after):
            problems.append(f"GET {rule} changed {changed}")
        before = after
    assert calls > 300
    assert not problems, "\n".join(problems)


def test_timetable_makes_no_calendar_address_until_asked(sec_app, world, clients):
    """The known case: the iCalendar address used to be made on first view of the timetable."""
    from lms.accounts.models import User
    from lms.extensions import db

    c = clients["faculty"]
    html = c.get("/timetable").get_data(as_text=True)
    assert db.session.get(User, world.ids["faculty"]).ics_token is None
    assert "Make my calendar address" in html and "/calendar/" not in html
    assert c.post("/timetable/calendar-link").status_code == 302
    db.session.expire_all()
    token = db.session.get(User, world.ids["faculty"]).ics_token
    assert token and f"/calendar/{token}.ics" in c.get("/timetable").get_data(as_text=True)
    assert clients["anon"].get(f"/calendar/{token}.ics").status_code == 200
