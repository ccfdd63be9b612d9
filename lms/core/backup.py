"""Backups of the whole database, and restores from them (`flask --app wsgi lms backup|restore`).

SQLite: SQLite's online backup API, page by page from a live database, consistent even while
other workers write; the file is a plain SQLite database (journal mode DELETE, one file).
PostgreSQL: `pg_dump --format=custom` and `pg_restore --clean --if-exists --no-owner` in a single
transaction, against the configured URL (the password goes through PGPASSWORD, never argv).

After a restore the report cache's epoch (`data_versions`) is moved past every value any worker
may have cached, so no figure computed before the restore is served again.
"""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"
VERSION_SQL = "SELECT version FROM data_versions WHERE name = 'epoch'"


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why and what to do."""


def _kind(engine: Engine) -> str:
    name = engine.dialect.name
    if name not in ("sqlite", "postgresql"):
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {name}.")
    return name


def file_kind(path: Path) -> str:
    """'sqlite' or 'postgresql' from a backup file's first bytes, else BackupError."""
    with open(path, "rb") as fh:
        head = fh.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_MAGIC):
        return "postgresql"
    raise BackupError(f"{path} is neither a SQLite database nor a pg_dump custom-format archive.")


def backup(engine: Engine, dest: Path) -> str:
    """Write a consistent copy of the database to `dest` (via a temporary file); describe it."""
    kind = _kind(engine)
    dest = Path(dest)
    tmp = dest.with_name(dest.name + ".part")
    tmp.unlink(missing_ok=True)
    try:
        if kind == "sqlite":
            _sqlite_backup(engine, tmp)
        else:
            _pg_run("pg_dump", engine, ["--format=custom", "--no-owner", f"--file={tmp}"])
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    return f"{kind} backup written to {dest} ({dest.stat().st_size} bytes)"


def restore(engine: Engine, src: Path) -> str:
    """Replace the database's contents with the backup `src`; describe what was done."""
    kind = _kind(engine)
    src = Path(src)
    if not src.is_file():
        raise BackupError(f"No backup file at {src}.")
    found = file_kind(src)
    if found != kind:
        raise BackupError(f"{src} is a {found} backup; the configured database is {kind}.")
    before = _version(engine)
    if kind == "sqlite":
        _sqlite_restore(engine, src)
    else:
        engine.dispose()  # no pooled connection of ours may hold a lock pg_restore waits for
        _pg_run("pg_restore", engine, ["--clean", "--if-exists", "--no-owner",
                                       "--single-transaction", str(src)])
    version = _bump_version(engine, before)
    engine.dispose()
    from lms.core import cache

    cache.clear()
    return f"{kind} database restored from {src}; report cache version now {version}"


# SQLite --------------------------------------------------------------------------------------
def _sqlite_backup(engine: Engine, tmp: Path) -> None:
    raw = engine.raw_connection()
    try:
        dst = sqlite3.connect(tmp)
        try:
            raw.driver_connection.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            if dst.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise BackupError("The copy failed SQLite's integrity check; nothing written.")
        finally:
            dst.close()
    finally:
        raw.close()


def _sqlite_restore(engine: Engine, src: Path) -> None:
    source = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
    try:
        if source.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise BackupError(f"{src} fails SQLite's integrity check; nothing restored.")
        has_schema = source.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
        ).fetchone()
        if not has_schema:
            raise BackupError(f"{src} is not a Knowledge Park LMS database (no alembic_version).")
        raw = engine.raw_connection()
        try:
            source.backup(raw.driver_connection)  # replaces every page, under the write lock
        finally:
            raw.close()
    finally:
        source.close()


# PostgreSQL ----------------------------------------------------------------------------------
def _pg_run(tool: str, engine: Engine, args: list[str]) -> None:
    path = shutil.which(tool)
    if path is None:
        raise BackupError(f"{tool} is not installed or not on PATH; install the PostgreSQL client "
                          f"tools (Debian: apt-get install postgresql-client) of the server's "
                          f"major version or newer.")
    url = make_url(engine.url.render_as_string(hide_password=False))
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    dsn = url._replace(drivername="postgresql", password=None).render_as_string(
        hide_password=False)
    done = subprocess.run([path, f"--dbname={dsn}", *args], env=env, capture_output=True,  # noqa: S603
                          text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{tool} failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}")


# the report cache ----------------------------------------------------------------------------
def _version(engine: Engine) -> int:
    """The report cache's data version (0 when the database has no such table yet)."""
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text(VERSION_SQL)).scalar() or 0)
    except sa.exc.DBAPIError:
        return 0


def _bump_version(engine: Engine, before: int) -> int | None:
    """Move the version past both the restored value and the one before the restore.

    A plain `version + 1` could land on a value some worker cached before the restore (when
    the backup's counter is lower than the live one); max(before, restored) + 1 cannot.
    """
    with engine.begin() as conn:
        restored = conn.execute(sa.text(VERSION_SQL)).scalar()
        if restored is None:  # a backup from before the report cache existed
            return None
        version = max(int(restored), before) + 1
        conn.execute(sa.text("UPDATE data_versions SET version = :v WHERE name = 'epoch'"),
                     {"v": version})
    return version
