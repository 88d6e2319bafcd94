"""Many approved records at once: a partner batch's credited events (issue 13, step 5).

Each record is what `service.create_record(..., approved=True, version=, reward=)` writes
for one event (the same carbon, points, row and ledger transaction); they are inserted by
one statement and paid by one bulk posting (app/ledger/bulk.py) instead of a dozen
statements each.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, update

from app import cache
from app.carbon import leaderboard
from app.carbon.models import RECORD_APPROVED, CarbonRecord, MethodologyVersion, Scenario
from app.carbon.rules import carbon_mg_for, parse_points_rule, shanghai_day
from app.db import table_of, utcnow
from app.extensions import db
from app.ledger import service as ledger
from app.sql import insert_rows

_records = table_of(CarbonRecord)
_ADD_POINTS = (
    update(_records)
    .where(_records.c.id == bindparam("record_id"))
    .values(points=_records.c.points + bindparam("bonus"))
)


@dataclass(frozen=True)
class ApprovedRecord:
    """One record to create approved: who, what, how much, when, and how it is paid
    (`code`, and `reference`, which is also its evidence reference)."""

    user_id: int
    scenario: Scenario
    version: MethodologyVersion  # the one in force at `occurred_at`
    quantity_milli: int
    occurred_at: datetime
    evidence_type: str
    code: str
    reference: str


@dataclass(frozen=True)
class CreatedRecord:
    id: int
    carbon_mg: int
    points: int


def create_approved_records(items: list[ApprovedRecord]) -> list[CreatedRecord]:
    """Create each record approved and pay its base points; returns them in order."""
    if not items:
        return []
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for item in items:
        carbon_mg = carbon_mg_for(item.quantity_milli, item.version.factor_ug_per_unit)
        points = parse_points_rule(item.version.points_rule).points_for(
            item.quantity_milli, carbon_mg
        )
        rows.append({
            "user_id": item.user_id, "scenario_id": item.scenario.id,
            "methodology_version_id": item.version.id, "quantity_milli": item.quantity_milli,
            "carbon_mg": carbon_mg, "points": points, "status": RECORD_APPROVED,
            "decided_at": now, "decided_by": None, "decision_note": "",
            "evidence_type": item.evidence_type, "evidence_ref": item.reference,
            "day": shanghai_day(item.occurred_at), "occurred_at": item.occurred_at,
            "risk_score": 0, "risk_reasons": "", "risk_notes": None, "created_at": now,
        })  # fmt: skip
    if len({item.reference for item in items}) != len(items):
        raise ValueError("each record needs its own reference")
    # RETURNING the evidence reference (unique in a call) with the id: a multi-row INSERT's
    # RETURNING has no order (asking SQLAlchemy for one makes it insert row by row on SQLite).
    returned = insert_rows(db.session.connection(), _records, rows,
                           returning=(_records.c.id, _records.c.evidence_ref))  # fmt: skip
    inserted = {r.evidence_ref: int(r.id) for r in returned}
    ids = [inserted[item.reference] for item in items]
    ledger.earn_points_in_bulk(
        [
            ledger.Credit(
                item.user_id,
                row["points"],
                item.code,
                item.reference,
                f"{item.scenario.name} +{row['points']}",
            )
            for item, row in zip(items, rows, strict=True)
            if row["points"] > 0
        ]
    )
    for row in rows:
        leaderboard.queue_increment(row["user_id"], row["day"], row["carbon_mg"])
    cache.bump_after_commit(*{cache.user_generation_key(item.user_id) for item in items})
    return [
        CreatedRecord(record_id, row["carbon_mg"], row["points"])
        for record_id, row in zip(ids, rows, strict=True)
    ]


def add_bonus_points_to(record_id: int, points: int) -> None:
    """Count bonuses (campaigns) paid on top of a record created here in its points."""
    if points:
        db.session.connection().execute(_ADD_POINTS, {"record_id": record_id, "bonus": points})
