"""A resident's whole points history, for their data export.

Every entry with its transaction's code, memo and reference, and its place in the
account's hash chain (`prev_hash`, `hash`), oldest first: the file a resident downloads
is enough to see that no entry is missing between two they remember.
"""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.ledger.accounts import find_resident_account_id
from app.ledger.models import LedgerEntry, LedgerTransaction


def export_points_history(user_id: int) -> list[dict]:
    """Every entry of the resident's points account, oldest first (empty without one)."""
    account_id = find_resident_account_id(user_id)
    if account_id is None:
        return []
    rows = db.session.execute(
        select(
            LedgerEntry.id,
            LedgerTransaction.created_at,
            LedgerEntry.amount,
            LedgerEntry.balance_after,
            LedgerTransaction.code,
            LedgerTransaction.memo,
            LedgerTransaction.reference,
            LedgerEntry.prev_hash,
            LedgerEntry.hash,
        )
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(LedgerEntry.account_id == account_id)
        .order_by(LedgerEntry.id)
    )
    return [
        {
            "id": row.id,
            "created_at": row.created_at.isoformat(),
            "amount": row.amount,
            "balance_after": row.balance_after,
            "code": row.code,
            "memo": row.memo,
            "reference": row.reference,
            "prev_hash": row.prev_hash,
            "hash": row.hash,
        }
        for row in rows
    ]
