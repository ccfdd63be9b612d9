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


# --- versions per table and park (issue 15) -----------------------------------------------------
# Each row of data_versions is named "<table>:<park id>" ("<table>:0" for a change that belongs to
# no park, or to every park) and counts the changes of that table in that park. A figure depends
# on the rows of its tables in its park (and their ":0" rows), so a check-in at Karachi renews
# only Karachi's attendance figures, and a login (users.last_login_at) renews nothing. Rows are
# made by the first change (an upsert); a missing row reads as version 0. The row "epoch" tells
# the cache that the triggers exist (without it nothing is cached) and is part of every stamp:
# a restore moves it past every value seen (lms.core.backup), so nothing cached before is used.

PARK_OF = {  # table: SQL of a row's park, the row being X (None: the table belongs to no park)
    "attendance_records": "(SELECT c.park_id FROM class_sessions s JOIN cohorts c "
                          "ON c.id = s.cohort_id WHERE s.id = X.session_id)",
    "enrollments": "(SELECT c.park_id FROM cohorts c WHERE c.id = X.cohort_id)",
    "attempts": "(SELECT c.park_id FROM cohorts c WHERE c.id = X.cohort_id)",
    "class_sessions": "(SELECT c.park_id FROM cohorts c WHERE c.id = X.cohort_id)",
    "cohorts": "X.park_id",
    "certificates": "X.park_id",
    "courses": None,
    "assessments": None,
    "parks": None,
    "users": None,
}
# users: only the columns figures show or group by (not last_login_at, password, sessions)
USER_COLUMNS = ("email", "full_name", "role", "park_id", "active")


def _upsert(table: str, park_sql: str, dialect: str) -> str:
    target = "data_versions.version" if dialect == "postgresql" else "version"
    return (f"INSERT INTO data_versions (name, version) VALUES ('{table}:' || "  # noqa: S608
            f"COALESCE({park_sql}, 0), 1) ON CONFLICT (name) DO UPDATE SET version = {target} + 1")


def _pg_function(table: str) -> str:
    park = PARK_OF[table]
    if park is None:
        body = _upsert(table, "0", "postgresql") + ";"
    else:
        def from_rows(rows: str) -> str:
            return (f"INSERT INTO data_versions (name, version) SELECT DISTINCT '{table}:' || "  # noqa: S608
                    f"COALESCE({park.replace('X.', 'r.')}, 0), 1 FROM {rows} r ORDER BY 1 "
                    f"ON CONFLICT (name) DO UPDATE SET version = data_versions.version + 1;")
        body = (f"IF TG_OP = 'TRUNCATE' THEN {_upsert(table, '0', 'postgresql')}; END IF;\n"
                f"  IF TG_OP IN ('INSERT', 'UPDATE') THEN {from_rows('new_rows')} END IF;\n"
                f"  IF TG_OP IN ('UPDATE', 'DELETE') THEN {from_rows('old_rows')} END IF;")
    return (f"CREATE OR REPLACE FUNCTION lms_bump_{table}() RETURNS trigger AS $$\nBEGIN\n"
            f"  {body}\n  RETURN NULL;\nEND $$ LANGUAGE plpgsql")


def park_trigger_sql(dialect: str, table: str) -> list[str]:
    """The statements that create `table`'s version triggers (and its function on PostgreSQL)."""
    park = PARK_OF[table]
    if dialect == "postgresql":
        run = f"FOR EACH STATEMENT EXECUTE FUNCTION lms_bump_{table}()"
        if table == "users":
            return [_pg_function(table),
                    f"CREATE TRIGGER trg_users_v_upd AFTER UPDATE OF {', '.join(USER_COLUMNS)} "
                    f"ON users {run}"]
        if park is None:
            return [_pg_function(table),
                    f"CREATE TRIGGER trg_{table}_v AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                    f"ON {table} {run}"]
        return [_pg_function(table),
                f"CREATE TRIGGER trg_{table}_v_ins AFTER INSERT ON {table} "
                f"REFERENCING NEW TABLE AS new_rows {run}",
                f"CREATE TRIGGER trg_{table}_v_upd AFTER UPDATE ON {table} "
                f"REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows {run}",
                f"CREATE TRIGGER trg_{table}_v_del AFTER DELETE ON {table} "
                f"REFERENCING OLD TABLE AS old_rows {run}",
                f"CREATE TRIGGER trg_{table}_v_trunc AFTER TRUNCATE ON {table} {run}"]
    if table == "users":
        return [f"CREATE TRIGGER trg_users_v_update AFTER UPDATE OF {', '.join(USER_COLUMNS)} "
                f"ON users BEGIN {_upsert(table, '0', dialect)}; END"]
    out = []
    for op, rows in (("insert", ("NEW",)), ("update", ("NEW", "OLD")), ("delete", ("OLD",))):
        bumps = " ".join(_upsert(table, (park or "0").replace("X.", f"{r}."), dialect) + ";"
                         for r in rows)
        out.append(f"CREATE TRIGGER trg_{table}_v_{op} AFTER {op.upper()} ON {table} "
                   f"BEGIN {bumps} END")
    return out


def park_drop_sql(dialect: str, table: str) -> list[str]:
    """DROP statements undoing park_trigger_sql."""
    if dialect == "postgresql":
        names = (["upd"] if table == "users" else [""] if PARK_OF[table] is None
                 else ["ins", "upd", "del", "trunc"])
        return [f"DROP TRIGGER IF EXISTS trg_{table}_v{'_' + n if n else ''} ON {table}"
                for n in names] + [f"DROP FUNCTION IF EXISTS lms_bump_{table}()"]
    names = ["update"] if table == "users" else ["insert", "update", "delete"]
    return [f"DROP TRIGGER IF EXISTS trg_{table}_v_{n}" for n in names]


def install_park_versions(connection) -> None:
    """Create the per-park version triggers and mark them installed (migration and tests)."""
    dialect = connection.dialect.name
    for table in PARK_OF:
        for stmt in park_trigger_sql(dialect, table):
            connection.execute(sa.text(stmt))
    connection.execute(sa.text("INSERT INTO data_versions (name, version) VALUES ('epoch', 1)"))


def uninstall_park_versions(connection) -> None:
    """Drop the per-park version triggers and their rows."""
    dialect = connection.dialect.name
    for table in PARK_OF:
        for stmt in park_drop_sql(dialect, table):
            connection.execute(sa.text(stmt))
    connection.execute(sa.text("DELETE FROM data_versions WHERE name <> 'reports'"))
