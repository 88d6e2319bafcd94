"""Lots: which of a resident's points expire when (policy: docs/decisions/0100).

A lot is a resident's points that expire at one instant. Credits go into the lot of their
expiry; debits take from the earliest-expiring lots first; a reversed debit gives back
exactly what it took from each lot. Every change is a lot movement row, so a lot's
`remaining` always equals the sum of its movements. All of this runs while the posting
holds the resident's account row, so nobody else moves these lots meanwhile.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import case, select, update

from app.clock import SHANGHAI
from app.extensions import db
from app.ledger.errors import LedgerInvariantBroken
from app.ledger.models import LedgerLot, LedgerLotMovement

DEFAULT_POLICY = "end_of_following_year"
_lots = LedgerLot.__table__
_BATCH = 100


def expiry_for(earned_at: datetime, policy: str | None = None) -> datetime | None:
    """When points earned at `earned_at` expire under `policy` (default: the app config).

    Policies: `end_of_following_year` (the default: at midnight Asia/Shanghai that starts
    the second 1 January after earning), `days:N` (after N whole Shanghai days following
    the day of earning), `never`. Raises ValueError for an unknown policy.
    """
    if policy is None:
        policy = current_app.config.get("POINTS_EXPIRY_POLICY") or DEFAULT_POLICY
    local = earned_at.astimezone(SHANGHAI)
    if policy == "end_of_following_year":
        return datetime(local.year + 2, 1, 1, tzinfo=SHANGHAI)
    if policy == "never":
        return None
    if policy.startswith("days:") and policy[5:].isdigit() and int(policy[5:]) > 0:
        day = local.date() + timedelta(days=int(policy[5:]) + 1)
        return datetime(day.year, day.month, day.day, tzinfo=SHANGHAI)
    raise ValueError(f"unknown POINTS_EXPIRY_POLICY {policy!r}")


def move_lot(lot_id: int, transaction_id: int, amount: int) -> None:
    """Change one lot by `amount` and record the movement. Raises LedgerInvariantBroken
    if the lot would go below zero."""
    result = db.session.execute(
        update(_lots)
        .where(_lots.c.id == lot_id, _lots.c.remaining + amount >= 0)
        .values(remaining=_lots.c.remaining + amount)
    )
    if result.rowcount != 1:
        raise LedgerInvariantBroken(f"lot {lot_id} cannot move by {amount}")
    db.session.add(LedgerLotMovement(lot_id=lot_id, transaction_id=transaction_id, amount=amount))


def credit_lot(
    account_id: int, transaction_id: int, amount: int, expires_at: datetime | None
) -> int:
    """Put `amount` into the account's lot expiring at `expires_at`; returns the lot id."""
    expiry_match = (
        _lots.c.expires_at.is_(None) if expires_at is None else (_lots.c.expires_at == expires_at)
    )
    lot_id = db.session.scalar(
        select(_lots.c.id).where(_lots.c.account_id == account_id, expiry_match)
    )
    if lot_id is None:
        lot = LedgerLot(account_id=account_id, expires_at=expires_at, remaining=0)
        db.session.add(lot)
        db.session.flush()
        lot_id = lot.id
    move_lot(lot_id, transaction_id, amount)
    return lot_id


def debit_lots(
    account_id: int, transaction_id: int, amount: int, *, prefer_lot_ids: tuple[int, ...] = ()
) -> None:
    """Take `amount` from the account's lots, earliest expiry first (`prefer_lot_ids`
    before all others). Raises LedgerInvariantBroken if the lots do not cover it."""
    order = [_lots.c.expires_at.is_(None), _lots.c.expires_at, _lots.c.id]
    if prefer_lot_ids:
        order.insert(0, case((_lots.c.id.in_(prefer_lot_ids), 0), else_=1))
    left = amount
    while left > 0:
        rows = db.session.execute(
            select(_lots.c.id, _lots.c.remaining)
            .where(_lots.c.account_id == account_id, _lots.c.remaining > 0)
            .order_by(*order)
            .limit(_BATCH)
        ).all()
        if not rows:
            raise LedgerInvariantBroken(f"lots of account {account_id} are short by {left}")
        for lot_id, remaining in rows:
            take = min(left, int(remaining))
            move_lot(lot_id, transaction_id, -take)
            left -= take
            if left == 0:
                break


def lots_of_transaction(transaction_id: int, account_id: int) -> list[tuple[int, int]]:
    """(lot id, amount) movements a transaction made on one account's lots."""
    rows = db.session.execute(
        select(LedgerLotMovement.lot_id, LedgerLotMovement.amount)
        .join(LedgerLot, LedgerLot.id == LedgerLotMovement.lot_id)
        .where(
            LedgerLotMovement.transaction_id == transaction_id,
            LedgerLot.account_id == account_id,
        )
        .order_by(LedgerLotMovement.id)
    ).all()
    return [(int(lot_id), int(amount)) for lot_id, amount in rows]


def undo_lot_movements(
    original_transaction_id: int, account_id: int, transaction_id: int, amount: int
) -> None:
    """Book a reversal's effect on one resident's lots.

    A reversal that credits the resident gives each lot back what the original took; one
    that debits them takes first from the lots the original credited, then the earliest.
    """
    movements = lots_of_transaction(original_transaction_id, account_id)
    if amount > 0:
        if -sum(m for _, m in movements if m < 0) != amount:
            raise LedgerInvariantBroken(f"lot movements of {original_transaction_id} disagree")
        for lot_id, moved in movements:
            if moved < 0:
                move_lot(lot_id, transaction_id, -moved)
    else:
        credited = tuple(lot_id for lot_id, moved in movements if moved > 0)
        debit_lots(account_id, transaction_id, -amount, prefer_lot_ids=credited)
