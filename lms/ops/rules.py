"""Pure rules of the operations package: limiter storage, metrics access (no Flask, no DB)."""

import hmac
import ipaddress

SHARED_STORAGE_SCHEMES = ("redis", "rediss", "redis+sentinel", "redis+cluster", "memcached",
                          "mongodb", "valkey", "valkeys")


class Misconfigured(RuntimeError):
    """A setting that would make the app behave other than documented; refuse to start."""


def is_shared_storage(uri: str) -> bool:
    """True when the rate-limit storage URI names storage that every process shares."""
    scheme = uri.partition("://")[0].lower()
    return scheme in SHARED_STORAGE_SCHEMES or scheme.startswith(("redis", "valkey"))


def check_limiter_storage(env_name: str, enabled: bool, uri: str, single_process: bool) -> None:
    """Production refuses per-process throttle counters unless one process serves the site.

    With memory storage every worker counts on its own, so N workers let N times the documented
    limit through; only an operator who runs exactly one worker (LMS_SINGLE_PROCESS=1) may use it.
    """
    if env_name != "production" or not enabled or is_shared_storage(uri) or single_process:
        return
    raise Misconfigured(
        f"Rate-limit storage {uri.partition('://')[0]}:// counts per process, so with several "
        "workers the throttles would let several times their limit through. Set REDIS_URL (or "
        "RATELIMIT_STORAGE_URI) to a shared Redis, or set LMS_SINGLE_PROCESS=1 if exactly one "
        "worker process serves the site."
    )


def unavailable_error(invalidated: bool, sqlstate: str | None, sqlite_name: str | None,
                      driver: str, error_class: str) -> bool:
    """True for a database error that means "away or busy, try again" (503), not a bug (500).

    A dropped connection; PostgreSQL's connection exceptions (08), shutdown or start-up (57P),
    lack of resources (53); a psycopg connection attempt that failed (no SQLSTATE); SQLite busy.
    """
    if invalidated:
        return True
    if sqlstate:
        return sqlstate[:2] in ("08", "53") or sqlstate[:3] == "57P"
    if sqlite_name:
        return sqlite_name in ("SQLITE_BUSY", "SQLITE_LOCKED")
    return driver == "psycopg" and error_class == "OperationalError"


def parse_networks(spec: str) -> list:
    """'127.0.0.1, 10.0.0.0/8' -> networks; an unparsable entry is a configuration error."""
    networks = []
    for part in (p.strip() for p in spec.replace(";", ",").split(",")):
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise Misconfigured(f"METRICS_ALLOWED: {part!r} is not an address or network") from None
    return networks


def address_allowed(address: str | None, networks: list) -> bool:
    """True when `address` lies in one of `networks` (an unparsable address never does)."""
    if not address or not networks:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip.version == net.version and ip in net for net in networks)


def token_matches(header: str, token: str) -> bool:
    """True when an `Authorization: Bearer <token>` header carries the configured token."""
    scheme, _, given = header.partition(" ")
    if not token or scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())
