"""The `flask --app wsgi lms ...` commands."""

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from lms.extensions import db

MAX_ERRORS_SHOWN = 100


@click.group("lms", help="Knowledge Park LMS administration.")
def lms_cli():
    pass


@lms_cli.command("init")
@with_appcontext
def init_command():
    """Migrate to the newest schema and load the twelve parks (safe to repeat)."""
    from flask_migrate import upgrade

    from lms.parks.services import load_parks

    upgrade()
    added = load_parks()
    db.session.commit()
    click.echo(f"Database at the newest schema; {added} park(s) added.")


@lms_cli.command("create-user")
@click.option("--email", required=True)
@click.option("--role", required=True,
              type=click.Choice(["admin", "park_manager", "trainer", "student", "faculty"]))
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", "full_name", default=None, help="Full name (default: the e-mail's name).")
@click.option("--park", "park_slug", default=None, help="Home park slug, e.g. lahore.")
@click.option("--track", default=None, type=click.Choice(["student", "faculty"]))
@with_appcontext
def create_user_command(email, role, password, full_name, park_slug, track):
    """Create a user of any role (the first admin comes from here)."""
    from lms.accounts import services
    from lms.core.errors import DomainError
    from lms.core.permissions import SYSTEM
    from lms.parks.services import get_park_by_slug

    try:
        park_id = get_park_by_slug(park_slug).id if park_slug else None
        user = services.create_user(SYSTEM, {"email": email, "role": role, "track": track,
                                             "full_name": full_name or email.split("@")[0],
                                             "park_id": park_id}, password=password)
    except DomainError as exc:
        db.session.rollback()
        details = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.fields.items())
        raise click.ClickException(f"{exc.message} {details}".strip()) from None
    db.session.commit()
    click.echo(f"Created {user.role} {user.email} (id {user.id}).")


@lms_cli.command("import-users")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row and change nothing.")
@with_appcontext
def import_users_command(csv_file: Path, dry_run: bool):
    """Import users from CSV (email,full_name,role,track,park,institution): all rows or none."""
    import time

    from lms.accounts import services
    from lms.core.csvutil import decode_upload
    from lms.core.errors import DomainError
    from lms.core.permissions import SYSTEM

    started = time.perf_counter()
    try:
        result = services.import_users(SYSTEM, decode_upload(csv_file.read_bytes()),
                                       dry_run=dry_run)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    for err in result.errors[:MAX_ERRORS_SHOWN]:
        click.echo(f"row {err['row']}: {err['field']}: {err['message']}", err=True)
    if len(result.errors) > MAX_ERRORS_SHOWN:
        click.echo(f"... and {len(result.errors) - MAX_ERRORS_SHOWN} more error(s)", err=True)
    if result.errors or dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    verb = "would be" if dry_run or result.errors else "were"
    click.echo(f"{result.created} created, {result.updated} updated, {result.unchanged} unchanged "
               f"{verb} imported in {time.perf_counter() - started:.2f} s"
               + (f"; {len(result.errors)} error(s), nothing imported" if result.errors else ""))
    if result.errors:
        sys.exit(1)


@lms_cli.command("seed-demo")
@with_appcontext
def seed_demo_command():
    """Create a small demonstration programme; prints the demo passwords once."""
    from lms.demo import seed_demo

    passwords = seed_demo()
    db.session.commit()
    if not passwords:
        click.echo("The demo programme already exists; nothing changed.")
        return
    click.echo("Demo programme created. These passwords are shown only now:")
    for email, password in passwords.items():
        click.echo(f"  {email:<36} {password}")


@lms_cli.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
@with_appcontext
def backup_command(file: Path, force: bool):
    """Write a consistent backup of the whole database to FILE (SQLite or pg_dump custom)."""
    from lms.core.backup import BackupError, backup

    if file.exists() and not force:
        raise click.ClickException(f"{file} exists; choose another name or add --force.")
    try:
        click.echo(backup(db.engine, file))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None


@lms_cli.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace the current data without asking.")
@with_appcontext
def restore_command(file: Path, yes: bool):
    """Replace ALL data of the configured database with the backup FILE."""
    from lms.core.backup import BackupError, restore

    target = db.engine.url.render_as_string(hide_password=True)
    try:
        confirmed = yes or click.confirm(f"Replace every row of {target} with {file}?",
                                         default=False)
    except click.Abort:  # no answer (no terminal, end of input)
        confirmed = False
    if not confirmed:
        raise click.ClickException("Nothing restored (confirm, or pass --yes).")
    db.session.remove()
    try:
        click.echo(restore(db.engine, file))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None


@lms_cli.command("worker")
@click.option("--once", is_flag=True, help="Run the due jobs, drain the outbox, then exit.")
@click.option("--poll", default=5.0, show_default=True, help="Seconds between passes.")
@with_appcontext
def worker_command(once: bool, poll: float):
    """Send the outbox over SMTP (MAIL_SERVER) and run the scheduled jobs; several may run."""
    from lms.notifications.worker import run

    result = run(once=once, poll_seconds=poll)
    if once:
        click.echo(f"{result.sent} sent, {result.retried} to retry, {result.failed} failed.")


def _register_keys() -> None:
    from lms.credentials.cli import keys_cli

    lms_cli.add_command(keys_cli)


_register_keys()
