"""Ledger tables: accounts, transactions, entries, lots, lot movements, adjustments.

Transactions, entries and lot movements are append-only (a PostgreSQL trigger rejects
UPDATE and DELETE; on SQLite a trigger rejects UPDATE, see docs/decisions/0102). Account
balances and lot remainders are the only stored figures that move, and only together with
the entries that explain them, in the same database transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db import BigId, UtcDateTime, utcnow
from app.extensions import Model

KIND_SYSTEM = "system"
KIND_RESIDENT = "resident"
KIND_MERCHANT = "merchant"
KIND_HOLDER = "holder"  # a registry holder: points paid to it (tree adoptions, offsets)

GENESIS_HASH = "0" * 64


class LedgerAccount(Model):
    """An account: a resident's `points`, a system account or a merchant settlement account.

    `balance` is the sum of the account's entries, kept on the row so that reading it is
    one indexed lookup; `version` counts its entries (the chain position of the last one).
    """

    __tablename__ = "ledger_accounts"
    __table_args__ = (
        UniqueConstraint("kind", "owner"),
        CheckConstraint("allow_negative OR balance >= 0", name="balance_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    # System account name ("issuance"), resident user id or merchant id, as text.
    owner: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    allow_negative: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class LedgerTransaction(Model):
    """One balanced movement of points: two or more entries that sum to zero."""

    __tablename__ = "ledger_transactions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), index=True)
    reference: Mapped[str] = mapped_column(String(200), unique=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(300), unique=True)
    request_hash: Mapped[str | None] = mapped_column(String(64))
    # At most one reversal per transaction: the unique index settles concurrent reversals.
    reverses_id: Mapped[int | None] = mapped_column(
        ForeignKey("ledger_transactions.id"), unique=True
    )
    memo: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class LedgerEntry(Model):
    """One leg of a transaction on one account, chained to the account's previous entry."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        UniqueConstraint("account_id", "account_version"),
        Index("ix_ledger_entries_account_id_id", "account_id", "id"),
        CheckConstraint("amount <> 0", name="amount_not_zero"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("ledger_transactions.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    balance_after: Mapped[int] = mapped_column(BigInteger)
    account_version: Mapped[int] = mapped_column(BigInteger)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class LedgerLot(Model):
    """A resident's points that expire at one instant (a bucket per expiry date).

    Every credit to a resident lands in the lot of its expiry instant; spends take from
    the earliest-expiring lots first. `remaining` moves only with a lot movement, and the
    sum of a resident's remainders equals the account balance.
    """

    __tablename__ = "ledger_lots"
    __table_args__ = (
        UniqueConstraint("account_id", "expires_at"),
        Index("ix_ledger_lots_expires_at", "expires_at"),
        CheckConstraint("remaining >= 0", name="remaining_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"))
    # None: never expires (policy "never").
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    remaining: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class LedgerLotMovement(Model):
    """What a transaction put into (positive) or took from (negative) one lot."""

    __tablename__ = "ledger_lot_movements"
    __table_args__ = (CheckConstraint("amount <> 0", name="amount_not_zero"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("ledger_lots.id"), index=True)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("ledger_transactions.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)


ADJUSTMENT_PENDING = "pending_approval"
ADJUSTMENT_APPLIED = "applied"
ADJUSTMENT_REJECTED = "rejected"


class PointsAdjustment(Model):
    """An operator's correction of a resident's points; applied only when a second
    operator approves it (four-eyes rule)."""

    __tablename__ = "ledger_adjustments"
    __table_args__ = (CheckConstraint("amount <> 0", name="amount_not_zero"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=ADJUSTMENT_PENDING, index=True)
    maker_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    checker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_note: Mapped[str | None] = mapped_column(Text)
    transaction_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transactions.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
