"""What each partner webhook call came to (credited, a repeat, or refused and why), for
the operators' "recent events" of a partner.

A refused call rolls its own transaction back, so its outcome cannot be written there:
the partner blueprint notes the outcome of each call and `record_deliveries` writes it
afterwards, in a transaction of its own (app/checkins/partner_api.py). Calls naming an
unknown partner are not kept (nothing to file them under). Only the latest
DELIVERIES_KEPT per partner are kept, so a flood of forged calls cannot grow the table;
a failure to write the log never changes the partner's answer.
"""

from __future__ import annotations

from sqlalchemy import delete, insert, select

from app.carbon import service as carbon
from app.checkins.models import Partner, PartnerDelivery
from app.checkins.partners import PartnerNotFound
from app.extensions import db
from app.pagination import paginate_desc
from app.units import mg_to_g

DELIVERIES_KEPT = 500


def partner_id_for(code: str | None) -> int | None:
    """The id of the partner with this code, or None."""
    if not code:
        return None
    return db.session.scalar(select(Partner.id).where(Partner.code == code[:64]))


def record_deliveries(partner_id: int, rows: list[dict]) -> None:
    """Add calls' outcomes (one row each: status_code, event_id, reason, message,
    record_id; an answered batch has one per event) and trim the partner's log to the
    latest DELIVERIES_KEPT (flushed: the caller commits this transaction of its own).
    Raises only database errors, which the caller logs and drops."""
    if not rows:
        return
    values = [
        {"partner_id": partner_id, "status_code": row["status_code"],
         "event_id": row["event_id"][:128], "reason": row["reason"][:64],
         "message": row["message"][:200], "record_id": row["record_id"]}
        for row in rows
    ]  # fmt: skip
    db.session.execute(insert(PartnerDelivery), values)
    oldest_kept = (
        select(PartnerDelivery.id)
        .where(PartnerDelivery.partner_id == partner_id)
        .order_by(PartnerDelivery.id.desc())
        .offset(DELIVERIES_KEPT - 1)
        .limit(1)
        .scalar_subquery()
    )
    db.session.execute(
        delete(PartnerDelivery).where(
            PartnerDelivery.partner_id == partner_id, PartnerDelivery.id < oldest_kept
        )
    )


def outcome_of(status_code: int) -> str:
    """How a delivery ended, from the status we answered: credited, duplicate or refused."""
    if status_code == 201:
        return "credited"
    if status_code == 200:
        return "duplicate"
    return "refused"


def list_deliveries(partner_id: int, limit: int, cursor: str | None) -> tuple[list, str | None]:
    """A partner's recent calls, newest first, each with its outcome and, when credited,
    the record's status, points and carbon. Raises PartnerNotFound, InvalidCursor."""
    if db.session.get(Partner, partner_id) is None:
        raise PartnerNotFound()
    stmt = select(PartnerDelivery).where(PartnerDelivery.partner_id == partner_id)
    rows, next_cursor = paginate_desc(stmt, PartnerDelivery.id, limit, cursor)
    records = {r.id: r for r in carbon.records_by_ids([d.record_id for d in rows if d.record_id])}
    items = []
    for row in rows:
        record = records.get(row.record_id)
        items.append({
            "id": row.id, "received_at": row.received_at, "event_id": row.event_id,
            "status_code": row.status_code, "outcome": outcome_of(row.status_code),
            "reason": row.reason, "message": row.message, "record_id": row.record_id,
            "record_status": record.status if record else None,
            "points": record.points if record else None,
            "carbon_g": mg_to_g(record.carbon_mg) if record else None,
        })  # fmt: skip
    return items, next_cursor
