"""Deeply nested JSON (issue 17, item 17): a 1 KB body of 500 nested arrays used to exhaust the
recursion of the NUL-character check and answer 500 on every API write, the unauthenticated
POST /api/v1/auth/tokens included. Now it is 400 with API.md's error body, for everyone."""

import json

import pytest

from lms.core.security import MAX_JSON_DEPTH, json_depth
from tests.security.routes import WRITE_METHODS, route_pairs, url_for_rule
from tests.security.world import changed_tables, fingerprint

ARRAYS = "[" * 500 + "]" * 500  # 1,000 bytes
OBJECTS = '{"a":' * 400 + "1" + "}" * 400
FIELD = '{"reason": ' + "[" * 500 + "]" * 500 + "}"
HUGE = "[" * 200_000 + "]" * 200_000  # beyond what the JSON parser itself can recurse into
BODIES = {"arrays": ARRAYS, "objects": OBJECTS, "field": FIELD, "huge": HUGE}


def _api_writes(app):
    return [(rule, method, endpoint) for rule, method, endpoint in route_pairs(app)
            if rule.startswith("/api/") and method in WRITE_METHODS]


@pytest.mark.parametrize("name", list(BODIES))
def test_deep_json_is_400_on_every_api_write(sec_app, world, clients, name):
    body = BODIES[name]
    before = fingerprint()
    problems = []
    for rule, method, endpoint in _api_writes(sec_app):
        url = url_for_rule(sec_app, rule, method, endpoint, world)
        for role in ("anon", "admin", "student"):
            resp = clients[role].open(url, method=method, data=body,
                                      content_type="application/json")
            error = (resp.get_json(silent=True) or {}).get("error") or {}
            if resp.status_code != 400 or error.get("code") != "too_deeply_nested":
                problems.append(f"{method} {rule} as {role}: {resp.status_code} {error}")
            elif not error.get("message"):
                problems.append(f"{method} {rule} as {role}: no message")
    assert not problems, "\n".join(problems)
    assert changed_tables(before, fingerprint()) == []


def test_unauthenticated_token_request_with_1kb_of_nesting(sec_app, clients):
    assert len(ARRAYS) == 1000
    resp = clients["anon"].post("/api/v1/auth/tokens", data=ARRAYS,
                                content_type="application/json")
    assert resp.status_code == 400
    assert resp.get_json()["error"]["message"].startswith("The JSON body is nested too deeply")


def test_ordinary_nesting_still_works(sec_app, world, clients):
    resp = clients["trainer"].put(f"/api/v1/sessions/{world.session.id}/attendance",
                                  json={"records": [{"user_id": [[["x"]]]}]})
    assert resp.status_code == 422  # validated as before: a field error, not a 400


def test_json_depth():
    assert json_depth(1) == 0 and json_depth([]) == 1 and json_depth({"a": [1, {"b": 2}]}) == 3
    assert json_depth(json.loads(ARRAYS)) == 500
    assert MAX_JSON_DEPTH >= 10
