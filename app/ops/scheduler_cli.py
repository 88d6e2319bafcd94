"""`flask scheduler run` (the periodic jobs' scheduler: `make run` and the scheduler unit
start it) and `flask scheduler list` (the schedule, when each job runs next and how its
last run went)."""

from __future__ import annotations

import signal
import threading
from datetime import datetime

import click
import redis
from flask.cli import AppGroup

from app.db import utcnow
from app.scheduler import (
    SCHEDULE_TZ,
    TICK_SECONDS,
    job_status,
    next_slot,
    periodic_jobs,
    run_scheduler,
    tick,
)

scheduler_cli = AppGroup("scheduler", help="The scheduler of periodic jobs (expiry, rebuilds).")


def _parse_now(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("an ISO 8601 time with offset", param_hint="--now") from None
    if moment.tzinfo is None:
        raise click.BadParameter("give a UTC offset, e.g. +08:00", param_hint="--now")
    return moment


@scheduler_cli.command("run")
@click.option("--once", is_flag=True, help="One tick (queue what is due), then exit.")
@click.option("--now", "now_text", help="With --once: tick as of this instant (ISO 8601).")
@click.option("--tick-seconds", default=TICK_SECONDS, show_default=True, type=float)
def run_command(once: bool, now_text: str | None, tick_seconds: float) -> None:
    """Queue each periodic job when its time comes (Asia/Shanghai); the RQ workers (`flask
    ops worker`) run them. Several may run at once: each slot is queued by one of them."""
    if once:
        try:
            queued = tick(_parse_now(now_text))
        except redis.RedisError as exc:
            raise click.ClickException(f"Redis is not reachable: {exc}") from None
        click.echo(f"queued {len(queued)}: {' '.join(queued)}" if queued else "nothing due")
        return
    stop = threading.Event()

    def _stop(*_args) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    run_scheduler(stop, tick_seconds)


@scheduler_cli.command("list")
def list_command() -> None:
    """The schedule, each job's next slot and its last run."""
    now = utcnow()
    for job in periodic_jobs():
        upcoming = next_slot(job.cron, now).astimezone(SCHEDULE_TZ)
        try:
            last_slot, last_run = job_status(job.name)
        except redis.RedisError:
            last_slot, last_run = None, None
        click.echo(f"{job.name:22} {job.cron:14} next {upcoming:%Y-%m-%d %H:%M}  {job.label}")
        if last_slot is not None:
            click.echo(f"{'':22} last queued {last_slot.astimezone(SCHEDULE_TZ):%Y-%m-%d %H:%M}")
        if last_run is not None:
            click.echo(f"{'':22} last run {last_run['finished']}: {last_run['result']}")
