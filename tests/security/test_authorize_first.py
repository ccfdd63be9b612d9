"""Authorization comes before body validation on every API write (issue 17, item 19): a caller
who may not use a route learns that (401/403/404), never what is wrong with the body (422)."""

import pytest

from tests.security.routes import WRITE_METHODS, route_pairs, url_for_rule
from tests.security.test_access_matrix import EXPECTED, parse_roles, refusal_problem
from tests.security.world import ROLES, changed_tables, fingerprint

# bodies no API schema accepts: an unknown field, a wrong type, a too-short reason, not an object
INVALID_BODIES = ({"zz_not_a_field": "x"}, {"reason": "x", "user_id": "nobody"}, [1], "x")
INVALID_QUERY = "?dry_run=maybe&page=0&per_page=-1"
# the park these routes write to is named in the body: a manager of another park may use them
# for their own park, so their refusal can only follow reading the body
PARK_IN_BODY = {"POST /api/v1/cohorts": {"other_manager"},
                "POST /api/v1/holidays": {"other_manager"}}


def _api_writes(app):
    return [(rule, method, endpoint) for rule, method, endpoint in route_pairs(app)
            if rule.startswith("/api/") and method in WRITE_METHODS]


def test_the_walk_covers_every_api_write(sec_app):
    writes = _api_writes(sec_app)
    assert len(writes) >= 20
    assert all(f"{method} {rule}" in EXPECTED for rule, method, _ in writes)


@pytest.mark.parametrize("body", INVALID_BODIES, ids=["unknown", "wrong", "list", "string"])
def test_refused_callers_get_401_403_or_404_before_any_422(sec_app, world, clients, body):
    problems, checked = [], 0
    before = fingerprint()
    for rule, method, endpoint in _api_writes(sec_app):
        allowed, refused = parse_roles(EXPECTED[f"{method} {rule}"])
        url = url_for_rule(sec_app, rule, method, endpoint, world) + INVALID_QUERY
        for role in ROLES:
            if role in allowed or role in refused or role in PARK_IN_BODY.get(f"{method} {rule}",
                                                                              ()):
                continue
            resp = clients[role].open(url, method=method, json=body)
            checked += 1
            if problem := refusal_problem(resp, role, api=True):
                error = (resp.get_json(silent=True) or {}).get("error", {})
                problems.append(f"{method} {rule} as {role}: {problem} ({error.get('message')})")
    assert checked > 100
    assert not problems, "\n".join(problems)
    assert changed_tables(before, fingerprint()) == []


def test_trainer_revoking_with_a_short_reason_gets_403(sec_app, world, clients):
    resp = clients["trainer"].post(f"/api/v1/certificates/{world.cert_code}/revoke",
                                   json={"reason": "x"})
    assert resp.status_code == 403
    assert resp.get_json()["error"]["code"] == "forbidden"
