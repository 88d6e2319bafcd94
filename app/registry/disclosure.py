"""What the registry discloses (信息披露): totals, batches, blocks, retirements,
certificates, serial search, the dump; and a resident's own share with inclusion proofs.

Nothing here names a resident: members appear only as their record id, carbon and a
pseudonymous id (app/registry/settings.py `pseudonym`).
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select

from app.carbon import service as carbon
from app.errors import NotFound
from app.extensions import db
from app.pagination import paginate_desc
from app.registry import merkle
from app.registry.models import (
    ACCOUNT_BUFFER,
    ACCOUNT_CANCELLED,
    ACCOUNT_HELD,
    ACCOUNT_RETIRED,
    BATCH_ISSUED,
    Batch,
    BatchMember,
    Block,
    Holder,
    Programme,
    Retirement,
    UnitAccount,
    Verifier,
)
from app.registry.programmes import parse_serial
from app.registry.settings import pseudonym


class CertificateNotFound(NotFound):
    reason, message = "certificate_not_found", "证书不存在"


def with_verifier_names(batches: list[Batch]) -> list[Batch]:
    """Attach `verifier_name` for display (one query)."""
    ids = {b.verifier_id for b in batches if b.verifier_id}
    names = {}
    if ids:
        names = dict(
            db.session.execute(select(Verifier.id, Verifier.name).where(Verifier.id.in_(ids)))
            .tuples()
            .all()
        )
    for batch in batches:
        # mypy: display-only attribute; a batch without a verifier gets None.
        batch.verifier_name = names.get(batch.verifier_id)  # type: ignore[arg-type, attr-defined]
    return batches


def list_batches(stmt, limit: int, cursor: str | None) -> tuple[list[Batch], str | None]:
    """One page (newest first) of the batches `stmt` selects, with their verifiers' names.

    Returns the rows and the next cursor. Raises InvalidCursor."""
    rows, next_cursor = paginate_desc(stmt, Batch.id, limit, cursor)
    return with_verifier_names(rows), next_cursor


def balances_by_kind(batch_ids: list[int] | None = None) -> dict[str, int]:
    """Units by account kind (held, buffer, retired, cancelled) over some or all batches."""
    stmt = select(UnitAccount.kind, func.sum(UnitAccount.balance)).group_by(UnitAccount.kind)
    if batch_ids is not None:
        stmt = stmt.where(UnitAccount.batch_id.in_(batch_ids))
    return {kind: int(total or 0) for kind, total in db.session.execute(stmt)}


def summary() -> dict:
    """Public totals, and issuance by month and programme for the chart."""
    kinds = balances_by_kind()
    issued = db.session.execute(
        select(func.coalesce(func.sum(Batch.units), 0)).where(Batch.status == BATCH_ISSUED)
    ).scalar_one()
    rows = db.session.execute(
        select(Batch.issued_at, Programme.code, Programme.name, Batch.units)
        .join(Programme, Programme.id == Batch.programme_id)
        .where(Batch.status == BATCH_ISSUED)
    ).all()
    by_month: dict[tuple[str, str, str], int] = defaultdict(int)
    for row in rows:
        month = carbon.shanghai_day(row.issued_at).strftime("%Y-%m")
        by_month[(month, row.code, row.name)] += int(row.units)
    return {
        "issued_kg": int(issued),
        "held_kg": kinds.get(ACCOUNT_HELD, 0),
        "buffer_kg": kinds.get(ACCOUNT_BUFFER, 0),
        "retired_kg": kinds.get(ACCOUNT_RETIRED, 0),
        "cancelled_kg": kinds.get(ACCOUNT_CANCELLED, 0),
        "batches": db.session.scalar(select(func.count(Batch.id))) or 0,
        "retirements": db.session.scalar(select(func.count(Retirement.id))) or 0,
        "by_month": [
            {"month": m, "programme": code, "programme_name": name, "issued_kg": units}
            for (m, code, name), units in sorted(by_month.items())
        ],
    }


def block_views(blocks: list[Block]) -> list[dict]:
    """Blocks as the public sees them: serial range, status, holder name, certificate."""
    batches = (
        {
            b.id: b
            for b in db.session.scalars(
                select(Batch).where(Batch.id.in_({blk.batch_id for blk in blocks}))
            )
        }
        if blocks
        else {}
    )
    holder_ids = {blk.holder_id for blk in blocks if blk.holder_id}
    holders = (
        dict(
            db.session.execute(select(Holder.id, Holder.name).where(Holder.id.in_(holder_ids)))
            .tuples()
            .all()
        )
        if holder_ids
        else {}
    )
    retirement_ids = {blk.retirement_id for blk in blocks if blk.retirement_id}
    certificates = (
        dict(
            db.session.execute(
                select(Retirement.id, Retirement.certificate_id).where(
                    Retirement.id.in_(retirement_ids)
                )
            )
            .tuples()
            .all()
        )
        if retirement_ids
        else {}
    )
    return [
        {
            "serial": f"{batches[blk.batch_id].serial}-{blk.first}-{blk.last}",
            "batch_id": blk.batch_id,
            "first": blk.first,
            "last": blk.last,
            "quantity": blk.quantity,
            "status": blk.status,
            # mypy: a NULL holder or retirement id finds nothing (None), as intended.
            "holder": holders.get(blk.holder_id),  # type: ignore[arg-type]
            "certificate_id": certificates.get(blk.retirement_id),  # type: ignore[arg-type]
        }
        for blk in blocks
    ]


def blocks_stmt(status: str | None = None, batch_id: int | None = None):
    """A select of the active blocks, by status and batch."""
    stmt = select(Block).where(Block.active.is_(True))
    if status:
        stmt = stmt.where(Block.status == status)
    if batch_id:
        stmt = stmt.where(Block.batch_id == batch_id)
    return stmt


def search_serial(text: str) -> list[dict]:
    """The active blocks that hold any unit of a serial (a block, a range or one unit)."""
    parsed = parse_serial(text)
    if parsed is None:
        return []
    prefix, first, last = parsed
    batch = db.session.scalar(select(Batch).where(Batch.serial == prefix))
    if batch is None:
        return []
    blocks = db.session.scalars(
        select(Block)
        .where(
            Block.batch_id == batch.id,
            Block.active.is_(True),
            Block.first <= last,
            Block.last >= first,
        )
        .order_by(Block.first)
        .limit(100)
    ).all()
    return block_views(list(blocks))


def certificate(certificate_id: str) -> dict:
    """Everything a retirement certificate shows. Raises CertificateNotFound."""
    retirement = db.session.scalar(
        select(Retirement).where(Retirement.certificate_id == certificate_id.strip().upper())
    )
    if retirement is None:
        raise CertificateNotFound()
    batch = with_verifier_names([db.session.get_one(Batch, retirement.batch_id)])[0]
    holder = db.session.get_one(Holder, retirement.holder_id)
    blocks = db.session.scalars(
        select(Block).where(Block.retirement_id == retirement.id).order_by(Block.first)
    ).all()
    return {
        "retirement": retirement,
        "holder": holder.name,
        "batch": batch,
        "serials": [f"{batch.serial}-{b.first}-{b.last}" for b in blocks],
    }


def list_retirements(stmt, limit: int, cursor: str | None) -> tuple[list[Retirement], str | None]:
    """One page (newest first) of the retirements `stmt` selects, with their holders' names.

    Returns the rows and the next cursor. Raises InvalidCursor."""
    rows, next_cursor = paginate_desc(stmt, Retirement.id, limit, cursor)
    return with_holder_names(rows), next_cursor


def with_holder_names(rows: list[Retirement]) -> list[Retirement]:
    """Attach `holder_name` to retirements for display (one query)."""
    holders = (
        dict(
            db.session.execute(
                select(Holder.id, Holder.name).where(Holder.id.in_({r.holder_id for r in rows}))
            )
            .tuples()
            .all()
        )
        if rows
        else {}
    )
    for row in rows:
        # mypy: display-only attribute for the schemas.
        row.holder_name = holders.get(row.holder_id)  # type: ignore[attr-defined]
    return rows


def batch_fate(batch_id: int) -> dict:
    """Where a batch's units are now: holders, retirements (by whom, for whom), buffer."""
    accounts = db.session.execute(
        select(UnitAccount.kind, UnitAccount.holder_id, UnitAccount.balance).where(
            UnitAccount.batch_id == batch_id, UnitAccount.balance > 0
        )
    ).all()
    holders = {
        h.id: h.name
        for h in db.session.scalars(
            select(Holder).where(Holder.id.in_({a.holder_id for a in accounts if a.holder_id}))
        )
    }
    retirements = db.session.scalars(
        select(Retirement).where(Retirement.batch_id == batch_id).order_by(Retirement.id)
    ).all()
    retiring = (
        {
            h.id: h.name
            for h in db.session.scalars(
                select(Holder).where(Holder.id.in_({r.holder_id for r in retirements}))
            )
        }
        if retirements
        else {}
    )
    return {
        "held": [
            {"holder": holders[a.holder_id], "kg": int(a.balance)}
            for a in accounts
            if a.kind == ACCOUNT_HELD
        ],
        "buffer_kg": sum(int(a.balance) for a in accounts if a.kind == ACCOUNT_BUFFER),
        "cancelled_kg": sum(int(a.balance) for a in accounts if a.kind == ACCOUNT_CANCELLED),
        "retired": [
            {
                "holder": retiring[r.holder_id],
                "beneficiary": r.beneficiary,
                "purpose": r.purpose,
                "kg": r.quantity,
                "certificate_id": r.certificate_id,
            }
            for r in retirements
        ],
    }


def my_reductions(user_id: int) -> dict:
    """The resident's records in batches, with the batch's fate and a Merkle inclusion
    proof against its public root."""
    members = db.session.scalars(
        select(BatchMember)
        .where(BatchMember.user_id == user_id, BatchMember.excluded.is_(False))
        .order_by(BatchMember.record_id.desc())
        .limit(200)
    ).all()
    items, leaves_cache, fates = [], {}, {}
    for member in members:
        batch = with_verifier_names([db.session.get_one(Batch, member.batch_id)])[0]
        if batch.id not in leaves_cache:
            leaves_cache[batch.id] = list(
                db.session.scalars(
                    select(BatchMember.leaf_hash)
                    .where(BatchMember.batch_id == batch.id, BatchMember.excluded.is_(False))
                    .order_by(BatchMember.position)
                )
            )
            fates[batch.id] = batch_fate(batch.id) if batch.status == BATCH_ISSUED else None
        # mypy: carbon-record members have a record_id (sink members are handled above).
        record = carbon.get_record(member.record_id)  # type: ignore[arg-type]
        data = merkle.leaf_data(
            record_id=record.id,
            scenario=record.scenario.code,
            methodology_version=record.methodology.version,
            carbon_mg=member.carbon_mg,
            day=record.day,
            evidence_kind=record.evidence_type,
            resident=pseudonym(user_id),
        )
        items.append(
            {
                "record_id": record.id,
                "scenario": record.scenario.code,
                "scenario_name": record.scenario.name,
                "carbon_g": member.carbon_mg / 1000,
                "day": record.day,
                "batch": batch,
                "leaf_data": data,
                "leaf_hash": member.leaf_hash,
                "proof": merkle.proof(leaves_cache[batch.id], member.position),
                "revoked": member.revoked_at is not None,
                "fate": fates[batch.id],
            }
        )
    return {"pseudonym": pseudonym(user_id), "items": items}
