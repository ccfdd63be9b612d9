"""Write benchmarks (issue 15): a park's morning rush, reads under a steady write stream, capacity.

The load comes from this separate process (threads over keep-alive loopback connections) against
a running server; the database is prepared directly first: the sessions of one park's cohorts are
moved to "started five minutes ago" and their attendance emptied, so every learner can check in.

Usage: python -m bench.writes --url http://127.0.0.1:PORT --db DATABASE_URL --secret SECRET_KEY
       [--park karachi] [--clients 32] [--seconds 5] [--rate 20]
Prints one JSON object: morning_rush, mixed (pages quiet and under writes), capacity.
"""

import argparse
import http.client
import json
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa

from bench.generate import PASSWORD
from bench.load import bearer, login_cookie
from bench.load import run as read_load
from lms.attendance.rules import rotating_code, time_step


def _engine(url: str) -> sa.Engine:
    return sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))


def _stamp(engine: sa.Engine, when: datetime):
    """A UTC instant as the column stores it (SQLite: naive text; PostgreSQL: timestamptz)."""
    return when.replace(tzinfo=None) if engine.dialect.name == "sqlite" else when


def open_park(db_url: str, park_slug: str) -> tuple[list[tuple[str, int]], list[dict]]:
    """Start one session of every active cohort of the park now; return (learner e-mail,
    session id) for each enrolled learner (once each) and the sessions with trainer and
    learner ids (for register saves)."""
    engine = _engine(db_url)
    now = datetime.now(UTC)
    pairs, sessions, seen = [], [], set()
    with engine.begin() as conn:
        cohorts = conn.execute(sa.text(
            "SELECT c.id, u.email FROM cohorts c JOIN parks p ON p.id = c.park_id "
            "JOIN users u ON u.id = c.trainer_id WHERE p.slug = :p "
            "AND c.status IN ('open', 'running') ORDER BY c.id"), {"p": park_slug}).all()
        for cohort_id, trainer in cohorts:
            sid = conn.execute(sa.text(
                "SELECT id FROM class_sessions WHERE cohort_id = :c AND status = 'scheduled' "
                "ORDER BY starts_at DESC LIMIT 1"), {"c": cohort_id}).scalar()
            if sid is None:
                continue
            conn.execute(sa.text("DELETE FROM attendance_records WHERE session_id = :s"),
                         {"s": sid})
            conn.execute(sa.text("UPDATE class_sessions SET starts_at = :a, ends_at = :b "
                                 "WHERE id = :s"),
                         {"a": _stamp(engine, now - timedelta(minutes=5)),
                          "b": _stamp(engine, now + timedelta(hours=2)), "s": sid})
            learners = conn.execute(sa.text(
                "SELECT u.id, u.email FROM enrollments e JOIN users u ON u.id = e.user_id "
                "WHERE e.cohort_id = :c AND e.status = 'enrolled' ORDER BY u.id"),
                {"c": cohort_id}).all()
            sessions.append({"id": sid, "trainer": trainer, "learners": [u for u, _ in learners]})
            for _uid, email in learners:
                if email not in seen:
                    seen.add(email)
                    pairs.append((email, sid))
    engine.dispose()
    return pairs, sessions


def count_records(db_url: str, session_ids: list[int]) -> int:
    """Attendance records of these sessions in the database."""
    engine = _engine(db_url)
    with engine.connect() as conn:
        n = conn.execute(sa.select(sa.func.count()).select_from(sa.table("attendance_records"))
                         .where(sa.column("session_id").in_(session_ids))).scalar()
    engine.dispose()
    return n


class Client:
    """One keep-alive connection that times its requests."""

    def __init__(self, netloc: str):
        host, _, port = netloc.partition(":")
        self.host, self.port = host, int(port)
        self.conn = http.client.HTTPConnection(host, self.port, timeout=60)

    def send(self, method: str, path: str, body=None, headers=None) -> tuple[int, float, bytes]:
        t0 = time.perf_counter()
        try:
            self.conn.request(method, path, body=None if body is None else json.dumps(body),
                              headers={"Content-Type": "application/json", **(headers or {})})
            resp = self.conn.getresponse()
            data = resp.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            return 599, time.perf_counter() - t0, b""
        return resp.status, time.perf_counter() - t0, data


def _pcts(latencies: list[float]) -> dict:
    latencies = sorted(latencies)
    n = len(latencies)
    return {"p50_ms": round(1000 * statistics.median(latencies), 1) if n else None,
            "p95_ms": round(1000 * latencies[max(0, int(n * 0.95) - 1)], 1) if n else None}


def morning_rush(url: str, secret: str, pairs: list[tuple[str, int]], clients: int) -> dict:
    """Every learner logs in (a token) and checks in, from `clients` concurrent clients."""
    netloc = urlsplit(url).netloc
    local = threading.local()
    out = {"login": [], "check_in": [], "statuses": {}, "created": 0}
    lock = threading.Lock()

    def one(pair):
        email, sid = pair
        client = getattr(local, "client", None) or Client(netloc)
        local.client = client
        status, dt, data = client.send("POST", "/api/v1/auth/tokens",
                                       {"email": email, "password": PASSWORD})
        with lock:
            out["login"].append(dt)
            out["statuses"][f"login {status}"] = out["statuses"].get(f"login {status}", 0) + 1
        if status != 201:
            return
        token = json.loads(data)["token"]
        code = rotating_code(secret, sid, time_step(datetime.now(UTC)))
        status, dt, _ = client.send("POST", f"/api/v1/sessions/{sid}/check-in", {"code": code},
                                    {"Authorization": f"Bearer {token}"})
        with lock:
            out["check_in"].append(dt)
            key = f"check-in {status}"
            out["statuses"][key] = out["statuses"].get(key, 0) + 1
            out["created"] += status == 201

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(one, pairs))
    elapsed = time.perf_counter() - t0
    errors = sum(n for k, n in out["statuses"].items() if not k.endswith(("201", "200")))
    return {"learners": len(pairs), "clients": clients, "seconds": round(elapsed, 1),
            "check_ins_per_s": round(out["created"] / elapsed, 1), "errors": errors,
            "check_in": _pcts(out["check_in"]), "login": _pcts(out["login"]),
            "created": out["created"], "statuses": out["statuses"]}


class WriteStream:
    """A steady stream of writes (half logins, half register saves) at `rate` per second."""

    def __init__(self, url: str, sessions: list[dict], learners: list[str], rate: float):
        self.netloc = urlsplit(url).netloc
        self.sessions = [s for s in sessions if s["learners"]]
        self.learners, self.rate = learners, rate
        self.stop_flag = threading.Event()
        self.statuses: dict[str, int] = {}
        self.latencies: list[float] = []
        self.lock = threading.Lock()
        self.tokens = {}
        for s in self.sessions[:4]:
            if s["trainer"] not in self.tokens:
                self.tokens[s["trainer"]] = bearer(self.netloc, s["trainer"], PASSWORD)
        self.sessions = [s for s in self.sessions if s["trainer"] in self.tokens]
        self.pool = ThreadPoolExecutor(max_workers=16)

    def _write(self, i: int) -> None:
        client = Client(self.netloc)
        if i % 2:
            email = self.learners[i % len(self.learners)]
            status, dt, _ = client.send("POST", "/api/v1/auth/tokens",
                                        {"email": email, "password": PASSWORD})
            kind = "login"
        else:
            s = self.sessions[(i // 2) % len(self.sessions)]
            status_of = "present" if (i // 2) % 3 else "late"
            status, dt, _ = client.send(
                "PUT", f"/api/v1/sessions/{s['id']}/attendance",
                {"records": [{"user_id": u, "status": status_of} for u in s["learners"][:30]]},
                {"Authorization": f"Bearer {self.tokens[s['trainer']]}"})
            kind = "register save"
        with self.lock:
            self.latencies.append(dt)
            key = f"{kind} {status}"
            self.statuses[key] = self.statuses.get(key, 0) + 1

    def _run(self) -> None:
        i, start = 0, time.perf_counter()
        while not self.stop_flag.is_set():
            self.pool.submit(self._write, i)
            i += 1
            delay = start + i / self.rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)

    def __enter__(self):
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_flag.set()
        self.thread.join()
        self.pool.shutdown(wait=True, cancel_futures=True)  # a backlog is not sent late

    def summary(self) -> dict:
        errors = sum(n for k, n in self.statuses.items() if not k.endswith(("200", "201")))
        return {"writes": len(self.latencies), "errors": errors, "statuses": self.statuses,
                **_pcts(self.latencies)}


MIXED_PAGES = [  # name, path, who ("admin", "manager", "student"), api
    ("baseline (50 rows, one indexed query)", "/_bench/baseline", None, False),
    ("learner home", "/", "student", False),
    ("programme dashboard", "/reports", "admin", False),
    ("park dashboard", "/reports/parks/karachi", "manager", False),
    ("API programme report", "/api/v1/reports/programme", "admin", True),
]


def mixed(url: str, sessions: list[dict], learners: list[str], student: str, seconds: float,
          rate: float) -> dict:
    """Each page quiet, then under the write stream; ratios to the baseline of the same phase."""
    netloc = urlsplit(url).netloc
    who = {"admin": "admin@bench.pk", "manager": "manager.karachi@bench.pk", "student": student}
    headers = {}
    for name, _path, role, api in MIXED_PAGES:
        if role is None:
            headers[name] = {}
        elif api:
            headers[name] = {"Authorization": f"Bearer {bearer(netloc, who[role], PASSWORD)}"}
        else:
            headers[name] = {"Cookie": login_cookie(netloc, who[role], PASSWORD)}

    def measure() -> dict:
        out = {}
        for name, path, _role, _api in MIXED_PAGES:
            r = read_load(url + path, seconds, 4, headers[name])
            out[name] = {"rps": round(r["rps"], 1), "p95_ms": round(r["p95_ms"] or 0, 1),
                         "errors": r["errors"]}
        base = out[MIXED_PAGES[0][0]]["rps"] or 1
        for r in out.values():
            r["ratio"] = round(r["rps"] / base, 2)
        return out

    quiet = measure()
    with WriteStream(url, sessions, learners, rate) as stream:
        loaded = measure()
    return {"quiet": quiet, "under_writes": loaded, "writes": stream.summary(),
            "rate_asked": rate}


def capacity(url: str, sessions: list[dict], seconds: float) -> dict:
    """Closed-loop single-record register saves at 1, 2, 4 and 8 clients: rate, p95, errors."""
    netloc = urlsplit(url).netloc
    s = next(x for x in sessions if x["learners"])
    token = bearer(netloc, s["trainer"], PASSWORD)
    steps = []
    for clients in (1, 2, 4, 8):
        lat, statuses, lock = [], {}, threading.Lock()
        deadline = time.perf_counter() + seconds

        def worker(k, deadline=deadline, lat=lat, statuses=statuses, lock=lock, clients=clients):
            c, i = Client(netloc), 0
            while time.perf_counter() < deadline:
                uid = s["learners"][(k + i * clients) % len(s["learners"])]
                status, dt, _ = c.send("PUT", f"/api/v1/sessions/{s['id']}/attendance",
                                       {"records": [{"user_id": uid, "status": "present"
                                                     if i % 2 else "late"}]},
                                       {"Authorization": f"Bearer {token}"})
                i += 1
                with lock:
                    lat.append(dt)
                    statuses[status] = statuses.get(status, 0) + 1

        t0 = time.perf_counter()
        threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - t0
        steps.append({"clients": clients, "writes_per_s": round(len(lat) / elapsed, 1),
                      "errors": sum(n for k, n in statuses.items() if k != 200), **_pcts(lat)})
    ok = [x for x in steps if not x["errors"] and (x["p95_ms"] or 1e9) < 250]
    return {"steps": steps, "best_writes_per_s": max((x["writes_per_s"] for x in ok), default=0)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--park", default="karachi")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--learners", type=int, default=0, help="at most this many (0: all)")
    args = parser.parse_args()
    pairs, sessions = open_park(args.db, args.park)
    if args.learners:
        pairs = pairs[:args.learners]
    rush = morning_rush(args.url, args.secret, pairs, args.clients)
    in_db = count_records(args.db, [s["id"] for s in sessions])
    rush["records_in_db"] = in_db
    rush["lost"] = max(0, rush["created"] - in_db)
    rush["duplicated"] = max(0, in_db - rush["created"])
    learners = [email for email, _ in pairs]
    mix = mixed(args.url, sessions, learners, learners[0], args.seconds, args.rate)
    cap = capacity(args.url, sessions, args.seconds)
    base = mix["quiet"][MIXED_PAGES[0][0]]["rps"] or 1
    cap["ratio_to_baseline"] = round(cap["best_writes_per_s"] / base, 2)
    print(json.dumps({"morning_rush": rush, "mixed": mix, "capacity": cap}))


if __name__ == "__main__":
    main()
