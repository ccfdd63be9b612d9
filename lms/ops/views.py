"""GET /healthz, /readyz and /metrics: for load balancers, orchestrators and Prometheus."""

from flask import Blueprint, Response, abort, current_app, jsonify, request

from lms.ops import health, metrics, rules

bp = Blueprint("ops", __name__)


@bp.route("/healthz")
def show_health():
    """The process is up and answering (no database involved): 200 {"status": "ok"}."""
    return jsonify({"status": "ok", "checks": {"process": "ok"}})


@bp.route("/readyz")
def show_readiness():
    """Ready for traffic: database reachable at the newest migration, Redis when configured."""
    ok, checks = health.readiness()
    resp = jsonify({"status": "ok" if ok else "unavailable", "checks": checks})
    resp.status_code = 200 if ok else 503
    return resp


@bp.route("/metrics")
def show_metrics():
    """Prometheus text format, for METRICS_ALLOWED addresses or `Bearer METRICS_TOKEN` only."""
    config = current_app.config
    allowed = rules.address_allowed(request.remote_addr, config["LMS_METRICS_NETWORKS"])
    if not allowed and not rules.token_matches(request.headers.get("Authorization", ""),
                                               config.get("METRICS_TOKEN", "")):
        abort(404)  # the page does not exist for anyone else
    body, content_type = metrics.exposition()
    return Response(body, content_type=content_type, headers={"Cache-Control": "no-store"})
