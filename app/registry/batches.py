"""Monitoring batches (核算): the states, assembling and excluding (verification is in
app/registry/verification.py, issuance in issuance.py).

draft -> submitted -> verified | returned (-> draft work -> submitted again) -> issued.
Assembling freezes the members: every approved record of the programme's scenario and
methodology version in the period, of a resident who granted the aggregation consent
(current version), not claimed by its partner, not in any batch (`record_id` is unique in
`registry_batch_members`: one batch, ever). Issuing takes a second operator, turns the
counted carbon plus the programme's carried remainder into whole 1 kg units, carries what
is under 1 kg on, and puts the buffer share in the buffer account.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.db import table_of
from app.errors import Conflict, NotFound, Unprocessable
from app.extensions import db
from app.registry import merkle, programmes, sources
from app.registry.models import (
    BATCH_DRAFT,
    BATCH_RETURNED,
    BATCH_SUBMITTED,
    BATCH_VERIFIED,
    Batch,
    BatchMember,
)
from app.registry.settings import shanghai_today
from app.sql import conflict_insert

_members = table_of(BatchMember)
CHUNK = 1000


class BatchNotFound(NotFound):
    reason, message = "batch_not_found", "批次不存在"


class BatchNotDraft(Conflict):
    reason, message = "batch_not_draft", "批次已提交，不能再修改"


class BatchWrongState(Conflict):
    reason, message = "batch_wrong_state", "批次当前状态不允许此操作"


class RecordAlreadyBatched(Conflict):
    reason, message = "record_already_batched", "部分记录已被其他批次纳入，请重新组批"


def get_batch(batch_id: int) -> Batch:
    """One batch. Raises BatchNotFound."""
    batch = db.session.get(Batch, batch_id)
    if batch is None:
        raise BatchNotFound()
    return batch


def move_status(batch_id: int, allowed: tuple[str, ...], new_status: str, **values) -> Batch:
    """Move a batch from one of `allowed` to `new_status` (one conditional UPDATE, so of two
    concurrent decisions exactly one wins). Raises BatchNotFound, BatchWrongState."""
    moved = db.session.execute(  # type: ignore[attr-defined]  # a DML result is a CursorResult
        update(Batch)
        .where(Batch.id == batch_id, Batch.status.in_(allowed))
        .values(status=new_status, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    batch = db.session.get(Batch, batch_id, populate_existing=True)
    if batch is None:
        raise BatchNotFound()
    if moved != 1:
        if allowed == (BATCH_DRAFT, BATCH_RETURNED):
            raise BatchNotDraft()
        raise BatchWrongState()
    return batch


def assemble_batch(
    programme_id: int, period_start: date, period_end: date, created_by: int
) -> Batch:
    """Freeze a programme's eligible records of a closed period into a new draft batch.

    Raises ProgrammeNotFound (404), Unprocessable (`invalid_period`, `batch_empty`),
    RecordAlreadyBatched (409: a concurrent batch took some of them; assemble again).
    """
    programme = programmes.get_programme(programme_id)
    if period_end < period_start or period_end >= shanghai_today():
        raise Unprocessable("监测期必须已经结束，且开始日期不晚于结束日期", reason="invalid_period")
    rows = sources.candidates_for(programme, period_start, period_end)
    if not rows:
        raise Unprocessable("该监测期内没有可纳入的减排记录", reason="batch_empty")
    seq = (
        db.session.scalar(select(func.max(Batch.seq)).where(Batch.programme_id == programme.id))
        or 0
    ) + 1
    leaves = [merkle.leaf_hash(row.leaf_data) for row in rows]
    try:
        with db.session.begin_nested():
            batch = Batch(
                programme_id=programme.id,
                seq=seq,
                period_start=period_start,
                period_end=period_end,
                status=BATCH_DRAFT,
                member_count=len(rows),
                total_mg=sum(row.carbon_mg for row in rows),
                merkle_root=merkle.root(leaves),
                created_by=created_by,
            )
            db.session.add(batch)
            db.session.flush()
            inserted = _insert_members(batch.id, rows, leaves)
            if inserted != len(rows):
                raise RecordAlreadyBatched()
    except IntegrityError:
        raise RecordAlreadyBatched() from None
    return batch


def _insert_members(batch_id: int, rows: list[sources.Candidate], leaves: list[str]) -> int:
    inserted = 0
    for start in range(0, len(rows), CHUNK):
        values = [
            {
                "batch_id": batch_id,
                "record_id": row.record_id,
                "source_ref": row.source_ref,
                "leaf_data": row.leaf_data,
                "user_id": row.user_id,
                "position": start + i,
                "carbon_mg": row.carbon_mg,
                "leaf_hash": leaves[start + i],
                "excluded": False,
                "excluded_reason": "",
            }
            for i, row in enumerate(rows[start : start + CHUNK])
        ]
        result = db.session.execute(
            conflict_insert(_members)
            .values(values)
            .on_conflict_do_nothing()  # record_id or source_ref taken by another batch
            .returning(_members.c.id)
        )
        inserted += len(result.all())
    return inserted


def counted_members(batch_id: int) -> list[BatchMember]:
    """The members that count (not excluded), in leaf order."""
    return list(
        db.session.scalars(
            select(BatchMember)
            .where(BatchMember.batch_id == batch_id, BatchMember.excluded.is_(False))
            .order_by(BatchMember.id)  # insertion order: the candidates' leaf order
        )
    )


def exclude_records(batch_id: int, record_ids: list[int], reason: str) -> Batch:
    """Take records out of a draft or returned batch (they stay bound to it, uncounted, and
    can never join another); the totals and the Merkle root are recomputed.

    Raises BatchNotFound, BatchNotDraft, Unprocessable (`record_not_in_batch`, `batch_empty`).
    """
    batch = move_status(batch_id, (BATCH_DRAFT, BATCH_RETURNED), BATCH_DRAFT)
    return _exclude(batch, record_ids, reason)


def exclude_for_fraud(batch: Batch, record_id: int, reason: str) -> Batch:
    """A record of a batch not yet issued was found fraudulent: it is excluded, and a
    batch already with its verifier goes back (`returned`) to be checked again."""
    if batch.status in (BATCH_SUBMITTED, BATCH_VERIFIED):
        batch = move_status(
            batch.id,
            (BATCH_SUBMITTED, BATCH_VERIFIED),
            BATCH_RETURNED,
            verification_note=f"记录 #{record_id} 被认定无效，已剔除，请重新核查",
        )
    else:
        batch = move_status(batch.id, (BATCH_DRAFT, BATCH_RETURNED), batch.status)
    return _exclude(batch, [record_id], reason, allow_empty=True)


def _exclude(batch: Batch, record_ids: list[int], reason: str, allow_empty: bool = False) -> Batch:
    wanted = set(record_ids)
    found = set(
        db.session.scalars(
            select(BatchMember.record_id).where(
                BatchMember.batch_id == batch.id, BatchMember.record_id.in_(wanted)
            )
        )
    )
    if found != wanted:
        raise Unprocessable(
            f"记录不在该批次中：{sorted(wanted - found)}", reason="record_not_in_batch"
        )
    db.session.execute(
        update(BatchMember)
        .where(BatchMember.batch_id == batch.id, BatchMember.record_id.in_(wanted))
        .values(excluded=True, excluded_reason=reason[:200])
        .execution_options(synchronize_session=False)
    )
    members = counted_members(batch.id)
    if not members and not allow_empty:
        raise Unprocessable("批次中至少要保留一条记录", reason="batch_empty")
    for position, member in enumerate(members):
        member.position = position
    batch.member_count = len(members)
    batch.total_mg = sum(m.carbon_mg for m in members)
    batch.merkle_root = merkle.root([m.leaf_hash for m in members])
    db.session.flush()
    return batch


def list_batches_stmt(status: str | None = None, verifier_id: int | None = None):
    """SELECT of batches, optionally only those of one status and/or one verifier."""
    stmt = select(Batch)
    if status:
        stmt = stmt.where(Batch.status == status)
    if verifier_id is not None:
        stmt = stmt.where(Batch.verifier_id == verifier_id)
    return stmt
