"""Monitoring batches (核算): assemble, exclude, submit, verify or return, issue.

draft -> submitted -> verified | returned (-> draft work -> submitted again) -> issued.
Assembling freezes the members: every approved record of the programme's scenario and
methodology version in the period, of a resident who granted the aggregation consent
(current version), not claimed by its partner, not in any batch (`record_id` is unique in
`registry_batch_members`: one batch, ever). Issuing takes a second operator, turns the
counted carbon plus the programme's carried remainder into whole 1 kg units, carries what
is under 1 kg on, and puts the buffer share in the buffer account.
"""

from __future__ import annotations

import math
from datetime import date

from sqlalchemy import func, not_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from app.carbon import service as carbon
from app.db import utcnow
from app.errors import Conflict, NotFound, Unprocessable
from app.extensions import db
from app.registry import books, merkle, organisations, programmes
from app.registry.consent import consenting_users_clause
from app.registry.models import (
    ACCOUNT_BUFFER,
    ACCOUNT_HELD,
    ACCOUNT_ISSUANCE,
    BATCH_DRAFT,
    BATCH_ISSUED,
    BATCH_RETURNED,
    BATCH_SUBMITTED,
    BATCH_VERIFIED,
    MG_PER_UNIT,
    Batch,
    BatchMember,
)
from app.registry.settings import pseudonym, setting, shanghai_today

_members = BatchMember.__table__
CHUNK = 1000


class BatchNotFound(NotFound):
    reason, message = "batch_not_found", "批次不存在"


class BatchNotDraft(Conflict):
    reason, message = "batch_not_draft", "批次已提交，不能再修改"


class BatchWrongState(Conflict):
    reason, message = "batch_wrong_state", "批次当前状态不允许此操作"


class RecordAlreadyBatched(Conflict):
    reason, message = "record_already_batched", "部分记录已被其他批次纳入，请重新组批"


class SameOperator(Conflict):
    reason, message = "same_operator", "签发需要另一位运营人员复核（四眼原则）"


def get_batch(batch_id: int) -> Batch:
    """One batch. Raises BatchNotFound."""
    batch = db.session.get(Batch, batch_id)
    if batch is None:
        raise BatchNotFound()
    return batch


def _locked(batch_id: int, allowed: tuple[str, ...], new_status: str, **values) -> Batch:
    """Move a batch from one of `allowed` to `new_status` (one conditional UPDATE, so of two
    concurrent decisions exactly one wins). Raises BatchNotFound, BatchWrongState."""
    moved = db.session.execute(
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


def _eligible_records(programme, period_start: date, period_end: date) -> list:
    record = carbon.CarbonRecord
    conditions = [
        record.status == carbon.RECORD_APPROVED,
        record.methodology_version_id == programme.methodology_version_id,
        record.day >= period_start,
        record.day <= period_end,
        record.carbon_mg > 0,
        consenting_users_clause(record.user_id),
        not_(select(_members.c.id).where(_members.c.record_id == record.id).exists()),
    ]
    claimed = organisations.partners_claiming_reductions()
    if claimed:
        prefixes = [record.evidence_ref.startswith(f"partner:{code}:") for code in claimed]
        conditions.append(not_(or_(*prefixes)))
    return db.session.execute(
        select(record.id, record.user_id, record.carbon_mg, record.day, record.evidence_type)
        .where(*conditions)
        .order_by(record.id)
    ).all()


def _leaf(row, programme) -> str:
    return merkle.leaf_hash(
        merkle.leaf_data(
            record_id=row.id,
            scenario=programme.scenario.code,
            methodology_version=programme.methodology.version,
            carbon_mg=row.carbon_mg,
            day=row.day,
            evidence_kind=row.evidence_type,
            resident=pseudonym(row.user_id),
        )
    )


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
    rows = _eligible_records(programme, period_start, period_end)
    if not rows:
        raise Unprocessable("该监测期内没有可纳入的减排记录", reason="batch_empty")
    seq = (
        db.session.scalar(select(func.max(Batch.seq)).where(Batch.programme_id == programme.id))
        or 0
    ) + 1
    leaves = [_leaf(row, programme) for row in rows]
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


def _insert_members(batch_id: int, rows: list, leaves: list[str]) -> int:
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    inserted = 0
    for start in range(0, len(rows), CHUNK):
        values = [
            {
                "batch_id": batch_id,
                "record_id": row.id,
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
            insert(_members)
            .values(values)
            .on_conflict_do_nothing(index_elements=["record_id"])
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
            .order_by(BatchMember.record_id)
        )
    )


def exclude_records(batch_id: int, record_ids: list[int], reason: str) -> Batch:
    """Take records out of a draft or returned batch (they stay bound to it, uncounted, and
    can never join another); the totals and the Merkle root are recomputed.

    Raises BatchNotFound, BatchNotDraft, Unprocessable (`record_not_in_batch`, `batch_empty`).
    """
    batch = _locked(batch_id, (BATCH_DRAFT, BATCH_RETURNED), BATCH_DRAFT)
    return _exclude(batch, record_ids, reason)


def exclude_for_fraud(batch: Batch, record_id: int, reason: str) -> Batch:
    """A record of a batch not yet issued was found fraudulent: it is excluded, and a
    batch already with its verifier goes back (`returned`) to be checked again."""
    if batch.status in (BATCH_SUBMITTED, BATCH_VERIFIED):
        batch = _locked(
            batch.id,
            (BATCH_SUBMITTED, BATCH_VERIFIED),
            BATCH_RETURNED,
            verification_note=f"记录 #{record_id} 被认定无效，已剔除，请重新核查",
        )
    else:
        batch = _locked(batch.id, (BATCH_DRAFT, BATCH_RETURNED), batch.status)
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


def submit_batch(batch_id: int, verifier_id: int, submitted_by: int) -> Batch:
    """Send a draft (or returned and reworked) batch to a verifier.

    Raises BatchNotFound, BatchNotDraft (409), VerifierNotFound (404)."""
    organisations.get_verifier(verifier_id)
    return _locked(
        batch_id,
        (BATCH_DRAFT, BATCH_RETURNED),
        BATCH_SUBMITTED,
        verifier_id=verifier_id,
        submitted_by=submitted_by,
        submitted_at=utcnow(),
    )


def _assigned(batch_id: int, verifier_user_id: int) -> Batch:
    batch = get_batch(batch_id)
    if batch.verifier_id != organisations.verifier_of(verifier_user_id):
        raise BatchNotFound()  # another body's batch looks like no batch
    return batch


def attach_report(
    batch_id: int, verifier_user_id: int, *, sha256: str, url: str = "", path: str = ""
) -> Batch:
    """Record the verification report (an uploaded file or a link, with its SHA-256).

    Raises BatchNotFound (also another verifier's), BatchWrongState (not submitted)."""
    batch = _assigned(batch_id, verifier_user_id)
    if batch.status != BATCH_SUBMITTED:
        raise BatchWrongState()
    batch.report_sha256, batch.report_url, batch.report_path = sha256, url, path
    db.session.flush()
    return batch


def decide_batch(batch_id: int, verifier_user_id: int, *, verified: bool, note: str) -> Batch:
    """The verifier's decision: verified, or returned with a note.

    Raises BatchNotFound, BatchWrongState, Conflict (`report_required` to verify)."""
    batch = _assigned(batch_id, verifier_user_id)
    if verified and not batch.report_sha256:
        raise Conflict("请先上传或登记核查报告", reason="report_required")
    return _locked(
        batch.id,
        (BATCH_SUBMITTED,),
        BATCH_VERIFIED if verified else BATCH_RETURNED,
        verified_by=verifier_user_id,
        verified_at=utcnow(),
        verification_note=note[:2000],
    )


def issue_batch(batch_id: int, operator_id: int) -> Batch:
    """Issue a verified batch's units (签发) to the platform holder, buffer share apart.

    Raises BatchNotFound, BatchWrongState, SameOperator (409: the operator who assembled
    or submitted it cannot issue it), Conflict (`issue_conflict`: retry).
    """
    batch = get_batch(batch_id)
    if operator_id in (batch.created_by, batch.submitted_by):
        raise SameOperator()
    previous = _carry_source(batch)
    carry_in = previous.carry_out_mg if previous is not None else 0
    units, carry_out = divmod(batch.total_mg + carry_in, MG_PER_UNIT)
    buffer_units = math.ceil(units * setting("REGISTRY_BUFFER_PERCENT") / 100)
    try:
        with db.session.begin_nested():
            batch = _locked(
                batch.id,
                (BATCH_VERIFIED,),
                BATCH_ISSUED,
                issued_by=operator_id,
                issued_at=utcnow(),
                carried_from_id=previous.id if previous is not None else None,
                carry_in_mg=carry_in,
                units=units,
                carry_out_mg=carry_out,
                buffer_units=buffer_units,
                serial=programmes.batch_serial(batch),
            )
            if units:
                _post_issuance(batch, operator_id)
    except IntegrityError:
        raise Conflict("同一方法学的另一个批次正在签发，请重试", reason="issue_conflict") from None
    return batch


def _carry_source(batch: Batch) -> Batch | None:
    """The programme's latest issued batch whose remainder has not been carried on."""
    carried = select(Batch.carried_from_id).where(Batch.carried_from_id.is_not(None))
    return db.session.scalar(
        select(Batch)
        .where(
            Batch.programme_id == batch.programme_id,
            Batch.status == BATCH_ISSUED,
            Batch.id.not_in(carried),
        )
        .order_by(Batch.issued_at.desc(), Batch.id.desc())
        .limit(1)
    )


def _post_issuance(batch: Batch, operator_id: int) -> None:
    platform = organisations.platform_holder()
    issuance = books.account_for(batch.id, ACCOUNT_ISSUANCE)
    legs = []
    held = batch.units - batch.buffer_units
    if held:
        legs.append(
            books.Leg(
                issuance, books.account_for(batch.id, ACCOUNT_HELD, platform.id), held, first=1
            )
        )
    if batch.buffer_units:
        legs.append(
            books.Leg(
                issuance,
                books.account_for(batch.id, ACCOUNT_BUFFER),
                batch.buffer_units,
                first=held + 1,
            )
        )
    books.post_movement(
        kind="issue",
        batch_id=batch.id,
        reference=f"batch:{batch.id}:issue",
        memo=f"签发 {batch.serial}",
        legs=legs,
        created_by=operator_id,
    )


def list_batches_stmt(status: str | None = None, verifier_id: int | None = None):
    stmt = select(Batch)
    if status:
        stmt = stmt.where(Batch.status == status)
    if verifier_id is not None:
        stmt = stmt.where(Batch.verifier_id == verifier_id)
    return stmt
