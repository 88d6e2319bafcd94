"""Records that grow after they are made (WeRun re-syncs): paid growth and held growth.

Both are compare-and-set on the record's old quantity *and* status, so a sync racing an
operator's decision either lands before it (and the decision sees the new quantity) or
loses and re-reads: an approved record never grows as if pending, nor the reverse.
"""

from __future__ import annotations

from sqlalchemy import update

from app import cache
from app.carbon import leaderboard
from app.carbon.models import RECORD_APPROVED, RECORD_PENDING, CarbonRecord
from app.carbon.rules import carbon_mg_for, parse_points_rule
from app.extensions import db
from app.ledger import service as ledger


def grow_record(record_id: int, old_quantity_milli: int, new_quantity_milli: int, reward) -> int:
    """Raise an approved record's quantity (a WeRun re-sync) and pay only the difference.

    `reward` is a carbon.service.Reward (code and unique ledger reference). Compare-and-
    set on the old quantity and the approved status: returns the points paid, or -1 when
    the record changed or is no longer approved (the caller re-reads and retries).
    """
    record = db.session.get_one(CarbonRecord, record_id)
    version = record.methodology
    rule = parse_points_rule(version.points_rule)
    new_carbon = carbon_mg_for(new_quantity_milli, version.factor_ug_per_unit)
    old_carbon = carbon_mg_for(old_quantity_milli, version.factor_ug_per_unit)
    delta = rule.points_for(new_quantity_milli, new_carbon) - rule.points_for(
        old_quantity_milli, old_carbon
    )
    result = db.session.execute(
        update(CarbonRecord)
        .where(
            CarbonRecord.id == record_id,
            CarbonRecord.status == RECORD_APPROVED,
            CarbonRecord.quantity_milli == old_quantity_milli,
        )
        .values(
            quantity_milli=new_quantity_milli,
            carbon_mg=new_carbon,
            points=CarbonRecord.points + delta,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]  # a DML result is a CursorResult
        return -1
    db.session.refresh(record)
    cache.bump_after_commit(cache.user_generation_key(record.user_id))
    if delta > 0:
        ledger.earn_points(
            record.user_id, delta, code=reward.code, reference=reward.reference,
            memo=f"{record.scenario.name} +{delta}",
        )  # fmt: skip
    leaderboard.queue_increment(record.user_id, record.day, new_carbon - old_carbon)
    return delta


def resize_pending_record(
    record_id: int,
    old_quantity_milli: int,
    new_quantity_milli: int,
    *,
    risk_score: int,
    risk_reasons: str,
    risk_notes: dict[str, str] | None,
) -> bool:
    """Set a pending record's quantity (and its latest risk) without paying anything: the
    whole amount is paid once, if an operator approves it.

    Compare-and-set on the old quantity and the pending status: False when the record
    changed or was decided meanwhile (the caller re-reads and retries).
    """
    record = db.session.get_one(CarbonRecord, record_id)
    new_carbon = carbon_mg_for(new_quantity_milli, record.methodology.factor_ug_per_unit)
    result = db.session.execute(
        update(CarbonRecord)
        .where(
            CarbonRecord.id == record_id,
            CarbonRecord.status == RECORD_PENDING,
            CarbonRecord.quantity_milli == old_quantity_milli,
        )
        .values(
            quantity_milli=new_quantity_milli,
            carbon_mg=new_carbon,
            risk_score=risk_score,
            risk_reasons=risk_reasons[:200],
            risk_notes=risk_notes or None,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]  # a DML result is a CursorResult
        return False
    db.session.refresh(record)
    cache.bump_after_commit(cache.user_generation_key(record.user_id))
    return True
