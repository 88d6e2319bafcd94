"""`flask operator create NAME --password PW`; `flask users purge-identities`."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.errors import AppError
from app.extensions import db
from app.users.service import create_console_user

operator_cli = AppGroup("operator", help="Manage operator accounts.")


@operator_cli.command("create")
@click.argument("name")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create_operator(name: str, password: str) -> None:
    """Create an operator account for the web console."""
    if len(password) < 8:
        raise click.BadParameter("at least 8 characters", param_hint="--password")
    try:
        user = create_console_user(name, password, role="operator")
        db.session.commit()
    except AppError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    click.echo(f"operator {user.username} created (id {user.id})")


users_cli = AppGroup("users", help="Resident accounts.")


@users_cli.command("purge-identities")
def purge_identities() -> None:
    """Forget the identity hashes of accounts deleted longer ago than the retention period
    (IDENTITY_RETENTION_DAYS); run daily. Re-runnable."""
    from app.db import utcnow
    from app.users.identity import purge_expired_identities, retention_days

    forgotten = purge_expired_identities(utcnow())
    db.session.commit()
    click.echo(f"{forgotten} identities older than {retention_days()} days forgotten")
