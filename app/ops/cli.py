"""`flask ops ...`: the background worker, backups and restores, the checked settings."""

from __future__ import annotations

import logging

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

    from app.console.jobs import job_queue

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
