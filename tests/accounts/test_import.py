"""CSV import of users: dry run, all or nothing, re-import, page, API and CLI."""

import io

import pytest

from lms.accounts.models import User
from lms.extensions import db

HEADER = "email,full_name,role,track,park,institution\n"
GOOD = HEADER + ("ali@example.pk,Ali Raza,student,student,lahore,UET Lahore\n"
                 "imran@example.pk,Dr. Imran Shah,faculty,faculty,karachi,NED University\n"
                 "zainab@example.pk,زینب خان,student,,quetta,\n")
BAD = HEADER + ("ali@example.pk,Ali Raza,student,student,lahore,UET\n"
                "not-an-email,Someone,student,,lahore,\n"
                "ali@example.pk,Ali Again,student,,lahore,\n"
                "x@example.pk,,wizard,,atlantis,\n")


def users_count() -> int:
    return db.session.query(User).count()


def test_import_creates_users_without_passwords(client, make_user, token_for):
    admin = make_user("admin")
    before = users_count()
    resp = client.post("/api/v1/users/import", data=GOOD.encode(), content_type="text/csv",
                       headers=token_for(admin))
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json() == {"created": 3, "updated": 0, "unchanged": 0, "errors": [],
                               "dry_run": False}
    assert users_count() == before + 3
    zainab = db.session.query(User).filter_by(email="zainab@example.pk").one()
    assert zainab.full_name == "زینب خان" and zainab.password_hash is None
    assert zainab.park.slug == "quetta"


def test_reimport_changes_nothing(client, make_user, token_for):
    headers = token_for(make_user("admin"))
    client.post("/api/v1/users/import", data=GOOD, content_type="text/csv", headers=headers)
    again = client.post("/api/v1/users/import", data=GOOD, content_type="text/csv",
                        headers=headers).get_json()
    assert again["created"] == 0 and again["updated"] == 0 and again["unchanged"] == 3


def test_import_updates_changed_rows(client, make_user, token_for):
    headers = token_for(make_user("admin"))
    client.post("/api/v1/users/import", data=GOOD, content_type="text/csv", headers=headers)
    changed = GOOD.replace("UET Lahore", "LUMS")
    body = client.post("/api/v1/users/import", data=changed, content_type="text/csv",
                       headers=headers).get_json()
    assert body["updated"] == 1
    assert db.session.query(User).filter_by(email="ali@example.pk").one().institution == "LUMS"


def test_dry_run_reports_every_bad_row_and_writes_nothing(client, make_user, token_for):
    headers = token_for(make_user("admin"))
    before = users_count()
    resp = client.post("/api/v1/users/import?dry_run=1", data=BAD, content_type="text/csv",
                       headers=headers)
    assert resp.status_code == 200
    errors = {(e["row"], e["field"]) for e in resp.get_json()["errors"]}
    assert {(3, "email"), (4, "email"), (5, "full_name"), (5, "role"), (5, "park")} <= errors
    assert users_count() == before


def test_real_run_with_bad_rows_is_all_or_nothing(client, make_user, token_for):
    headers = token_for(make_user("admin"))
    before = users_count()
    resp = client.post("/api/v1/users/import", data=BAD, content_type="text/csv", headers=headers)
    assert resp.status_code == 422
    body = resp.get_json()["error"]
    assert body["created"] == 0 and len(body["errors"]) >= 5
    assert users_count() == before


def test_dry_run_of_good_file_writes_nothing(client, make_user, token_for):
    headers = token_for(make_user("admin"))
    before = users_count()
    body = client.post("/api/v1/users/import?dry_run=1", data=GOOD, content_type="text/csv",
                       headers=headers).get_json()
    assert body["created"] == 3 and users_count() == before


def test_import_needs_the_columns(client, make_user, token_for):
    resp = client.post("/api/v1/users/import", data="name,mail\nx,y\n", content_type="text/csv",
                       headers=token_for(make_user("admin")))
    assert resp.status_code == 422
    assert "file" in resp.get_json()["error"]["fields"]


def test_import_refuses_non_utf8(client, make_user, token_for):
    resp = client.post("/api/v1/users/import", data=GOOD.encode("utf-16"),
                       content_type="text/csv", headers=token_for(make_user("admin")))
    assert resp.status_code == 422


def test_import_json_body_is_415(client, make_user, token_for):
    resp = client.post("/api/v1/users/import", data="x", content_type="text/plain",
                       headers=token_for(make_user("admin")))
    assert resp.status_code == 415


def test_park_manager_imports_into_own_park_only(client, make_user, token_for, park):
    manager = make_user("park_manager")
    body = client.post("/api/v1/users/import", data=GOOD, content_type="text/csv",
                       headers=token_for(manager)).get_json()
    assert body["created"] == 3
    parks = {u.park_id for u in db.session.query(User).filter(User.email.like("%@example.pk"),
                                                              User.role != "park_manager")}
    assert parks == {park.id}


def test_park_manager_cannot_import_admins(client, make_user, token_for):
    body = client.post("/api/v1/users/import?dry_run=1",
                       data=HEADER + "boss@example.pk,Boss,admin,,,\n", content_type="text/csv",
                       headers=token_for(make_user("park_manager"))).get_json()
    assert body["errors"][0]["field"] == "role"


@pytest.mark.parametrize("role", ["trainer", "student", "faculty"])
def test_import_forbidden_for_others(client, make_user, token_for, role):
    resp = client.post("/api/v1/users/import", data=GOOD, content_type="text/csv",
                       headers=token_for(make_user(role)))
    assert resp.status_code == 403


def test_import_page(login_as):
    c, _ = login_as("admin")
    data = {"file": (io.BytesIO(GOOD.encode()), "users.csv"), "dry_run": "y"}
    resp = c.post("/users/import", data=data, content_type="multipart/form-data")
    assert resp.status_code == 200 and b"3 to create" in resp.data
    before = users_count()
    data = {"file": (io.BytesIO(GOOD.encode()), "users.csv")}
    resp = c.post("/users/import", data=data, content_type="multipart/form-data")
    assert users_count() == before + 3


def test_import_page_lists_bad_rows(login_as):
    c, _ = login_as("admin")
    data = {"file": (io.BytesIO(BAD.encode()), "users.csv")}
    resp = c.post("/users/import", data=data, content_type="multipart/form-data")
    assert b"nothing was imported" in resp.data and b"Duplicate of row 2" in resp.data


def test_import_cli(app, tmp_path):
    path = tmp_path / "users.csv"
    path.write_text(GOOD, encoding="utf-8")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["lms", "import-users", str(path), "--dry-run"])
    assert result.exit_code == 0 and "3 created" in result.output and "would be" in result.output
    result = runner.invoke(args=["lms", "import-users", str(path)])
    assert result.exit_code == 0, result.output
    assert db.session.query(User).filter_by(email="ali@example.pk").count() == 1
    result = runner.invoke(args=["lms", "import-users", str(path)])
    assert "0 created, 0 updated, 3 unchanged" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD, encoding="utf-8")
    result = runner.invoke(args=["lms", "import-users", str(bad)])
    assert result.exit_code == 1 and "row 3: email" in result.output


def test_import_6500_rows_in_bulk(app, make_user, count_queries):
    """6,500 rows import with a handful of statements (the time is measured in make bench)."""
    from lms.accounts.services import import_users

    rows = [HEADER] + [f"learner{i}@example.pk,Learner {i},student,,lahore,UET\n"
                       for i in range(6500)]
    admin = make_user("admin")
    with count_queries() as statements:
        result = import_users(admin, "".join(rows))
    db.session.commit()
    assert result.created == 6500 and not result.errors
    assert len(statements) < 10


# --- awkward files (issue 17, item 18): read them, or refuse them clearly; never a 500 ----------

MAC = GOOD.replace("\n", "\r")  # Excel's "CSV (Macintosh)": CR-only line ends
HUGE_FIELD = HEADER + "big@example.pk," + "N" * 131_073 + ",student,,lahore,\n"


def test_import_reads_cr_only_line_endings(client, make_user, token_for):
    headers = token_for(make_user("admin"))
    before = users_count()
    resp = client.post("/api/v1/users/import", data=MAC.encode(), content_type="text/csv",
                       headers=headers)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["created"] == 3 and users_count() == before + 3


def test_import_refuses_a_field_over_131072_characters(client, make_user, token_for):
    headers = token_for(make_user("admin"))
    before = users_count()
    resp = client.post("/api/v1/users/import", data=HUGE_FIELD.encode(), content_type="text/csv",
                       headers=headers)
    assert resp.status_code == 422
    error = resp.get_json()["error"]
    assert error["message"] == ("Line 2 of the file could not be read: a field is longer than "
                                "131,072 characters.")
    assert error["fields"] == {"file": [error["message"]]}
    assert users_count() == before


@pytest.mark.parametrize("body,text", [
    (MAC, b"3 to create"),
    (HUGE_FIELD, b"a field is longer than 131,072 characters"),
])
def test_import_page_reads_or_refuses_awkward_files(login_as, body, text):
    c, _ = login_as("admin")
    data = {"file": (io.BytesIO(body.encode()), "users.csv"), "dry_run": "y"}
    resp = c.post("/users/import", data=data, content_type="multipart/form-data")
    assert resp.status_code in (200, 422) and text in resp.data
