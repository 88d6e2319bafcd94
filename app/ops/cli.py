"""`flask ops ...`: the background worker, backups and restores, the checked settings."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import click
import redis
from flask import current_app
from flask.cli import AppGroup

log = logging.getLogger(__name__)
ops_cli = AppGroup("ops", help="Operations: worker, backup, restore, settings.")


@ops_cli.command("worker")
@click.option("--burst", is_flag=True, help="Run what is queued, then exit.")
def worker_command(burst: bool) -> None:
    """Run the RQ worker for the job queue (bulk review, exports, expiry, WeChat notices).

    The same app as the web (settings checked, Sentry, log format and request ids): RQ's
    own lines go through the app's log handler. One process runs one job at a time (RQ's
    SimpleWorker: the app is made once, not per job); run several for more. It outlives
    Redis restarts, even one while it records the end of a job.
    """
    from rq import SimpleWorker
    from rq.exceptions import StopRequested

    from app.jobs import job_queue

    stopping: list[int] = []

    class _Worker(SimpleWorker):
        def request_stop(self, signum, frame):  # SIGTERM / SIGINT: really stop
            stopping.append(signum)
            super().request_stop(signum, frame)

    queue = job_queue()
    level = logging.getLevelName(current_app.config["LOG_LEVEL"])
    while True:
        try:  # making a worker already talks to Redis
            worker = _Worker([queue], connection=queue.connection, serializer=queue.serializer)
            worker.work(burst=burst, logging_level=level)
        except redis.ConnectionError as exc:  # RQ's own teardown, Redis still away
            log.warning("worker stopped, Redis unavailable: %s", exc)
        except StopRequested:  # a signal between two workers (the last one's handler)
            return
        if burst or stopping:
            return
        # RQ leaves its loop when Redis goes away while it records a job's end (a Redis
        # restart at that moment): a worker has to outlive Redis restarts, so go on.
        log.warning("worker left its loop unasked; starting again")
        try:
            time.sleep(1)
        except StopRequested:  # a signal while waiting (RQ's handler raises it)
            return


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


@ops_cli.command("forget-reference-copies")
def forget_reference_copies_command() -> None:
    """Make every process read scenarios, versions, sites, campaigns, merchants and system
    accounts from the database again (app/reference_cache.py): after a change written
    straight into the database, which the app's own changes never need."""
    from app import reference_cache

    reference_cache.replace_stamp()
    click.echo("reference stamp replaced: every process reads those rows again")
