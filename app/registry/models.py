"""Registry tables: programmes, monitoring batches and their members, organisations,
unit accounts, movements (transactions + entries), serial blocks, transfers, retirements,
cancellations and the residents' aggregation consent.

Unit = 1 kgCO2e. Movements and entries are append-only (triggers, as in the points
ledger); account balances and the current serial blocks are the only stored figures that
move, and only together with the entries that explain them, in the same transaction.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.carbon.models import MethodologyVersion, Scenario
from app.db import TimestampMixin, UtcDateTime, utcnow
from app.extensions import Model

MG_PER_UNIT = 1_000_000  # 1 kgCO2e in milligrams

BATCH_DRAFT = "draft"
BATCH_SUBMITTED = "submitted"
BATCH_RETURNED = "returned"
BATCH_VERIFIED = "verified"
BATCH_ISSUED = "issued"
BATCH_STATUSES = (BATCH_DRAFT, BATCH_SUBMITTED, BATCH_RETURNED, BATCH_VERIFIED, BATCH_ISSUED)

# Unit account kinds; a block's status is the kind of the account that holds it.
ACCOUNT_ISSUANCE = "issuance"  # minus everything issued for the batch
ACCOUNT_HELD = "held"  # one per holder
ACCOUNT_BUFFER = "buffer"
ACCOUNT_RETIRED = "retired"
ACCOUNT_CANCELLED = "cancelled"
BLOCK_STATUSES = (ACCOUNT_HELD, ACCOUNT_BUFFER, ACCOUNT_RETIRED, ACCOUNT_CANCELLED)

HOLDER_PLATFORM = "platform"
HOLDER_KINDS = (HOLDER_PLATFORM, "enterprise", "event_organiser", "other")

PURPOSES = ("compliance", "voluntary", "event", "personal")


PROGRAMME_REDUCTION = "reduction"  # residents' carbon records of one methodology version


class Programme(TimestampMixin, Model):
    """The class of units a batch issues (备案): a reduction programme is one scenario under
    one methodology version; another domain's programme (e.g. a carbon-sink project under
    its methodology, `kind` "sink") is named by its `source_ref` and supplies its members
    through `register_member_source` (app/registry/batches.py)."""

    __tablename__ = "registry_programmes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default=PROGRAMME_REDUCTION)
    scenario_id: Mapped[int | None] = mapped_column(ForeignKey("carbon_scenarios.id"))
    methodology_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("carbon_methodology_versions.id"), unique=True
    )
    source_ref: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Where issued units go; None: the platform's own holder.
    issue_to_holder_id: Mapped[int | None] = mapped_column(ForeignKey("registry_holders.id"))
    name: Mapped[str] = mapped_column(String(100))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    scenario: Mapped[Scenario | None] = relationship(lazy="joined")
    methodology: Mapped[MethodologyVersion | None] = relationship(lazy="joined")


class Verifier(TimestampMixin, Model):
    """A third-party verification body (核查机构)."""

    __tablename__ = "registry_verifiers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    accreditation: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Holder(TimestampMixin, Model):
    """An organisation that holds units: an enterprise, an event organiser, the platform."""

    __tablename__ = "registry_holders"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class OrganisationMember(Model):
    """A console login of a holder or a verifier (exactly one of them)."""

    __tablename__ = "registry_members"
    __table_args__ = (
        CheckConstraint("(holder_id IS NULL) <> (verifier_id IS NULL)", name="one_organisation"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("registry_holders.id"))
    verifier_id: Mapped[int | None] = mapped_column(ForeignKey("registry_verifiers.id"))


class Batch(TimestampMixin, Model):
    """A monitoring batch (核算): a programme's approved records over a period, frozen."""

    __tablename__ = "registry_batches"
    __table_args__ = (UniqueConstraint("programme_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("registry_programmes.id"))
    seq: Mapped[int] = mapped_column()
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=BATCH_DRAFT)
    member_count: Mapped[int] = mapped_column(default=0)
    total_mg: Mapped[int] = mapped_column(BigInteger, default=0)  # counted members only
    merkle_root: Mapped[str] = mapped_column(String(64), default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    verifier_id: Mapped[int | None] = mapped_column(ForeignKey("registry_verifiers.id"))
    verified_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    verification_note: Mapped[str] = mapped_column(Text, default="")
    report_sha256: Mapped[str] = mapped_column(String(64), default="")
    report_url: Mapped[str] = mapped_column(String(500), default="")
    report_path: Mapped[str] = mapped_column(String(200), default="")
    # Issuance (a second operator): whole units, the remainder carried on, the buffer.
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    carried_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("registry_batches.id"), unique=True
    )
    carry_in_mg: Mapped[int] = mapped_column(BigInteger, default=0)
    units: Mapped[int] = mapped_column(BigInteger, default=0)
    carry_out_mg: Mapped[int] = mapped_column(BigInteger, default=0)
    buffer_units: Mapped[int] = mapped_column(BigInteger, default=0)
    serial: Mapped[str] = mapped_column(String(80), default="")
    # Records found fraudulent after issuance: their carbon, and the units cancelled.
    revoked_mg: Mapped[int] = mapped_column(BigInteger, default=0)
    revoked_units: Mapped[int] = mapped_column(BigInteger, default=0)

    programme: Mapped[Programme] = relationship(lazy="joined")


class BatchMember(Model):
    """A carbon record (or another domain's source, e.g. a tree's verified year, named by
    `source_ref` with its `leaf_data`) frozen into a batch. `record_id` and `source_ref`
    are unique: one batch, ever."""

    __tablename__ = "registry_batch_members"
    __table_args__ = (
        Index("ix_registry_batch_members_batch_id_position", "batch_id", "position"),
        CheckConstraint("record_id IS NOT NULL OR source_ref IS NOT NULL", name="has_source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("registry_batches.id"))
    record_id: Mapped[int | None] = mapped_column(ForeignKey("carbon_records.id"), unique=True)
    source_ref: Mapped[str | None] = mapped_column(String(64), unique=True)
    leaf_data: Mapped[str] = mapped_column(Text, default="")  # for `source_ref` members
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    position: Mapped[int] = mapped_column()  # the leaf's index in the Merkle tree
    carbon_mg: Mapped[int] = mapped_column(BigInteger)
    leaf_hash: Mapped[str] = mapped_column(String(64))
    # Taken out before issuance (the verifier found it wanting): in the batch, not counted.
    excluded: Mapped[bool] = mapped_column(Boolean, default=False)
    excluded_reason: Mapped[str] = mapped_column(String(200), default="")
    # Found fraudulent after issuance: its kilograms were cancelled from the buffer.
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class AggregationConsent(Model):
    """A resident's yes/no to "my reductions may be aggregated and transferred", with the
    text version agreed. Withdrawal only stops future batches."""

    __tablename__ = "registry_consents"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    granted: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class OffsetPool(TimestampMixin, Model):
    """Units a holder offers residents for personal offsets (一元碳汇): points per kg, set
    by operators; `kind` sink, reduction or any (the programmes it draws from)."""

    __tablename__ = "registry_offset_pools"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))
    points_per_kg: Mapped[int] = mapped_column()
    holder_id: Mapped[int] = mapped_column(ForeignKey("registry_holders.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class PersonalOffset(TimestampMixin, Model):
    """A resident's offset: points paid, kilograms retired in their name (我的碳中和证书)."""

    __tablename__ = "registry_personal_offsets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    pool_id: Mapped[int] = mapped_column(ForeignKey("registry_offset_pools.id"))
    kg: Mapped[int] = mapped_column()
    points: Mapped[int] = mapped_column()
    ledger_txn_id: Mapped[int] = mapped_column(ForeignKey("ledger_transactions.id"))
    retirement_id: Mapped[int] = mapped_column(ForeignKey("registry_retirements.id"), unique=True)


# The unit books' tables, importable from here like every registry table.
from app.registry.book_models import (  # noqa: E402, F401
    Block,
    Cancellation,
    Retirement,
    Transfer,
    UnitAccount,
    UnitEntry,
    UnitTransaction,
)
