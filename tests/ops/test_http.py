"""/healthz, /readyz, /metrics, the request log, the proxy headers and the 503 while the
database is away."""

import json
import logging

import pytest
import sqlalchemy as sa

from tests.conftest import PASSWORD, make_app
from tests.ops.helpers import stamp, unstamp

DEAD_PG = "postgresql+psycopg://lms:pw@127.0.0.1:1/none"  # nothing listens on port 1


@pytest.fixture
def stamped(app):
    stamp()
    yield
    unstamp()


def test_healthz_needs_no_database():
    app = make_app(SQLALCHEMY_DATABASE_URI=DEAD_PG)
    resp = app.test_client().get("/healthz")
    assert resp.status_code == 200
    assert resp.get_json() == {"status": "ok", "checks": {"process": "ok"}}
    assert resp.headers["X-Request-ID"]


def test_readyz_ok_at_newest_migration(client, stamped):
    resp = client.get("/readyz")
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json() == {"status": "ok", "checks": {"database": "ok"}}


def test_readyz_503_without_or_behind_schema(client):
    unstamp()
    resp = client.get("/readyz")
    assert resp.status_code == 503
    body = resp.get_json()
    assert body["status"] == "unavailable" and "no schema version" in body["checks"]["database"]
    stamp(["0006"])
    body = client.get("/readyz").get_json()
    assert "schema at 0006" in body["checks"]["database"]
    unstamp()


def test_readyz_503_when_database_unreachable():
    app = make_app(SQLALCHEMY_DATABASE_URI=DEAD_PG)
    resp = app.test_client().get("/readyz")
    assert resp.status_code == 503
    assert resp.get_json() == {"status": "unavailable", "checks": {"database": "unreachable"}}


@pytest.mark.parametrize("app_overrides", [{"REDIS_URL": "redis://127.0.0.1:1/0"}])
def test_readyz_checks_redis_when_configured(client, stamped):
    resp = client.get("/readyz")
    assert resp.status_code == 503
    assert resp.get_json()["checks"] == {"database": "ok", "redis": "unreachable"}


def test_readyz_with_live_redis(app, stamped, redis_url):
    app.config["REDIS_URL"] = redis_url
    resp = app.test_client().get("/readyz")
    assert resp.status_code == 200
    assert resp.get_json()["checks"] == {"database": "ok", "redis": "ok"}


# --- 503 while the database is away -----------------------------------------------------------

def test_database_down_gives_503_json_and_page_never_a_traceback():
    app = make_app(SQLALCHEMY_DATABASE_URI=DEAD_PG)
    app.config.update(TESTING=False, PROPAGATE_EXCEPTIONS=False)
    c = app.test_client()
    resp = c.post("/api/v1/auth/tokens", json={"email": "a@example.pk", "password": PASSWORD})
    assert resp.status_code == 503
    err = resp.get_json()["error"]
    assert err["code"] == "unavailable" and err["request_id"] == resp.headers["X-Request-ID"]
    assert resp.headers["Retry-After"] == "5"
    resp = c.post("/login", data={"email": "a@example.pk", "password": PASSWORD})
    text = resp.get_data(as_text=True)
    assert resp.status_code == 503 and "Temporarily unavailable" in text
    assert resp.headers["X-Request-ID"] in text
    assert "Traceback" not in text and "psycopg" not in text and "127.0.0.1:1" not in text
    assert resp.headers["Content-Security-Policy"]
    # a logged-in visitor: loading the user fails, and so would the page layout: a plain page
    with c.session_transaction() as sess:
        sess["_user_id"] = "1:1"
    resp = c.get("/")
    assert resp.status_code == 503 and "Temporarily unavailable" in resp.get_data(as_text=True)


# --- metrics ----------------------------------------------------------------------------------

def test_metrics_hidden_without_allowed_address_or_token(client):
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer guess"}).status_code == 404


@pytest.mark.parametrize("app_overrides", [{"METRICS_TOKEN": "scrape-token-123"}])
def test_metrics_with_token(client):
    assert client.get("/metrics").status_code == 404
    resp = client.get("/metrics", headers={"Authorization": "Bearer scrape-token-123"})
    assert resp.status_code == 200 and resp.mimetype == "text/plain"


@pytest.mark.parametrize("app_overrides", [{"METRICS_ALLOWED": "127.0.0.0/8"}])
def test_metrics_count_requests_latency_pool_and_check_ins(client, app):
    from lms.ops import metrics

    def sample(name, **labels):
        return metrics.REGISTRY.get_sample_value(name, labels) or 0.0

    before = sample("lms_http_requests_total", endpoint="ops.show_health", method="GET",
                    status="200")
    hist_before = sample("lms_http_request_duration_seconds_count", endpoint="ops.show_health")
    checkins_before = sample("lms_check_ins_total")
    client.get("/healthz")
    client.get("/healthz")
    assert sample("lms_http_requests_total", endpoint="ops.show_health", method="GET",
                  status="200") == before + 2
    assert sample("lms_http_request_duration_seconds_count",
                  endpoint="ops.show_health") == hist_before + 2
    metrics.observe("attendance_api.post_check_in", "POST", 201, 0.01)
    metrics.observe("attendance_api.post_check_in", "POST", 422, 0.01)  # wrong code: no
    metrics.observe("attendance.check_in", "POST", 303, 0.01)
    assert sample("lms_check_ins_total") == checkins_before + 2
    text = client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).get_data(True)
    assert 'lms_http_requests_total{endpoint="ops.show_health",method="GET",status="200"}' in text
    assert "lms_http_request_duration_seconds_bucket" in text
    assert "lms_db_pool_connections" in text and "lms_check_ins_total" in text
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 404


@pytest.mark.parametrize("app_overrides", [{"METRICS_ALLOWED": "127.0.0.1"}])
def test_scrape_gauge_hook(client):
    from lms.ops import metrics

    metrics.add_scrape_gauge("lms_test_depth", "A test gauge read at scrape time", lambda: 7)
    try:
        text = client.get("/metrics").get_data(True)
        assert "lms_test_depth 7.0" in text
    finally:
        metrics._scrape_gauges[:] = [g for g in metrics._scrape_gauges
                                     if g[0] != "lms_test_depth"]


def test_metrics_in_multiprocess_mode(tmp_path):
    """Two 'workers' write files; the scrape sums them (the gunicorn setting)."""
    import os
    import subprocess
    import sys

    code = (
        "import os; from lms.ops import metrics;"
        "metrics.observe('ops.show_health', 'GET', 200, 0.002)"
    )
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for _ in range(2):
        subprocess.run([sys.executable, "-c", code], env=env, check=True)
    scrape = ("from lms.ops import metrics; import sys;"
              "sys.stdout.write(metrics.exposition()[0].decode())")
    out = subprocess.run([sys.executable, "-c", scrape], env=env, check=True,
                         capture_output=True, text=True).stdout
    assert 'lms_http_requests_total{endpoint="ops.show_health",method="GET",status="200"} 2.0' \
        in out


# --- request log and request id ---------------------------------------------------------------

@pytest.mark.parametrize("app_overrides", [{"LMS_REQUEST_LOG": True}])
def test_one_json_line_per_request_without_secrets(client, app, make_user, caplog):
    user = make_user("student", email="logged@example.pk")
    logger = logging.getLogger("lms.request")
    logger.addHandler(caplog.handler)
    try:
        with caplog.at_level(logging.INFO, logger="lms.request"):
            client.post("/login", data={"email": user.email, "password": PASSWORD})
            resp = client.get("/", headers={"X-Request-ID": "abc123DEF"})
            client.get("/set-password/secret-token-value-123")
            client.post("/api/v1/auth/tokens", json={"email": user.email, "password": "wrongpw1"})
    finally:
        logger.removeHandler(caplog.handler)
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "lms.request"]
    assert len(lines) == 4
    home = lines[1]
    assert resp.headers["X-Request-ID"] == "abc123DEF"
    assert home["request_id"] == "abc123DEF" and home["user_id"] == user.id
    assert home["endpoint"] == "accounts.home" and home["status"] == 200
    assert home["queries"] >= 1 and home["duration_ms"] >= 0 and home["time"].endswith("+00:00")
    assert lines[0]["user_id"] == user.id  # the login that just succeeded
    assert lines[3]["user_id"] is None and lines[3]["status"] == 401
    everything = caplog.text + " ".join(r.getMessage() for r in caplog.records)
    for secret in (PASSWORD, "wrongpw1", "secret-token-value-123", user.email):
        assert secret not in everything


def test_request_log_off_in_testing_by_default(app):
    assert app.config["LMS_REQUEST_LOG"] is False


# --- the proxy ----------------------------------------------------------------------------------

def _seen_address(app, **headers):
    @app.route("/_addr")
    def _addr():
        from flask import request
        return f"{request.remote_addr} {request.scheme}"

    return app.test_client().get("/_addr", headers=headers,
                                 environ_base={"REMOTE_ADDR": "127.0.0.1"}).get_data(True)


def test_proxy_headers_trusted_only_when_configured():
    got = _seen_address(make_app(LMS_PROXY_COUNT=1), **{
        "X-Forwarded-For": "6.6.6.6, 203.0.113.9", "X-Forwarded-Proto": "https"})
    assert got == "203.0.113.9 https"  # only the hop our own proxy added
    got = _seen_address(make_app(), **{"X-Forwarded-For": "203.0.113.9"})
    assert got == "127.0.0.1 http"


def test_lost_connection_swallowed_earlier_in_the_request_is_503_not_500():
    """The check-in throttle's key loads the user; Flask-Limiter swallows the failure and the
    view then meets SQLAlchemy's "can't reconnect until rolled back" (found by drill 2)."""
    import sqlalchemy as sa

    from lms.ops.wiring import database_unavailable

    assert database_unavailable(sa.exc.PendingRollbackError("x", code="8s2b"))
    assert not database_unavailable(sa.exc.PendingRollbackError("x", code="7s2a"))
    assert not database_unavailable(RuntimeError("x"))


def test_request_log_reads_the_user_id_without_a_query(app, make_user):
    """Found by drill 2: after the 503's rollback the user is expired, and reading
    `is_authenticated` for the log line queried the (stopped) database: a 500."""
    from flask import g

    from lms.extensions import db
    from lms.ops import reqlog

    user = make_user("student")
    uid = user.id
    db.session.expire(user)
    with app.test_request_context("/"):
        g._login_user = user
        statements = []
        import sqlalchemy as sa

        sa.event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        line = json.loads(reqlog.line("accounts.home", "GET", 503, 0.01))
        assert line["user_id"] == uid and statements == []
        from lms.extensions import login_manager

        g._login_user = login_manager.anonymous_user()
        assert json.loads(reqlog.line("x", "GET", 200, 0.0))["user_id"] is None


@pytest.mark.parametrize("app_overrides", [{"METRICS_TOKEN": "scrape-token-123"}])
def test_metrics_show_the_outbox_depth_and_failures(client, app, make_user):
    from lms.extensions import db
    from lms.notifications import services as notify
    from lms.notifications.models import OutboxMessage

    notify.queue("welcome", make_user("student"), link="https://lms.example.pk/x")
    notify.queue("welcome", make_user("student"), link="https://lms.example.pk/y")
    db.session.flush()
    db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.id == sa.select(
        sa.func.min(OutboxMessage.id)).scalar_subquery()).values(status="failed"))
    db.session.commit()
    text = client.get("/metrics", headers={"Authorization": "Bearer scrape-token-123"}).get_data(
        as_text=True)
    assert "lms_outbox_queued 1.0" in text and "lms_outbox_failed 1.0" in text
