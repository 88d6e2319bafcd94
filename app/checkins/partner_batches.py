"""Partner event batches: up to BATCH_MAX events in one signed request, settled in one
transaction (`POST /api/v1/partner/events/batch`, docs/decisions/1005).

Each event is decided as `POST /partner/events` decides it, in the order sent, and
settled with the others in a few statements (app/checkins/partner_settle.py): an event
that is refused leaves no row behind and is answered with the status, reason and message
the single endpoint would have given it; the others stand. A repeated event_id, in an
earlier request or earlier in the same batch, answers as a redelivery does (200, the
first result). The request commits once, at the boundary: if anything fails beyond one
event (the database, the commit), the whole batch rolls back and nothing of it is kept.

Lock order: a batch first takes the settlements' transaction lock (PostgreSQL: one batch
or binding at a time, so two of them never hold accounts and day counters of overlapping
residents in opposite orders; `partners.lock_settlements`), then its partner's row (as a
binding does, before any posting: an event for an unbound partner user takes it anyway),
then what partner_settle.py takes, in its order.
"""

from __future__ import annotations

from marshmallow import ValidationError

from app.checkins.models import Partner
from app.checkins.partner_events import answer_status
from app.checkins.partner_reads import BatchReads
from app.checkins.partner_settle import settle_events
from app.checkins.partners import lock_partner, lock_settlements
from app.checkins.schemas import PartnerEventSchema
from app.errors import AppError, Unprocessable

BATCH_MAX = 500
_event_schema = PartnerEventSchema()


class BatchEmpty(Unprocessable):
    reason, message = "batch_empty", "批量上报至少需要一个事件"


class BatchTooLarge(Unprocessable):
    reason, message = "batch_too_large", f"每批最多 {BATCH_MAX} 个事件，请分批上报"


def record_partner_event_batch(partner: Partner, events: list) -> dict:
    """Record each of `events` (raw JSON values, validated one by one) as
    `record_partner_event` would; returns {"results": [one per event, in order, with the
    status the single endpoint would answer as `code`], "counts": {...}}.

    Raises BatchEmpty, BatchTooLarge (422); a refused event is an answer, not an error.
    """
    if not events:
        raise BatchEmpty()
    if len(events) > BATCH_MAX:
        raise BatchTooLarge()
    loaded = [_load(index, raw) for index, raw in enumerate(events)]
    lock_settlements()
    lock_partner(partner.id)
    # Under the locks: no binding of this partner commits meanwhile (nor, on SQLite, any
    # other write), so what is read for all events at once stays true for each of them.
    valid = [fields for head, fields in loaded if head is not None]
    reads = BatchReads(partner, valid)
    settled = iter(settle_events(reads, valid))
    results = [fields if head is None else _answer(head, *next(settled)) for head, fields in loaded]
    return {"results": results, "counts": count_outcomes(results)}


def _load(index: int, raw: object) -> tuple[dict | None, dict]:
    """(head, the event's fields), or (None, its refusal) when it is no valid event."""
    event_id = raw.get("event_id") if isinstance(raw, dict) else None
    head = {"index": index, "event_id": event_id if isinstance(event_id, str) else None}
    try:
        return head, _event_schema.load(raw)  # type: ignore[arg-type]  # any JSON: load refuses it
    except ValidationError as exc:
        return None, _refused(head, Unprocessable(), exc.normalized_messages())


def _answer(head: dict, outcome: dict | AppError, created: bool) -> dict:
    if isinstance(outcome, AppError):
        return _refused(head, outcome)
    return {
        **head, **outcome, "code": answer_status(outcome, created), "duplicate": not created,
        "reason": None, "message": None, "errors": None,
    }  # fmt: skip


def _refused(head: dict, error: AppError, errors: dict | None = None) -> dict:
    return {
        **head, "code": error.status, "reason": error.reason, "message": error.message,
        "errors": errors, "duplicate": False, "record_id": None, "status": None,
        "carbon_mg": None, "points": 0, "held_until": None, "note": None,
    }  # fmt: skip


def count_outcomes(results: list[dict]) -> dict:
    """How many events of a batch were credited (201), held (202), repeats (200), refused."""
    counts = {"credited": 0, "held": 0, "duplicate": 0, "refused": 0}
    names = {201: "credited", 202: "held", 200: "duplicate"}
    for item in results:
        counts[names.get(item["code"], "refused")] += 1
    return counts
