"""Settling a partner batch's events in a few statements (issue 13, step 5).

An event is decided as `POST /partner/events` decides it (`partner_events.check_event`,
with the batch's reads), in the order sent. Only the two writes that can refuse it run
for each event: the claim of its (partner, event_id) row and, when it is credited, the
daily cap's conditional upsert (a refusal there takes the claim back). What follows cannot be
refused, so it is written for all credited events at once, after every claim and cap: the
records (one INSERT), their base points (one bulk posting, app/ledger/bulk.py), the
events' record ids, then each event's campaign bonuses in order.

Lock order: the batch's locks (app/checkins/partner_batches.py), the claims and day
counters event by event, then the residents' accounts by id and the issuance shards by
id, then campaigns: a single check-in takes its counter, then its accounts, then its
campaigns, so the two never wait on each other in a cycle.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, update

from app.campaigns import service as campaigns
from app.carbon import service as carbon
from app.carbon.models import RECORD_APPROVED
from app.checkins import caps, outcomes
from app.checkins.models import PARTNER_EVENT_HELD, PartnerEvent
from app.checkins.partner_events import (
    Accepted,
    check_event,
    claim_event_row,
    claim_values,
    event_reference,
    hold_window,
    result_of,
    unclaim_event_row,
)
from app.checkins.partner_reads import BatchReads, EventReads
from app.clock import shanghai_day
from app.db import table_of
from app.errors import AppError
from app.extensions import db

_events = table_of(PartnerEvent)
_SET_RECORD = (
    update(_events)
    .where(_events.c.id == bindparam("event_row"))
    .values(record_id=bindparam("record"))
)


@dataclass
class _Claimed:
    """An event claimed by this batch: its row, what was accepted, its answer so far."""

    row_id: int
    accepted: Accepted
    fields: dict
    result: dict


def settle_events(reads: BatchReads, events: list[dict]) -> list[tuple[dict | AppError, bool]]:
    """(the result, True when the event was new) or (its refusal, False) for each of
    `events` (validated fields), in order."""
    outcomes_: list[tuple[dict | _Claimed | AppError, bool]] = []
    claimed: dict[str, _Claimed] = {}
    for fields in events:
        if (first := claimed.get(fields["event_id"])) is not None:
            outcomes_.append((first, False))  # an earlier event of this batch
        else:
            outcomes_.append(_claim_one(reads, fields, claimed))
    _credit_all(reads, [c for c in claimed.values() if c.accepted.user_id is not None])
    return [
        (outcome.result if isinstance(outcome, _Claimed) else outcome, created)
        for outcome, created in outcomes_
    ]


def _claim_one(
    reads: BatchReads, fields: dict, claimed: dict[str, _Claimed]
) -> tuple[dict | _Claimed | AppError, bool]:
    """(the claimed event, True), (a repeat's result, False) or (the refusal, False)."""
    event_id = fields["event_id"]
    try:
        with outcomes.counted(fields["scenario"], "partner") as kept:
            accepted = check_event(
                reads, event_id, fields["scenario"], fields.get("quantity"),
                fields["occurred_at"], fields.get("openid"), fields.get("partner_user_id"),
            )  # fmt: skip
            if isinstance(accepted, PartnerEvent):
                return result_of(accepted), False
            values = claim_values(
                reads.partner, event_id, accepted, fields.get("partner_user_id"),
                fields["occurred_at"],
            )  # fmt: skip
            if (row_id := claim_event_row(values)) is None:
                # Recorded since the batch read it as new (a redelivery, PostgreSQL: the
                # claim waited for it to commit, so the row is there).
                return result_of(EventReads(reads.partner).seen(event_id)), False  # type: ignore[arg-type]
            if accepted.user_id is not None:
                _reserve_cap(accepted, fields, row_id)
            kept(RECORD_APPROVED if accepted.user_id is not None else PARTNER_EVENT_HELD)
    except AppError as exc:
        return exc, False
    held = accepted.user_id is None
    claimed[event_id] = outcome = _Claimed(row_id, accepted, fields, {
        "event_id": event_id, "record_id": None,
        "status": PARTNER_EVENT_HELD if held else RECORD_APPROVED, "carbon_mg": None,
        "points": 0, "held_until": fields["occurred_at"] + hold_window() if held else None,
        "note": None,
    })  # fmt: skip
    return outcome, True


def _reserve_cap(accepted: Accepted, fields: dict, row_id: int) -> None:
    """The event's share of its resident's daily cap; when the cap refuses it, its claim
    is taken back (the row this transaction just inserted: nothing of it is left, as a
    savepoint's rollback would leave nothing, without a savepoint for every event).
    Raises DailyCapReached."""
    target = accepted.target
    try:
        caps.reserve(accepted.user_id, shanghai_day(fields["occurred_at"]),  # type: ignore[arg-type]
                     caps.scenario_subject(target.id), accepted.quantity_milli,
                     target.daily_cap_milli)  # fmt: skip
    except caps.DailyCapReached:
        unclaim_event_row(row_id)
        raise


def _credit_all(reads: BatchReads, credited: list[_Claimed]) -> None:
    """The records, base points and campaign bonuses of every credited event."""
    if not credited:
        return
    code = reads.partner.code
    records = carbon.create_approved_records(
        [
            carbon.ApprovedRecord(
                # mypy: a credited event has its resident and methodology version.
                c.accepted.user_id,  # type: ignore[arg-type]
                c.accepted.target,
                c.accepted.version,  # type: ignore[arg-type]
                c.accepted.quantity_milli,
                c.fields["occurred_at"],
                "partner",
                "partner_reward",
                event_reference(code, c.fields["event_id"]),
            )
            for c in credited
        ]
    )
    pairs = list(zip(credited, records, strict=True))
    db.session.connection().execute(
        _SET_RECORD, [{"event_row": c.row_id, "record": r.id} for c, r in pairs]
    )
    for claim, record in pairs:
        points = record.points
        if claim.accepted.live:
            awards = campaigns.apply_campaigns(
                claim.accepted.user_id, claim.accepted.target.code, record.points,  # type: ignore[arg-type]
                str(record.id), claim.fields["occurred_at"], live=claim.accepted.live,
            )  # fmt: skip
            bonus = sum(award.points for award in awards)
            carbon.add_bonus_points_to(record.id, bonus)
            points += bonus
        claim.result.update(record_id=record.id, carbon_mg=record.carbon_mg, points=points)
