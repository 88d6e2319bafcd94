"""`flask carbon rebuild-leaderboard` and `flask carbon seed-scenarios`."""

from __future__ import annotations

import click
import redis
from flask.cli import AppGroup

from app.carbon.leaderboard import rebuild_leaderboards
from app.carbon.seed import scenarios_csv_path, seed_scenarios
from app.extensions import db

carbon_cli = AppGroup("carbon", help="Carbon account maintenance.")


@carbon_cli.command("rebuild-leaderboard")
def rebuild_leaderboard() -> None:
    """Recompute every leaderboard in Redis from the approved records."""
    try:
        keys = rebuild_leaderboards()
    except redis.RedisError as exc:
        raise click.ClickException(f"Redis is not reachable: {exc}") from None
    click.echo(f"leaderboards rebuilt: {keys} boards")


@carbon_cli.command("seed-scenarios")
@click.option("--csv", "csv_path", type=click.Path(exists=True, dir_okay=False), default=None)
def seed_scenarios_command(csv_path: str | None) -> None:
    """Load scenarios from the factor table (same as part of `flask seed`)."""
    from pathlib import Path

    path = Path(csv_path) if csv_path else scenarios_csv_path()
    try:
        created, versions = seed_scenarios(path)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"{path}: {created} scenarios created, {versions} new methodology versions")
