"""The expiry job: move what is left of due lots to the `expired` account.

One `expiry` transaction per resident per run, holding every lot of theirs that is due.
The job walks accounts in id order in batches (`expiry_batches`, used by `flask points
expire` and the console's job, commits after each batch), so a crash loses at most one
batch of work and a rerun picks up what is still due; a second run over the same instant
finds nothing left and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from app.audit.service import record_audit
from app.db import table_of
from app.extensions import db
from app.ledger.accounts import EXPIRED, named_account
from app.ledger.lots import move_lot
from app.ledger.models import LedgerAccount, LedgerLot, LedgerTransaction
from app.ledger.posting import Posting, post_once
from app.sql import select_for_update

_lots = table_of(LedgerLot)


@dataclass(frozen=True)
class ExpiryBatch:
    """What one batch did: accounts touched, points expired, where to continue from."""

    accounts: int
    points: int
    last_account_id: int | None


def _due(now: datetime):
    return (_lots.c.remaining > 0, _lots.c.expires_at.is_not(None), _lots.c.expires_at <= now)


def count_due(now: datetime) -> tuple[int, int]:
    """(accounts, points) that are due to expire at `now`."""
    row = db.session.execute(
        select(func.count(func.distinct(_lots.c.account_id)), func.sum(_lots.c.remaining)).where(
            *_due(now)
        )
    ).one()
    return int(row[0] or 0), int(row[1] or 0)


def expire_due_lots(now: datetime, *, after_account_id: int = 0, limit: int = 200) -> ExpiryBatch:
    """Expire the due lots of up to `limit` accounts with ids above `after_account_id`.

    Flushes only; commit after each batch. Raises ValueError for a naive `now`.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    account_ids = list(
        db.session.scalars(
            select(_lots.c.account_id)
            .where(*_due(now), _lots.c.account_id > after_account_id)
            .group_by(_lots.c.account_id)
            .order_by(_lots.c.account_id)
            .limit(limit)
        )
    )
    if not account_ids:
        return ExpiryBatch(0, 0, None)
    expired_id = named_account(EXPIRED).id
    points = sum(_expire_account(account_id, expired_id, now) for account_id in account_ids)
    return ExpiryBatch(len(account_ids), points, account_ids[-1])


def expiry_batches(now: datetime, *, batch_size: int) -> Iterator[tuple[ExpiryBatch, ExpiryBatch]]:
    """Expire everything due at `now`, a batch of accounts at a time: yields (batch,
    running total) after each batch, which the caller commits before asking for the next
    (the CLI and the worker job own the commits; this never commits). Stop iterating to
    stop the run: what was committed stays, the rest is due next time."""
    total = ExpiryBatch(0, 0, None)
    while True:
        batch = expire_due_lots(now, after_account_id=total.last_account_id or 0,
                                limit=batch_size)  # fmt: skip
        if batch.last_account_id is None:
            return
        total = ExpiryBatch(total.accounts + batch.accounts, total.points + batch.points,
                            batch.last_account_id)  # fmt: skip
        yield batch, total


def audit_expiry_run(now: datetime, total: ExpiryBatch, operator_id: int | None) -> None:
    """Record a finished expiry run in the audit log (the caller commits)."""
    result = {"accounts": total.accounts, "points": total.points}
    record_audit(operator_id, "points.expire", f"expiry-run:{now.isoformat()}", None, result)


def _expire_account(account_id: int, expired_id: int, now: datetime) -> int:
    # Hold both account rows (in id order, like every posting) before reading the lots, so
    # a spend at the same moment either finished before or waits until after.
    held = select_for_update(
        select(LedgerAccount.id, LedgerAccount.version)
        .where(LedgerAccount.id.in_([account_id, expired_id]))
        .order_by(LedgerAccount.id)
    ).all()
    version = next(row.version for row in held if row.id == account_id)
    due = db.session.execute(
        select(_lots.c.id, _lots.c.remaining)
        .where(_lots.c.account_id == account_id, *_due(now))
        .order_by(_lots.c.expires_at, _lots.c.id)
    ).all()
    total = sum(int(remaining) for _, remaining in due)
    if total == 0:
        return 0

    def book_lots(txn: LedgerTransaction) -> None:
        for lot_id, remaining in due:
            move_lot(lot_id, txn.id, -int(remaining))

    posting = Posting(
        code="expiry",
        # The account version makes the reference unique per state: two runs racing on
        # one account post once; a later expiry of restored points gets its own.
        reference=f"expiry:{account_id}:{version}",
        memo=f"积分过期 -{total}",
        legs={account_id: -total, expired_id: total},
        last=frozenset({expired_id}),
    )
    post_once(posting, book_lots)
    return total
