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
_SEEDERS: list[tuple[int, Seeder]] = []


def register_seeder(seeder: Seeder | None = None, *, last: bool = False):
    """Add a seeder; it receives `demo` and returns a one-line summary (or None). Seeders
    run in the order they were registered, those registered with `last=True` after all
    the others (the demo history needs every domain's demo accounts and offers)."""

    def add(func: Seeder) -> Seeder:
        _SEEDERS.append((1 if last else 0, func))
        return func

    return add(seeder) if seeder is not None else add


@click.command("seed")
@click.option("--demo", is_flag=True, help="also load demo accounts and data")
@with_appcontext
def seed_command(demo: bool) -> None:
    """Load reference data (and demo data with --demo); safe to run again."""
    for _stage, seeder in sorted(_SEEDERS, key=lambda item: item[0]):
        summary = seeder(demo)
        db.session.commit()
        if summary:
            click.echo(summary)
