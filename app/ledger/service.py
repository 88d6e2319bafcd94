"""The ledger's public service API (contract: /work/contracts.md); other domains call only
this module. Every function flushes and never commits: the caller's request (or CLI
command) commits the points together with its own rows, or rolls both back.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.errors import NotFound
from app.extensions import db
from app.ledger.accounts import (  # noqa: F401  (base_name: stats sums the shards)
    ISSUANCE,
    base_name,
    find_resident_account_id,
    named_account,
    read_ahead,
    resident_account,
    seen_resident_account,
)
from app.ledger.adjustments import (
    AdjustmentNotFound,
    AdjustmentNotPending,
    SameOperator,
    approve_adjustment,
    create_adjustment,
    get_adjustment,
    list_adjustments,
    reject_adjustment,
)
from app.ledger.bulk import Credit, earn_points_in_bulk
from app.ledger.errors import (
    AccountNotFound,
    AlreadyReversed,
    CannotReverseReversal,
    IdempotencyKeyReused,
    InsufficientPoints,
    TransactionNotFound,
)
from app.ledger.expiry import (
    ExpiryBatch,
    audit_expiry_run,
    count_due,
    expire_due_lots,
    expiry_batches,
)
from app.ledger.history import export_points_history  # noqa: F401  (the data export)
from app.ledger.lots import credit_lot, debit_lots, expiry_for, undo_lot_movements
from app.ledger.models import (
    KIND_RESIDENT,
    KIND_SYSTEM,
    LedgerAccount,
    LedgerEntry,
    LedgerLot,
    LedgerTransaction,
)
from app.ledger.posting import Posting, post_once, written_balance
from app.ledger.verify import VerifyReport, verify_ledger

__all__ = [
    "AccountNotFound",
    "AdjustmentNotFound",
    "AdjustmentNotPending",
    "AlreadyReversed",
    "CannotReverseReversal",
    "Credit",
    "ExpiryBatch",
    "IdempotencyKeyReused",
    "InsufficientPoints",
    "SameOperator",
    "TransactionNotFound",
    "VerifyReport",
    "approve_adjustment",
    "audit_expiry_run",
    "count_due",
    "create_adjustment",
    "earn_points",
    "earn_points_in_bulk",
    "ensure_resident_account",
    "expire_due_lots",
    "expiry_batches",
    "find_transaction_by_reference",
    "get_adjustment",
    "get_points_balance",
    "get_resident_points",
    "list_adjustments",
    "list_expiring_lots",
    "list_ledger_entries",
    "read_accounts_ahead",
    "reject_adjustment",
    "reverse_transaction",
    "spend_points",
    "transaction_entries",
    "verify_ledger",
]


def _check_amount(amount: int) -> None:
    if type(amount) is not int or amount <= 0:
        raise ValueError(f"amount must be a positive int, got {amount!r}")


def ensure_resident_account(user_id: int) -> LedgerAccount:
    """Get or create the resident's `points` account (concurrency-safe).

    Raises AccountNotFound (404 `user_not_found`) when the user does not exist.
    """
    return resident_account(user_id)


def read_accounts_ahead(user_id: int, counter_account: str | None = None) -> int | None:
    """Read the accounts a credit from (`issuance`) or a spend to (`redemptions`) the
    resident will touch (without `counter_account`: the resident's only), before the
    caller's first write, so the posting itself runs no look-up (on SQLite the reads stay
    outside the writer queue). Creates nothing. Returns the resident's balance as read (an
    early answer only: the posting's conditional UPDATE decides), None when they never
    had points."""
    resident = read_ahead(user_id, counter_account)
    return None if resident is None else resident.balance


def earn_points(
    user_id: int,
    amount: int,
    *,
    code: str,
    reference: str,
    memo: str,
    idempotency_key: str | None = None,
    request_hash: str | None = None,
    expires_at: datetime | None = None,
) -> LedgerTransaction:
    """Credit `amount` points to the resident from `issuance`, into the lot of their expiry
    (`expires_at`, else the configured policy applied to now).

    A second call with the same `reference` returns the existing transaction (no second
    credit); the same `idempotency_key` with the same request does too. Raises
    IdempotencyKeyReused (422) when the key was used for a different request,
    AccountNotFound (404) for an unknown user, ValueError for a non-positive amount.
    """
    _check_amount(amount)
    if expires_at is not None and expires_at.tzinfo is None:
        raise ValueError("expires_at must be timezone-aware")
    resident = resident_account(user_id)
    issuance = named_account(ISSUANCE, shard_key=user_id)
    posting = Posting(
        code=code,
        reference=reference,
        memo=memo,
        legs={issuance.id: -amount, resident.id: amount},
        last=frozenset({issuance.id}),
        idempotency_key=idempotency_key,
        request_hash=request_hash,
        # The resident's leg adds, the lot only grows: only a debit of `issuance` could
        # be refused, and it is allowed to go negative.
        refusable=not issuance.allow_negative,
    )

    def book_lot(txn: LedgerTransaction) -> None:
        expiry = expires_at if expires_at is not None else expiry_for(txn.created_at)
        credit_lot(resident.id, txn.id, amount, expiry)

    return post_once(posting, book_lot)


def spend_points(
    user_id: int,
    amount: int,
    *,
    code: str,
    reference: str,
    memo: str,
    counter_account: str = "redemptions",
    idempotency_key: str | None = None,
    request_hash: str | None = None,
) -> LedgerTransaction:
    """Move `amount` points from the resident to `counter_account` (a system account name
    or `merchant:<id>`), taking from the earliest-expiring lots first.

    Same `reference` twice returns the existing transaction. Raises InsufficientPoints
    (409 `insufficient_points`), IdempotencyKeyReused (422), AccountNotFound (404),
    ValueError for a non-positive amount or an unknown counter account.
    """
    _check_amount(amount)
    resident = resident_account(user_id)
    counter = named_account(counter_account, shard_key=user_id)
    posting = Posting(
        code=code,
        reference=reference,
        memo=memo,
        legs={resident.id: -amount, counter.id: amount},
        last=frozenset({counter.id}) if counter.kind == KIND_SYSTEM else frozenset(),
        idempotency_key=idempotency_key,
        request_hash=request_hash,
    )
    return post_once(posting, lambda txn: debit_lots(resident.id, txn.id, amount))


def reverse_transaction(
    transaction_id: int, *, code: str, reference: str, memo: str
) -> LedgerTransaction:
    """Post the exact opposite of a transaction, linked by `reverses_id`.

    A reversed spend gives each lot back what it took (a refund keeps the points' expiry);
    a reversed credit takes first from the lot it went into. Same `reference` twice
    returns the existing reversal. Raises TransactionNotFound (404), AlreadyReversed (409
    `already_reversed`), CannotReverseReversal (409), InsufficientPoints (409) when the
    resident has already spent the points a reversed credit gave them.
    """
    if (existing := find_transaction_by_reference(reference)) is not None:
        return existing
    original = db.session.get(LedgerTransaction, transaction_id)
    if original is None:
        raise TransactionNotFound()
    if original.reverses_id is not None:
        raise CannotReverseReversal()
    if _reversal_of(original.id) is not None:
        raise AlreadyReversed()
    legs = {entry.account_id: -entry.amount for entry in transaction_entries(original.id)}
    kinds = dict(
        db.session.execute(
            select(LedgerAccount.id, LedgerAccount.kind).where(LedgerAccount.id.in_(legs))
        )
        .tuples()
        .all()
    )
    residents = {a for a, kind in kinds.items() if kind == KIND_RESIDENT}
    system = frozenset(a for a, kind in kinds.items() if kind == KIND_SYSTEM)

    def book_lots(txn: LedgerTransaction) -> None:
        for account_id in sorted(residents):
            undo_lot_movements(original.id, account_id, txn.id, legs[account_id])

    posting = Posting(
        code=code, reference=reference, memo=memo, legs=legs, reverses_id=original.id, last=system
    )
    return post_once(posting, book_lots)  # a concurrent second reversal: AlreadyReversed


def _reversal_of(transaction_id: int) -> LedgerTransaction | None:
    return db.session.scalar(
        select(LedgerTransaction).where(LedgerTransaction.reverses_id == transaction_id)
    )


def get_points_balance(user_id: int) -> int:
    """The resident's stored balance: one indexed row read, whatever the history length;
    0 if they never had points. After a posting to their account in this transaction,
    the balance that posting left, without a query (the row is held until the commit)."""
    account = seen_resident_account(user_id)
    if account is not None and (balance := written_balance(account.id)) is not None:
        return balance
    balance = db.session.scalar(
        select(LedgerAccount.balance).where(
            LedgerAccount.kind == KIND_RESIDENT, LedgerAccount.owner == str(int(user_id))
        )
    )
    return int(balance or 0)


def find_transaction_by_reference(reference: str) -> LedgerTransaction | None:
    """The transaction posted with this reference, or None."""
    return db.session.scalar(
        select(LedgerTransaction).where(LedgerTransaction.reference == reference)
    )


def transaction_entries(transaction_id: int) -> list[LedgerEntry]:
    """The entries of one transaction, by account id."""
    return list(
        db.session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.transaction_id == transaction_id)
            .order_by(LedgerEntry.account_id)
        )
    )


def list_ledger_entries(user_id: int, limit: int, cursor: str | None) -> tuple[list, str | None]:
    """One page of the resident's history, newest first: rows with id, created_at, amount,
    balance_after, code, memo, transaction_id. Raises InvalidCursor (400)."""
    from app.pagination import decode_cursor, paginate_desc

    account_id = find_resident_account_id(user_id)
    if account_id is None:
        if cursor:
            decode_cursor(cursor)  # a bad cursor is 400 whether or not there is history
        return [], None
    stmt = (
        select(
            LedgerEntry.id,
            LedgerTransaction.created_at,
            LedgerEntry.amount,
            LedgerEntry.balance_after,
            LedgerTransaction.code,
            LedgerTransaction.memo,
            LedgerEntry.transaction_id,
        )
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(LedgerEntry.account_id == account_id)
    )
    return paginate_desc(stmt, LedgerEntry.id, limit, cursor)


def get_resident_points(user_id: int, limit: int, cursor: str | None) -> dict:
    """Balance and one page of history of a resident, for operators.

    Raises AccountNotFound (404 `user_not_found`), InvalidCursor (400).
    """
    from app.users.service import find_user

    try:
        find_user(user_id)
    except NotFound:
        raise AccountNotFound() from None
    items, next_cursor = list_ledger_entries(user_id, limit, cursor)
    return {
        "user_id": user_id,
        "points_balance": get_points_balance(user_id),
        "items": items,
        "next_cursor": next_cursor,
    }


def list_expiring_lots(user_id: int) -> list[LedgerLot]:
    """The resident's lots that still hold points, earliest expiry first (never last)."""
    account_id = find_resident_account_id(user_id)
    if account_id is None:
        return []
    return list(
        db.session.scalars(
            select(LedgerLot)
            .where(LedgerLot.account_id == account_id, LedgerLot.remaining > 0)
            .order_by(LedgerLot.expires_at.is_(None), LedgerLot.expires_at, LedgerLot.id)
        )
    )
