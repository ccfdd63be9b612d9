"""The load generator: a separate process that logs in and hammers one URL over loopback.

Usage: python -m bench.load URL --seconds 5 --concurrency 4 [--email E --password P] [--api]
Prints one JSON object: requests, errors, rps, p50_ms, p95_ms, queries (X-Query-Count), status.
"""

import argparse
import http.client
import json
import re
import statistics
import threading
import time
from urllib.parse import urlencode, urlsplit


def _conn(netloc: str) -> http.client.HTTPConnection:
    host, _, port = netloc.partition(":")
    return http.client.HTTPConnection(host, int(port or 80), timeout=30)


def login_cookie(netloc: str, email: str, password: str) -> str:
    """Log in through the form (with its CSRF token) and return the Cookie header."""
    c = _conn(netloc)
    c.request("GET", "/login")
    resp = c.getresponse()
    html = resp.read().decode()
    cookie = resp.getheader("Set-Cookie", "").split(";")[0]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    body = urlencode({"csrf_token": token, "email": email, "password": password})
    c.request("POST", "/login", body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    resp = c.getresponse()
    resp.read()
    if resp.status != 302:
        raise SystemExit(f"login as {email} failed: {resp.status}")
    return resp.getheader("Set-Cookie", "").split(";")[0]


def bearer(netloc: str, email: str, password: str) -> str:
    """A bearer token from POST /api/v1/auth/tokens."""
    c = _conn(netloc)
    c.request("POST", "/api/v1/auth/tokens", body=json.dumps({"email": email, "password": password}),
              headers={"Content-Type": "application/json"})
    resp = c.getresponse()
    data = json.loads(resp.read())
    if resp.status != 201:
        raise SystemExit(f"token for {email} failed: {resp.status} {data}")
    return data["token"]


def run(url: str, seconds: float, concurrency: int, headers: dict) -> dict:
    """Send GETs from `concurrency` keep-alive connections for `seconds`; collect latencies."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    latencies: list[float] = []
    errors = [0]
    statuses: dict[int, int] = {}
    queries: list[int] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker():
        c = _conn(parts.netloc)
        local, bad = [], 0
        while time.perf_counter() < deadline:
            t0 = time.perf_counter()
            try:
                c.request("GET", path, headers=headers)
                resp = c.getresponse()
                resp.read()
            except (OSError, http.client.HTTPException):
                bad += 1
                c.close()
                c = _conn(parts.netloc)
                continue
            local.append(time.perf_counter() - t0)
            with lock:
                statuses[resp.status] = statuses.get(resp.status, 0) + 1
                if resp.status >= 400:
                    bad += 1
                if len(queries) < 50 and resp.getheader("X-Query-Count"):
                    queries.append(int(resp.getheader("X-Query-Count")))
        with lock:
            latencies.extend(local)
            errors[0] += bad

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    n = len(latencies)
    return {"requests": n, "errors": errors[0], "rps": n / elapsed if elapsed else 0.0,
            "p50_ms": 1000 * statistics.median(latencies) if n else None,
            "p95_ms": 1000 * latencies[max(0, int(n * 0.95) - 1)] if n else None,
            "queries": max(queries) if queries else None, "status": statuses}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--email")
    parser.add_argument("--password")
    parser.add_argument("--api", action="store_true")
    args = parser.parse_args()
    netloc = urlsplit(args.url).netloc
    headers = {}
    if args.email:
        if args.api:
            headers["Authorization"] = f"Bearer {bearer(netloc, args.email, args.password)}"
        else:
            headers["Cookie"] = login_cookie(netloc, args.email, args.password)
    run(args.url, 0.5, args.concurrency, headers)  # warm up
    print(json.dumps(run(args.url, args.seconds, args.concurrency, headers)))


if __name__ == "__main__":
    main()
