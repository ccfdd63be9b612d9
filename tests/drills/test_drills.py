"""Fault drills of the production setup (issue 22), on this machine over loopback.

Debian's nginx (deploy/nginx/lms.conf) in front of two gunicorn servers (deploy/gunicorn.conf.py,
2 workers each), one PostgreSQL cluster of our own and one redis-server. Learners log in, check
in, save answers and read their home page through nginx while one part is taken away. Figures
are printed (run with -s) and written to test-artifacts/drills.json.

Slow (about 2-3 minutes): run once per CI run with LMS_DRILLS=1 (`.ci/run` does).
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.drills import load as loadmod
from tests.drills.stack import APP_PORTS, BIN, ROOT, Client, Stack, missing_tools, wait_for

pytestmark = [
    pytest.mark.drill,
    pytest.mark.skipif(os.environ.get("LMS_DRILLS") != "1",
                       reason="fault drills run once per CI run: set LMS_DRILLS=1"),
]
LEARNERS, THREADS, SESSIONS_PER_PHASE = 48, 8, 3
PHASES = ("tp2", "tp1", "server", "postgres", "redis")
FIGURES: dict = {}


def _missing() -> list[str]:
    return missing_tools() if os.environ.get("LMS_DRILLS") == "1" else []


@pytest.fixture(scope="module")
def stack():
    if missing := _missing():
        pytest.skip(f"the drills need {', '.join(missing)} (apt-get install nginx "
                    "redis-server postgresql openssl)")
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="lms-drill-"))
    st = Stack(workdir)
    try:
        st.pg_init()
        st.redis_start()
        done = st.flask("lms", "init")
        assert done.returncode == 0, done.stderr[-2000:]
        seeded = subprocess.run(
            [sys.executable, "-m", "tests.drills.seed", str(LEARNERS),
             str(SESSIONS_PER_PHASE * len(PHASES))],
            cwd=ROOT, env=st.env(), capture_output=True, text=True, timeout=300, check=False)
        assert seeded.returncode == 0, seeded.stderr[-2000:]
        st.seed = json.loads(seeded.stdout.strip().splitlines()[-1])
        for port in APP_PORTS:
            st.app_start(port)
        st.nginx_start()
        yield st
    finally:
        st.close()
        FIGURES["module_s"] = round(time.monotonic() - started, 1)
        out = ROOT / "test-artifacts"
        out.mkdir(exist_ok=True)
        (out / "drills.json").write_text(json.dumps(FIGURES, indent=2))
        print("\nDRILL FIGURES\n" + json.dumps(FIGURES, indent=2))


@pytest.fixture(scope="module")
def load(stack):
    seed = stack.seed
    learners = [loadmod.Learner(uid, email, Client(stack.base)) for uid, email in seed["learners"]]
    lo = loadmod.Load(stack.base, learners, seed["exam"], seed["question"], seed["password"])
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(lo.prepare, learners))
    return lo


def phase_sessions(stack, load, phase: str) -> None:
    """Give every learner the sessions of this phase to check in to."""
    i = PHASES.index(phase) * SESSIONS_PER_PHASE
    ids = stack.seed["sessions"][i:i + SESSIONS_PER_PHASE]
    for learner in load.learners:
        learner.sessions = list(ids)


def audit(stack, load) -> dict:
    """Acknowledged writes missing from the database, and writes applied twice."""
    rows = stack.psql("SELECT session_id || ',' || user_id FROM attendance_records "
                      "WHERE source = 'check_in'").split()
    in_db = {tuple(int(x) for x in r.split(",")) for r in rows}
    doubled = int(stack.psql("SELECT count(*) FROM (SELECT 1 FROM attendance_records GROUP BY "
                             "session_id, user_id HAVING count(*) > 1) d"))
    lost_check_ins = len(load.ledger.check_ins - in_db)
    answers = dict(tuple(r.split("|", 1)) for r in stack.psql(
        f"SELECT attempt_id, response #>> '{{}}' FROM answers "
        f"WHERE question_id = {stack.seed['question']}").splitlines() if r)
    lost_answers = 0
    for attempt, sent in load.ledger.answers.items():
        acked = [i for i, (_, ok) in enumerate(sent) if ok]
        if not acked:
            continue
        stored = answers.get(str(attempt))
        # the stored value must be the last acknowledged one or one sent after it
        if stored not in [v for v, _ in sent[acked[-1]:]]:
            lost_answers += 1
    return {"acknowledged_check_ins": len(load.ledger.check_ins),
            "check_ins_in_db": len(in_db),
            "applied_without_answer": len((in_db - load.ledger.check_ins)
                                          & load.ledger.check_ins_unacked),
            "lost_check_ins": lost_check_ins, "lost_answers": lost_answers,
            "doubled": doubled}


def no_bad_errors(results) -> list[str]:
    """500s and tracebacks are never acceptable."""
    return [r.detail for r in results if r.detail.startswith("500") or "traceback" in r.detail]


def _run_for(load, seconds: float) -> None:
    time.sleep(seconds)  # the load runs in its threads meanwhile


def test_throttle_holds_across_servers(stack, load):
    """Issue 17 item 13 with the production command: 150 verifications a minute from one
    address through nginx and both servers, 60 let through (the documented limit)."""
    client = Client(stack.base)
    with ThreadPoolExecutor(THREADS) as pool:
        codes = list(pool.map(lambda _: client.get("/api/v1/verify/KP-0000-0000-0000-0000")
                              .status_code, range(150)))
    FIGURES["throttle"] = {"sent": 150, "let_through": 150 - codes.count(429),
                           "refused_429": codes.count(429)}
    assert codes.count(429) == 90 and set(codes) == {404, 429}


def _throughput(stack, load, phase: str) -> dict:
    """Learner home pages per second for 6 s, then check-ins per second (3 sessions each)."""
    lo = loadmod.Load(stack.base, load.learners, load.exam, load.question, load.password,
                      mix=("page",))
    lo.start(THREADS)
    t0 = time.monotonic()
    _run_for(lo, 6)
    lo.stop()
    pages = [r for r in lo.window(t0) if r.status == 200]
    home_rps = len(pages) / (time.monotonic() - t0)
    phase_sessions(stack, load, phase)
    t0 = time.monotonic()
    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(lambda lr: [load.one(lr, "check_in")
                                            for _ in range(SESSIONS_PER_PHASE)],
                                load.learners))
    elapsed = time.monotonic() - t0
    ok = sum(1 for rs in results for r in rs if r and r.status == 201)
    return {"home_per_s": round(home_rps, 1), "check_ins_per_s": round(ok / elapsed, 1),
            "home_errors": len([r for r in lo.results if r.status != 200]),
            "check_in_201": ok}


def test_throughput_two_servers(stack, load):
    FIGURES["throughput_2_servers"] = _throughput(stack, load, "tp2")
    assert FIGURES["throughput_2_servers"]["check_in_201"] == LEARNERS * SESSIONS_PER_PHASE


def test_drill_1_stop_one_app_server(stack, load):
    """Kill one server (SIGKILL, requests in flight cut): the other takes every request; no
    acknowledged write lost, none applied twice."""
    phase_sessions(stack, load, "server")
    t0 = time.monotonic()
    load.start(THREADS)
    _run_for(load, 3)
    killed_at = time.monotonic()
    stack.app_kill(APP_PORTS[1])
    _run_for(load, 6)
    load.stop()
    results = load.window(t0)
    after = [r for r in results if r.started > killed_at + 1]
    FIGURES["drill_1_stop_server"] = {**loadmod.summary(results),
                                      "errors_1s_after_kill": loadmod.summary(after)["errors"],
                                      **audit(stack, load)}
    fig = FIGURES["drill_1_stop_server"]
    assert not no_bad_errors(results)
    assert fig["lost_check_ins"] == 0 and fig["lost_answers"] == 0 and fig["doubled"] == 0
    assert not loadmod.summary(after)["errors"], "the remaining server must take every request"


def test_throughput_one_server(stack, load):
    FIGURES["throughput_1_server"] = _throughput(stack, load, "tp1")
    two, one = FIGURES["throughput_2_servers"], FIGURES["throughput_1_server"]
    FIGURES["throughput_ratio_2_to_1"] = {
        "home": round(two["home_per_s"] / one["home_per_s"], 2),
        "check_in": round(two["check_ins_per_s"] / one["check_ins_per_s"], 2)}
    stack.app_start(APP_PORTS[1])  # back to two servers for the next drills
    assert one["check_in_201"] == LEARNERS * SESSIONS_PER_PHASE


def test_drill_2_restart_postgresql(stack, load):
    """Stop PostgreSQL under load: 503 (JSON or page, never a traceback) while it is down;
    everything works within 5 s of its return, without restarting the app."""
    phase_sessions(stack, load, "postgres")
    t0 = time.monotonic()
    load.start(THREADS)
    _run_for(load, 2)
    down_at = time.monotonic()
    stack.pg_stop()
    _run_for(load, 4)
    stack.pg_start()
    back_at = time.monotonic()
    _run_for(load, 8)
    load.stop()
    results = load.window(t0)
    down = [r for r in results if down_at + 0.5 < r.started and r.ended < back_at]
    errors_after = [r for r in results if r.detail and r.started >= back_at]
    recovery = max((r.ended for r in errors_after), default=back_at) - back_at
    late = [r for r in results if r.started > back_at + 5]
    FIGURES["drill_2_restart_postgres"] = {
        **loadmod.summary(results), "down_s": round(back_at - down_at, 1),
        "answers_while_down": loadmod.summary(down)["errors"],
        "recovery_s": round(recovery, 2),
        "first_2xx_after_return_s": {
            kind: round(min((r.ended for r in results if r.kind == kind and r.started >= back_at
                             and 200 <= r.status < 300), default=float("nan")) - back_at, 2)
            for kind in ("login", "check_in", "answer", "page")},
        "requests_after_return": len([r for r in results if r.started >= back_at]),
        **audit(stack, load)}
    fig = FIGURES["drill_2_restart_postgres"]
    assert not no_bad_errors(results)
    assert down and all((r.detail.startswith("503") and r.detail.endswith("_app"))
                        or r.status in (200, 201) for r in down), fig["answers_while_down"]
    assert recovery <= 5 and late and not [r for r in late if r.detail]
    assert fig["lost_check_ins"] == 0 and fig["lost_answers"] == 0 and fig["doubled"] == 0


def test_drill_3_stop_redis(stack, load):
    """Stop Redis: logins and check-ins keep working (throttles count per process meanwhile);
    /readyz says so; counting returns to Redis when it is back."""
    phase_sessions(stack, load, "redis")
    client = Client(stack.base)
    t0 = time.monotonic()
    load.start(THREADS)
    _run_for(load, 2)
    stack.redis_stop()
    stopped_at = time.monotonic()
    _run_for(load, 1)
    ready_down = client.get("/readyz")
    _run_for(load, 3)
    stack.redis_start()
    back_at = time.monotonic()

    import redis

    store = redis.Redis.from_url(stack.redis_url)

    def counting_in_redis():
        client.get("/api/v1/verify/KP-0000-0000-0000-0000")
        return store.dbsize() > 0

    ready_s = wait_for(lambda: client.get("/readyz").status_code == 200, 10, "ready")
    recovered = time.monotonic() - back_at + wait_for(counting_in_redis, 60,
                                                      "throttle counts back in Redis")
    load.stop()
    results = load.window(t0)
    while_down = [r for r in results if stopped_at <= r.started < back_at]
    FIGURES["drill_3_stop_redis"] = {
        **loadmod.summary(results), "requests_while_down": loadmod.summary(while_down),
        "readyz_while_down": [ready_down.status_code, ready_down.json()["checks"]],
        "throttle_back_in_redis_after_s": round(recovered, 2),
        "ready_after_s": round(ready_s, 2), **audit(stack, load)}
    assert ready_down.status_code == 503 and ready_down.json()["checks"]["redis"] == "unreachable"
    assert while_down and not [r for r in while_down if r.detail], \
        FIGURES["drill_3_stop_redis"]["requests_while_down"]
    kinds = {r.kind for r in while_down if r.status in (200, 201)}
    assert {"login", "check_in"} <= kinds


@pytest.mark.skip(reason="needs the e-mail outbox and `flask --app wsgi lms worker` (issue 19)")
def test_drill_4_kill_the_worker_mid_batch():
    """To come with the outbox: queue a few hundred messages for a local SMTP sink, SIGKILL
    `lms worker` mid-batch, start it again; every message reaches the sink exactly once (none
    lost, none sent twice) and the outbox depth returns to 0 (lms_outbox_depth at /metrics)."""


def test_backup_and_restore_into_an_empty_database(stack, load):
    """The backup timer's job (`lms backup`) on PostgreSQL, restored into an empty database:
    the same row counts, and a server on it answers."""
    dump = stack.dir / "lms-backup.dump"
    t0 = time.monotonic()
    done = stack.flask("lms", "backup", str(dump))
    backup_s = time.monotonic() - t0
    assert done.returncode == 0, done.stderr[-2000:]
    stack.psql("CREATE DATABASE lms_restored OWNER lms", "postgres")
    restored_url = stack.database_url.rsplit("/", 1)[0] + "/lms_restored"
    done = stack.flask("lms", "restore", str(dump), "--yes", DATABASE_URL=restored_url)
    assert done.returncode == 0, done.stderr[-2000:]
    tables = stack.psql("SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                        "ORDER BY 1").split()
    count_sql = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM \"{t}\"" for t in tables)
    # the live site keeps writing (tokens, audit): compare with the database as dumped, i.e.
    # stop the load first (it is stopped) and count both now
    live = stack.psql(count_sql)
    copy = stack.psql(count_sql, "lms_restored")
    FIGURES["backup_restore"] = {"tables": len(tables), "backup_s": round(backup_s, 2),
                                 "dump_bytes": dump.stat().st_size,
                                 "rows": sum(int(line.split("|")[1]) for line in live.split())}
    assert live == copy
    # a server on the restored database is ready and lets a learner log in
    port = 12282
    proc = subprocess.Popen([str(BIN / "gunicorn"), "-w", "1", "-b", f"127.0.0.1:{port}",
                             "wsgi:app"], cwd=ROOT,
                            env=stack.env(DATABASE_URL=restored_url, LMS_SINGLE_PROCESS="1",
                                          LMS_PROXY_COUNT="0"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        direct = Client(f"http://127.0.0.1:{port}")

        def ready():
            try:
                return direct.get("/readyz", timeout=2).status_code == 200
            except Exception:  # not listening yet
                return False

        wait_for(ready, 60, "the restored site's readiness")
        resp = direct.post("/api/v1/auth/tokens", json={
            "email": load.learners[0].email, "password": stack.seed["password"]})
        assert resp.status_code == 201
    finally:
        proc.terminate()
        proc.wait(timeout=20)
