"""Readiness checks: the database answers, its schema is the newest migration, Redis answers."""

from functools import cache
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from lms.extensions import db


@cache
def migration_heads(directory: str) -> frozenset[str]:
    """The head revision(s) of the Alembic scripts in `directory` (read once per process)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", directory)
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def _migrations_dir() -> str:
    return str(Path(current_app.root_path).parent / "migrations")


def check_database() -> tuple[bool, str]:
    """(ok, detail): one query reads the schema version, which also proves the database answers."""
    try:
        with db.engine.connect() as conn:
            found = {row[0] for row in conn.execute(sa.text("SELECT version_num FROM alembic_version"))}
    except sa.exc.ProgrammingError:
        return False, "no schema version (run `flask --app wsgi lms init`)"
    except sa.exc.OperationalError as exc:
        if "alembic_version" in str(exc):  # SQLite: no such table
            return False, "no schema version (run `flask --app wsgi lms init`)"
        return False, "unreachable"
    except sa.exc.DBAPIError:
        return False, "unreachable"
    heads = migration_heads(_migrations_dir())
    if found != heads:
        return False, (f"schema at {', '.join(sorted(found)) or 'nothing'}, newest is "
                       f"{', '.join(sorted(heads))} (run `flask --app wsgi lms init`)")
    return True, "ok"


@cache
def _redis_client(url: str):
    import redis

    return redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)


def check_redis(url: str) -> tuple[bool, str]:
    """(ok, detail) of a PING to the configured Redis."""
    try:
        _redis_client(url).ping()
    except Exception:  # any failure (refused, timeout, auth) means not ready
        return False, "unreachable"
    return True, "ok"


def readiness() -> tuple[bool, dict[str, str]]:
    """(all ok, {check: detail}) for the database, its schema and Redis when configured."""
    ok, detail = check_database()
    checks = {"database": detail}
    redis_url = current_app.config.get("REDIS_URL")
    if redis_url:
        redis_ok, checks["redis"] = check_redis(redis_url)
        ok = ok and redis_ok
    return ok, checks
