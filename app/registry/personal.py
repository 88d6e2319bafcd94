"""Personal offsets (一元碳汇): a resident spends points to retire a few kilograms of sink
or reduction units in their own name, and gets a certificate (我的碳中和证书).

One transaction: the points move to the pool's holder (`holder:<id>` in the ledger) and
the units are retired from the holder's account by the registry's conditional UPDATE, so
concurrent offsets never retire more than the pool holds: when units run out the whole
request is refused (409 `insufficient_units`) and no point moves.
"""

from __future__ import annotations

import secrets

from sqlalchemy import select

from app.errors import NotFound, Unprocessable
from app.extensions import db
from app.ledger import service as ledger
from app.pagination import paginate_desc
from app.registry import movements, organisations
from app.registry.books import InsufficientUnits
from app.registry.models import (
    ACCOUNT_HELD,
    BATCH_ISSUED,
    PROGRAMME_REDUCTION,
    Batch,
    OffsetPool,
    PersonalOffset,
    Programme,
    UnitAccount,
)
from app.users import service as users

POOL_KINDS = ("sink", PROGRAMME_REDUCTION, "any")
MAX_KG = 1000


class PoolNotFound(NotFound):
    reason, message = "offset_pool_not_found", "碳中和项目不存在或已下线"


def create_pool(name: str, kind: str, points_per_kg: int, holder_id: int, created_by: int):
    """An offer of a holder's units to residents. Raises Unprocessable (`invalid_pool`),
    HolderNotFound."""
    if kind not in POOL_KINDS or points_per_kg <= 0:
        raise Unprocessable("类型或价格无效", reason="invalid_pool")
    organisations.get_holder(holder_id)
    pool = OffsetPool(
        name=name.strip(),
        kind=kind,
        points_per_kg=points_per_kg,
        holder_id=holder_id,
        created_by=created_by,
    )
    db.session.add(pool)
    db.session.flush()
    return pool


def set_pool_active(pool_id: int, active: bool) -> OffsetPool:
    """Open or close a pool to residents. Raises PoolNotFound."""
    pool = db.session.get(OffsetPool, pool_id)
    if pool is None:
        raise PoolNotFound()
    pool.active = active
    db.session.flush()
    return pool


def pools(active_only: bool = True) -> list[dict]:
    """Pools with the kilograms they can still offer (residents see the active ones)."""
    stmt = select(OffsetPool).order_by(OffsetPool.id)
    if active_only:
        stmt = stmt.where(OffsetPool.active.is_(True))
    return [pool_view(p) for p in db.session.scalars(stmt)]


def pool_view(pool: OffsetPool) -> dict:
    """A pool with the kilograms it can still offer."""
    return {"pool": pool, "available_kg": sum(units for _, units in _batches(pool))}


def _batches(pool: OffsetPool) -> list[tuple[int, int]]:
    """(batch id, units the pool's holder holds) of the pool's kind, oldest first."""
    stmt = (
        select(Batch.id, UnitAccount.balance)
        .join(UnitAccount, UnitAccount.batch_id == Batch.id)
        .join(Programme, Programme.id == Batch.programme_id)
        .where(
            Batch.status == BATCH_ISSUED,
            UnitAccount.kind == ACCOUNT_HELD,
            UnitAccount.owner == str(pool.holder_id),
            UnitAccount.balance > 0,
        )
        .order_by(Batch.id)
    )
    if pool.kind != "any":
        stmt = stmt.where(Programme.kind == pool.kind)
    return [(row.id, int(row.balance)) for row in db.session.execute(stmt)]


def offset(
    user_id: int,
    pool_id: int,
    kg: int,
    *,
    beneficiary: str,
    idempotency_key: str | None = None,
    request_hash: str | None = None,
) -> PersonalOffset:
    """Retire `kg` kilograms of a pool's units for the resident. Raises AccountFrozen (403
    `account_frozen`), PoolNotFound (404), Unprocessable (`invalid_quantity`),
    InsufficientPoints, InsufficientUnits (409)."""
    users.require_not_frozen(user_id)
    pool = db.session.get(OffsetPool, pool_id)
    if pool is None or not pool.active:
        raise PoolNotFound()
    if not 1 <= kg <= MAX_KG:
        raise Unprocessable(f"数量须为 1 到 {MAX_KG} 千克", reason="invalid_quantity")
    batch_id = next((b for b, units in _batches(pool) if units >= kg), None)
    if batch_id is None:
        raise InsufficientUnits("可用的碳汇/减排量不足，请减少数量或稍后再试")
    points = kg * pool.points_per_kg
    txn = ledger.spend_points(
        user_id,
        points,
        code="personal_offset",
        reference=f"offset:{idempotency_key or secrets.token_hex(12)}"[:200],
        memo=f"个人碳中和 {kg} kg（{pool.name}）"[:200],
        counter_account=f"holder:{pool.holder_id}",
        idempotency_key=idempotency_key,
        request_hash=request_hash,
    )
    # Keyed on the points' transaction: a replayed payment replays its retirement too.
    retirement = movements.retire_units(
        movements.Request(user_id, idempotency_key=f"offset:{txn.id}"),
        holder_id=pool.holder_id,
        batch_id=batch_id,
        quantity=kg,
        purpose="personal",
        beneficiary=beneficiary,
        note=f"个人碳中和（{pool.name}）",
        event_ref=f"offset:{txn.id}",
    )
    existing = db.session.scalar(
        select(PersonalOffset).where(PersonalOffset.retirement_id == retirement.id)
    )
    if existing is not None:
        return existing
    done = PersonalOffset(
        user_id=user_id,
        pool_id=pool.id,
        kg=kg,
        points=points,
        ledger_txn_id=txn.id,
        retirement_id=retirement.id,
    )
    db.session.add(done)
    db.session.flush()
    return done


def my_offsets(user_id: int, limit: int, cursor: str | None):
    """The resident's offsets, newest first. Raises InvalidCursor."""
    stmt = select(PersonalOffset).where(PersonalOffset.user_id == user_id)
    return paginate_desc(stmt, PersonalOffset.id, limit, cursor)
