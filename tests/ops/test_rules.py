"""The pure rules of lms.ops: limiter storage, metrics access."""

import ipaddress

import pytest

from lms.ops import rules


@pytest.mark.parametrize("uri,shared", [("memory://", False), ("redis://x:6379", True),
                                        ("rediss://x:6380", True), ("memcached://x", True),
                                        ("redis+sentinel://x", True), ("MEMORY://", False)])
def test_shared_storage(uri, shared):
    assert rules.is_shared_storage(uri) is shared


def test_production_refuses_memory_storage_unless_single_process():
    with pytest.raises(rules.Misconfigured, match="REDIS_URL"):
        rules.check_limiter_storage("production", True, "memory://", single_process=False)
    rules.check_limiter_storage("production", True, "memory://", single_process=True)
    rules.check_limiter_storage("production", True, "redis://127.0.0.1:6379", False)
    rules.check_limiter_storage("production", False, "memory://", False)  # throttling off
    rules.check_limiter_storage("development", True, "memory://", False)


def test_networks_and_addresses():
    nets = rules.parse_networks("127.0.0.1, 10.0.0.0/8;::1")
    assert nets == [ipaddress.ip_network("127.0.0.1/32"), ipaddress.ip_network("10.0.0.0/8"),
                    ipaddress.ip_network("::1/128")]
    assert rules.address_allowed("10.2.3.4", nets)
    assert rules.address_allowed("::1", nets)
    assert not rules.address_allowed("192.168.1.1", nets)
    assert not rules.address_allowed("not an address", nets)
    assert not rules.address_allowed(None, nets)
    assert not rules.address_allowed("127.0.0.1", [])
    with pytest.raises(rules.Misconfigured, match="METRICS_ALLOWED"):
        rules.parse_networks("127.0.0.1, localhost")


def test_token_matches():
    assert rules.token_matches("Bearer s3cret-token", "s3cret-token")
    assert rules.token_matches("bearer s3cret-token ", "s3cret-token")
    assert not rules.token_matches("Bearer wrong", "s3cret-token")
    assert not rules.token_matches("Basic s3cret-token", "s3cret-token")
    assert not rules.token_matches("Bearer ", "")  # no token configured: never


@pytest.mark.parametrize("args,unavailable", [
    ((True, None, None, "psycopg", "OperationalError"), True),  # connection dropped
    ((False, "08006", None, "psycopg", "OperationalError"), True),  # connection failure
    ((False, "57P01", None, "psycopg", "OperationalError"), True),  # admin shutdown
    ((False, "57P03", None, "psycopg", "OperationalError"), True),  # starting up
    ((False, "53300", None, "psycopg", "OperationalError"), True),  # too many connections
    ((False, None, None, "psycopg", "OperationalError"), True),  # connect refused: no SQLSTATE
    ((False, "42P01", None, "psycopg", "ProgrammingError"), False),  # no such table: a bug
    ((False, "57014", None, "psycopg", "QueryCanceled"), False),  # statement timeout
    ((False, None, "SQLITE_BUSY", "sqlite3", "OperationalError"), True),
    ((False, None, "SQLITE_ERROR", "sqlite3", "OperationalError"), False),  # no such table
])
def test_unavailable_error(args, unavailable):
    assert rules.unavailable_error(*args) is unavailable
