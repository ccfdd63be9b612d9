"""Exports give instants in park time with their offset, and the attendance change log's before
and after as readable columns (issue 17 item 6)."""

import csv
import io
from datetime import UTC, datetime

from lms.attendance import services as attendance
from lms.attendance.models import AttendanceRecord
from lms.core.models import AuditEvent
from lms.extensions import db

FIRST = datetime(2026, 1, 5, 5, 0, tzinfo=UTC)  # 10:00 in the park


def _csv(resp) -> list[dict]:
    assert resp.status_code == 200
    return list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))


def test_attendance_export_and_change_log_in_park_time_and_readable(
        park, make_cohort, make_user, enrol, login_as):
    import time_machine

    trainer = make_user("trainer")
    cohort = make_cohort(trainer=trainer, first=FIRST, count=1)
    learner = make_user("student", full_name="Hina Baig", email="hina@example.pk")
    enrol(cohort, learner)
    session = cohort.sessions[0]
    with time_machine.travel(datetime(2026, 1, 5, 8, 0, tzinfo=UTC), tick=False):
        attendance.save_register(trainer, session, [{"user_id": learner.id, "status": "absent"}])
        db.session.commit()
        attendance.save_register(trainer, session, [{"user_id": learner.id, "status": "late"}])
        db.session.commit()
    c, _ = login_as("park_manager")
    rows = _csv(c.get("/reports/parks/lahore/export/attendance.csv?month=2026-01"))
    assert rows[0]["session_start"] == "2026-01-05T10:00:00+05:00"
    log = _csv(c.get("/reports/attendance-changes.csv?since=2026-01-01&until=2026-02-01"))
    assert list(log[0]) == ["at", "actor", "action", "record_id", "learner", "session_start",
                            "status_before", "status_after", "source_before", "source_after",
                            "reason", "address"]
    last = log[-1]
    assert last["at"] == "2026-01-05T13:00:00+05:00"
    assert last["learner"] == "hina@example.pk"
    assert last["session_start"] == "2026-01-05T10:00:00+05:00"
    assert (last["status_before"], last["status_after"]) == ("absent", "late")
    assert last["actor"] == trainer.email
    assert not any("{" in v for row in log for v in row.values() if v)  # no dict text


def test_change_log_of_a_park_leaves_other_parks_out(park, other_park, make_cohort, make_user,
                                                     enrol, login_as):
    cohort = make_cohort(first=FIRST, count=1)
    learner = make_user("student")
    enrol(cohort, learner)
    import time_machine

    with time_machine.travel(datetime(2026, 1, 5, 8, 0, tzinfo=UTC), tick=False):
        attendance.save_register(cohort.trainer, cohort.sessions[0],
                                 [{"user_id": learner.id, "status": "present"}])
    db.session.add(AuditEvent(action="attendance.marked", object_type="attendance_records",
                              object_id=999999, after={"status": "present"}))
    db.session.commit()
    c, _ = login_as("park_manager")
    log = _csv(c.get("/reports/attendance-changes.csv?since=2026-01-01&until=2026-02-01"))
    mine = db.session.query(AttendanceRecord.id).filter_by(user_id=learner.id).scalar()
    assert [r["record_id"] for r in log] == [str(mine)]
