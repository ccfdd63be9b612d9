"""Issue 17 item 13: throttles hold with several workers. Production counts in shared storage
(Redis: REDIS_URL or RATELIMIT_STORAGE_URI) and refuses to start with per-process counters unless
LMS_SINGLE_PROCESS=1 says exactly one process serves; a Redis outage fails safe."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lms.extensions import db, limiter
from tests.conftest import make_app

ROOT = Path(__file__).resolve().parents[2]
UNKNOWN = "/api/v1/verify/KP-0000-0000-0000-0000"


def _start_production(**env) -> subprocess.CompletedProcess:
    """Import wsgi.py as gunicorn's workers do, in production, with this environment."""
    base = {k: v for k, v in os.environ.items()
            if k not in ("REDIS_URL", "RATELIMIT_STORAGE_URI", "LMS_SINGLE_PROCESS")}
    base.update({"LMS_ENV": "production", "SECRET_KEY": "k" * 48,
                 "DATABASE_URL": "sqlite://", "LMS_PUBLIC_URL": "https://lms.example.pk",
                 "PYTHONPATH": str(ROOT), **env})
    code = ("from wsgi import app; from lms.extensions import limiter;"
            "print(app.config['RATELIMIT_STORAGE_URI'], type(limiter.storage).__name__)")
    return subprocess.run([sys.executable, "-c", code], env=base, cwd=ROOT, capture_output=True,
                          text=True, timeout=60, check=False)


def test_production_refuses_per_process_counters():
    done = _start_production()
    assert done.returncode != 0
    assert "Misconfigured" in done.stderr and "REDIS_URL" in done.stderr


def test_production_counts_in_redis_from_redis_url():
    done = _start_production(REDIS_URL="redis://127.0.0.1:6390/2")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["redis://127.0.0.1:6390/2", "RedisStorage"]
    done = _start_production(REDIS_URL="redis://127.0.0.1:6390/2",
                             RATELIMIT_STORAGE_URI="redis://10.0.0.5:6379/3")
    assert done.stdout.split()[0] == "redis://10.0.0.5:6379/3"


def test_single_process_may_use_memory():
    done = _start_production(LMS_SINGLE_PROCESS="1")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["memory://", "MemoryStorage"]


@pytest.fixture
def db_file(tmp_path):
    """A SQLite file with the schema, shared by the 'workers' (apps) of a test."""
    uri = f"sqlite:///{tmp_path / 'lms.sqlite3'}"
    app = make_app(SQLALCHEMY_DATABASE_URI=uri)
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    return uri


def _hits(client, n: int) -> list[int]:
    return [client.get(UNKNOWN).status_code for _ in range(n)]


def test_two_workers_share_one_count_in_redis(redis_url, db_file):
    """A second app (new storage connection, as another worker has) continues the first's count:
    with memory storage it would start again from zero."""
    settings = {"RATELIMIT_STORAGE_URI": redis_url, "LMS_VERIFY_RATE_LIMIT": "6 per minute",
                "SQLALCHEMY_DATABASE_URI": db_file}
    first = make_app(**settings)
    with first.app_context():
        limiter.reset()
    assert _hits(first.test_client(), 4) == [404] * 4
    second = make_app(**settings)  # re-binds the limiter to a fresh RedisStorage
    assert _hits(second.test_client(), 4) == [404, 404, 429, 429]
    with second.app_context():
        limiter.reset()


def test_memory_counts_would_not_be_shared(db_file):
    """The defect item 13 describes, shown: per-process storage starts from zero per worker."""
    settings = {"RATELIMIT_STORAGE_URI": "memory://", "LMS_VERIFY_RATE_LIMIT": "6 per minute",
                "SQLALCHEMY_DATABASE_URI": db_file}
    assert _hits(make_app(**settings).test_client(), 4) == [404] * 4
    assert _hits(make_app(**settings).test_client(), 4) == [404] * 4


@pytest.mark.parametrize("path", [UNKNOWN, "/verify/KP-0000-0000-0000-0000"])
def test_redis_down_fails_safe_and_still_throttles(path, db_file):
    """Unreachable Redis: requests are answered (never a 500) and counted per process."""
    app = make_app(RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0", SQLALCHEMY_DATABASE_URI=db_file,
                   RATELIMIT_STORAGE_OPTIONS={"socket_connect_timeout": 0.2},
                   LMS_VERIFY_RATE_LIMIT="5 per minute")
    c = app.test_client()
    codes = [c.get(path).status_code for _ in range(7)]
    assert 500 not in codes
    assert codes.count(404) == 5 and codes[-1] == 429
