"""Moving issued units: transfer between holders, retirement (注销), cancellation, and
the buffer's answer to a record found fraudulent after issuance.

Each is one unit movement (app/registry/books.py) plus the row that says why: a Transfer,
a Retirement with its public certificate, a Cancellation. Replays with the same
Idempotency-Key return the first result.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update

from app.db import utcnow
from app.errors import Conflict, Unprocessable
from app.extensions import db
from app.registry import batches, books, organisations
from app.registry.models import (
    ACCOUNT_BUFFER,
    ACCOUNT_CANCELLED,
    ACCOUNT_HELD,
    ACCOUNT_RETIRED,
    BATCH_ISSUED,
    MG_PER_UNIT,
    PURPOSES,
    Batch,
    BatchMember,
    Block,
    Cancellation,
    Retirement,
    Transfer,
    UnitAccount,
)


class BatchNotIssued(Conflict):
    reason, message = "batch_not_issued", "该批次尚未签发"


@dataclass(frozen=True)
class Request:
    """Who asks, and the Idempotency-Key scope of the request (None without one)."""

    user_id: int
    idempotency_key: str | None = None
    request_hash: str | None = None

    def reference(self, kind: str) -> str:
        return f"{kind}:{self.idempotency_key or secrets.token_hex(12)}"[:200]


def _issued(batch_id: int) -> Batch:
    batch = batches.get_batch(batch_id)
    if batch.status != BATCH_ISSUED:
        raise BatchNotIssued()
    return batch


def _check_range(batch: Batch, quantity: int, first: int | None) -> None:
    if quantity <= 0:
        raise Unprocessable("数量必须大于 0", reason="invalid_quantity")
    if first is not None and (first < 1 or first + quantity - 1 > batch.units):
        raise Unprocessable("序列号超出该批次的范围", reason="invalid_serial")


def transfer_units(
    req: Request,
    *,
    from_holder_id: int,
    to_holder_id: int,
    batch_id: int,
    quantity: int,
    price_fen: int = 0,
    first: int | None = None,
) -> Transfer:
    """The seller's instruction: move `quantity` units of a batch to another holder
    (the lowest serials held, or `first..`), recording the price.

    Raises BatchNotFound, HolderNotFound (404), Unprocessable (`same_holder`,
    `invalid_quantity`, `invalid_serial`), BatchNotIssued, InsufficientUnits,
    UnitsNotHeld (409)."""
    batch = _issued(batch_id)
    _check_range(batch, quantity, first)
    buyer = organisations.get_holder(to_holder_id)
    if buyer.id == from_holder_id:
        raise Unprocessable("不能转让给自己", reason="same_holder")
    if not buyer.active:
        raise Unprocessable("受让机构已停用", reason="holder_inactive")
    txn = books.post_movement(
        kind="transfer",
        batch_id=batch.id,
        reference=req.reference("transfer"),
        memo=f"转让 {quantity} kg 给 {buyer.name}",
        legs=[
            books.Leg(
                books.account_for(batch.id, ACCOUNT_HELD, from_holder_id),
                books.account_for(batch.id, ACCOUNT_HELD, buyer.id),
                quantity,
                first,
            )
        ],
        created_by=req.user_id,
        idempotency_key=req.idempotency_key,
        request_hash=req.request_hash,
    )
    existing = db.session.scalar(select(Transfer).where(Transfer.transaction_id == txn.id))
    if existing is not None:
        return existing
    transfer = Transfer(
        transaction_id=txn.id,
        batch_id=batch.id,
        from_holder_id=from_holder_id,
        to_holder_id=buyer.id,
        quantity=quantity,
        price_fen=price_fen,
        created_by=req.user_id,
    )
    db.session.add(transfer)
    db.session.flush()
    return transfer


def _certificate_id() -> str:
    return "RT" + secrets.token_hex(6).upper()


def retire_units(
    req: Request,
    *,
    holder_id: int,
    batch_id: int,
    quantity: int,
    purpose: str,
    beneficiary: str,
    jurisdiction: str = "CN",
    compliance_year: int | None = None,
    note: str = "",
    event_ref: str = "",
    first: int | None = None,
) -> Retirement:
    """Retire (注销) a holder's units for a purpose and a beneficiary; they can never move
    again. Returns the retirement with its public certificate id.

    Raises BatchNotFound (404), Unprocessable (`invalid_purpose`, `compliance_year_required`,
    `invalid_quantity`, `invalid_serial`), BatchNotIssued, InsufficientUnits, UnitsNotHeld."""
    batch = _issued(batch_id)
    _check_range(batch, quantity, first)
    if purpose not in PURPOSES:
        raise Unprocessable("注销用途无效", reason="invalid_purpose")
    if purpose == "compliance" and compliance_year is None:
        raise Unprocessable("履约抵消需要填写履约年度", reason="compliance_year_required")
    txn = books.post_movement(
        kind="retire",
        batch_id=batch.id,
        reference=req.reference("retire"),
        memo=f"注销 {quantity} kg，受益方 {beneficiary}"[:200],
        legs=[
            books.Leg(
                books.account_for(batch.id, ACCOUNT_HELD, holder_id),
                books.account_for(batch.id, ACCOUNT_RETIRED),
                quantity,
                first,
            )
        ],
        created_by=req.user_id,
        idempotency_key=req.idempotency_key,
        request_hash=req.request_hash,
        new_block_extra={"holder_id": holder_id},
    )
    existing = db.session.scalar(select(Retirement).where(Retirement.transaction_id == txn.id))
    if existing is not None:
        return existing
    retirement = Retirement(
        certificate_id=_certificate_id(),
        transaction_id=txn.id,
        batch_id=batch.id,
        holder_id=holder_id,
        quantity=quantity,
        purpose=purpose,
        compliance_year=compliance_year,
        beneficiary=beneficiary.strip(),
        jurisdiction=jurisdiction.strip() or "CN",
        note=note.strip(),
        event_ref=event_ref,
        created_by=req.user_id,
        created_at=txn.created_at,
    )
    db.session.add(retirement)
    db.session.flush()
    retired = books.account_for(batch.id, ACCOUNT_RETIRED)
    db.session.execute(
        update(Block)
        .where(Block.created_txn_id == txn.id, Block.account_id == retired)
        .values(retirement_id=retirement.id)
        .execution_options(synchronize_session=False)
    )
    return retirement


def cancel_units(
    req: Request,
    *,
    batch_id: int,
    quantity: int,
    reason: str,
    holder_id: int | None = None,
    record_id: int | None = None,
) -> Cancellation:
    """Take units out of circulation: from a holder's, or from the buffer when
    `holder_id` is None. Raises BatchNotFound, BatchNotIssued, InsufficientUnits,
    Unprocessable (`invalid_quantity`)."""
    batch = _issued(batch_id)
    _check_range(batch, quantity, None)
    source = (
        books.account_for(batch.id, ACCOUNT_HELD, holder_id)
        if holder_id is not None
        else books.account_for(batch.id, ACCOUNT_BUFFER)
    )
    txn = books.post_movement(
        kind="cancel" if record_id is None else "revoke",
        batch_id=batch.id,
        reference=req.reference("cancel"),
        memo=f"作废 {quantity} kg：{reason}"[:200],
        legs=[books.Leg(source, books.account_for(batch.id, ACCOUNT_CANCELLED), quantity)],
        created_by=req.user_id,
        idempotency_key=req.idempotency_key,
        request_hash=req.request_hash,
    )
    existing = db.session.scalar(select(Cancellation).where(Cancellation.transaction_id == txn.id))
    if existing is not None:
        return existing
    cancellation = Cancellation(
        transaction_id=txn.id,
        batch_id=batch.id,
        quantity=quantity,
        source="held" if holder_id is not None else "buffer",
        holder_id=holder_id,
        reason=reason[:200],
        record_id=record_id,
        created_by=req.user_id,
    )
    db.session.add(cancellation)
    db.session.flush()
    return cancellation


def cancel_for_revoked_record(record_id: int, operator_id: int, reason: str) -> Batch | None:
    """A record found fraudulent: before issuance it leaves its batch (excluded; a batch
    under verification goes back to `returned`); after issuance the batch's revoked carbon
    grows and the whole kilograms it reaches are cancelled from the buffer (then from the
    platform's own units), in public. Returns the batch, or None if the record was never
    batched. Re-running for the same record changes nothing."""
    member = db.session.scalar(select(BatchMember).where(BatchMember.record_id == record_id))
    if member is None or member.excluded or member.revoked_at is not None:
        return None
    batch = batches.get_batch(member.batch_id)
    if batch.status != BATCH_ISSUED:
        return batches.exclude_for_fraud(batch, record_id, reason)
    marked = db.session.execute(  # type: ignore[attr-defined]  # a DML result is a CursorResult
        update(BatchMember)
        .where(BatchMember.id == member.id, BatchMember.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if marked != 1:
        return batch  # revoked by a concurrent request
    db.session.execute(
        update(Batch)
        .where(Batch.id == batch.id)
        .values(revoked_mg=Batch.revoked_mg + member.carbon_mg)
        .execution_options(synchronize_session=False)
    )
    batch = db.session.get_one(Batch, batch.id, populate_existing=True)
    due = min(math.ceil(batch.revoked_mg / MG_PER_UNIT), batch.units) - batch.revoked_units
    req = Request(operator_id)
    for holder_id in (None, organisations.platform_holder().id):
        if due <= 0:
            break
        available = _balance(
            batch.id, ACCOUNT_BUFFER if holder_id is None else ACCOUNT_HELD, holder_id
        )
        take = min(due, available)
        if take:
            cancel_units(
                req,
                batch_id=batch.id,
                quantity=take,
                holder_id=holder_id,
                reason=f"记录 #{record_id} 被认定无效：{reason}",
                record_id=record_id,
            )
            batch.revoked_units += take
            due -= take
    db.session.flush()
    return batch


def _balance(batch_id: int, kind: str, holder_id: int | None) -> int:
    owner = str(holder_id) if holder_id is not None else ""
    return (
        db.session.scalar(
            select(UnitAccount.balance).where(
                UnitAccount.batch_id == batch_id,
                UnitAccount.kind == kind,
                UnitAccount.owner == owner,
            )
        )
        or 0
    )
