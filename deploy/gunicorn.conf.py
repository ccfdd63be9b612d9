"""gunicorn settings for Knowledge Park LMS: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

Every value can be changed from the environment (systemd's EnvironmentFile, deploy/lms.env):
LMS_BIND (127.0.0.1:8000), WEB_CONCURRENCY (workers: 2 per CPU), GUNICORN_THREADS (1),
GUNICORN_TIMEOUT (30 s), PROMETHEUS_MULTIPROC_DIR (a fresh directory per server).
"""

import os
import shutil
import tempfile
from pathlib import Path

bind = os.environ.get("LMS_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1)))
threads = int(os.environ.get("GUNICORN_THREADS", 1))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 20
keepalive = 5
max_requests = 5000  # recycle workers now and then (memory); jitter keeps them apart
max_requests_jitter = 500
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
proxy_allow_ips = forwarded_allow_ips
accesslog = None  # the app writes one JSON line per request (lms.request) to stderr
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
proc_name = f"lms-{bind.rsplit(':', 1)[-1]}"
control_socket_disable = True  # gunicorn 27's control socket: one path per user, not per server

# Prometheus multi-process mode: each worker writes its samples here, /metrics sums them. Set
# before the app (and prometheus_client) is imported by the workers.
_metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or tempfile.mkdtemp(
    prefix=f"lms-metrics-{bind.rsplit(':', 1)[-1]}-")
os.environ["PROMETHEUS_MULTIPROC_DIR"] = _metrics_dir


def on_starting(server):
    """Refuse settings that break documented behaviour; start with empty metrics files."""
    storage = (os.environ.get("RATELIMIT_STORAGE_URI") or os.environ.get("REDIS_URL")
               or "memory://")
    if (storage.startswith("memory") and server.cfg.workers > 1
            and os.environ.get("RATELIMIT_ENABLED", "1") != "0"):
        raise SystemExit(
            f"gunicorn: {server.cfg.workers} workers with per-process throttle counters "
            "(memory://) would let each worker allow the full limit. Set REDIS_URL, or run "
            "one worker (WEB_CONCURRENCY=1 with LMS_SINGLE_PROCESS=1).")
    path = Path(_metrics_dir)
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True, exist_ok=True)


def child_exit(server, worker):
    """A worker's gauges stop counting when it exits (prometheus_client multiprocess)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
