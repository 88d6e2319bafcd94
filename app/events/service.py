"""Zero-carbon events' service API (零碳活动): other domains and the views call this module.

Registering and stages (app/events/events.py), accounting per source with cited, versioned
factors (accounting.py, factors.py), the attendees' trips, offsetting with registry units,
and what the public page and the certificate show (`public_view`).
"""

from __future__ import annotations

from sqlalchemy import func, select

from app.events.accounting import (  # noqa: F401
    CSV_COLUMNS,
    LineNotFound,
    account_event,
    add_line,
    by_source,
    check_event,
    import_lines,
    lines,
    remove_line,
)
from app.events.events import (  # noqa: F401
    ATTENDANCE_PAGE,
    EventNotFound,
    create_event,
    event_qr,
    event_scene,
    find_public,
    get_event,
    is_overdue,
    mark_held,
    offset_event,
    organisers_event,
    record_attendance,
    required_kg,
    retired_kg,
    update_plan,
)
from app.events.factors import FactorNotFound, list_factors  # noqa: F401
from app.events.models import Event
from app.extensions import db
from app.pagination import paginate_desc
from app.registry import service as registry


def list_events(
    holder_id: int | None, limit: int, cursor: str | None, *, verifier_id: int | None = None
):
    """Events newest first: one organiser's, one verifier's, or all. Raises InvalidCursor."""
    stmt = select(Event)
    if holder_id is not None:
        stmt = stmt.where(Event.holder_id == holder_id)
    if verifier_id is not None:
        stmt = stmt.where(Event.verifier_id == verifier_id)
    return paginate_desc(stmt, Event.id, limit, cursor)


def public_view(event: Event) -> dict:
    """Everything the event's public page and certificate show: the lines with their
    factor versions and sources, totals by source, the retirements with their serial
    ranges, who checked it (or self-declared), overdue."""
    retirements = list(
        db.session.scalars(
            registry.retirements_stmt(event_ref=event.public_id).order_by(registry.Retirement.id)
        )
    )
    certificates = [registry.certificate(r.certificate_id) for r in retirements]
    verifier = registry.get_verifier(event.verifier_id).name if event.verifier_id else None
    return {
        "event": event,
        "organiser": registry.get_holder(event.holder_id).name,
        "lines": lines(event),
        "by_source": by_source(event),
        "total_mg": event.total_mg,
        "required_kg": required_kg(event),
        "retired_kg": retired_kg(event),
        "overdue": is_overdue(event),
        "checked": event.checked_at is not None,
        "verifier": verifier,
        "retirements": [
            {
                "certificate_id": c["retirement"].certificate_id,
                "quantity": c["retirement"].quantity,
                "retired_at": c["retirement"].created_at,
                "serials": c["serials"],
                "batch_serial": c["batch"].serial,
            }
            for c in certificates
        ],
    }


def public_list(limit: int, cursor: str | None) -> tuple[list[dict], str | None]:
    """Events for the public list page, newest first: each with its organiser, the kg
    required and retired, and whether it is overdue. Raises InvalidCursor."""
    events, next_cursor = list_events(None, limit, cursor)
    if not events:
        return [], next_cursor
    retired = dict(
        db.session.execute(
            select(registry.Retirement.event_ref, func.sum(registry.Retirement.quantity))
            .where(registry.Retirement.event_ref.in_([e.public_id for e in events]))
            .group_by(registry.Retirement.event_ref)
        )
        .tuples()
        .all()
    )
    names: dict[int, str] = {}
    rows = []
    for event in events:
        if event.holder_id not in names:
            names[event.holder_id] = registry.get_holder(event.holder_id).name
        rows.append(
            {
                "event": event,
                "organiser": names[event.holder_id],
                "required_kg": required_kg(event),
                "retired_kg": int(retired.get(event.public_id) or 0),
                "overdue": is_overdue(event),
            }
        )
    return rows, next_cursor
