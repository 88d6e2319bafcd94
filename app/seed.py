"""`flask seed [--demo]`: reference data every install needs, plus optional demo data.

Each domain registers a seeder with `register_seeder`; every seeder must be idempotent
(running `flask seed` twice changes nothing the second time).
"""

from __future__ import annotations

from collections.abc import Callable

import click
from flask.cli import with_appcontext

from app.extensions import db

Seeder = Callable[[bool], str | None]
_SEEDERS: list[Seeder] = []


def register_seeder(seeder: Seeder) -> Seeder:
    """Add a seeder; it receives `demo` and returns a one-line summary (or None)."""
    _SEEDERS.append(seeder)
    return seeder


@click.command("seed")
@click.option("--demo", is_flag=True, help="also load demo accounts and data")
@with_appcontext
def seed_command(demo: bool) -> None:
    """Load reference data (and demo data with --demo); safe to run again."""
    for seeder in _SEEDERS:
        summary = seeder(demo)
        db.session.commit()
        if summary:
            click.echo(summary)
