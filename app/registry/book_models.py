"""Registry tables of the unit books: accounts per batch, movements and their entries,
serial blocks, and the transfers, retirements and cancellations that explain movements
(re-exported by app/registry/models.py; design: docs/decisions/0801)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db import TimestampMixin, UtcDateTime, utcnow
from app.extensions import Model


class UnitAccount(Model):
    """Where a batch's units are: issuance (negative), a holder's, buffer, retired,
    cancelled. `balance` is the sum of its entries; `version` counts them."""

    __tablename__ = "registry_accounts"
    __table_args__ = (
        UniqueConstraint("batch_id", "kind", "owner"),
        CheckConstraint("kind = 'issuance' OR balance >= 0", name="balance_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("registry_batches.id"))
    kind: Mapped[str] = mapped_column(String(16))
    owner: Mapped[str] = mapped_column(String(32), default="")  # holder id for `held`
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("registry_holders.id"), index=True)
    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


class UnitTransaction(Model):
    """One movement of units (ISSUE, TRANSFER, RETIRE, CANCEL, REVOKE); append-only."""

    __tablename__ = "registry_transactions"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    batch_id: Mapped[int] = mapped_column(ForeignKey("registry_batches.id"), index=True)
    reference: Mapped[str] = mapped_column(String(200), unique=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(300), unique=True)
    request_hash: Mapped[str | None] = mapped_column(String(64))
    memo: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class UnitEntry(Model):
    """One side of a movement: units `first..last` of the batch left or reached an
    account. Chained per account like the points ledger (docs/decisions/0801)."""

    __tablename__ = "registry_entries"
    __table_args__ = (
        UniqueConstraint("account_id", "account_version"),
        CheckConstraint("first >= 1 AND last >= first", name="range_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("registry_transactions.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("registry_accounts.id"))
    amount: Mapped[int] = mapped_column(BigInteger)  # +/- (last - first + 1)
    first: Mapped[int] = mapped_column(BigInteger)
    last: Mapped[int] = mapped_column(BigInteger)
    balance_after: Mapped[int] = mapped_column(BigInteger)
    account_version: Mapped[int] = mapped_column(BigInteger)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class Block(Model):
    """A contiguous serial range of one batch in one account: the units as they are now.

    A movement closes the blocks it takes from (`active` false, `closed_txn_id`) and opens
    new ones; the active blocks of an issued batch partition 1..units exactly."""

    __tablename__ = "registry_blocks"
    __table_args__ = (
        Index("ix_registry_blocks_account_id_active_first", "account_id", "active", "first"),
        Index("ix_registry_blocks_batch_id_first", "batch_id", "first"),
        CheckConstraint("first >= 1 AND last >= first", name="range_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("registry_batches.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("registry_accounts.id"))
    status: Mapped[str] = mapped_column(String(16))
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("registry_holders.id"))
    first: Mapped[int] = mapped_column(BigInteger)
    last: Mapped[int] = mapped_column(BigInteger)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    retirement_id: Mapped[int | None] = mapped_column(ForeignKey("registry_retirements.id"))
    created_txn_id: Mapped[int] = mapped_column(ForeignKey("registry_transactions.id"))
    closed_txn_id: Mapped[int | None] = mapped_column(ForeignKey("registry_transactions.id"))

    @property
    def quantity(self) -> int:
        return self.last - self.first + 1


class Transfer(TimestampMixin, Model):
    """Units sold or given by one holder to another (the seller instructs)."""

    __tablename__ = "registry_transfers"

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("registry_transactions.id"), unique=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("registry_batches.id"), index=True)
    from_holder_id: Mapped[int] = mapped_column(ForeignKey("registry_holders.id"), index=True)
    to_holder_id: Mapped[int] = mapped_column(ForeignKey("registry_holders.id"), index=True)
    quantity: Mapped[int] = mapped_column(BigInteger)
    price_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Retirement(TimestampMixin, Model):
    """Units retired (注销) to offset emissions: for whom, why, where; a public certificate."""

    __tablename__ = "registry_retirements"

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[str] = mapped_column(String(32), unique=True)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("registry_transactions.id"), unique=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("registry_batches.id"), index=True)
    holder_id: Mapped[int] = mapped_column(ForeignKey("registry_holders.id"), index=True)
    quantity: Mapped[int] = mapped_column(BigInteger)
    purpose: Mapped[str] = mapped_column(String(16))
    compliance_year: Mapped[int | None] = mapped_column()
    beneficiary: Mapped[str] = mapped_column(String(200))
    jurisdiction: Mapped[str] = mapped_column(String(32), default="CN")
    note: Mapped[str] = mapped_column(String(500), default="")
    event_ref: Mapped[str] = mapped_column(String(64), default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Cancellation(TimestampMixin, Model):
    """Units taken out of circulation by an operator, or for a record found fraudulent."""

    __tablename__ = "registry_cancellations"

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("registry_transactions.id"), unique=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("registry_batches.id"), index=True)
    quantity: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(16))  # "buffer" or "held"
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("registry_holders.id"))
    reason: Mapped[str] = mapped_column(String(200))
    record_id: Mapped[int | None] = mapped_column(ForeignKey("carbon_records.id"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
