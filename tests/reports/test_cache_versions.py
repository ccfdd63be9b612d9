"""The report cache under writes (issue 15): versions per table and park, no row every write bumps.

A login or a password change leaves every cached figure in place; a check-in at Karachi renews
Karachi's figures only; the figures stay exact (compared with the fixture's hand-computed ones).
"""

import sqlalchemy as sa

from lms.attendance.models import AttendanceRecord
from lms.extensions import db
from lms.reports import services
from tests.conftest import PASSWORD, AuthActions
from tests.reports.test_reports import data, frozen  # noqa: F401  (fixtures)


def _versions() -> dict:
    return dict(db.session.execute(sa.text("SELECT name, version FROM data_versions")).all())


def test_a_login_and_a_password_change_keep_every_cached_figure(app, data):  # noqa: F811
    figures = (services.programme_figures(), services.monthly_series(), services.pass_rates(),
               services.at_risk_learners())
    before = _versions()
    client = app.test_client()
    assert AuthActions(client).login(data["s1"].email).status_code == 302
    assert client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "another long passphrase",
        "confirm": "another long passphrase"}).status_code in (200, 302)
    assert app.test_client().post("/login", data={"email": data["s2"].email,
                                                  "password": "wrong!"}).status_code == 401
    db.session.rollback()
    assert _versions() == before
    again = (services.programme_figures(), services.monthly_series(), services.pass_rates(),
             services.at_risk_learners())
    assert all(a is b for a, b in zip(again, figures, strict=True))


def test_a_check_in_at_karachi_renews_karachi_only(app, data, park, other_park):  # noqa: F811
    first = services.programme_figures()
    lahore_before = services.programme_figures(park.id).parks[0]
    karachi_before = services.programme_figures(other_park.id).parks[0]
    assert karachi_before.attendance_percent is None  # no record yet
    versions = _versions()
    session = data["k"].sessions[0]
    db.session.add(AttendanceRecord(session_id=session.id, user_id=data["karachi"].id,
                                    status="present", source="self"))
    db.session.commit()
    changed = {k for k, v in _versions().items() if versions.get(k) != v}
    assert changed == {f"attendance_records:{other_park.id}"}
    fresh = services.programme_figures()
    assert fresh is not first
    lahore = next(p for p in fresh.parks if p.park_id == park.id)
    karachi = next(p for p in fresh.parks if p.park_id == other_park.id)
    assert lahore is lahore_before  # not recomputed
    assert karachi is not karachi_before and karachi.attendance_percent == 100.0
    assert lahore.attendance_percent == 60.0  # the hand-computed figure of test_reports
    assert services.programme_figures(park.id).parks[0] is lahore_before
    assert services.monthly_series() is services.monthly_series()  # attendance is not in it


def test_profile_edits_that_figures_show_do_renew_them(app, data):  # noqa: F811
    before = services.at_risk_learners()
    data["s2"].full_name = "Sami Renamed"
    db.session.commit()
    after = services.at_risk_learners()
    assert after is not before
    assert "Sami Renamed" in {r.full_name for r in after}
