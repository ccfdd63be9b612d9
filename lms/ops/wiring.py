"""init_ops: ProxyFix, the limiter storage check, request metrics and logs, the 503 handler."""

import logging
import time

import sqlalchemy as sa
from flask import Flask, g, make_response, render_template, request
from werkzeug.middleware.proxy_fix import ProxyFix

from lms.ops import metrics, reqlog, rules

log = logging.getLogger("lms")
UNAVAILABLE = "The database is unavailable for a moment; please try again shortly."


def init_ops(app: Flask) -> None:
    """Check the settings, trust the proxy, register the ops routes and the request hooks."""
    config = app.config
    rules.check_limiter_storage(config.get("ENV_NAME", ""), bool(config.get("RATELIMIT_ENABLED")),
                                config.get("RATELIMIT_STORAGE_URI", "memory://"),
                                bool(config.get("LMS_SINGLE_PROCESS")))
    config["LMS_METRICS_NETWORKS"] = rules.parse_networks(config.get("METRICS_ALLOWED", ""))
    proxies = int(config.get("LMS_PROXY_COUNT", 0))
    if proxies > 0:
        # the real client address and scheme from X-Forwarded-For/-Proto, set by our own proxy;
        # the host is never taken from headers (links for others use LMS_PUBLIC_URL)
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)

    from lms.ops.views import bp

    app.register_blueprint(bp)
    _init_request_hooks(app)


def _init_request_hooks(app: Flask) -> None:
    from lms.extensions import db

    logging_on = bool(app.config.get("LMS_REQUEST_LOG"))
    if logging_on:
        reqlog.configure_logger()
    with app.app_context():
        engine = db.engine

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _count(_conn, _cursor, statement, *_args):
        reqlog.count_query(statement)

    @app.before_request
    def _start_clock():
        g.lms_started = time.perf_counter()

    @app.after_request
    def _measure(resp):
        started = g.get("lms_started")
        if started is None:
            return resp
        seconds = time.perf_counter() - started
        endpoint = request.url_rule.endpoint if request.url_rule else None
        try:
            metrics.observe(endpoint, request.method, resp.status_code, seconds)
            metrics.observe_pool(engine.pool)
            if logging_on:
                reqlog.log.info(reqlog.line(endpoint, request.method, resp.status_code, seconds))
        except Exception:  # measuring must never turn an answer into a 500
            log.exception("request metrics or log line failed (request %s)",
                          g.get("request_id", "-"))
        return resp


def database_unavailable(exc: BaseException) -> bool:
    """True when `exc` means the database cannot be reached or is (re)starting, not a bug."""
    if isinstance(exc, sa.exc.TimeoutError):  # no pooled connection came free in time
        return True
    if isinstance(exc, sa.exc.PendingRollbackError):
        # "Can't reconnect until invalid transaction is rolled back" (8s2b): an earlier step of
        # this request lost the connection and swallowed the error (the throttle's key loads
        # the user, say); other pending rollbacks (7s2a: a failed flush) stay bugs
        return exc.code == "8s2b"
    if not isinstance(exc, sa.exc.DBAPIError):
        return False
    orig = exc.orig
    return rules.unavailable_error(
        bool(exc.connection_invalidated), getattr(orig, "sqlstate", None),
        getattr(orig, "sqlite_errorname", None),
        type(orig).__module__.split(".")[0], type(orig).__name__)


def unavailable_response(exc: BaseException):
    """503 with the JSON error body or a plain page (no layout: nothing that needs the database)."""
    from lms.core.handlers import json_error, wants_json
    from lms.extensions import db

    log.warning("database unavailable (request %s): %s", g.get("request_id", "-"),
                type(getattr(exc, "orig", None) or exc).__name__)
    metrics.DB_UNAVAILABLE.inc()
    try:
        db.session.rollback()
    except sa.exc.SQLAlchemyError:
        db.session.invalidate()
    if wants_json():
        resp = json_error(503, UNAVAILABLE, code="unavailable")
    else:
        # Flask-Login's template context loads the user: from the database, which is away
        from lms.extensions import login_manager

        g._login_user = login_manager.anonymous_user()
        resp = render_template("errors/unavailable.html", message=UNAVAILABLE,
                               request_id=g.get("request_id")), 503
    out = make_response(resp)
    out.headers["Retry-After"] = "5"
    return out
