"""Carbon records: scenarios and their methodology, creating, approving and growing records.

Other domains call this module only. A record's carbon is computed once, with the
methodology version valid when the behaviour happened, and never recomputed. Points are
made by approval, through exactly one ledger transaction per record (reference
`checkin:<record_id>`, or `partner:...` / `werun:...` given by the caller); a WeRun
record that grows later pays only its growth (app/carbon/growth.py), or nothing while it
waits for review. Consent and scenario functions are re-exported here so other domains
need only this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BindParameter, Integer, bindparam, func, insert, select, update

from app import cache
from app.carbon import leaderboard
from app.carbon.account import register_account_section  # noqa: F401
from app.carbon.bulk import (  # noqa: F401
    ApprovedRecord,
    add_bonus_points_to,
    create_approved_records,
)
from app.carbon.consents import (  # noqa: F401
    consent_withdrawn,
    consented_pairs,
    current_consent_version,
    has_consent,
    list_consents,
    set_consent,
)
from app.carbon.growth import grow_record, resize_pending_record  # noqa: F401
from app.carbon.leaderboard import leaderboards_missing, rebuild_leaderboards  # noqa: F401
from app.carbon.models import (
    RECORD_APPROVED,
    RECORD_PENDING,
    RECORD_REJECTED,
    CarbonRecord,
    MethodologyVersion,
    Scenario,
)
from app.carbon.revocation import Revocation, revoke_record  # noqa: F401
from app.carbon.rules import carbon_mg_for, parse_points_rule, shanghai_day
from app.carbon.scenarios import (  # noqa: F401
    ScenarioNotFound,
    add_methodology_version,
    current_version,
    find_methodology_version,
    get_scenario,
    list_scenarios,
    update_scenario,
    version_at,
    version_history,
)
from app.db import table_of, utcnow
from app.errors import Conflict, NotFound
from app.extensions import db
from app.ledger import service as ledger
from app.sql import attach_inserted, execute_prepared

_records = table_of(CarbonRecord)
_INSERT_RECORD = insert(_records).returning(_records.c.id)  # built once


class RecordNotFound(NotFound):
    reason, message = "checkin_not_found", "打卡记录不存在"


class AlreadyDecided(Conflict):
    reason, message = "already_decided", "该打卡已审核"


@dataclass(frozen=True)
class Reward:
    """How a record is paid: ledger transaction code, unique reference and memo."""

    code: str
    reference: str


def create_record(
    user_id: int,
    scenario: Scenario,
    quantity_milli: int,
    *,
    evidence_type: str,
    evidence_ref: str,
    occurred_at: datetime | None = None,
    risk_score: int = 0,
    risk_reasons: str = "",
    risk_notes: dict[str, str] | None = None,
    approved: bool = False,
    version: MethodologyVersion | None = None,
    reward: Reward | None = None,
) -> CarbonRecord:
    """Create a pending record, computing carbon with the version valid at `occurred_at`;
    `approved`: created approved and paid its base points at once (one INSERT instead of
    an INSERT and three more statements for `approve_record`; the check-in flow adds the
    campaigns' bonus, app/checkins/approval.py).

    `version`: `current_version(scenario.id, occurred_at)` when the caller read it already
    (before its first write, so on SQLite the query stays outside the writer queue).
    `reward`: how an approved record is paid (default `checkin_reward`, `checkin:<id>`).

    Raises ScenarioNotFound when the scenario has no methodology version yet.
    """
    occurred_at = occurred_at or utcnow()
    if version is None:
        version = current_version(scenario.id, occurred_at)
    carbon_mg = carbon_mg_for(quantity_milli, version.factor_ug_per_unit)
    points = parse_points_rule(version.points_rule).points_for(quantity_milli, carbon_mg)
    now = utcnow()
    values = {
        "user_id": user_id,
        "scenario_id": scenario.id,
        "methodology_version_id": version.id,
        "quantity_milli": quantity_milli,
        "carbon_mg": carbon_mg,
        "points": points if approved else 0,
        "status": RECORD_APPROVED if approved else RECORD_PENDING,
        "decided_at": now if approved else None,
        "decided_by": None,
        "decision_note": "",
        "evidence_type": evidence_type,
        "evidence_ref": evidence_ref,
        "day": shanghai_day(occurred_at),
        "occurred_at": occurred_at,
        "risk_score": risk_score,
        "risk_reasons": risk_reasons[:200],
        "risk_notes": risk_notes or None,
        "created_at": now,
    }
    # One Core INSERT on the request's connection (a hot write path, issue 13): the row
    # becomes the entity the ORM would have loaded, without a flush or a query (and leaves
    # the session again if its savepoint rolls back).
    record_id = db.session.connection().execute(_INSERT_RECORD, values).scalar_one()
    record = CarbonRecord(id=record_id, scenario=scenario, methodology=version, **values)
    attach_inserted(record)
    cache.bump_after_commit(cache.user_generation_key(user_id))
    if approved:
        _pay(record, points, reward or Reward("checkin_reward", f"checkin:{record.id}"))
    return record


def compute_record_points(record: CarbonRecord) -> int:
    """The base points a record earns on approval: its methodology version's points rule
    applied to its quantity and carbon. Campaign bonuses come on top (`approve_record`)."""
    rule = parse_points_rule(record.methodology.points_rule)
    return rule.points_for(record.quantity_milli, record.carbon_mg)


def base_points_for(
    scenario: Scenario,
    quantity_milli: int,
    at: datetime,
    version: MethodologyVersion | None = None,
) -> int:
    """The base points `quantity_milli` of a scenario would earn at `at` (no campaigns;
    `version`: the one in force at `at`, when the caller has it).

    Raises ScenarioNotFound when the scenario has no methodology version in force."""
    if version is None:
        version = current_version(scenario.id, at)
    carbon_mg = carbon_mg_for(quantity_milli, version.factor_ug_per_unit)
    return parse_points_rule(version.points_rule).points_for(quantity_milli, carbon_mg)


def _memo(record: CarbonRecord, points: int) -> str:
    return f"{record.scenario.name} +{points}"


def approve_record(
    record_id: int,
    *,
    decided_by: int | None = None,
    reward: Reward | None = None,
) -> CarbonRecord:
    """Approve a pending record and pay its base points in one ledger transaction.

    `reward` defaults to code `checkin_reward`, reference `checkin:<record_id>`. Campaign
    bonuses are the check-in flow's next step (app/checkins/approval.py, then
    `add_bonus_points`). Raises RecordNotFound, AlreadyDecided (409 `already_decided`).
    """
    record = _locked_transition(record_id, RECORD_APPROVED, decided_by, "")
    points = compute_record_points(record)
    record.points = points
    db.session.flush()
    _pay(record, points, reward or Reward("checkin_reward", f"checkin:{record.id}"))
    return record


def _pay(record: CarbonRecord, points: int, reward: Reward) -> None:
    """Credit an approved record's base points and count its carbon on the leaderboard."""
    if points > 0:
        ledger.earn_points(
            record.user_id,
            points,
            code=reward.code,
            reference=reward.reference,
            memo=_memo(record, points),
        )
    leaderboard.queue_increment(record.user_id, record.day, record.carbon_mg)


def add_bonus_points(record: CarbonRecord, points: int) -> None:
    """Count bonuses paid on top of an approved record (campaigns) in its points."""
    if points:
        record.points += points
        db.session.flush()


def reject_record(record_id: int, *, decided_by: int | None, note: str = "") -> CarbonRecord:
    """Reject a pending record (no points). Raises RecordNotFound, AlreadyDecided."""
    return _locked_transition(record_id, RECORD_REJECTED, decided_by, note)


def _locked_transition(
    record_id: int, status: str, decided_by: int | None, note: str
) -> CarbonRecord:
    # Conditional UPDATE: of two operators deciding at once, exactly one wins.
    result = db.session.execute(
        update(CarbonRecord)
        .where(CarbonRecord.id == record_id, CarbonRecord.status == RECORD_PENDING)
        .values(status=status, decided_at=utcnow(), decided_by=decided_by, decision_note=note)
        .execution_options(synchronize_session=False)
    )
    record = db.session.get(CarbonRecord, record_id, populate_existing=True)
    if record is None:
        raise RecordNotFound()
    if result.rowcount != 1:  # type: ignore[attr-defined]  # a DML result is a CursorResult
        raise AlreadyDecided()
    cache.bump_after_commit(cache.user_generation_key(record.user_id))
    return record


def get_record(record_id: int, *, fresh: bool = False) -> CarbonRecord:
    """One record; `fresh` re-reads it from the database (another transaction may have
    decided it since this session loaded it). Raises RecordNotFound."""
    record = db.session.get(CarbonRecord, record_id, populate_existing=fresh)
    if record is None:
        raise RecordNotFound()
    return record


@dataclass(frozen=True)
class RiskCounts:
    """A resident's recent history as risk scoring reads it (app/checkins/risk.py)."""

    recent: int  # non-rejected records made since `recent_since`
    rejected: int  # records operators rejected since `rejected_since`
    evidence_users: int  # distinct residents citing the evidence since then, up to a cap


def count_for_risk(
    user_id: int, *, recent_since: datetime, rejected_since: datetime,
    evidence_ref: str | None = None, evidence_at_most: int = 0,
) -> RiskCounts:  # fmt: skip
    """The three counts of risk scoring in one statement (a hot read of every check-in):
    `evidence_users` counts residents whose records cite `evidence_ref` since
    `recent_since`, up to `evidence_at_most` (a busy station costs the same as a quiet
    one); 0 without `evidence_ref`."""
    params = {"user_id": user_id, "recent_since": recent_since, "rejected_since": rejected_since}
    if evidence_ref is None:
        row = execute_prepared("carbon.risk_counts", _risk_statement, params).one()
        return RiskCounts(int(row[0]), int(row[1]), 0)
    params |= {"evidence_ref": evidence_ref, "at_most": evidence_at_most}
    row = execute_prepared("carbon.risk_counts_evidence", _risk_evidence_statement, params).one()
    return RiskCounts(int(row[0]), int(row[1]), int(row[2]))


def _risk_columns() -> list:
    recent = select(func.count(CarbonRecord.id)).where(
        CarbonRecord.user_id == bindparam("user_id"),
        CarbonRecord.created_at >= bindparam("recent_since"),
        CarbonRecord.status != RECORD_REJECTED,
    )
    rejected = _rejected_since(bindparam("user_id"), bindparam("rejected_since"))
    return [recent.scalar_subquery(), rejected.scalar_subquery()]


def _risk_statement():  # built once (app/sql.py): a read of every check-in
    return select(*_risk_columns())


def _risk_evidence_statement():
    distinct_users = (
        select(CarbonRecord.user_id)
        .where(
            CarbonRecord.evidence_ref == bindparam("evidence_ref"),
            CarbonRecord.created_at >= bindparam("recent_since"),
        )
        .distinct()
        .limit(bindparam("at_most", type_=Integer))
        .subquery()
    )
    count = select(func.count()).select_from(distinct_users).scalar_subquery()
    return select(*_risk_columns(), count)


def count_rejected_records(user_id: int, since: datetime) -> int:
    """How many of a resident's records operators rejected since `since` (risk scoring)."""
    return db.session.execute(_rejected_since(user_id, since)).scalar_one()


def _rejected_since(user_id: int | BindParameter, since: datetime | BindParameter):
    return select(func.count(CarbonRecord.id)).where(
        CarbonRecord.user_id == user_id,
        CarbonRecord.decided_at >= since,
        CarbonRecord.status == RECORD_REJECTED,
    )


def day_records(user_id: int, day, evidence_ref: str) -> list[CarbonRecord]:
    """A resident's records of one day backed by `evidence_ref`, oldest first (a WeRun
    day: its first record and any growth held for review)."""
    stmt = (
        select(CarbonRecord)
        .where(
            CarbonRecord.user_id == user_id,
            CarbonRecord.day == day,
            CarbonRecord.evidence_ref == evidence_ref,
        )
        .order_by(CarbonRecord.id)
        .execution_options(populate_existing=True)
    )
    return list(db.session.scalars(stmt))


def records_of_user(user_id: int) -> list[CarbonRecord]:
    """Every record of a resident, oldest first (data export)."""
    stmt = select(CarbonRecord).where(CarbonRecord.user_id == user_id).order_by(CarbonRecord.id)
    return list(db.session.scalars(stmt))


def records_stmt(status: str | None = None):
    """A select of records, optionally by status, for paging (the review queue)."""
    stmt = select(CarbonRecord)
    if status is not None:
        stmt = stmt.where(CarbonRecord.status == status)
    return stmt


def records_by_ids(record_ids: list[int]) -> list[CarbonRecord]:
    """Records by id, in chunks (registry verification)."""
    found: list[CarbonRecord] = []
    for start in range(0, len(record_ids), 1000):
        chunk = record_ids[start : start + 1000]
        found.extend(db.session.scalars(select(CarbonRecord).where(CarbonRecord.id.in_(chunk))))
    return found
