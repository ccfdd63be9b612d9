"""Material downloads under load: a 50 MB file served by gunicorn, as a ratio to reading it from
disk, and the peak memory of the worker while 8 clients download it at once.

Run alone with `python -m bench.downloads` (prints JSON), or as part of `make bench` (extras).
"""

import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZE_MB = int(os.environ.get("BENCH_DOWNLOAD_MB", 50))
CLIENTS = 8
CHUNK = 1024 * 1024
PASSWORD = "bench download password"  # noqa: S105


def _prepare(tmp: Path) -> tuple[str, str, int, Path]:
    """A database with a trainer's course and one file material of SIZE_MB; the blob's path."""
    from flask_migrate import upgrade

    from lms import create_app
    from lms.accounts.models import User
    from lms.catalogue.models import Course
    from lms.extensions import db
    from lms.materials.models import Blob, Material
    from lms.materials.services import storage
    from lms.materials.storage import receive

    url = f"sqlite:///{tmp / 'bench.db'}"
    files = tmp / "files"
    app = create_app("development", {"SQLALCHEMY_DATABASE_URI": url,
                                     "LMS_FILES_DIR": str(files)})
    source = tmp / "source.pdf"
    with source.open("wb") as out:
        out.write(b"%PDF-1.4\n")
        for _ in range(SIZE_MB):
            out.write(os.urandom(CHUNK))
    with app.app_context():
        upgrade()
        user = User(email="trainer@bench-downloads.pk", full_name="Bench Trainer", role="trainer")
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.flush()
        course = Course(code="DL-101", title="Downloads", summary="", track="both",
                        duration_hours=1, status="published", owner_id=user.id,
                        industry_partners=[])
        db.session.add(course)
        db.session.flush()
        with source.open("rb") as f:
            received = receive(f, 10**12, storage().temp_dir())
        storage().store(received)
        db.session.add(Blob(sha256=received.sha256, size=received.size,
                            content_type="application/pdf"))
        db.session.flush()
        material = Material(course_id=course.id, kind="file", title="Dataset",
                            filename="dataset.pdf", blob_sha256=received.sha256)
        db.session.add(material)
        db.session.commit()
        path = Path(storage().local_path(received.sha256))
        material_id = material.id
        db.engine.dispose()
    source.unlink()
    return url, str(files), material_id, path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _peak_rss_mb(arbiter_pid: int) -> float:
    peaks = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
        if fields.get("PPid", "").strip() == str(arbiter_pid):
            peaks.append(int(fields.get("VmHWM", "0 kB").split()[0]) / 1024)
    return max(peaks) if peaks else 0.0


def _download(port: int, path: str, token: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    try:
        conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        resp = conn.getresponse()
        total = 0
        while chunk := resp.read(CHUNK):
            total += len(chunk)
        return total
    finally:
        conn.close()


def _read_disk(path: Path) -> float:
    started = time.perf_counter()
    with path.open("rb") as f:
        while f.read(CHUNK):
            pass
    return time.perf_counter() - started


def measure() -> dict:
    """The figures: disk and HTTP throughput (MB/s), their ratio, worker memory (MiB)."""
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        db_url, files, material_id, path = _prepare(tmp)
        port = _free_port()
        env = {**os.environ, "LMS_ENV": "production", "SECRET_KEY": secrets.token_urlsafe(48),
               "DATABASE_URL": db_url, "LMS_FILES_DIR": files, "LMS_INSECURE_COOKIES": "1",
               "RATELIMIT_ENABLED": "0", "PYTHONPATH": str(ROOT)}
        proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "--workers", "1", "--worker-class",
             "gthread", "--threads", str(CLIENTS), "--bind", f"127.0.0.1:{port}",
             "--log-level", "warning", "wsgi:app"], cwd=ROOT, env=env, start_new_session=True)
        try:
            for _ in range(200):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.1)
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("POST", "/api/v1/auth/tokens", body=json.dumps(
                {"email": "trainer@bench-downloads.pk", "password": PASSWORD}),
                headers={"Content-Type": "application/json"})
            token = json.loads(conn.getresponse().read())["token"]
            conn.close()
            url = f"/api/v1/materials/{material_id}/file"
            size = path.stat().st_size
            before_peak = _peak_rss_mb(proc.pid)  # started, logged in, nothing downloaded
            _download(port, url, token)  # warm: the page cache and the worker
            disk = min(_read_disk(path) for _ in range(3))
            one = []
            for _ in range(3):
                started = time.perf_counter()
                assert _download(port, url, token) == size
                one.append(time.perf_counter() - started)
            http_one = min(one)
            barrier = threading.Barrier(CLIENTS)
            sizes = [0] * CLIENTS

            def client(i):
                barrier.wait()
                sizes[i] = _download(port, url, token)

            threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
            started = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join(600)
            together = time.perf_counter() - started
            assert sizes == [size] * CLIENTS, sizes
            peak = _peak_rss_mb(proc.pid)
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
    mb = size / CHUNK
    return {
        "file_mb": round(mb, 1),
        "disk_read_mb_s": round(mb / disk, 1),
        "one_download_mb_s": round(mb / http_one, 1),
        "download_to_disk_ratio": round(disk / http_one, 3),
        "clients": CLIENTS,
        "eight_downloads_total_mb_s": round(CLIENTS * mb / together, 1),
        "worker_peak_rss_before_downloads_mb": round(before_peak, 1),
        "worker_peak_rss_mb": round(peak, 1),
    }


if __name__ == "__main__":
    print(json.dumps(measure()))
