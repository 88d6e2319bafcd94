"""`flask registry verify`: recompute the registry's books; non-zero exit on any breach."""

from __future__ import annotations

import click
from flask.cli import AppGroup

registry_cli = AppGroup("registry", help="Verified reductions registry.")


@registry_cli.command("verify")
def verify_command() -> None:
    """Check every batch, block, movement and chain; name each breach, exit 1 if any."""
    from app.registry.verify import verify_registry

    report = verify_registry()
    for breach in report.breaches:
        click.echo(f"BREACH {breach}", err=True)
    click.echo(
        f"{report.accounts} unit accounts, {report.transactions} movements, "
        f"{report.entries} entries: {'ok' if report.ok else f'{len(report.breaches)} breaches'}"
    )
    if not report.ok:
        raise SystemExit(1)
