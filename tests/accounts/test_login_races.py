"""Logins under concurrency (issue 15) and the login defects of issue 17 (items 14 and 15).

Concurrent logins never fail with 500, and exactly LOGIN_MAX_FAILURES wrong passwords are tried
against an account however many arrive at once, on a SQLite file and on PostgreSQL. Unknown
addresses cost the same hashing work as known ones. An owner is not locked out by strangers.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from lms.accounts import models as account_models
from lms.accounts.models import KnownLogin, LoginFailure, User
from lms.extensions import db
from tests.conftest import PASSWORD, requires_postgres


def _race(app, calls):
    """Run each call(client) in its own thread with its own test client, all at once."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        client = app.test_client()
        barrier.wait()
        return call(client)

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def _form_login(email, password):
    return lambda c: c.post("/login", data={"email": email, "password": password}).status_code


def _api_login(email, password):
    return lambda c: c.post("/api/v1/auth/tokens",
                            json={"email": email, "password": password}).status_code


def _failures(email):
    db.session.rollback()  # read what the threads committed
    return db.session.scalar(sa.select(sa.func.count()).select_from(LoginFailure)
                             .where(LoginFailure.email == email))


class Races:
    """The same races on whichever database the class's app uses."""

    def test_exactly_ten_wrong_passwords_then_429(self, app, make_user):
        user = make_user("student")
        calls = [(_form_login if i % 2 else _api_login)(user.email, "wrong password!")
                 for i in range(16)]
        codes = _race(app, calls)
        assert 500 not in codes, codes
        assert sorted(codes) == [401] * 10 + [429] * 6, codes
        assert _failures(user.email) == 10

    def test_concurrent_right_passwords_all_succeed_and_leave_no_failure(self, app, make_user):
        user = make_user("trainer")
        calls = [(_form_login if i % 2 else _api_login)(user.email, PASSWORD) for i in range(8)]
        codes = _race(app, calls)
        assert sorted(codes) == [201] * 4 + [302] * 4, codes
        assert _failures(user.email) == 0
        assert db.session.get(User, user.id).last_login_at is not None
        assert db.session.scalar(sa.select(sa.func.count()).select_from(KnownLogin)) == 1

    def test_right_and_wrong_passwords_together(self, app, make_user):
        user = make_user("student")
        calls = [_form_login(user.email, PASSWORD if i % 2 else "not it at all") for i in range(8)]
        codes = _race(app, calls)
        assert sorted(codes) == [302] * 4 + [401] * 4, codes
        assert _failures(user.email) == 4


class TestSqliteFile(Races):
    """Several threads against one SQLite file, as several gunicorn workers share it."""

    @pytest.fixture
    def app_overrides(self, tmp_path):
        return {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/logins.db"}

    def test_runs_on_a_file(self, app):
        assert db.engine.dialect.name == "sqlite" and "logins.db" in str(db.engine.url)


@requires_postgres
class TestPostgres(Races):
    """The same races on PostgreSQL (advisory locks per account and address)."""


# --- issue 17, item 14: the same work for unknown e-mail addresses ------------------------------

def test_unknown_email_is_checked_against_a_dummy_hash(app, client, make_user, monkeypatch):
    user = make_user("student")
    checked = []
    real = account_models.check_password_hash

    def spy(pwhash, password):
        checked.append(pwhash.split("$")[0])
        return real(pwhash, password)

    monkeypatch.setattr(account_models, "check_password_hash", spy)
    assert client.post("/login", data={"email": "nobody@example.pk",
                                       "password": "wrong password!"}).status_code == 401
    assert client.post("/login", data={"email": user.email,
                                       "password": "wrong password!"}).status_code == 401
    nopass = make_user("student", password=None)
    assert client.post("/api/v1/auth/tokens", json={"email": nopass.email,
                                                    "password": "anything"}).status_code == 401
    method = user.password_hash.split("$")[0]
    assert checked == [method] * 3  # one hash of the same method each time


# --- issue 17, item 15: strangers cannot lock the owner out -------------------------------------

OWNER, STRANGER, ELSEWHERE, NEW = "10.1.1.1", "10.9.9.9", "10.5.5.5", "10.6.6.6"


def _post_login(client, email, password, addr):
    return client.post("/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": addr}).status_code


def test_ten_wrong_passwords_do_not_lock_the_owner_out(app, make_user):
    admin = make_user("admin")
    owner_browser = app.test_client()
    assert _post_login(owner_browser, admin.email, PASSWORD, OWNER) == 302
    stranger = app.test_client()
    codes = [_post_login(stranger, admin.email, "guess guess guess", STRANGER) for _ in range(11)]
    assert codes == [401] * 10 + [429]
    # the owner, at the address they logged in from before, still gets in
    assert _post_login(app.test_client(), admin.email, PASSWORD, OWNER) == 302
    # on the browser that logged in before (signed device cookie), from a new address too
    assert _post_login(owner_browser, admin.email, PASSWORD, ELSEWHERE) == 302
    # a fresh browser at an address never used before meets the account's limit
    assert _post_login(app.test_client(), admin.email, PASSWORD, NEW) == 429
    # and so does the API there; at the known addresses it gets in
    for addr, code in ((NEW, 429), (ELSEWHERE, 201), (OWNER, 201)):
        assert app.test_client().post("/api/v1/auth/tokens",
                                      json={"email": admin.email, "password": PASSWORD},
                                      environ_base={"REMOTE_ADDR": addr}).status_code == code


def test_known_address_does_not_lift_the_per_address_limit(app, make_user):
    user = make_user("student")
    c = app.test_client()
    assert _post_login(c, user.email, PASSWORD, OWNER) == 302
    codes = [_post_login(app.test_client(), user.email, "guess guess guess", OWNER)
             for _ in range(11)]
    assert codes == [401] * 10 + [429]


def test_a_forged_device_cookie_counts_for_nothing(app, make_user):
    user = make_user("student")
    stranger = app.test_client()
    for _ in range(10):
        assert _post_login(stranger, user.email, "guess guess guess", STRANGER) == 401
    browser = app.test_client()
    browser.set_cookie("lms_device", f"[{user.id}].forged")
    assert _post_login(browser, user.email, PASSWORD, ELSEWHERE) == 429
