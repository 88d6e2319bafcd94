"""`flask coupons expire`: expire unused coupons whose time is up (run it from cron/RQ)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.db import utcnow
from app.extensions import db
from app.mall.service import expire_due_coupons

coupons_cli = AppGroup("coupons", help="Coupon jobs.")


@coupons_cli.command("expire")
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 10_000))
def expire_coupons(batch_size: int) -> None:
    """Expire due coupons (refunding points where the offer says so); safe to re-run."""
    now = utcnow()
    expired = refunded = points = 0
    while True:
        batch = expire_due_coupons(now, batch_size)
        db.session.commit()  # one commit per batch: a long run never holds a long lock
        expired += batch.expired
        refunded += batch.refunded
        points += batch.points_refunded
        if batch.seen < batch_size:
            break
    click.echo(f"expired {expired} coupons, refunded {refunded} ({points} points)")
