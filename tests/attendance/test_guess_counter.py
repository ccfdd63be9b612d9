"""One wrong-check-in-code counter per learner and session (issue 17, item 12), kept in the
database: shared by the API and the page and by every worker, so a guesser gets exactly
rules.WRONG_CODES_PER_WINDOW wrong codes a minute, even when all requests arrive at once."""

import threading

import pytest
import sqlalchemy as sa

from lms.attendance import rules
from lms.attendance.models import AttendanceRecord, CheckInGuessCount
from lms.extensions import db
from tests.attendance.conftest import T0
from tests.conftest import AuthActions, make_app, requires_postgres

SECRET = "testing-secret-key-not-for-production-use-0123456789"
LIMIT = rules.WRONG_CODES_PER_WINDOW


def _codes(session_id, now):
    good = rules.rotating_code(SECRET, session_id, rules.time_step(now))
    return good, ("000000" if good != "000000" else "111111")


def _api(client, session_id, code, headers):
    return client.post(f"/api/v1/sessions/{session_id}/check-in", json={"code": code},
                       headers=headers).status_code


def _page(client, session_id, code):
    return client.post(f"/check-in/{session_id}", data={"code": code}).status_code


def _page_client(app, user):
    c = app.test_client()
    assert AuthActions(c).login(user.email).status_code == 302
    return c


def test_limit_is_documented_as_ten_a_minute():
    assert LIMIT == 10 and rules.WRONG_CODES_WINDOW.total_seconds() == 60


def test_api_and_page_share_one_counter(app, world, token_for, at):
    s = world.sessions[0]
    good, wrong = _codes(s.id, at(T0))
    learner = world.learners[0]
    headers, page = token_for(learner), _page_client(app, learner)
    api = app.test_client()
    for i in range(LIMIT):  # alternate: five through the API, five through the page
        assert (_api(api, s.id, wrong, headers) if i % 2 else _page(page, s.id, wrong)) == 422
    resp = api.post(f"/api/v1/sessions/{s.id}/check-in", json={"code": good}, headers=headers)
    assert resp.status_code == 429 and resp.get_json()["error"]["code"] == "throttled"
    resp = page.post(f"/check-in/{s.id}", data={"code": good})
    assert resp.status_code == 429 and b"Too many wrong codes" in resp.data
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AttendanceRecord)) == 0


def test_counter_is_per_session_and_per_learner_and_lasts_a_minute(app, world, token_for, at):
    s, other = world.sessions[0], world.sessions[1]
    now = at(T0)
    good, wrong = _codes(s.id, now)
    a, b = world.learners[:2]
    ha, hb = token_for(a), token_for(b)
    c = app.test_client()
    for _ in range(LIMIT):
        assert _api(c, s.id, wrong, ha) == 422
    assert _api(c, s.id, good, ha) == 429
    assert _api(c, s.id, good, hb) == 201  # another learner is not blocked
    # the minute runs out: codes may be tried again
    now = at(T0 + rules.WRONG_CODES_WINDOW)
    assert _api(c, s.id, _codes(s.id, now)[0], ha) == 201
    at(other.starts_at)  # another session of the same learner: its own counter
    ha = token_for(a)
    assert _api(c, other.id, _codes(other.id, other.starts_at)[1], ha) == 422
    assert db.session.get(CheckInGuessCount, (a.id, other.id)).wrong_codes == 1
    assert db.session.get(CheckInGuessCount, (a.id, s.id)).wrong_codes == 1  # the right code


def test_wrong_code_in_the_new_minute_starts_a_new_count(app, world, token_for, at):
    s = world.sessions[0]
    at(T0)
    headers, c = token_for(world.learners[0]), app.test_client()
    for _ in range(LIMIT):
        assert _api(c, s.id, _codes(s.id, T0)[1], headers) == 422
    later = at(T0 + rules.WRONG_CODES_WINDOW)
    for _ in range(LIMIT):
        assert _api(c, s.id, _codes(s.id, later)[1], headers) == 422
    assert _api(c, s.id, _codes(s.id, later)[1], headers) == 429


def _race(app, world, token_for, at, n=24):
    """n wrong codes at once from one learner: half through the API, half through the page,
    spread over two app instances (two workers with their own connection pools)."""
    s = world.sessions[0]
    good, wrong = _codes(s.id, at(T0))
    learner = world.learners[0]
    second = make_app(SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    headers = token_for(learner)
    workers = [app, second]
    calls = []
    for i in range(n):
        worker = workers[i % 2]
        if i % 4 < 2:
            client = worker.test_client()
            calls.append(lambda c=client: _api(c, s.id, wrong, headers))
        else:
            client = _page_client(worker, learner)
            calls.append(lambda c=client: _page(c, s.id, wrong))
    session_id, user_id = s.id, learner.id
    db.session.remove()
    barrier = threading.Barrier(n)
    results = [None] * n

    def run(i):
        barrier.wait()
        results[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results) == [422] * LIMIT + [429] * (n - LIMIT), results
    row = db.session.get(CheckInGuessCount, (user_id, session_id))
    assert row.wrong_codes == LIMIT
    c = app.test_client()
    assert _api(c, session_id, good, headers) == 429  # the right code too, until the minute ends
    with second.app_context():
        db.session.remove()
        db.engine.dispose()


class TestSqliteFile:
    """Several workers on the embedded default: a SQLite file database."""

    @pytest.fixture
    def app_overrides(self, tmp_path):
        return {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/guesses.db"}

    def test_exactly_ten_wrong_codes_then_429(self, app, world, token_for, at):
        assert "guesses.db" in str(db.engine.url)
        _race(app, world, token_for, at)


@requires_postgres
def test_exactly_ten_wrong_codes_then_429_postgres(app, world, token_for, at):
    _race(app, world, token_for, at)
