"""Lots: which of a resident's points expire when (policy: docs/decisions/0100).

A lot is a resident's points that expire at one instant. Credits go into the lot of their
expiry; debits take from the earliest-expiring lots first; a reversed debit gives back
exactly what it took from each lot. Every change is a lot movement row, so a lot's
`remaining` always equals the sum of its movements. All of this runs while the posting
holds the resident's account row, so nobody else moves these lots meanwhile.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, case, select, update

from app.clock import SHANGHAI
from app.db import table_of, utcnow
from app.extensions import db
from app.ledger.errors import LedgerInvariantBroken
from app.ledger.models import LedgerLot, LedgerLotMovement
from app.sql import execute_built

DEFAULT_POLICY = "end_of_following_year"
_lots = table_of(LedgerLot)
_movements = table_of(LedgerLotMovement)
_MOVE_LOT = (
    update(_lots)
    .where(_lots.c.id == bindparam("lot_id"), _lots.c.remaining + bindparam("amount") >= 0)
    .values(remaining=_lots.c.remaining + bindparam("amount"))
)
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
    connection = db.session.connection()
    result = connection.execute(_MOVE_LOT, {"lot_id": lot_id, "amount": amount})
    if result.rowcount != 1:
        raise LedgerInvariantBroken(f"lot {lot_id} cannot move by {amount}")
    _record_movement(connection, lot_id, transaction_id, amount)


def _record_movement(connection, lot_id: int, transaction_id: int, amount: int) -> None:
    connection.execute(
        _movements.insert(), {"lot_id": lot_id, "transaction_id": transaction_id, "amount": amount}
    )


def credit_lot(
    account_id: int, transaction_id: int, amount: int, expires_at: datetime | None
) -> int:
    """Put `amount` into the account's lot expiring at `expires_at`; returns the lot id.

    One upsert on the (account, expiry) unique index, then the movement. A lot that
    never expires has a NULL expiry, which a unique index does not match, so it is found
    by a read first; the posting holds the account row, so nobody creates it meanwhile."""
    connection = db.session.connection()
    if expires_at is None:
        lot_id = connection.execute(
            select(_lots.c.id).where(_lots.c.account_id == account_id, _lots.c.expires_at.is_(None))
        ).scalar()
        if lot_id is not None:
            move_lot(lot_id, transaction_id, amount)
            return int(lot_id)
    values = {"account_id": account_id, "expires_at": expires_at, "remaining": amount,
              "created_at": utcnow()}  # fmt: skip
    if expires_at is None:
        inserted = execute_built("ledger.new_lot", _new_lot, values, connection)
    else:
        inserted = execute_built("ledger.credit_lot", _credit_lot, values, connection)
    lot_id = int(inserted.scalar_one())
    _record_movement(connection, lot_id, transaction_id, amount)
    return lot_id


def _new_lot(insert):
    return insert(_lots).returning(_lots.c.id)


def _credit_lot(insert):
    upsert = insert(_lots)
    return upsert.on_conflict_do_update(
        index_elements=[_lots.c.account_id, _lots.c.expires_at],
        set_={"remaining": _lots.c.remaining + upsert.excluded.remaining},
    ).returning(_lots.c.id)


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


def expiry_policy(value: object) -> str:
    """The POINTS_EXPIRY_POLICY setting's parser (app/tunables.py): a policy
    `expiry_for` understands. Raises ValueError with the accepted forms."""
    try:
        expiry_for(datetime.now(UTC), str(value))
    except ValueError:
        raise ValueError("must be end_of_following_year, never or days:N (N > 0)") from None
    return str(value)
