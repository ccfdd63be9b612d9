"""The `data_versions` table and the triggers that bump it (used by lms.core.cache)."""

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import db


class DataVersion(db.Model):
    """A counter that database triggers bump whenever the data behind it changes."""

    __tablename__ = "data_versions"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    version: Mapped[int] = mapped_column(sa.BigInteger, default=0)


def trigger_sql(dialect: str, table: str) -> list[str]:
    """CREATE TRIGGER statements that bump the 'reports' version on any change of `table`."""
    bump = "UPDATE data_versions SET version = version + 1 WHERE name = 'reports'"
    if dialect == "postgresql":
        return [f"CREATE TRIGGER trg_{table}_reports AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION bump_reports_version()"]
    return [f"CREATE TRIGGER trg_{table}_reports_{op.lower()} AFTER {op} ON {table} "
            f"BEGIN {bump}; END" for op in ("INSERT", "UPDATE", "DELETE")]


PG_FUNCTION = """
CREATE OR REPLACE FUNCTION bump_reports_version() RETURNS trigger AS $$
BEGIN
  UPDATE data_versions SET version = version + 1 WHERE name = 'reports';
  RETURN NULL;
END $$ LANGUAGE plpgsql
"""


def drop_sql(dialect: str, table: str) -> list[str]:
    """DROP TRIGGER statements undoing trigger_sql."""
    if dialect == "postgresql":
        return [f"DROP TRIGGER IF EXISTS trg_{table}_reports ON {table}"]
    return [f"DROP TRIGGER IF EXISTS trg_{table}_reports_{op}" for op in ("insert", "update",
                                                                          "delete")]


def install(connection, tables) -> None:
    """Create the row and the triggers (used by the migration and by tests' create_all)."""
    dialect = connection.dialect.name
    connection.execute(sa.text("INSERT INTO data_versions (name, version) VALUES ('reports', 0)"))
    if dialect == "postgresql":
        connection.execute(sa.text(PG_FUNCTION))
    for table in tables:
        for stmt in trigger_sql(dialect, table):
            connection.execute(sa.text(stmt))
