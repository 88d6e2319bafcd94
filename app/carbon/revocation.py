"""Revoking an approved record found fraudulent afterwards (e.g. by a verifier).

The record stops counting (status `revoked`: out of the carbon account, the leaderboards
and any future batch); the points it paid are taken back as far as the resident still has
them, as one ledger transaction (`checkin_revoked`, reference `revoke:<record id>`, to the
`adjustments` account); what was already spent stays spent, and the answer says how much
came back. The registry cancels the record's kilograms from its batch's buffer.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update

from app import cache
from app.carbon import leaderboard
from app.carbon.models import RECORD_APPROVED, RECORD_REVOKED, CarbonRecord
from app.db import utcnow
from app.errors import Conflict, NotFound
from app.extensions import db
from app.ledger import service as ledger


@dataclass(frozen=True)
class Revocation:
    record: CarbonRecord
    points_taken_back: int


def revoke_record(record_id: int, *, decided_by: int, note: str) -> Revocation:
    """Revoke an approved record (one conditional UPDATE: of two operators, one wins).

    Raises NotFound (`checkin_not_found`), Conflict (`record_not_approved`)."""
    moved = db.session.execute(  # type: ignore[attr-defined]  # a DML result is a CursorResult
        update(CarbonRecord)
        .where(CarbonRecord.id == record_id, CarbonRecord.status == RECORD_APPROVED)
        .values(
            status=RECORD_REVOKED,
            decided_at=utcnow(),
            decided_by=decided_by,
            decision_note=note[:200],
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    record = db.session.get(CarbonRecord, record_id, populate_existing=True)
    if record is None:
        raise NotFound("打卡记录不存在", reason="checkin_not_found")
    if moved != 1:
        raise Conflict("只有已通过的记录可以撤销", reason="record_not_approved")
    taken = min(record.points, ledger.get_points_balance(record.user_id))
    if taken > 0:
        ledger.spend_points(
            record.user_id,
            taken,
            code="checkin_revoked",
            reference=f"revoke:{record.id}",
            memo=f"撤销 {record.scenario.name} -{taken}"[:200],
            counter_account="adjustments",
        )
    leaderboard.queue_increment(record.user_id, record.day, -record.carbon_mg)
    cache.bump_after_commit(cache.user_generation_key(record.user_id))
    return Revocation(record, taken)
