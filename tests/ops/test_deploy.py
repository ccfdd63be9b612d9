"""deploy/: gunicorn.conf.py refuses per-process throttles with several workers; the nginx site
passes `nginx -t` (with this machine's paths; skipped without nginx)."""

import runpy
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.drills.stack import nginx_conf

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def gunicorn_conf(monkeypatch, tmp_path):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "metrics"))
    for name in ("REDIS_URL", "RATELIMIT_STORAGE_URI", "RATELIMIT_ENABLED", "LMS_BIND"):
        monkeypatch.delenv(name, raising=False)
    return lambda: runpy.run_path(str(ROOT / "deploy/gunicorn.conf.py"))


def _server(workers: int):
    return SimpleNamespace(cfg=SimpleNamespace(workers=workers))


def test_gunicorn_refuses_memory_counters_with_several_workers(gunicorn_conf, monkeypatch,
                                                               tmp_path):
    conf = gunicorn_conf()
    assert conf["bind"] == "127.0.0.1:8000" and conf["forwarded_allow_ips"] == "127.0.0.1,::1"
    with pytest.raises(SystemExit, match="REDIS_URL"):
        conf["on_starting"](_server(2))
    conf["on_starting"](_server(1))  # one worker: its counters are the only ones
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    (tmp_path / "metrics").mkdir(exist_ok=True)
    (tmp_path / "metrics" / "counter_1.db").write_bytes(b"old")
    gunicorn_conf()["on_starting"](_server(4))
    assert list((tmp_path / "metrics").iterdir()) == []  # metrics of a previous run are gone


@pytest.mark.skipif(shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists(),
                    reason="nginx is not installed")
@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_nginx_site_is_valid(tmp_path):
    import subprocess

    conf = nginx_conf(tmp_path)
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    done = subprocess.run([nginx, "-t", "-c", str(conf)], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
    site = (tmp_path / "site.conf").read_text()
    assert "internal;" in site and "X-Forwarded-For $remote_addr" in site
