"""schemathesis against /api/v1/openapi.json, in process: no 5xx, responses match the schema.

Every operation of the OpenAPI document is called with generated data, valid and invalid, as an
admin and as a learner, against a small programme (ids 1, 2, ... exist), through the real WSGI
app. Checked on every response: no server error, the status code is documented, and the content
type and body match the documented response (errors: the `Error` schema).
"""

from types import SimpleNamespace

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from lms.extensions import db
from tests.reliability.conftest import ON_POSTGRES, isolated_wsgi

pytestmark = pytest.mark.skipif(
    ON_POSTGRES, reason="API fuzzing runs in the SQLite pass only (same code paths; CI budget)")

MAX_EXAMPLES = 20  # generated cases per operation and role
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
REVOKE = "/api/v1/auth/tokens/current"
FUZZ_SETTINGS = settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
                         derandomize=True, suppress_health_check=list(HealthCheck))


def known_ids(p) -> dict:
    """Path parameter values naming the programme's real objects."""
    return {"park_id": p.park.id, "course_id": p.course.id, "track_id": p.track.id,
            "cohort_id": p.cohort.id, "user_id": p.learner.id, "session_id": p.session.id,
            "assessment_id": p.exam.id, "attempt_id": p.attempt.id, "code": p.cert.code,
            "message_id": _first_message_id(), "list_id": 1, "material_id": 1, "upload_id": 1}


def _first_message_id() -> int:
    """An outbox message of the programme (issuing its certificate queued one)."""
    import sqlalchemy as sa

    from lms.notifications.models import OutboxMessage

    return db.session.scalar(sa.select(sa.func.min(OutboxMessage.id))) or 1


def fuzz_operation(operation, headers, fresh_headers, ids: dict) -> tuple[int, str | None]:
    """Run one operation's generated cases; (cases run, the first failure or None).

    A third of the cases are schema-valid with random ids, a third invalid (negative mode), a
    third schema-valid against the programme's real objects (so 2xx bodies are checked too).
    """
    names = {p.name for p in operation.path_parameters}
    strategies = [operation.as_strategy(GenerationMode.POSITIVE),
                  operation.as_strategy(GenerationMode.NEGATIVE)]
    if names:
        strategies.append(operation.as_strategy(
            GenerationMode.POSITIVE, path_parameters={n: ids[n] for n in names}))
    strategy = st.one_of(strategies)
    runs = []

    @FUZZ_SETTINGS
    @given(case=strategy)
    def run(case):
        runs.append(1)
        case.call_and_validate(headers=fresh_headers() if operation.path == REVOKE else headers,
                               checks=CHECKS)

    try:
        run()
    except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001  all operations reported at once
        return len(runs), f"{operation.label}: {exc}"
    return len(runs), None


@pytest.mark.parametrize("role", ["admin", "learner"])
def test_every_operation_conforms(app, programme, token_for, role):
    user = getattr(programme, role)
    # bodies uncompressed: schemathesis reads the WSGI answer as it is (compression has its tests)
    headers = {**token_for(user), "Accept-Encoding": "identity"}
    holder = SimpleNamespace(email=user.email)  # stays readable after the session closes
    ids = known_ids(programme)
    db.session.commit()
    db.session.close()  # from here on the requests use their own sessions
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", isolated_wsgi(app))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 50
    failures, cases = [], 0
    for operation in operations:
        ran, failure = fuzz_operation(operation, headers, lambda: {**token_for(holder), "Accept-Encoding": "identity"}, ids)
        cases += ran
        if failure:
            failures.append(failure)
    print(f"{role}: {len(operations)} operations, {cases} cases")
    assert not failures, "\n\n".join(failures)
