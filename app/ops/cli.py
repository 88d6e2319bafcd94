"""`flask ops ...`: the background worker, backups and restores, the checked settings."""

from __future__ import annotations

import logging
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

ops_cli = AppGroup("ops", help="Operations: worker, backup, restore, settings.")


@ops_cli.command("worker")
@click.option("--burst", is_flag=True, help="Run what is queued, then exit.")
def worker_command(burst: bool) -> None:
    """Run the RQ worker for the job queue (bulk review, exports, expiry, WeChat notices).

    The same app as the web (settings checked, Sentry, log format and request ids): RQ's
    own lines go through the app's log handler. One process runs one job at a time (RQ's
    SimpleWorker: the app is made once, not per job); run several for more.
    """
    from rq import SimpleWorker

    from app.jobs import job_queue

    queue = job_queue()
    worker = SimpleWorker([queue], connection=queue.connection, serializer=queue.serializer)
    level = logging.getLevelName(current_app.config["LOG_LEVEL"])
    worker.work(burst=burst, logging_level=level)


@ops_cli.command("settings")
def settings_command() -> None:
    """Print every setting as the app sees it after the checks (secrets hidden)."""
    from app.tunables import all_tunables
    from config import PREFIX

    for tunable in all_tunables():
        if tunable.key not in current_app.config:
            continue
        value = current_app.config[tunable.key]
        shown = "(hidden)" if tunable.secret and value else repr(value)
        click.echo(f"{PREFIX}{tunable.env_name} = {shown}")


@ops_cli.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(target: Path) -> None:
    """Back up the database to TARGET (a new file) while the app runs: SQLite's online
    backup, or pg_dump's custom format on PostgreSQL."""
    from app.extensions import db
    from app.ops.backup import BackupError, backup_database

    try:
        written = backup_database(db.engine, target)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"backup written: {written} ({written.stat().st_size} bytes)")


@ops_cli.command("restore")
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
def restore_command(source: Path) -> None:
    """Load the backup SOURCE into the app's database, which must be new and empty; then
    run `flask ledger verify` and `flask registry verify` on it."""
    from app.extensions import db
    from app.ops.backup import BackupError, restore_database

    try:
        restore_database(db.engine, source)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"restored {source}; now run `flask ledger verify` and `flask registry verify`")
