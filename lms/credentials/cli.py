"""`flask --app wsgi lms keys create|rotate`: the credential signing keys."""

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from lms.credentials import keys


def _path(file: Path | None) -> Path:
    """The key file: --file, else LMS_SIGNING_KEY_FILE, else instance/signing-keys.json."""
    if file is not None:
        return file
    from lms.credentials.services import key_file

    found = key_file()
    if found is None:
        found = Path(current_app.instance_path) / "signing-keys.json"
    return found


@click.group("keys", help="Credential signing keys (LMS_SIGNING_KEY_FILE).")
def keys_cli():
    pass


@keys_cli.command("create")
@click.option("--file", "file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the key file (default: LMS_SIGNING_KEY_FILE).")
@with_appcontext
def create_command(file: Path | None):
    """Make the key file with a new RSA key (never overwrites one)."""
    path = _path(file)
    try:
        ring = keys.create(path)
    except keys.KeyringError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Created {path} (mode 0600) with key {ring.current_kid}.")
    if not current_app.config.get("LMS_SIGNING_KEY_FILE") and file is not None:
        click.echo(f"Set LMS_SIGNING_KEY_FILE={path} for the application.")


@keys_cli.command("rotate")
@click.option("--file", "file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The key file (default: LMS_SIGNING_KEY_FILE).")
@with_appcontext
def rotate_command(file: Path | None):
    """Sign with a new key from now on; earlier public keys stay published."""
    path = _path(file)
    try:
        kid, older = keys.rotate(path)
    except keys.KeyringError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"New signing key {kid}; {len(older)} earlier public key(s) still published.")
