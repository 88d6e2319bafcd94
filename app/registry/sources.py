"""Where a batch's members come from: the candidates a programme offers for a period.

A reduction programme offers residents' approved carbon records (below). Another domain
with a programme kind of its own (carbon sinks: a project's verified tree-years) registers
its source with `register_member_source(kind, source)`; the registry then assembles,
verifies and issues its batches the same way, storing each member's `leaf_data` as the
source made it (app/registry/merkle.py: the leaf format of each kind).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import not_, or_, select

from app.carbon import service as carbon
from app.db import table_of
from app.extensions import db
from app.registry import merkle, organisations
from app.registry.consent import consenting_users_clause
from app.registry.models import PROGRAMME_REDUCTION, BatchMember, Programme
from app.registry.settings import pseudonym

_members = table_of(BatchMember)


@dataclass(frozen=True)
class Candidate:
    """One future member: its carbon, its leaf text, and what it is (a record or a ref)."""

    carbon_mg: int
    leaf_data: str
    record_id: int | None = None
    source_ref: str | None = None
    user_id: int | None = None


MemberSource = Callable[[Programme, date, date], list[Candidate]]
_SOURCES: dict[str, MemberSource] = {}


def register_member_source(kind: str, source: MemberSource) -> None:
    """Let a domain supply the members of its programmes of `kind` (not yet batched)."""
    _SOURCES[kind] = source


def candidates_for(programme: Programme, period_start: date, period_end: date) -> list[Candidate]:
    """The programme's members-to-be for a period, in leaf order."""
    return _SOURCES[programme.kind](programme, period_start, period_end)


def record_leaf_data(record, carbon_mg: int | None = None) -> str:
    """The leaf text of a carbon record (recomputed by `flask registry verify`)."""
    return merkle.leaf_data(
        record_id=record.id,
        scenario=record.scenario.code,
        methodology_version=record.methodology.version,
        carbon_mg=record.carbon_mg if carbon_mg is None else carbon_mg,
        day=record.day,
        evidence_kind=record.evidence_type,
        resident=pseudonym(record.user_id),
    )


def _records(programme: Programme, period_start: date, period_end: date) -> list[Candidate]:
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
    rows = db.session.execute(
        select(record.id, record.user_id, record.carbon_mg, record.day, record.evidence_type)
        .where(*conditions)
        .order_by(record.id)
    ).all()
    # mypy: a carbon programme has its scenario and methodology (sink ones are handled elsewhere).
    scenario, version = programme.scenario.code, programme.methodology.version  # type: ignore[union-attr]
    return [
        Candidate(
            carbon_mg=row.carbon_mg,
            leaf_data=merkle.leaf_data(
                record_id=row.id,
                scenario=scenario,
                methodology_version=version,
                carbon_mg=row.carbon_mg,
                day=row.day,
                evidence_kind=row.evidence_type,
                resident=pseudonym(row.user_id),
            ),
            record_id=row.id,
            user_id=row.user_id,
        )
        for row in rows
    ]


register_member_source(PROGRAMME_REDUCTION, _records)
