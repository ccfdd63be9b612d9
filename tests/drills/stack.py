"""The production stack on loopback for the fault drills: Debian's nginx (the site file of
deploy/nginx/lms.conf) in front of gunicorn servers (deploy/gunicorn.conf.py), one PostgreSQL
cluster of our own (initdb in a temporary directory) and one redis-server."""

import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PG_PORT, REDIS_PORT, HTTPS_PORT, HTTP_PORT = 12250, 12260, 12270, 12271
APP_PORTS = (12280, 12281)
SECRET_KEY = "drill-secret-key-" + "x" * 40


def pg_bindir() -> Path | None:
    """The newest installed PostgreSQL server's bin directory (Debian layout)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                   key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0)
    return found[-1].parent if found else None


def missing_tools() -> list[str]:
    """What the drills need and this machine lacks."""
    missing = [t for t in ("nginx", "redis-server", "openssl", "pg_dump", "pg_restore")
               if shutil.which(t) is None and not Path(f"/usr/sbin/{t}").exists()]
    if pg_bindir() is None:
        missing.append("postgresql (initdb)")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            missing.append("a postgres system user (running as root)")
    return missing


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def wait_for(check, timeout: float, what: str) -> float:
    """Poll `check()` until true; return the seconds it took (RuntimeError after timeout)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if check():
            return time.monotonic() - started
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not happen within {timeout} s")


def nginx_site(workdir: Path, app_ports=APP_PORTS) -> str:
    """deploy/nginx/lms.conf with this machine's ports, paths and a self-signed certificate."""
    site = (ROOT / "deploy/nginx/lms.conf").read_text()
    upstreams = "".join(f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;\n" for p in app_ports)
    start = site.index("    server 127.0.0.1:8000")
    end = site.index("    keepalive")
    site = site[:start] + upstreams + site[end:]
    for old, new in (("listen [::]:80;\n", ""), ("listen [::]:443 ssl http2;\n", ""),
                     ("listen 80;", f"listen 127.0.0.1:{HTTP_PORT};"),
                     ("listen 443 ssl http2;", f"listen 127.0.0.1:{HTTPS_PORT} ssl http2;"),
                     ("/etc/ssl/lms/fullchain.pem", str(workdir / "cert.pem")),
                     ("/etc/ssl/lms/privkey.pem", str(workdir / "key.pem")),
                     ("/srv/lms/app/", f"{ROOT}/"),
                     ("/srv/lms/instance/", f"{workdir / 'instance'}/"),
                     ("/var/log/nginx/", f"{workdir}/"), ("/var/www/html", str(workdir))):
        site = site.replace(old, new)
    return site


def nginx_conf(workdir: Path, app_ports=APP_PORTS) -> Path:
    """A whole nginx.conf (temporary paths, foreground) including the site; returns its path."""
    (workdir / "instance/files").mkdir(parents=True, exist_ok=True)
    if not (workdir / "cert.pem").exists():
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=127.0.0.1", "-keyout", str(workdir / "key.pem"),
                        "-out", str(workdir / "cert.pem")], check=True, capture_output=True)
    (workdir / "site.conf").write_text(nginx_site(workdir, app_ports))
    temp = "".join(f"    {kind}_temp_path {workdir}/{kind}_temp;\n"
                   for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf = workdir / "nginx.conf"
    conf.write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"worker_processes 2;\npid {workdir}/nginx.pid;\nerror_log {workdir}/nginx.log warn;\n"
        "events { worker_connections 512; }\n"
        "http {\n    include /etc/nginx/mime.types;\n    default_type application/octet-stream;\n"
        f"    access_log {workdir}/access.log;\n{temp}    include {workdir}/site.conf;\n}}\n")
    return conf


class Stack:
    """Start, stop and restart each part; every process is ours and ended by its own id."""

    def __init__(self, workdir: Path):
        self.dir = workdir
        self.procs: dict[str, subprocess.Popen] = {}
        self.pg_data = workdir / "pg"
        self.database_url = f"postgresql://lms:lms@127.0.0.1:{PG_PORT}/lms"
        self.redis_url = f"redis://127.0.0.1:{REDIS_PORT}/0"
        self.base = f"https://127.0.0.1:{HTTPS_PORT}"

    # -- environment ---------------------------------------------------------------------------
    def env(self, **extra) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LMS_", "RATELIMIT_"))}
        env.update({
            "LMS_ENV": "production", "SECRET_KEY": SECRET_KEY, "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url, "LMS_PUBLIC_URL": self.base, "LMS_PROXY_COUNT": "1",
            "METRICS_ALLOWED": "127.0.0.1", "LMS_INSTANCE_PATH": str(self.dir / "instance"),
            "WEB_CONCURRENCY": "2", "PYTHONPATH": str(ROOT), "LMS_REQUEST_LOG": "1",
        })
        env.update(extra)
        return env

    def flask(self, *args: str, **env) -> subprocess.CompletedProcess:
        return subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT,
                              env=self.env(**env), capture_output=True, text=True, timeout=300,
                              check=False)

    # -- PostgreSQL ----------------------------------------------------------------------------
    def _as_postgres(self, cmd: list[str]) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd

    def pg_init(self) -> None:
        bindir = pg_bindir()
        self.pg_data.mkdir()
        if os.geteuid() == 0:
            os.chmod(self.dir, 0o755)  # noqa: S103  postgres must reach its data directory
            shutil.chown(self.pg_data, "postgres", "postgres")
        subprocess.run(self._as_postgres([str(bindir / "initdb"), "-D", str(self.pg_data),
                                          "-U", "postgres", "--auth=trust", "-E", "UTF8"]),
                       check=True, capture_output=True)
        self.pg_start()
        psql = [str(bindir / "psql"), "-h", "127.0.0.1", "-p", str(PG_PORT), "-U", "postgres",
                "-qc"]
        for sql in ("CREATE ROLE lms LOGIN PASSWORD 'lms'", "CREATE DATABASE lms OWNER lms"):
            subprocess.run([*psql, sql], check=True, capture_output=True)

    def pg_start(self) -> None:
        bindir = pg_bindir()
        subprocess.run(self._as_postgres([
            str(bindir / "pg_ctl"), "-D", str(self.pg_data), "-l", str(self.pg_data / "log"),
            "-w", "-t", "30", "-o",
            f"-p {PG_PORT} -k {self.pg_data} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c max_connections=100", "start"]), check=True, capture_output=True)

    def pg_stop(self) -> None:
        subprocess.run(self._as_postgres([str(pg_bindir() / "pg_ctl"), "-D", str(self.pg_data),
                                          "-m", "fast", "-w", "stop"]),
                       check=True, capture_output=True)

    def psql(self, sql: str, database: str = "lms") -> str:
        done = subprocess.run([str(pg_bindir() / "psql"), "-h", "127.0.0.1", "-p", str(PG_PORT),
                               "-U", "postgres", "-d", database, "-Atqc", sql],
                              check=True, capture_output=True, text=True)
        return done.stdout.strip()

    # -- Redis ---------------------------------------------------------------------------------
    def redis_start(self) -> None:
        self.procs["redis"] = subprocess.Popen(
            ["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.dir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: port_open(REDIS_PORT), 10, "redis-server start")

    def redis_stop(self) -> None:
        self._end("redis")
        wait_for(lambda: not port_open(REDIS_PORT), 10, "redis-server stop")

    # -- gunicorn ------------------------------------------------------------------------------
    def app_start(self, port: int) -> None:
        log = open(self.dir / f"gunicorn-{port}.log", "ab")  # noqa: SIM115  closed with the process
        self.procs[f"app{port}"] = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", str(ROOT / "deploy/gunicorn.conf.py"), "wsgi:app"],
            cwd=ROOT, env=self.env(LMS_BIND=f"127.0.0.1:{port}",
                                   PROMETHEUS_MULTIPROC_DIR=str(self.dir / f"metrics-{port}")),
            stdout=log, stderr=log, start_new_session=True)
        wait_for(lambda: port_open(port), 60, f"gunicorn on {port}")

    def app_kill(self, port: int) -> None:
        """SIGKILL the server's master and workers at once: requests in flight are cut."""
        proc = self.procs.pop(f"app{port}")
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    # -- nginx ---------------------------------------------------------------------------------
    def nginx_start(self) -> None:
        conf = nginx_conf(self.dir)
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        subprocess.run([nginx, "-t", "-c", str(conf)], check=True, capture_output=True)
        self.procs["nginx"] = subprocess.Popen([nginx, "-c", str(conf), "-g", "daemon off;"],
                                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: port_open(HTTPS_PORT), 10, "nginx start")

    # -- all -----------------------------------------------------------------------------------
    def _end(self, name: str) -> None:
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        if name.startswith("app"):
            os.killpg(proc.pid, signal.SIGTERM)
        else:
            proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)

    def close(self) -> None:
        for name in list(self.procs):
            self._end(name)
        if (self.pg_data / "postmaster.pid").exists():
            self.pg_stop()


class Client:
    """A requests session for the drill's self-signed nginx (verify off per request: a
    REQUESTS_CA_BUNDLE in the environment would otherwise win over Session.verify)."""

    def __init__(self, base: str):
        import requests
        import urllib3

        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        self.base = base
        self.session = requests.Session()

    def request(self, method: str, path: str, **kwargs):
        kwargs.setdefault("timeout", 30)
        return self.session.request(method, self.base + path, verify=False, **kwargs)

    def get(self, path: str, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs):
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs):
        return self.request("PUT", path, **kwargs)
