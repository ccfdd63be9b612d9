"""Every streamed download (CSVs and the certificates ZIP) read as a real server reads it: after
the request's app context and database session have closed (issue 17 item 1)."""

import csv
import io
import logging
import zipfile

import pytest

from lms.core.timeutil import park_today
from tests.security.world import Clients, build_world
from tests.streams import fetch_like_a_server


@pytest.fixture
def world(app):
    return build_world()


@pytest.fixture
def clients(app, world):
    return Clients(app, world)


def _rows(resp) -> list[list[str]]:
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    return list(csv.reader(io.StringIO(resp.get_data(as_text=True))))


@pytest.mark.parametrize("role", ["admin", "manager", "trainer"])
def test_register_csv_streams_after_the_request_ended(world, clients, role):
    resp = fetch_like_a_server(clients[role], f"/attendance/cohorts/{world.cohort.id}/register.csv")
    rows = _rows(resp)
    assert rows[0][:2] == ["learner", "email"]
    names = {r[0] for r in rows[1:]}
    assert {"Ayesha Siddiqui", "Faculty"} <= names
    assert not any("INCOMPLETE" in ",".join(r) for r in rows)


def test_gradebook_csv_streams_after_the_request_ended(world, clients):
    rows = _rows(fetch_like_a_server(clients["trainer"],
                                     f"/cohorts/{world.cohort.id}/gradebook.csv"))
    assert rows[0][:2] == ["learner", "email"]
    assert "Ayesha Siddiqui" in {r[0] for r in rows[1:]}


@pytest.mark.parametrize("kind", ["learners", "enrolments", "attendance", "results",
                                  "certificates"])
def test_monthly_pack_csvs_stream_after_the_request_ended(world, clients, kind):
    month = park_today().strftime("%Y-%m")
    rows = _rows(fetch_like_a_server(clients["manager"],
                                     f"/reports/parks/lahore/export/{kind}.csv?month={month}"))
    assert rows[0]
    assert not any("INCOMPLETE" in ",".join(r) for r in rows)


def test_attendance_change_log_streams_after_the_request_ended(world, clients):
    rows = _rows(fetch_like_a_server(clients["admin"], "/reports/attendance-changes.csv"))
    assert rows[0][0] == "at"


def test_certificates_zip_streams_after_the_request_ended(world, clients):
    resp = fetch_like_a_server(clients["trainer"],
                               f"/cohorts/{world.cohort.id}/certificates.zip")
    assert resp.status_code == 200
    with zipfile.ZipFile(io.BytesIO(resp.get_data())) as zf:
        names = zf.namelist()
        assert len(names) == 1
        assert zf.read(names[0]) == world.certificate.pdf


def test_a_failure_inside_a_csv_ends_the_download_cleanly_and_is_logged(
        world, clients, monkeypatch, caplog):
    from lms.reports import services

    def broken(stmt):
        yield ["someone@example.pk", "Someone"]
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "_stream", broken)
    with caplog.at_level(logging.ERROR, logger="lms.streaming"):
        resp = fetch_like_a_server(clients["admin"], "/reports/parks/lahore/export/learners.csv")
    assert resp.status_code == 200
    text = resp.get_data(as_text=True)
    request_id = resp.headers["X-Request-ID"]
    assert "someone@example.pk" in text
    assert text.rstrip().endswith(f"EXPORT INCOMPLETE: an error stopped this file part-way; "
                                  f"rows are missing. Request id {request_id}.")
    assert "Traceback" not in text
    failures = [r for r in caplog.records if r.name == "lms.streaming"]
    assert failures and request_id in failures[0].getMessage()
    assert failures[0].exc_info[0] is RuntimeError


def test_a_failure_inside_the_zip_ends_it_without_a_directory_and_is_logged(
        world, clients, monkeypatch, caplog):
    from lms.certificates import services

    def broken(entries):
        yield b"PK\x03\x04partial"
        raise RuntimeError("disk error")

    monkeypatch.setattr(services, "stream_zip", broken)
    with caplog.at_level(logging.ERROR, logger="lms.streaming"):
        resp = fetch_like_a_server(clients["admin"],
                                   f"/cohorts/{world.cohort.id}/certificates.zip")
    assert resp.status_code == 200
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(io.BytesIO(resp.get_data()))
    assert any(r.name == "lms.streaming" and resp.headers["X-Request-ID"] in r.getMessage()
               for r in caplog.records)


def test_register_csv_compressed_for_a_browser_streams_after_the_request_ended(world, clients):
    import brotli

    resp = fetch_like_a_server(clients["trainer"],
                               f"/attendance/cohorts/{world.cohort.id}/register.csv",
                               headers={"Accept-Encoding": "gzip, deflate, br"})
    assert resp.status_code == 200 and resp.headers["Content-Encoding"] == "br"
    rows = list(csv.reader(io.StringIO(brotli.decompress(resp.data).decode("utf-8-sig"))))
    assert rows[0][:2] == ["learner", "email"]
    assert "Ayesha Siddiqui" in {r[0] for r in rows[1:]}
    assert not any("INCOMPLETE" in ",".join(r) for r in rows)
