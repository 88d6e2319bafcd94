"""`flask ledger verify` and `flask points expire`."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import click
from flask import current_app
from flask.cli import AppGroup

from app.db import utcnow
from app.extensions import db
from app.ledger.expiry import ExpiryBatch, audit_expiry_run, count_due, expiry_batches
from app.ledger.verify import verify_ledger

ledger_cli = AppGroup("ledger", help="Check the points ledger.")
points_cli = AppGroup("points", help="Points jobs.")


@contextmanager
def _one_snapshot() -> Iterator[None]:
    """Read the whole ledger as of one instant, without blocking writers.

    PostgreSQL: a REPEATABLE READ, read-only transaction (every statement sees the same
    snapshot). SQLite: the app starts a deferred `BEGIN` for read-only requests (WAL
    snapshot, no write lock) instead of the BEGIN IMMEDIATE it uses elsewhere.
    """
    if db.engine.dialect.name == "postgresql":
        db.session.connection(
            execution_options={"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
        )
        yield
    else:
        with current_app.test_request_context("/ledger-verify", method="GET"):
            yield


@ledger_cli.command("verify")
@click.option("--quiet", is_flag=True, help="print breaches only")
def verify_command(quiet: bool) -> None:
    """Recompute every hash chain and invariant; exit 1 naming each breach."""

    def progress(entries: int) -> None:
        if not quiet:
            click.echo(f"  ... {entries} entries checked", err=True)

    db.session.rollback()
    with _one_snapshot():
        report = verify_ledger(progress)
        db.session.rollback()
    for breach in report.breaches:
        click.echo(f"BREACH {breach}")
    summary = (
        f"{report.accounts} accounts, {report.transactions} transactions, "
        f"{report.entries} entries, {report.lots} lots"
    )
    if not report.ok:
        click.echo(f"ledger verify FAILED: {len(report.breaches)} breach(es) in {summary}")
        sys.exit(1)
    if not quiet:
        click.echo(f"ledger ok: {summary}")


def _parse_now(value: str | None) -> datetime:
    if value is None:
        return utcnow()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("an ISO 8601 time with offset", param_hint="--now") from None
    if moment.tzinfo is None:
        raise click.BadParameter("give a UTC offset, e.g. +08:00", param_hint="--now")
    return moment


@points_cli.command("expire")
@click.option("--now", "now_text", help="expire as of this instant (ISO 8601), default now")
@click.option("--batch-size", default=200, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--dry-run", is_flag=True, help="only show what is due")
def expire_command(now_text: str | None, batch_size: int, dry_run: bool) -> None:
    """Move what is left of due lots to the `expired` account, in committed batches.

    Safe to run again (or twice at once): points already expired are not touched.
    """
    now = _parse_now(now_text)
    due_accounts, due_points = count_due(now)
    db.session.rollback()
    click.echo(f"due as of {now.isoformat()}: {due_points} points in {due_accounts} accounts")
    if dry_run or due_accounts == 0:
        return

    total = ExpiryBatch(0, 0, None)
    for _batch, total in expiry_batches(now, batch_size=batch_size):
        db.session.commit()  # each batch is kept as it is done
        click.echo(f"  expired {total.points} points in {total.accounts}/{due_accounts} accounts")
    audit_expiry_run(now, total, operator_id=None)
    db.session.commit()
    click.echo(f"done: {total.points} points expired in {total.accounts} accounts")
