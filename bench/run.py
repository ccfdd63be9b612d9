"""`make bench`: generate the programme, serve it with gunicorn, measure it from outside.

Every page is reported as a ratio to a baseline page measured in the same run (absolute figures
are noisy on shared machines). Writes docs/benchmarks.md and .json (SQLite) or
docs/benchmarks-postgresql.md and .json (PostgreSQL).
Settings: BENCH_DATABASE_URL (a PostgreSQL database to fill; it is emptied first),
BENCH_SECONDS (per page, default 5), BENCH_CONCURRENCY (default 4), BENCH_REUSE=1 (keep the
generated SQLite file between runs).
"""

import json
import os
import platform
import secrets
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PY = sys.executable
SECONDS = float(os.environ.get("BENCH_SECONDS", 5))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", 4))
GOALS = {"learner": 0.5, "staff": 0.25, "dashboard": 0.1, "public": 0.5, "baseline": 1.0}
MAX_QUERIES = 15


def log(msg: str) -> None:
    print(msg, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build(url: str, scale: dict | None) -> dict:
    """Migrate an empty database and fill it (in a child process, so this one stays small)."""
    code = (
        "import json, sys\n"
        "from lms import create_app\n"
        "from flask_migrate import downgrade, upgrade\n"
        "from bench.generate import generate\n"
        f"app = create_app('development', {{'SQLALCHEMY_DATABASE_URI': {url!r}}})\n"
        "with app.app_context():\n"
        "    downgrade(revision='base')\n"
        "    upgrade()\n"
        f"    ids = generate({scale!r}, log=lambda m: print(m, file=sys.stderr))\n"
        "print(json.dumps(ids, default=str))\n")
    env = {**os.environ, "LMS_ENV": "development", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([PY, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          check=False)
    if done.returncode:
        raise SystemExit(f"generation failed:\n{done.stderr[-3000:]}")
    for line in done.stderr.splitlines():
        if line.startswith("  "):
            log(line)
    return json.loads(done.stdout.strip().splitlines()[-1])


class Server:
    """gunicorn with two workers on a loopback port (BENCH_PORT, else a free one)."""

    def __init__(self, url: str):
        self.port = int(os.environ.get("BENCH_PORT") or free_port())
        self.secret = secrets.token_urlsafe(48)
        env = {**os.environ, "LMS_ENV": "production", "SECRET_KEY": self.secret,
               "DATABASE_URL": url, "LMS_INSECURE_COOKIES": "1", "LMS_BENCH": "1",
               "RATELIMIT_ENABLED": "0", "PYTHONPATH": str(ROOT),
               "LMS_PUBLIC_URL": f"http://127.0.0.1:{self.port}",
               "LMS_REQUEST_LOG": "0"}  # one JSON line per request would flood the terminal
        self.proc = subprocess.Popen(
            [str(Path(PY).parent / "gunicorn"), "--workers", "2", "--bind",
             f"127.0.0.1:{self.port}", "--log-level", "warning", "wsgi:app"],
            cwd=ROOT, env=env, start_new_session=True)
        self.base = f"http://127.0.0.1:{self.port}"
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.1)
        raise SystemExit("gunicorn did not start")

    def worker_peak_rss_mb(self) -> float:
        """The largest VmHWM of the worker processes (children of the arbiter), in MiB."""
        peaks = []
        for status in Path("/proc").glob("[0-9]*/status"):
            try:
                text = status.read_text()
            except OSError:
                continue
            fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
            if fields.get("PPid", "").strip() == str(self.proc.pid):
                peaks.append(int(fields.get("VmHWM", "0 kB").split()[0]) / 1024)
        return max(peaks) if peaks else 0.0

    def stop(self) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        self.proc.wait(timeout=30)


def pages(ids: dict) -> list[dict]:
    """The pages and API calls measured: name, path, who (e-mail), group for its goal."""
    admin, manager = "admin@bench.pk", "manager.karachi@bench.pk"
    student = f"student{ids['student_index']}@bench.pk"
    trainer = ids["trainer_email"]
    cohort, code = ids["cohort_id"], ids["certificate_code"]
    session = ids.get("session_id")
    return [
        {"name": "baseline (50 rows, one indexed query)", "path": "/_bench/baseline?after=100",
         "who": student, "group": "baseline"},
        {"name": "catalogue", "path": "/courses", "who": None, "group": "public"},
        {"name": "course page", "path": f"/courses/{ids['course_code']}", "who": None,
         "group": "public"},
        {"name": "cohort register", "path": f"/attendance/sessions/{session}/register",
         "who": trainer, "group": "staff"},
        {"name": "cohort attendance summary", "path": f"/attendance/cohorts/{cohort}",
         "who": trainer, "group": "staff"},
        {"name": "gradebook", "path": f"/cohorts/{cohort}/gradebook", "who": trainer,
         "group": "staff"},
        {"name": "learner home", "path": "/", "who": student, "group": "learner"},
        {"name": "learner progress", "path": "/reports/me", "who": student, "group": "learner"},
        {"name": "programme dashboard", "path": "/reports", "who": admin, "group": "dashboard"},
        {"name": "park dashboard", "path": "/reports/parks/karachi", "who": manager,
         "group": "dashboard"},
        {"name": "verification page", "path": f"/verify/{code}", "who": None, "group": "public"},
        {"name": "API courses", "path": "/api/v1/courses", "who": None, "group": "public",
         "api": True},
        {"name": "API cohort sessions", "path": f"/api/v1/cohorts/{cohort}/sessions",
         "who": trainer, "group": "staff", "api": True},
        {"name": "API attendance summary", "path": f"/api/v1/cohorts/{cohort}/attendance-summary",
         "who": trainer, "group": "staff", "api": True},
        {"name": "API certificates (own)", "path": "/api/v1/certificates", "who": student,
         "group": "learner", "api": True},
        {"name": "API verify", "path": f"/api/v1/verify/{code}", "who": None, "group": "public",
         "api": True},
        {"name": "API programme report", "path": "/api/v1/reports/programme", "who": admin,
         "group": "dashboard", "api": True},
    ]


def enrich(url: str, ids: dict) -> dict:
    """Look up the names the pages need (a trainer of the cohort, a held session, ...)."""
    import sqlalchemy as sa

    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        cohort = ids["cohort_id"]
        ids["trainer_email"] = conn.execute(sa.text(
            "SELECT u.email FROM users u JOIN cohorts c ON c.trainer_id = u.id WHERE c.id = :c"),
            {"c": cohort}).scalar_one()
        ids["session_id"] = conn.execute(sa.text(
            "SELECT id FROM class_sessions WHERE cohort_id = :c ORDER BY starts_at LIMIT 1"),
            {"c": cohort}).scalar_one()
        ids["course_code"] = conn.execute(sa.text(
            "SELECT code FROM courses WHERE id = :c"), {"c": ids["course_id"]}).scalar_one()
        email = conn.execute(sa.text(
            "SELECT u.email FROM users u JOIN enrollments e ON e.user_id = u.id "
            "WHERE e.cohort_id = :c AND u.role = 'student' ORDER BY u.id LIMIT 1"),
            {"c": cohort}).scalar_one()
        ids["student_index"] = email.removeprefix("student").split("@")[0]
    engine.dispose()
    return ids


def load(base: str, page: dict, seconds: float) -> dict:
    """Run the load generator in its own process against one page."""
    from bench.generate import PASSWORD

    cmd = [PY, "-m", "bench.load", base + page["path"], "--seconds", str(seconds),
           "--concurrency", str(CONCURRENCY)]
    if page["who"]:
        cmd += ["--email", page["who"], "--password", PASSWORD]
    if page.get("api"):
        cmd.append("--api")
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    if done.returncode:
        return {"error": (done.stdout + done.stderr).strip()[-300:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure_site(url: str, ids: dict, seconds: float) -> tuple[dict, float]:
    server = Server(url)
    try:
        results = {}
        for page in pages(enrich(url, ids)):
            results[page["name"]] = {**load(server.base, page, seconds), "group": page["group"],
                                     "path": page["path"]}
            r = results[page["name"]]
            log(f"  {page['name']:<40} {r.get('rps', 0):8.1f} req/s  p95 "
                f"{r.get('p95_ms') or 0:7.1f} ms  queries {r.get('queries')}  "
                f"{r.get('error', '') or r.get('status')}")
        return results, server.worker_peak_rss_mb()
    finally:
        server.stop()


def measure_writes(url: str) -> dict:
    """The write benchmarks of bench.writes (morning rush, mixed, capacity) on a fresh server."""
    server = Server(url)
    try:
        cmd = [PY, "-m", "bench.writes", "--url", server.base, "--db", url, "--secret",
               server.secret, "--seconds", str(SECONDS),
               "--learners", os.environ.get("BENCH_RUSH_LEARNERS", "0")]
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    finally:
        server.stop()
    if done.returncode:
        return {"error": (done.stdout + done.stderr).strip()[-2000:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def extras(url: str) -> dict:
    """Figures measured in process: PDF cost, CSV import, clash check."""
    code = "import json; from bench.extras import measure; print(json.dumps(measure()))"
    done = subprocess.run([PY, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False,
                          env={**os.environ, "LMS_ENV": "development", "PYTHONPATH": str(ROOT),
                               "BENCH_URL": url})
    if done.returncode:
        return {"error": done.stderr[-2000:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{OUT / 'full.sqlite3'}"
    small_url = f"sqlite:///{OUT / 'small.sqlite3'}"
    log(f"== generating the programme at full scale ({url.split('@')[-1]})")
    t0 = time.perf_counter()
    ids = build(url, None)
    generation = time.perf_counter() - t0
    log(f"== generating a tenth of it ({small_url.rsplit('/', 1)[-1]}) for query counts")
    small_ids = build(small_url, {"students": 600, "faculty": 50, "trainers": 15, "courses": 6,
                                  "cohorts": 20, "attempts": 5000, "certificates": 500})
    log("== small data set: queries per request")
    small, _ = measure_site(small_url, small_ids, 0.5)
    log(f"== full data set: {SECONDS:.0f} s per page, {CONCURRENCY} connections, 2 workers")
    full, rss = measure_site(url, ids, SECONDS)
    log("== in-process figures")
    other = extras(url)
    report = summarise(full, small, rss, other, ids, generation, url)
    if os.environ.get("BENCH_WRITES", "1") != "0":
        log("== writes: morning rush, reads under writes, write capacity")
        report["writes"] = measure_writes(url)
    write(report)


def summarise(full, small, rss, other, ids, generation, url) -> dict:
    base = full["baseline (50 rows, one indexed query)"].get("rps") or 1
    rows = []
    for name, r in full.items():
        ratio = (r.get("rps") or 0) / base
        goal = GOALS[r["group"]]
        queries, small_q = r.get("queries"), small.get(name, {}).get("queries")
        rows.append({"page": name, "group": r["group"], "rps": round(r.get("rps") or 0, 1),
                     "p50_ms": _r(r.get("p50_ms")), "p95_ms": _r(r.get("p95_ms")),
                     "ratio": round(ratio, 2), "goal": goal, "queries": queries,
                     "queries_small": small_q, "errors": r.get("errors"),
                     "meets_goal": ratio >= goal and (queries or 0) <= MAX_QUERIES
                     and queries == small_q and not r.get("errors")})
    return {"date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": f"{platform.node()} · {platform.machine()} · {os.cpu_count()} cores · "
                       f"Python {platform.python_version()}",
            "database": "PostgreSQL" if url.startswith("postgres") else "SQLite",
            "data": ids.get("counts"), "generation_s": round(generation, 1),
            "worker_peak_rss_mb": round(rss, 1), "pages": rows, "extras": other,
            "settings": {"seconds": SECONDS, "concurrency": CONCURRENCY, "workers": 2}}


def _r(value):
    return None if value is None else round(value, 1)


def write(report: dict) -> None:
    lines = ["# Benchmarks\n", f"Run of {report['date']} on {report['machine']}, "
             f"{report['database']}; data: {report['data']} (generated in "
             f"{report['generation_s']} s).", "",
             f"gunicorn with {report['settings']['workers']} workers, load from a separate process "
             f"over loopback, {report['settings']['concurrency']} connections, "
             f"{report['settings']['seconds']:.0f} s per page. Ratio = requests per second / the "
             "baseline's in the same run. Queries: per request at full scale (at a tenth of it).",
             "", "| page | group | req/s | p50 ms | p95 ms | ratio | goal | queries | ok |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for r in report["pages"]:
        lines.append(f"| {r['page']} | {r['group']} | {r['rps']} | {r['p50_ms']} | {r['p95_ms']} "
                     f"| {r['ratio']} | {r['goal']} | {r['queries']} ({r['queries_small']}) | "
                     f"{'yes' if r['meets_goal'] else 'NO'} |")
    lines += ["", f"Peak memory of a gunicorn worker: {report['worker_peak_rss_mb']} MiB.", ""]
    lines += writes_lines(report.get("writes"))
    for key, value in report["extras"].items():
        lines.append(f"- {key}: {value}")
    text = "\n".join(lines) + "\n"
    print("\n" + text)
    docs = ROOT / "docs"
    docs.mkdir(exist_ok=True)
    name = "benchmarks" if report["database"] == "SQLite" else "benchmarks-postgresql"
    (docs / f"{name}.md").write_text(text)
    (docs / f"{name}.json").write_text(json.dumps(report, indent=2, default=str))
    stamp = report["date"].replace(":", "").replace("-", "")
    (OUT / f"results-{stamp}.json").write_text(json.dumps(report, indent=2, default=str))


def writes_lines(w: dict | None) -> list[str]:
    """The write benchmarks as Markdown (see bench.writes)."""
    if not w:
        return []
    if "error" in w:
        return ["## Writes", "", f"failed: {w['error'][-500:]}", ""]
    r, m, c = w["morning_rush"], w["mixed"], w["capacity"]
    lines = ["## Writes", "",
             f"Morning rush: {r['learners']} learners of one park log in (API token) and check "
             f"in from {r['clients']} clients in {r['seconds']} s: {r['check_ins_per_s']} "
             f"check-ins/s, check-in p50 {r['check_in']['p50_ms']} ms, p95 "
             f"{r['check_in']['p95_ms']} ms; errors {r['errors']}; records {r['records_in_db']} "
             f"for {r['created']} responses 201 (lost {r['lost']}, duplicated {r['duplicated']}).",
             "", f"Reads under {m['rate_asked']} writes/s (half logins, half register saves; "
             f"{m['writes']['writes']} writes, {m['writes']['errors']} errors, p95 "
             f"{m['writes']['p95_ms']} ms):", "",
             "| page | quiet ratio | under writes ratio | p95 ms under writes |",
             "| --- | ---: | ---: | ---: |"]
    for name, q in m["quiet"].items():
        u = m["under_writes"][name]
        lines.append(f"| {name} | {q['ratio']} | {u['ratio']} | {u['p95_ms']} |")
    lines += ["", "Write capacity (single-record register saves, closed loop): " + ", ".join(
        f"{s['clients']} clients {s['writes_per_s']}/s p95 {s['p95_ms']} ms "
        f"errors {s['errors']}" for s in c["steps"]) +
        f"; best with p95 < 250 ms and no error: {c['best_writes_per_s']}/s = "
        f"{c['ratio_to_baseline']}x the baseline page.", ""]
    return lines


if __name__ == "__main__":
    main()
