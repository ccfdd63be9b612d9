"""Stamp the test schema (made by create_all) with the newest migration, as `lms init` would."""

from pathlib import Path

import sqlalchemy as sa

from lms.extensions import db
from lms.ops.health import migration_heads

MIGRATIONS = str(Path(__file__).resolve().parents[2] / "migrations")


def stamp(versions=None) -> None:
    """Write alembic_version rows: the heads, or the given versions."""
    versions = migration_heads(MIGRATIONS) if versions is None else versions
    with db.engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE IF NOT EXISTS alembic_version "
                             "(version_num VARCHAR(32) NOT NULL PRIMARY KEY)"))
        conn.execute(sa.text("DELETE FROM alembic_version"))
        for v in versions:
            conn.execute(sa.text("INSERT INTO alembic_version VALUES (:v)"), {"v": v})


def unstamp() -> None:
    with db.engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
