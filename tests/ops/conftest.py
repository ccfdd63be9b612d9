"""A throwaway redis-server on a loopback port for the ops tests (skipped where it is absent)."""

import shutil
import socket
import subprocess
import time

import pytest

REDIS_PORT = 12261


def _wait_port(port: int, up: bool, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            s.settimeout(0.2)
            if (s.connect_ex(("127.0.0.1", port)) == 0) == up:
                return True
        time.sleep(0.05)
    return False


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """redis://127.0.0.1:12261/0 served by Debian's redis-server, without persistence."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    workdir = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen([binary, "--port", str(REDIS_PORT), "--bind", "127.0.0.1",
                             "--save", "", "--appendonly", "no", "--dir", str(workdir)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not _wait_port(REDIS_PORT, up=True):
        proc.kill()
        pytest.skip(f"redis-server did not start on port {REDIS_PORT}")
    yield f"redis://127.0.0.1:{REDIS_PORT}/0"
    proc.terminate()
    proc.wait(timeout=10)
