"""Settling a partner batch's events in a few statements (issue 13, step 5).

An event is decided as `POST /partner/events` decides it (`partner_events.check_event`,
with the batch's reads), in the order sent. Only the two writes that can refuse it run
before anything is paid: the claim of its (partner, event_id) row, for all accepted
events in one INSERT ... ON CONFLICT DO NOTHING, then, event by event in the order sent,
the daily cap's conditional upsert of each credited one (a refusal there takes the claim
back; a later event of the batch with the same event_id is then decided anew, in its
place). What follows cannot be refused, so it is written for all credited events at
once: the records (one INSERT), their base points (one bulk posting,
app/ledger/bulk.py), the events' record ids, then each event's campaign bonuses in order.

Lock order: the batch's locks (app/checkins/partner_batches.py), the claims, the day
counters event by event, then the residents' accounts by id and the issuance shards by
id, then campaigns: a single event takes its claim, then its counter, then its accounts,
then its campaigns (a QR check-in the same without a claim), so they never wait on each
other in a cycle.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from app.campaigns import service as campaigns
from app.carbon import service as carbon
from app.carbon.models import RECORD_APPROVED
from app.checkins import caps, outcomes
from app.checkins.models import PARTNER_EVENT_HELD, PartnerEvent
from app.checkins.partner_events import (
    Accepted,
    check_event,
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
from app.sql import insert_rows, update_rows
from app.users import service as users

_events = table_of(PartnerEvent)


@dataclass
class _Claimed:
    """An event accepted by this batch: its row once claimed, what was accepted, its
    answer so far."""

    row_id: int | None
    accepted: Accepted
    fields: dict
    result: dict


def settle_events(reads: BatchReads, events: list[dict]) -> list[tuple[dict | AppError, bool]]:
    """(the result, True when the event was new) or (its refusal, False) for each of
    `events` (validated fields), in order."""
    checked = _check_all(reads, events)
    _claim_all(reads, [c for c in checked if isinstance(c, _Claimed)])
    capped = _reserve_caps_together(checked)
    outcomes_: list[tuple[dict | _Claimed | AppError, bool]] = []
    claimed: dict[str, _Claimed] = {}
    for fields, outcome in zip(events, checked, strict=True):
        if isinstance(outcome, _Repeat):
            if (first := claimed.get(fields["event_id"])) is not None:
                outcomes_.append((first, False))  # an earlier event of this batch
            else:  # its first was refused at the cap: this one is decided anew, here
                outcomes_.append(_claim_one(reads, fields, claimed))
        elif isinstance(outcome, _Claimed):
            outcomes_.append(_settle_claimed(reads, outcome, claimed, capped))
        else:
            outcomes_.append((outcome, False))
    _credit_all(reads, [c for c in claimed.values() if c.accepted.user_id is not None])
    return [
        (outcome.result if isinstance(outcome, _Claimed) else outcome, created)
        for outcome, created in outcomes_
    ]


@dataclass
class _Repeat:
    """An event whose event_id an earlier event of the batch was accepted with."""


def _check_all(reads: BatchReads, events: list[dict]) -> list[_Claimed | _Repeat | dict | AppError]:
    """Each event checked as the single endpoint checks it (reads only): to be claimed, a
    repeat of an earlier event of the batch, a redelivery's result, or its refusal."""
    checked: list[_Claimed | _Repeat | dict | AppError] = []
    accepted_ids: set[str] = set()
    for fields in events:
        event_id = fields["event_id"]
        if event_id in accepted_ids:
            checked.append(_Repeat())
            continue
        try:
            with outcomes.counted(fields["scenario"], "partner"):
                accepted = check_event(
                    reads, event_id, fields["scenario"], fields.get("quantity"),
                    fields["occurred_at"], fields.get("openid"), fields.get("partner_user_id"),
                )  # fmt: skip
        except AppError as exc:
            checked.append(exc)
            continue
        if isinstance(accepted, PartnerEvent):
            checked.append(result_of(accepted))
        else:
            accepted_ids.add(event_id)
            checked.append(_new_claim(reads, accepted, fields))
    return checked


def _new_claim(reads: BatchReads, accepted: Accepted, fields: dict) -> _Claimed:
    held = accepted.user_id is None
    return _Claimed(None, accepted, fields, {
        "event_id": fields["event_id"], "record_id": None,
        "status": PARTNER_EVENT_HELD if held else RECORD_APPROVED, "carbon_mg": None,
        "points": 0, "held_until": fields["occurred_at"] + hold_window() if held else None,
        "note": None,
    })  # fmt: skip


def _claim_all(reads: BatchReads, pending: list[_Claimed]) -> None:
    """Every accepted event's (partner, event_id) row in one INSERT ... ON CONFLICT DO
    NOTHING; an event whose row is not inserted keeps row_id None (recorded since the
    batch read it as new: a concurrent redelivery, which the claim waited for)."""
    if not pending:
        return
    rows = [_claim_row(reads, c) for c in pending]
    # RETURNING each inserted row's event_id (unique in a batch) with its id: the rows
    # come back in no particular order.
    claimed = insert_rows(db.session.connection(), _events, rows, on_conflict_do_nothing=True,
                          returning=(_events.c.id, _events.c.event_id))  # fmt: skip
    inserted = {r.event_id: int(r.id) for r in claimed}
    for claim in pending:
        claim.row_id = inserted.get(claim.fields["event_id"])


def _claim_row(reads: BatchReads, claim: _Claimed) -> dict:
    fields = claim.fields
    return claim_values(reads.partner, fields["event_id"], claim.accepted,
                        fields.get("partner_user_id"), fields["occurred_at"])  # fmt: skip


def _reserve_caps_together(checked: list) -> dict[int, bool]:
    """{claim row id: whether its daily cap took it} for the credited claims whose
    counter (person, day, scenario) no other event of the batch touches: their order
    cannot change their outcome, so they are reserved together (`caps.try_reserve_many`).
    The others are reserved one by one, in the order sent (`_settle_claimed`); so is
    everything when the batch repeats an event_id (a repeat may be decided anew, in its
    place, on any counter)."""
    if any(isinstance(c, _Repeat) for c in checked):
        return {}
    credited = [
        c for c in checked
        if isinstance(c, _Claimed) and c.row_id is not None and c.accepted.user_id is not None
    ]  # fmt: skip
    persons = users.persons_of({c.accepted.user_id for c in credited})  # type: ignore[misc]
    by_counter: dict[tuple, list[_Claimed]] = defaultdict(list)
    for claim in credited:
        person = persons.get(claim.accepted.user_id)  # type: ignore[arg-type]
        day = shanghai_day(claim.fields["occurred_at"])
        by_counter[(person, day, caps.scenario_subject(claim.accepted.target.id))].append(claim)
    alone = [(key, claims[0]) for key, claims in by_counter.items()
             if len(claims) == 1 and key[0] is not None]  # fmt: skip
    taken = caps.try_reserve_many([
        caps.Reservation(person, day, subject, claim.accepted.quantity_milli,
                         claim.accepted.target.daily_cap_milli)
        for (person, day, subject), claim in alone
    ])  # fmt: skip
    return {claim.row_id: ok for (_key, claim), ok in zip(alone, taken, strict=True)}  # type: ignore[misc]


def _settle_claimed(
    reads: BatchReads, claim: _Claimed, claimed: dict[str, _Claimed], capped: dict[int, bool]
) -> tuple[dict | _Claimed | AppError, bool]:
    """A claimed event's daily cap, in the batch's order (`capped`: the caps reserved
    together already): (the event, True) or (a redelivery's result, False) or (the
    cap's refusal, False)."""
    fields, event_id = claim.fields, claim.fields["event_id"]
    if claim.row_id is None:
        return result_of(EventReads(reads.partner).seen(event_id)), False  # type: ignore[arg-type]
    try:
        with outcomes.counted(fields["scenario"], "partner") as kept:
            if claim.accepted.user_id is not None:
                _take_cap(claim, capped.get(claim.row_id))
            kept(RECORD_APPROVED if claim.accepted.user_id is not None else PARTNER_EVENT_HELD)
    except AppError as exc:
        return exc, False
    claimed[event_id] = claim
    return claim, True


def _claim_one(
    reads: BatchReads, fields: dict, claimed: dict[str, _Claimed]
) -> tuple[dict | _Claimed | AppError, bool]:
    """One event checked, claimed and capped on its own (a repeat whose first event the
    cap refused): (the claimed event, True), (a result, False) or (the refusal, False)."""
    [outcome] = _check_all(reads, [fields])
    if not isinstance(outcome, _Claimed):
        return outcome, False  # type: ignore[return-value]  # never a _Repeat: one event
    _claim_all(reads, [outcome])
    return _settle_claimed(reads, outcome, claimed, {})


def _take_cap(claim: _Claimed, taken: bool | None) -> None:
    """The event's share of its resident's daily cap (`taken`: already decided with the
    batch's lone counters; None: reserved now); when the cap refuses it, its claim is
    taken back (the row this transaction just inserted: nothing of it is left, as a
    savepoint's rollback would leave nothing, without a savepoint for every event).
    Raises DailyCapReached."""
    if taken is None:
        accepted, target = claim.accepted, claim.accepted.target
        taken = caps.try_reserve(accepted.user_id, shanghai_day(claim.fields["occurred_at"]),  # type: ignore[arg-type]
                                 caps.scenario_subject(target.id), accepted.quantity_milli,
                                 target.daily_cap_milli)  # fmt: skip
    if not taken:
        unclaim_event_row(claim.row_id)  # type: ignore[arg-type]  # a claimed event's row
        raise caps.DailyCapReached()


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
    # The events' rows are this transaction's own inserts: no lock order to keep.
    update_rows(db.session.connection(), _events, "id",
                [{"id": c.row_id, "record_id": r.id} for c, r in pairs])  # fmt: skip
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
