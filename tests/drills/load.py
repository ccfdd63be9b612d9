"""The drills' load: learners logging in, checking in, saving answers and reading pages through
nginx, from threads; every response is recorded so the drill can count errors and audit writes."""

import itertools
import random
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from lms.attendance import rules as attendance_rules
from tests.drills.stack import SECRET_KEY, Client


@dataclass
class Result:
    kind: str  # login, check_in, answer, page
    status: int  # 0: no HTTP answer (connection error, timeout)
    started: float
    ended: float
    detail: str = ""  # an error's kind: connection, json_503, page_503, 500, traceback...


@dataclass
class Learner:
    uid: int
    email: str
    client: Client  # logged in to the HTML pages (session cookie)
    api: Client | None = None  # no cookies: API logins (a cookie would call for a CSRF token)
    token: str = ""
    attempt: int = 0
    sessions: list = field(default_factory=list)  # session ids still to check in to


@dataclass
class Ledger:
    """What the server acknowledged: the drill compares it with the database afterwards."""

    check_ins: set = field(default_factory=set)  # (session, user) answered 201
    check_ins_unacked: set = field(default_factory=set)  # sent, no 2xx (may or may not be in)
    answers: dict = field(default_factory=dict)  # attempt -> list of (value, acknowledged)
    lock: threading.Lock = field(default_factory=threading.Lock)


def classify(resp) -> str:
    """An error response's kind; '' for a success or an expected refusal."""
    if resp.status_code < 400 or resp.status_code in (409,):
        return ""
    body = resp.text
    if "Traceback" in body or 'File "' in body:
        return f"{resp.status_code}_traceback"
    if resp.status_code == 503:  # from the app (with a request id) or nginx's static page
        if resp.headers.get("Content-Type", "").startswith("application/json"):
            error = resp.json().get("error") or {}
            source = "app" if error.get("request_id") else "nginx"
            return f"503_json_{error.get('code')}_{source}"
        return "503_page_" + ("app" if "Reference:" in body else "nginx")
    return str(resp.status_code)


class Load:
    """Run `threads` workers over the learners until stop(); results are kept in order."""

    def __init__(self, base: str, learners: list[Learner], exam: int, question: int,
                 password: str, mix=("check_in", "answer", "page", "page", "answer", "login")):
        self.base, self.learners, self.exam, self.question = base, learners, exam, question
        self.password, self.mix = password, mix
        self.results: list[Result] = []
        self.ledger = Ledger()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._values = itertools.count()

    # -- setup (before the drill) ------------------------------------------------------------
    def prepare(self, learner: Learner) -> None:
        """Bearer token, a logged-in HTML session and an open attempt for a learner."""
        c = learner.client
        learner.api = Client(self.base)
        learner.token = self._login(learner).json()["token"]
        page = c.get("/login").text
        csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        resp = c.post("/login", data={"email": learner.email, "password": self.password,
                                      "csrf_token": csrf}, allow_redirects=False,
                      headers={"Referer": self.base + "/login"})  # HTTPS: Flask-WTF checks it
        assert resp.status_code in (302, 303), resp.status_code
        resp = c.post(f"/api/v1/assessments/{self.exam}/attempts", headers=self._auth(learner))
        assert resp.status_code == 201, resp.text
        learner.attempt = resp.json()["id"]

    def _auth(self, learner: Learner) -> dict:
        return {"Authorization": f"Bearer {learner.token}"}

    # -- actions -------------------------------------------------------------------------------
    def _login(self, learner: Learner):
        return learner.api.post("/api/v1/auth/tokens",
                                json={"email": learner.email, "password": self.password})

    def _check_in(self, learner: Learner):
        if not learner.sessions:
            return None
        session = learner.sessions[0]
        step = attendance_rules.time_step(datetime.now(UTC))
        code = attendance_rules.rotating_code(SECRET_KEY, session, step)
        resp = learner.client.post(f"/api/v1/sessions/{session}/check-in", json={"code": code},
                                   headers=self._auth(learner))
        with self.ledger.lock:
            if resp is not None and resp.status_code == 201:
                self.ledger.check_ins.add((session, learner.uid))
                self.ledger.check_ins_unacked.discard((session, learner.uid))
            else:
                self.ledger.check_ins_unacked.add((session, learner.uid))
        if resp.status_code in (201, 409):  # 409: marked already (an earlier, unanswered try)
            learner.sessions.pop(0)
        return resp

    def _answer(self, learner: Learner):
        value = f"v{next(self._values)}"
        sent = self.ledger.answers.setdefault(learner.attempt, [])
        sent.append([value, False])  # recorded before sending: it may be applied unanswered
        resp = learner.client.put(f"/api/v1/attempts/{learner.attempt}/answers",
                                  json={"answers": [{"question_id": self.question,
                                                     "response": value}]},
                                  headers=self._auth(learner))
        sent[-1][1] = resp.status_code == 200
        return resp

    def _page(self, learner: Learner):
        return learner.client.get("/")

    def one(self, learner: Learner, kind: str) -> Result | None:
        """Send one request of `kind` for `learner` and record it."""
        started = time.monotonic()
        try:
            resp = getattr(self, f"_{kind}")(learner)
        except Exception as exc:  # connection refused/reset, timeout: no HTTP answer
            if kind == "check_in" and learner.sessions:
                with self.ledger.lock:
                    self.ledger.check_ins_unacked.add((learner.sessions[0], learner.uid))
            result = Result(kind, 0, started, time.monotonic(), f"no_answer:{type(exc).__name__}")
        else:
            if resp is None:
                return None
            result = Result(kind, resp.status_code, started, time.monotonic(), classify(resp))
        self.results.append(result)
        return result

    # -- running -------------------------------------------------------------------------------
    def _run(self, learners: list[Learner]) -> None:
        rnd = random.Random(len(learners))  # noqa: S311
        while not self._stop.is_set():
            learner = rnd.choice(learners)
            self.one(learner, rnd.choice(self.mix))

    def start(self, threads: int) -> None:
        self._stop.clear()
        groups = [self.learners[i::threads] for i in range(threads)]  # one thread per learner
        self._threads = [threading.Thread(target=self._run, args=(g,), daemon=True)
                         for g in groups if g]
        for t in self._threads:
            t.start()

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=60)

    def window(self, since: float, until: float | None = None) -> list[Result]:
        return [r for r in self.results if r.started >= since
                and (until is None or r.started < until)]


def summary(results: list[Result]) -> dict:
    """Requests, by kind, and errors by kind of error."""
    return {"requests": len(results),
            "by_kind": dict(Counter(r.kind for r in results)),
            "errors": dict(Counter(r.detail for r in results if r.detail))}
