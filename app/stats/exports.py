"""Full-table CSV exports for operators (check-ins, coupons, ledger, adjustments, audit).

Each export reads its table in id order in batches (keyset), so memory stays flat and a
long export reports progress batch by batch. Read-only, like the rest of app/stats.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import InstrumentedAttribute

from app.audit.models import AuditEntry
from app.carbon.models import CarbonRecord, Scenario
from app.errors import BadRequest
from app.extensions import db
from app.ledger.models import LedgerAccount, LedgerEntry, LedgerTransaction, PointsAdjustment
from app.mall.models import Coupon, Offer
from app.merchants.models import Merchant
from app.units import mg_to_g

BATCH = 500


class UnknownExport(BadRequest):
    reason, message = "unknown_export", "没有这种导出"


def _iso(value) -> str:
    return value.isoformat() if value is not None else ""


@dataclass(frozen=True)
class ExportSpec:
    label: str
    columns: tuple[str, ...]
    stmt: Callable[[], Select]  # selects rows with an `id` column first
    id_column: InstrumentedAttribute[int]
    row: Callable[[object], dict]


def _checkin_row(r) -> dict:
    return {
        "id": r.id, "created_at": _iso(r.created_at), "day": _iso(r.day), "user_id": r.user_id,
        "scenario": r.code, "quantity": r.quantity_milli / 1000,
        "carbon_g": mg_to_g(r.carbon_mg), "points": r.points, "status": r.status,
        "evidence_type": r.evidence_type, "risk_score": r.risk_score,
        "decided_by": r.decided_by, "decided_at": _iso(r.decided_at),
        "decision_note": r.decision_note,
    }  # fmt: skip


def _coupon_row(r) -> dict:
    return {
        "id": r.id, "created_at": _iso(r.created_at), "merchant_id": r.merchant_id,
        "merchant": r.merchant_name, "offer_id": r.offer_id, "offer": r.title,
        "user_id": r.user_id, "status": r.status, "points_price": r.points_price,
        "settlement_value_fen": r.settlement_value_fen, "used_at": _iso(r.used_at),
        "expires_at": _iso(r.expires_at),
    }  # fmt: skip


def _ledger_row(r) -> dict:
    return {
        "entry_id": r.id, "transaction_id": r.transaction_id, "created_at": _iso(r.created_at),
        "code": r.code, "reference": r.reference, "memo": r.memo,
        "account": f"{r.kind}:{r.owner}", "amount": r.amount, "balance_after": r.balance_after,
    }  # fmt: skip


def _adjustment_row(r) -> dict:
    return {
        "id": r.id, "created_at": _iso(r.created_at), "user_id": r.user_id, "amount": r.amount,
        "reason": r.reason, "status": r.status, "maker_id": r.maker_id,
        "checker_id": r.checker_id, "decided_at": _iso(r.decided_at),
        "decision_note": r.decision_note, "transaction_id": r.transaction_id,
    }  # fmt: skip


def _audit_row(r) -> dict:
    return {
        "id": r.id, "created_at": _iso(r.created_at), "actor_id": r.actor_id,
        "action": r.action, "target": r.target,
        "before": json.dumps(r.before, ensure_ascii=False) if r.before is not None else "",
        "after": json.dumps(r.after, ensure_ascii=False) if r.after is not None else "",
    }  # fmt: skip


EXPORTS: dict[str, ExportSpec] = {
    "checkins": ExportSpec(
        "打卡记录",
        ("id", "created_at", "day", "user_id", "scenario", "quantity", "carbon_g", "points",
         "status", "evidence_type", "risk_score", "decided_by", "decided_at", "decision_note"),
        lambda: select(CarbonRecord.__table__, Scenario.code).join(
            Scenario, Scenario.id == CarbonRecord.scenario_id
        ),
        CarbonRecord.id,
        _checkin_row,
    ),
    "coupons": ExportSpec(
        "兑换券",
        ("id", "created_at", "merchant_id", "merchant", "offer_id", "offer", "user_id", "status",
         "points_price", "settlement_value_fen", "used_at", "expires_at"),
        lambda: select(Coupon.__table__, Offer.title, Merchant.name.label("merchant_name"))
        .join(Offer, Offer.id == Coupon.offer_id)
        .join(Merchant, Merchant.id == Coupon.merchant_id),
        Coupon.id,
        _coupon_row,
    ),
    "ledger": ExportSpec(
        "积分流水",
        ("entry_id", "transaction_id", "created_at", "code", "reference", "memo", "account",
         "amount", "balance_after"),
        lambda: select(
            LedgerEntry.id, LedgerEntry.transaction_id, LedgerEntry.amount,
            LedgerEntry.balance_after, LedgerTransaction.created_at, LedgerTransaction.code,
            LedgerTransaction.reference, LedgerTransaction.memo, LedgerAccount.kind,
            LedgerAccount.owner,
        )
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id),
        LedgerEntry.id,
        _ledger_row,
    ),
    "adjustments": ExportSpec(
        "积分调整",
        ("id", "created_at", "user_id", "amount", "reason", "status", "maker_id", "checker_id",
         "decided_at", "decision_note", "transaction_id"),
        lambda: select(PointsAdjustment.__table__),
        PointsAdjustment.id,
        _adjustment_row,
    ),
    "audit": ExportSpec(
        "审计日志",
        ("id", "created_at", "actor_id", "action", "target", "before", "after"),
        lambda: select(AuditEntry.__table__),
        AuditEntry.id,
        _audit_row,
    ),
}  # fmt: skip


def export_spec(table: str) -> ExportSpec:
    """Raises UnknownExport (400 `unknown_export`)."""
    if table not in EXPORTS:
        raise UnknownExport()
    return EXPORTS[table]


def count_rows(table: str) -> int:
    """How many rows export `table` would write. Raises UnknownExport (400 `unknown_export`)."""
    spec = export_spec(table)
    return db.session.scalar(select(func.count()).select_from(spec.stmt().subquery())) or 0


def iter_batches(table: str, batch: int = BATCH) -> Iterator[list[dict]]:
    """The table's rows as dicts, oldest first, `batch` at a time."""
    spec = export_spec(table)
    after = 0
    while True:
        rows = db.session.execute(
            spec.stmt().where(spec.id_column > after).order_by(spec.id_column).limit(batch)
        ).all()
        if not rows:
            return
        after = rows[-1].id
        yield [spec.row(r) for r in rows]
