"""Numbers beyond the database's integers, found by the API fuzzing: never a 500.

Ids in URLs are bounded by the `int` converter (no match beyond 2**31-1, documented as `maximum`);
?page is at most 1,000,000 (422); any other number too large for the database is a 422.
"""

import pytest

HUGE = 10**25


@pytest.fixture
def admin_headers(make_user, token_for):
    return token_for(make_user("admin"))


@pytest.mark.parametrize("path", ["/api/v1/courses/{n}", "/api/v1/cohorts/{n}/enrollments",
                                  "/api/v1/attempts/{n}", "/api/v1/courses/{n}/assessments",
                                  "/api/v1/cohorts/{n}/enrollments/{n}"])
def test_huge_ids_in_urls_are_not_found(client, admin_headers, path):
    for n in (2**31, HUGE):
        method = "delete" if path.endswith("/{n}/enrollments/{n}") else "get"
        resp = getattr(client, method)(path.format(n=n), headers=admin_headers)
        # the route does not match: 404, or 405 where a route of another method has the
        # same path (werkzeug's matching); a JSON error either way, never an overflow
        assert resp.status_code in (404, 405), resp.get_json()
        assert resp.get_json()["error"]["code"] in ("not_found", "method_not_allowed")
    assert client.get(path.format(n=2**31 - 1), headers=admin_headers).status_code != 500


@pytest.mark.parametrize("url", ["/api/v1/parks?page={n}", "/api/v1/tracks?page={n}",
                                 "/api/v1/courses?owner_id={n}&track_id={n}&park_id={n}",
                                 "/api/v1/users?page={n}"])
def test_huge_numbers_in_queries_are_refused(client, admin_headers, url):
    resp = client.get(url.format(n=HUGE), headers=admin_headers)
    assert resp.status_code in (200, 422), resp.get_json()  # never 500
    if resp.status_code == 422:
        assert resp.get_json()["error"]["code"] == "validation_failed"


def test_huge_page_on_html_lists(login_as):
    client, _admin = login_as("admin")
    for url in ("/courses?page={n}", "/users?page={n}"):
        assert client.get(url.format(n=HUGE)).status_code in (200, 422)


def test_huge_number_in_a_json_body(app, make_user, make_cohort, token_for):
    cohort = make_cohort()
    manager = make_user("park_manager")
    resp = app.test_client().post(f"/api/v1/cohorts/{cohort.id}/enrollments",
                                  json={"user_id": HUGE}, headers=token_for(manager))
    assert resp.status_code == 422, resp.get_json()


def test_openapi_documents_bounded_ids_and_the_pdf(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    param = doc["paths"]["/api/v1/courses/{course_id}"]["parameters"][0]
    assert param["schema"]["maximum"] == 2**31 - 1
    pdf = doc["paths"]["/api/v1/certificates/{code}/pdf"]["get"]["responses"]["200"]
    assert "application/pdf" in pdf["content"]
    assert doc["components"]["schemas"]["Error"]["required"] == ["error"]
