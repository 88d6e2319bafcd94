"""The schedule: what runs by itself and when (cron, Asia/Shanghai; docs/decisions/0950).

- `points_expiry`, 00:10 daily: `flask points expire` (due lots to `expired`);
- `coupon_expiry`, every 10 minutes: `flask coupons expire` (refunds by the offer's policy);
- `identity_purge`, 03:40 daily: `flask users purge-identities`;
- `leaderboard_rebuild`, 04:30 daily, and at once when Redis has lost the boards:
  `flask carbon rebuild-leaderboard`.

Each job does what its command does, through the owning domain's service, committing
per batch, and is safe to run again (or late): points already expired, coupons already
lapsed, identities already forgotten are not touched twice, and a rebuild gives the same
boards. Points lots fall due at 00:00 Shanghai (docs/decisions/0100), so their job runs
just after; coupons lapse at any minute of the day, so theirs runs often (a lapsed coupon
is refused at the counter already; the job only settles it and its refund).
"""

from __future__ import annotations

import logging

from app.carbon import service as carbon
from app.db import utcnow
from app.extensions import db
from app.ledger import service as ledger
from app.mall import service as mall
from app.scheduler import register_periodic
from app.users import service as users

log = logging.getLogger(__name__)


@register_periodic("points_expiry", "10 0 * * *", "积分过期处理")
def expire_points() -> dict:
    """Expire the points lots due now (as `flask points expire`), a batch at a time."""
    now = utcnow()
    total = ledger.ExpiryBatch(0, 0, None)
    for _batch, running in ledger.expiry_batches(now, batch_size=200):
        db.session.commit()  # one commit per batch, as `flask points expire`
        total = running
    ledger.audit_expiry_run(now, total, operator_id=None)
    db.session.commit()
    return {"as_of": now.isoformat(), "accounts": total.accounts, "points": total.points}


@register_periodic("coupon_expiry", "*/10 * * * *", "优惠券过期处理")
def expire_coupons() -> dict:
    """Settle the coupons that lapsed (as `flask coupons expire`): refunds by the offer's policy."""
    now, batch_size = utcnow(), 500
    expired = refunded = points = 0
    while True:
        batch = mall.expire_due_coupons(now, batch_size)
        db.session.commit()  # one commit per batch, as `flask coupons expire`
        expired, refunded = expired + batch.expired, refunded + batch.refunded
        points += batch.points_refunded
        if batch.seen < batch_size:
            break
    return {"as_of": now.isoformat(), "expired": expired, "refunded": refunded,
            "points_refunded": points}  # fmt: skip


@register_periodic("identity_purge", "40 3 * * *", "清除过期身份标识")
def purge_identities() -> dict:
    """Forget the identity hashes of deleted accounts older than IDENTITY_RETENTION_DAYS."""
    forgotten = users.purge_expired_identities(utcnow())
    db.session.commit()
    return {"forgotten": forgotten}


@register_periodic(
    "leaderboard_rebuild", "30 4 * * *", "重建排行榜", needed=carbon.leaderboards_missing
)
def rebuild_leaderboards() -> dict:
    """Rebuild the leaderboards in Redis from the approved records (the database)."""
    boards = carbon.rebuild_leaderboards()
    db.session.rollback()  # end the read transaction
    return {"boards": boards}
