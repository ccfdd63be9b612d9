"""The OpenAPI document describes the response body of every assessments operation."""

import pytest

from tests.assessments.conftest import assert_no_keys

OPERATIONS = [
    ("/api/v1/courses/{course_id}/assessments", "post", "201"),
    ("/api/v1/courses/{course_id}/assessments", "get", "200"),
    ("/api/v1/assessments/{assessment_id}", "get", "200"),
    ("/api/v1/assessments/{assessment_id}/attempts", "post", "201"),
    ("/api/v1/attempts/{attempt_id}/answers", "put", "200"),
    ("/api/v1/attempts/{attempt_id}/submit", "post", "200"),
    ("/api/v1/attempts/{attempt_id}", "get", "200"),
    ("/api/v1/attempts/{attempt_id}/grades", "post", "200"),
]


@pytest.fixture
def doc(client):
    resp = client.get("/api/v1/openapi.json")
    assert resp.status_code == 200
    return resp.get_json()


def _resolve(doc, schema):
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


@pytest.mark.parametrize(("path", "method", "status"), OPERATIONS)
def test_operation_documents_its_response_body(doc, path, method, status):
    response = doc["paths"][path][method]["responses"][status]
    schema = _resolve(doc, response["content"]["application/json"]["schema"])
    assert schema["properties"], f"{method.upper()} {path} documents no body"
    assert "id" in schema["properties"] or "items" in schema["properties"]


def test_schemas_name_the_builders_keys(doc):
    schemas = doc["components"]["schemas"]
    assert set(schemas["AssessmentPage"]["required"]) == {"items", "page", "per_page", "total"}
    assert set(schemas["Attempt"]["properties"]) >= {
        "id", "number", "status", "started_at", "deadline_at", "submitted_at", "score",
        "max_score", "percent", "passed", "assessment_id", "user_id", "review", "questions",
        "answers"}
    # the learner's shapes document no key at all (a file question's limits are no key)
    assert set(schemas["QuestionLearner"]["properties"]) == {"id", "kind", "prompt", "points",
                                                              "options", "upload_rules"}
    assert set(schemas["OptionLearner"]["properties"]) == {"id", "text"}
    assert set(schemas["AttemptStarted"]["properties"]) == {
        "id", "number", "status", "started_at", "deadline_at", "questions"}
    # values of several JSON types stay untyped, nullable ones say so
    answer = schemas["AttemptAnswer"]["properties"]
    assert "type" not in answer["response"] and answer["points"].get("nullable") is True


def test_learner_attempt_body_still_carries_no_key(world, api_for):
    w = world
    learner = api_for(w.learner)
    started = learner("POST", f"/assessments/{w.exam.id}/attempts")
    assert started.status_code == 201
    assert_no_keys(started.get_data(), "start")
    body = learner("GET", f"/attempts/{started.get_json()['id']}")
    assert body.status_code == 200 and body.get_json()["review"] is False
    assert_no_keys(body.get_data(), "attempt")
    assert set(body.get_json()["questions"][0]) == {"id", "kind", "prompt", "points", "options"}


@pytest.fixture
def api_for(app, token_for):
    def _for(user):
        headers = token_for(user)
        c = app.test_client()
        return lambda method, path, **kw: c.open("/api/v1" + path, method=method,
                                                 headers=headers, **kw)

    return _for
