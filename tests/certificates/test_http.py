"""HTML pages and the JSON API: permissions for every role, downloads, ZIP, verification."""

import hashlib
import io
import zipfile

import pytest
import sqlalchemy as sa

from lms.certificates.models import Certificate
from lms.extensions import db

ROLES = ("admin", "park_manager", "trainer", "student", "faculty")


@pytest.fixture
def world(issued, login_as, make_user, other_park):
    """A cohort with two certified learners and a client for every kind of user."""
    cohort, [holder, other], [cert, other_cert] = issued(2, names=["Ali Raza", "Hina Baloch"])
    clients = {
        "admin": login_as("admin")[0],
        "park_manager": login_as("park_manager")[0],  # Lahore: the cohort's park
        "other_manager": login_as("park_manager", park_id=other_park.id)[0],
        "cohort_trainer": login_as("trainer", user=cohort.trainer)[0],
        "trainer": login_as("trainer")[0],
        "holder": login_as("student", user=holder)[0],
        "student": login_as("student")[0],
        "faculty": login_as("faculty")[0],
    }
    return {"cohort": cohort, "holder": holder, "cert": cert, "other_cert": other_cert,
            "clients": clients}


def expect(world, client_name, app, method, url, **kw):
    c = app.test_client() if client_name == "anonymous" else world["clients"][client_name]
    return getattr(c, method)(url, **kw)


# --- HTML permissions ------------------------------------------------------------------------

HTML_CASES = [
    # (method, url template, {client: expected status})
    ("get", "/certificates", {"admin": 200, "park_manager": 200, "cohort_trainer": 200,
                              "trainer": 200, "holder": 403, "faculty": 403, "anonymous": 302}),
    ("get", "/my/certificates", {"holder": 200, "student": 200, "faculty": 200, "admin": 200,
                                 "anonymous": 302}),
    ("get", "/cohorts/{cohort}/eligibility", {"admin": 200, "park_manager": 200,
                                              "cohort_trainer": 200, "other_manager": 403,
                                              "trainer": 403, "holder": 403, "faculty": 403,
                                              "anonymous": 302}),
    ("post", "/cohorts/{cohort}/certificates", {"admin": 302, "park_manager": 302,
                                                "cohort_trainer": 302, "other_manager": 403,
                                                "trainer": 403, "holder": 403,
                                                "anonymous": 302}),
    ("get", "/cohorts/{cohort}/certificates.zip", {"admin": 200, "park_manager": 200,
                                                   "cohort_trainer": 200, "other_manager": 403,
                                                   "trainer": 403, "holder": 403,
                                                   "anonymous": 302}),
    ("get", "/certificates/{code}", {"admin": 200, "park_manager": 200, "trainer": 200,
                                     "holder": 200, "student": 404, "faculty": 404,
                                     "anonymous": 302}),
    ("get", "/certificates/{code}/pdf", {"admin": 200, "other_manager": 200,
                                         "cohort_trainer": 200, "holder": 200, "student": 404,
                                         "faculty": 404, "anonymous": 302}),
    ("post", "/certificates/{code}/revoke", {"park_manager": 403, "trainer": 403,
                                             "holder": 403, "anonymous": 302}),
    ("post", "/certificates/{code}/reissue", {"other_manager": 403, "cohort_trainer": 403,
                                              "holder": 403, "anonymous": 302}),
    ("get", "/verify", {"anonymous": 200, "holder": 200}),
    ("get", "/verify/{code}", {"anonymous": 200, "student": 200}),
    ("get", "/verify/file", {"anonymous": 200}),
]


@pytest.mark.parametrize("method,url,expected", HTML_CASES)
def test_html_permissions(app, world, method, url, expected):
    url = url.format(cohort=world["cohort"].id, code=world["cert"].code)
    for who, status in expected.items():
        resp = expect(world, who, app, method, url,
                      data={"revoke-reason": "A good reason", "reissue-reason": "A good reason"})
        resp.get_data()  # consume streamed bodies (the ZIP) inside this test
        assert resp.status_code == status, (who, url, resp.status_code)
        if who == "anonymous" and status == 302:
            assert "/login" in resp.headers["Location"]


def test_nav_entries(app, world):
    assert "My certificates" in world["clients"]["holder"].get("/my/certificates").get_data(True)
    page = world["clients"]["admin"].get("/certificates").get_data(True)
    assert ">Certificates</a>" in page and "My certificates" not in page
    public = app.test_client().get("/verify").get_data(True)
    assert "Verify a certificate" in public


# --- pages -----------------------------------------------------------------------------------

def test_my_certificates_lists_own_with_download(world):
    page = world["clients"]["holder"].get("/my/certificates").get_data(True)
    assert world["cert"].code in page and world["other_cert"].code not in page
    assert f"/certificates/{world['cert'].code}/pdf" in page


def test_download_returns_the_frozen_bytes(world):
    c = world["clients"]["holder"]
    first = c.get(f"/certificates/{world['cert'].code}/pdf")
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    assert first.headers["Content-Disposition"] == (
        f'attachment; filename="certificate-{world["cert"].code}.pdf"')
    world["holder"].full_name = "Someone Else"
    db.session.commit()
    second = c.get(f"/certificates/{world['cert'].code}/pdf")
    assert first.data == second.data
    assert hashlib.sha256(second.data).hexdigest() == world["cert"].sha256


def test_eligibility_page_and_issue(app, graduates, make_user, enrol, attend, login_as):
    cohort, [good] = graduates(1, names=["Zara Good"])
    weak = make_user("student", full_name="Omar Weak")
    enrol(cohort, weak)
    attend(cohort, weak, ["present", "absent", "absent", "absent"])
    c, _ = login_as("admin")
    page = c.get(f"/cohorts/{cohort.id}/eligibility").get_data(True)
    assert "Zara Good" in page and "Omar Weak" in page
    assert "attendance 25 % &lt; 75 %" in page
    assert "Issue certificates (1)" in page
    resp = c.post(f"/cohorts/{cohort.id}/certificates")
    assert resp.status_code == 302
    assert "1 certificate issued" in c.get(resp.headers["Location"]).get_data(True)
    c.post(f"/cohorts/{cohort.id}/certificates")
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 1


def test_zip_of_a_cohort(world):
    resp = world["clients"]["admin"].get(f"/cohorts/{world['cohort'].id}/certificates.zip")
    assert resp.mimetype == "application/zip"
    assert "attachment" in resp.headers["Content-Disposition"]
    zf = zipfile.ZipFile(io.BytesIO(resp.data))
    names = sorted(zf.namelist())
    assert names == sorted(f"certificate-{c.code}.pdf" for c in (world["cert"],
                                                                 world["other_cert"]))
    assert zf.read(f"certificate-{world['cert'].code}.pdf") == world["cert"].pdf


def test_zip_is_streamed(world, app):
    resp = world["clients"]["admin"].get(f"/cohorts/{world['cohort'].id}/certificates.zip",
                                         buffered=False)
    assert resp.is_streamed
    assert zipfile.ZipFile(io.BytesIO(resp.get_data())).testzip() is None


def test_detail_page_forms_by_role(world):
    url = f"/certificates/{world['cert'].code}"
    admin = world["clients"]["admin"].get(url).get_data(True)
    assert "Revoke certificate" in admin and "Reissue" in admin
    manager = world["clients"]["park_manager"].get(url).get_data(True)
    assert "Revoke certificate" not in manager and "Reissue" in manager
    trainer = world["clients"]["cohort_trainer"].get(url).get_data(True)
    assert "Revoke certificate" not in trainer and "Reissue" not in trainer


def test_revoke_form(world):
    c = world["clients"]["admin"]
    code = world["cert"].code
    missing = c.post(f"/certificates/{code}/revoke", data={"revoke-reason": ""})
    assert missing.status_code == 422 and "Give the reason for revoking" in missing.get_data(True)
    assert db.session.get(Certificate, world["cert"].id).status == "valid"
    ok = c.post(f"/certificates/{code}/revoke", data={"revoke-reason": "Issued in error"})
    assert ok.status_code == 302
    db.session.expire_all()
    assert db.session.get(Certificate, world["cert"].id).status == "revoked"
    page = c.get(f"/certificates/{code}").get_data(True)
    assert "Issued in error" in page and "Revoke certificate" not in page


def test_reissue_form(world):
    c = world["clients"]["park_manager"]
    code = world["cert"].code
    resp = c.post(f"/certificates/{code}/reissue", data={"reissue-reason": "Name corrected"})
    assert resp.status_code == 302
    db.session.expire_all()
    old = db.session.get(Certificate, world["cert"].id)
    new = db.session.get(Certificate, old.superseded_by_id)
    assert resp.headers["Location"].endswith(f"/certificates/{new.code}")
    assert old.status == "superseded" and new.status == "valid"


def test_no_delete_route(world):
    c = world["clients"]["admin"]
    assert c.delete(f"/certificates/{world['cert'].code}").status_code == 405
    assert c.delete(f"/api/v1/certificates/{world['cert'].code}").status_code == 405


# --- public verification ---------------------------------------------------------------------

def test_verify_valid_page(app, world):
    page = app.test_client().get(f"/verify/{world['cert'].code}")
    html = page.get_data(True)
    assert page.status_code == 200 and "This certificate is valid." in html
    assert "Ali Raza" in html and "Cloud Foundations with AWS" in html
    assert "Knowledge Park Lahore" in html or world["cohort"].park.name in html
    assert world["holder"].email not in html


def test_verify_revoked_page_and_api(app, world):
    db.session.get(Certificate, world["cert"].id)
    world["clients"]["admin"].post(f"/certificates/{world['cert'].code}/revoke",
                                   data={"revoke-reason": "Issued in error"})
    visitor = app.test_client()
    html = visitor.get(f"/verify/{world['cert'].code}").get_data(True)
    assert "was revoked on" in html and "Issued in error" not in html
    body = visitor.get(f"/api/v1/verify/{world['cert'].code}").get_json()
    assert body["valid"] is False and body["status"] == "revoked"


def test_verify_superseded_page_and_api(app, world):
    world["clients"]["admin"].post(f"/certificates/{world['cert'].code}/reissue",
                                   data={"reissue-reason": "Name corrected"})
    visitor = app.test_client()
    html = visitor.get(f"/verify/{world['cert'].code}").get_data(True)
    assert "superseded by a corrected certificate" in html
    body = visitor.get(f"/api/v1/verify/{world['cert'].code}").get_json()
    assert body["valid"] is False and body["status"] == "superseded"


def test_verify_unknown_code(app, world):
    visitor = app.test_client()
    resp = visitor.get("/verify/KP-0000-0000-0000-0000")
    assert resp.status_code == 404 and "No certificate has this code." in resp.get_data(True)
    assert visitor.get("/verify/garbage").status_code == 404
    api = visitor.get("/api/v1/verify/KP-0000-0000-0000-0000")
    assert api.status_code == 404 and api.get_json()["error"]["code"] == "not_found"


def test_verify_form_normalises_and_redirects(app, world):
    code = world["cert"].code
    typed = code.lower().replace("-", " ")
    resp = app.test_client().get("/verify", query_string={"code": typed})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/verify/{code}")
    bad = app.test_client().get("/verify", query_string={"code": "hello"})
    assert bad.status_code == 422 and "not a certificate code" in bad.get_data(True)
    lower = app.test_client().get(f"/verify/{code.lower()}")
    assert lower.status_code == 302


def test_verify_api_fields(app, world):
    body = app.test_client().get(f"/api/v1/verify/{world['cert'].code}").get_json()
    assert {"valid", "status", "holder_name", "title", "park", "issued_on", "hours"} <= set(body)
    assert body["valid"] is True and body["holder_name"] == "Ali Raza" and body["hours"] == 8
    assert "email" not in str(body) and "user_id" not in body


def test_upload_check(app, world):
    visitor = app.test_client()
    same = visitor.post("/verify/file", data={"file": (io.BytesIO(world["cert"].pdf), "c.pdf")},
                        content_type="multipart/form-data")
    html = same.get_data(True)
    assert same.status_code == 200
    assert f"This is byte for byte certificate <code>{world['cert'].code}</code>" in html
    assert "Ali Raza" in html
    altered = bytearray(world["cert"].pdf)
    altered[100] ^= 0x20
    other = visitor.post("/verify/file", data={"file": (io.BytesIO(bytes(altered)), "c.pdf")},
                         content_type="multipart/form-data")
    assert "No certificate matches this file" in other.get_data(True)
    empty = visitor.post("/verify/file", data={}, content_type="multipart/form-data")
    assert "Choose the PDF file." in empty.get_data(True)


# --- API -------------------------------------------------------------------------------------

@pytest.fixture
def tokens(world, token_for, make_user, other_park):
    users = {
        "admin": make_user("admin"), "park_manager": make_user("park_manager"),
        "other_manager": make_user("park_manager", park_id=other_park.id),
        "cohort_trainer": world["cohort"].trainer, "trainer": make_user("trainer"),
        "holder": world["holder"], "student": make_user("student"),
        "faculty": make_user("faculty"),
    }
    return {k: token_for(u) for k, u in users.items()} | {"anonymous": {}}


API_CASES = [
    ("get", "/api/v1/cohorts/{cohort}/eligibility", {
        "admin": 200, "park_manager": 200, "cohort_trainer": 200, "other_manager": 403,
        "trainer": 403, "holder": 403, "faculty": 403, "anonymous": 401}),
    ("post", "/api/v1/cohorts/{cohort}/certificates", {
        "admin": 200, "park_manager": 200, "cohort_trainer": 200, "other_manager": 403,
        "trainer": 403, "holder": 403, "student": 403, "anonymous": 401}),
    ("get", "/api/v1/certificates", {"admin": 200, "trainer": 200, "holder": 200,
                                     "faculty": 200, "anonymous": 401}),
    ("get", "/api/v1/certificates/{code}/pdf", {
        "admin": 200, "other_manager": 200, "trainer": 200, "holder": 200, "student": 404,
        "faculty": 404, "anonymous": 401}),
    ("post", "/api/v1/certificates/{code}/revoke", {
        "park_manager": 403, "trainer": 403, "holder": 403, "anonymous": 401}),
    ("get", "/api/v1/verify/{code}", {"anonymous": 200, "student": 200}),
]


@pytest.mark.parametrize("method,url,expected", API_CASES)
def test_api_permissions(app, world, tokens, method, url, expected):
    url = url.format(cohort=world["cohort"].id, code=world["cert"].code)
    for who, status in expected.items():
        kw = {"headers": tokens[who]}
        if method == "post":
            kw["json"] = {"reason": "A good reason"}
        resp = getattr(app.test_client(), method)(url, **kw)
        assert resp.status_code == status, (who, url, resp.status_code, resp.get_data(True)[:200])
        if status >= 400:
            assert resp.get_json()["error"]["code"]


def test_api_eligibility_and_issue(app, graduates, make_user, enrol, attend, token_for):
    cohort, [good] = graduates(1)
    weak = make_user("student")
    enrol(cohort, weak)
    attend(cohort, weak, ["present", "absent", "absent", "absent"])
    h = token_for(make_user("admin"))
    c = app.test_client()
    body = c.get(f"/api/v1/cohorts/{cohort.id}/eligibility", headers=h).get_json()
    assert body["total"] == 2
    rows = {r["user_id"]: r for r in body["items"]}
    assert rows[good.id]["eligible"] is True and rows[good.id]["reasons"] == []
    assert rows[weak.id] == {**rows[weak.id], "eligible": False,
                             "reasons": ["attendance 25 % < 75 %"]}
    first = c.post(f"/api/v1/cohorts/{cohort.id}/certificates", headers=h, json={})
    assert first.status_code == 201
    issued = first.get_json()["issued"]
    assert [i["user_id"] for i in issued] == [good.id]
    assert set(issued[0]) >= {"code", "user_id", "kind", "title", "issued_on", "status", "sha256"}
    assert first.get_json()["skipped"] == [{"user_id": weak.id,
                                            "reasons": ["attendance 25 % < 75 %"]}]
    again = c.post(f"/api/v1/cohorts/{cohort.id}/certificates", headers=h)
    assert again.status_code == 200 and again.get_json()["issued"] == []
    assert c.post("/api/v1/cohorts/999999/certificates", headers=h, json={}).status_code == 404
    bad = c.post(f"/api/v1/cohorts/{cohort.id}/certificates", headers=h,
                 json={"user_ids": ["x"]})
    assert bad.status_code == 422 and "user_ids" in bad.get_json()["error"]["fields"]
    assert c.post(f"/api/v1/cohorts/{cohort.id}/certificates", headers=h, data="x",
                  content_type="text/plain").status_code == 415


def test_api_list_filters(app, world, tokens):
    c = app.test_client()
    mine = c.get("/api/v1/certificates", headers=tokens["holder"]).get_json()
    assert [i["code"] for i in mine["items"]] == [world["cert"].code]
    assert set(mine) == {"items", "page", "per_page", "total"}
    other = c.get(f"/api/v1/certificates?user_id={world['other_cert'].user_id}",
                  headers=tokens["holder"])
    assert other.status_code == 403
    staff = c.get("/api/v1/certificates", headers=tokens["trainer"]).get_json()
    assert staff["total"] == 2
    one = c.get(f"/api/v1/certificates?user_id={world['holder'].id}",
                headers=tokens["admin"]).get_json()
    assert [i["code"] for i in one["items"]] == [world["cert"].code]
    item = one["items"][0]
    assert item["sha256"] == world["cert"].sha256 and item["kind"] == "course"
    assert c.get("/api/v1/certificates?status=bogus",
                 headers=tokens["admin"]).status_code == 422
    assert c.get("/api/v1/certificates?per_page=500",
                 headers=tokens["admin"]).status_code == 422


def test_api_download(app, world, tokens):
    resp = app.test_client().get(f"/api/v1/certificates/{world['cert'].code}/pdf",
                                 headers=tokens["holder"])
    assert resp.mimetype == "application/pdf" and resp.data == world["cert"].pdf
    assert "attachment" in resp.headers["Content-Disposition"]
    assert app.test_client().get("/api/v1/certificates/KP-0000-0000-0000-0000/pdf",
                                 headers=tokens["admin"]).status_code == 404


def test_api_revoke(app, world, tokens):
    c = app.test_client()
    url = f"/api/v1/certificates/{world['cert'].code}/revoke"
    missing = c.post(url, headers=tokens["admin"], json={})
    assert missing.status_code == 422 and "reason" in missing.get_json()["error"]["fields"]
    short = c.post(url, headers=tokens["admin"], json={"reason": "  "})
    assert short.status_code == 422
    ok = c.post(url, headers=tokens["admin"], json={"reason": "Issued in error",
                                                    "status": "valid"})
    assert ok.status_code == 200 and ok.get_json()["status"] == "revoked"
    again = c.post(url, headers=tokens["admin"], json={"reason": "Issued in error"})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "not_valid"
    assert c.post("/api/v1/certificates/KP-0000-0000-0000-0000/revoke", headers=tokens["admin"],
                  json={"reason": "whatever"}).status_code == 404


def test_api_reissue(app, world, tokens):
    c = app.test_client()
    resp = c.post(f"/api/v1/certificates/{world['cert'].code}/reissue",
                  headers=tokens["park_manager"], json={"reason": "Name corrected"})
    assert resp.status_code == 201
    assert resp.get_json()["code"] != world["cert"].code
    assert c.post(f"/api/v1/certificates/{world['other_cert'].code}/reissue",
                  headers=tokens["other_manager"],
                  json={"reason": "Name corrected"}).status_code == 403
