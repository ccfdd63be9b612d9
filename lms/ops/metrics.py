"""Prometheus metrics (prometheus_client), per process or gunicorn-wide.

Under gunicorn set PROMETHEUS_MULTIPROC_DIR (deploy/gunicorn.conf.py does) before the app is
imported: every worker then writes its samples there and /metrics sums them. Figures that are
cheap to read at scrape time and must not be summed per worker (the outbox depth, say) are added
with `add_scrape_gauge`; the scraping process computes them once per scrape.
"""

import os
from collections.abc import Callable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily

REQUESTS = Counter("lms_http_requests", "HTTP requests answered, by endpoint, method and status",
                   ["endpoint", "method", "status"])
LATENCY = Histogram("lms_http_request_duration_seconds", "Time to answer a request, by endpoint",
                    ["endpoint"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
CHECK_INS = Counter("lms_check_ins", "Successful learner check-ins (rate over 1m: per minute)")
DB_UNAVAILABLE = Counter("lms_db_unavailable", "Requests answered 503 because the database was "
                         "unreachable")
POOL = Gauge("lms_db_pool_connections", "Database connections of the app's pool, by state",
             ["state"], multiprocess_mode="livesum")

# endpoints whose success is a check-in: (endpoint, statuses meaning success)
CHECK_IN_ENDPOINTS = {"attendance_api.post_check_in": {201},
                      "attendance.check_in": {302, 303}}

_scrape_gauges: list[tuple[str, str, Callable[[], float | None]]] = []


def add_scrape_gauge(name: str, documentation: str, read: Callable[[], float | None]) -> None:
    """Publish `read()` as gauge `name` at every scrape (e.g. the outbox depth and failures;
    called inside an app context; None leaves the sample out). Names must be unique."""
    if any(existing == name for existing, _, _ in _scrape_gauges):
        return
    _scrape_gauges.append((name, documentation, read))


class _ScrapeGauges:
    """A collector that runs the registered readers."""

    def collect(self):
        for name, documentation, read in _scrape_gauges:
            value = read()
            if value is not None:
                family = GaugeMetricFamily(name, documentation)
                family.add_metric([], float(value))
                yield family


def observe(endpoint: str | None, method: str, status: int, seconds: float) -> None:
    """Count one answered request and its duration."""
    name = endpoint or "unmatched"
    REQUESTS.labels(name, method, str(status)).inc()
    LATENCY.labels(name).observe(seconds)
    if status in CHECK_IN_ENDPOINTS.get(name, ()) and method == "POST":
        CHECK_INS.inc()


def observe_pool(pool) -> None:
    """Record the pool's checked-out, idle and overflow connections (QueuePool only)."""
    for state, attr in (("checked_out", "checkedout"), ("idle", "checkedin"),
                        ("overflow", "overflow")):
        read = getattr(pool, attr, None)
        if read is not None:
            POOL.labels(state).set(max(read(), 0))


def exposition() -> tuple[bytes, str]:
    """The text exposition of every metric (summed over gunicorn's workers in multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    extra = CollectorRegistry()
    extra.register(_ScrapeGauges())
    return body + generate_latest(extra), CONTENT_TYPE_LATEST
