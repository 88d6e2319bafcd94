"""`flask operator create NAME --password PW`."""

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
