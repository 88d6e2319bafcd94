"""An event's emissions accounting: lines per source (activity data x a cited factor
version), a CSV upload of lines, the attendees' trips as travel lines, the frozen total,
and the optional check by a verification body (else self-declared)."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from decimal import Decimal, InvalidOperation

from sqlalchemy import delete, select

from app.db import utcnow
from app.errors import NotFound, Unprocessable
from app.events import factors
from app.events.events import WrongStage, move_stage, parse_mode
from app.events.models import (
    CATEGORIES,
    STAGE_ACCOUNTED,
    STAGE_HELD,
    STAGE_OFFSET,
    STAGE_PLANNED,
    Event,
    EventAttendance,
    EventLine,
)
from app.extensions import db
from app.registry import service as registry
from app.units import QuantityError, to_milli

CSV_COLUMNS = ("category", "factor", "quantity", "note")
MAX_CSV_LINES = 500


class LineNotFound(NotFound):
    reason, message = "line_not_found", "核算条目不存在"


def _open(event: Event) -> None:
    if event.stage not in (STAGE_PLANNED, STAGE_HELD):
        raise WrongStage("活动核算已完成，条目不能再修改")


def add_line(event: Event, category: str, factor_code: str, quantity, note: str = "") -> EventLine:
    """One source: `quantity` in the factor's unit, with the factor version in force on
    the event's first day. Raises WrongStage, Unprocessable (`invalid_category`,
    `invalid_quantity`), FactorNotFound (404)."""
    _open(event)
    if category not in CATEGORIES:
        raise Unprocessable("排放源类别无效", reason="invalid_category")
    factor = factors.current_factor(factor_code, event.starts_on)
    if factor.category != category:
        raise Unprocessable("排放因子与类别不符", reason="invalid_category")
    try:
        quantity_milli = to_milli(quantity)
    except (QuantityError, InvalidOperation):
        raise Unprocessable("数量最多保留三位小数", reason="invalid_quantity") from None
    if not 0 < quantity_milli <= 10**15:
        raise Unprocessable("数量必须大于 0", reason="invalid_quantity")
    line = EventLine(
        event_id=event.id,
        category=category,
        factor_id=factor.id,
        quantity_milli=quantity_milli,
        emissions_mg=factors.emissions_mg(factor, quantity_milli),
        note=note.strip()[:200],
    )
    db.session.add(line)
    db.session.flush()
    return line


def remove_line(event: Event, line_id: int) -> None:
    """Delete an organiser's line before accounting. Raises WrongStage, LineNotFound."""
    _open(event)
    removed = db.session.execute(  # type: ignore[attr-defined]  # a DML result is a CursorResult
        delete(EventLine).where(
            EventLine.id == line_id, EventLine.event_id == event.id, EventLine.origin == "organiser"
        )
    ).rowcount
    if removed != 1:
        raise LineNotFound()


def import_lines(event: Event, text: str) -> list[EventLine]:
    """Lines from a CSV (`category,factor,quantity,note`, a header row, UTF-8 with or
    without BOM), all or none. Raises Unprocessable (`invalid_csv` naming the row), and
    what add_line raises."""
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    if not rows or set(rows[0]) - set(CSV_COLUMNS) or len(rows) > MAX_CSV_LINES:
        raise Unprocessable(
            f"CSV 须有表头 {','.join(CSV_COLUMNS)}，至多 {MAX_CSV_LINES} 行", reason="invalid_csv"
        )
    made = []
    for n, row in enumerate(rows, start=2):
        try:
            quantity = Decimal((row.get("quantity") or "").strip())
        except InvalidOperation:
            raise Unprocessable(f"第 {n} 行数量无效", reason="invalid_csv") from None
        made.append(
            add_line(
                event,
                (row.get("category") or "").strip(),
                (row.get("factor") or "").strip(),
                quantity,
                row.get("note") or "",
            )
        )
    return made


def lines(event: Event) -> list[EventLine]:
    """The event's emission lines, in the order they were added."""
    return list(
        db.session.scalars(
            select(EventLine).where(EventLine.event_id == event.id).order_by(EventLine.id)
        )
    )


def _attendee_lines(event: Event) -> list[EventLine]:
    trips = db.session.scalars(
        select(EventAttendance).where(EventAttendance.event_id == event.id)
    ).all()
    by_mode: dict[str, list[int]] = defaultdict(list)
    for trip in trips:
        by_mode[trip.mode].append(trip.distance_km_milli)
    made = []
    for mode, distances in sorted(by_mode.items()):
        factor = factors.current_factor(parse_mode(mode), event.starts_on)
        km = sum(distances)
        made.append(
            EventLine(
                event_id=event.id,
                category="travel",
                factor_id=factor.id,
                quantity_milli=km,
                emissions_mg=factors.emissions_mg(factor, km),
                origin="attendees",
                note=f"参会者记录：{len(distances)} 人",
            )
        )
    unrecorded = max(0, event.expected_attendees - len(trips))
    if unrecorded:
        factor = factors.current_factor(event.default_mode_factor, event.starts_on)
        km = unrecorded * event.default_trip_km_milli
        made.append(
            EventLine(
                event_id=event.id,
                category="travel",
                factor_id=factor.id,
                quantity_milli=km,
                emissions_mg=factors.emissions_mg(factor, km),
                origin="attendees",
                note=f"未记录出行：{unrecorded} 人按默认方式估算",
            )
        )
    return made


def account_event(event: Event, accounted_by: int, verifier_id: int | None = None) -> Event:
    """Freeze the accounting: the attendees' trips (and the default assumption for the
    rest) become travel lines, the total is fixed. `verifier_id` asks a verification body
    to check it. Raises WrongStage (not held yet, or already accounted), VerifierNotFound."""
    if event.stage != STAGE_HELD:
        raise WrongStage("活动举办结束（标记为已举办）后才能完成核算")
    if verifier_id is not None:
        registry.get_verifier(verifier_id)
    db.session.add_all(_attendee_lines(event))
    db.session.flush()
    total = sum(line.emissions_mg for line in lines(event))
    return move_stage(
        event,
        (STAGE_HELD,),
        STAGE_ACCOUNTED,
        total_mg=total,
        accounted_at=utcnow(),
        accounted_by=accounted_by,
        verifier_id=verifier_id,
    )


def check_event(event: Event, verifier_user_id: int, note: str) -> Event:
    """A verification body confirms the accounting (else it stays self-declared).
    Raises EventNotFound (another body's event), WrongStage."""
    from app.events.events import EventNotFound

    if event.verifier_id is None or event.verifier_id != registry.verifier_of(verifier_user_id):
        raise EventNotFound()
    if event.stage not in (STAGE_ACCOUNTED, STAGE_OFFSET) or event.checked_at is not None:
        raise WrongStage()
    event.checked_by, event.checked_at, event.check_note = verifier_user_id, utcnow(), note[:2000]
    db.session.flush()
    return event


def by_source(event: Event) -> list[dict]:
    """Emissions per category, for the certificate and the page."""
    totals: dict[str, int] = defaultdict(int)
    for line in lines(event):
        totals[line.category] += line.emissions_mg
    return [{"category": c, "emissions_mg": totals[c]} for c in CATEGORIES if c in totals]
