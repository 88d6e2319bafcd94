"""Zero-carbon events: registering, the attendees' QR and trips, the stages.

planned -> held (the organiser, once it has ended) -> accounted (lines frozen, the
attendees' trips turned into travel lines) -> offset (retired units >= the total, rounded
up to whole kg). An event not offset within a year of its end is overdue on its page
(MEE 《大型活动碳中和实施指南（试行）》2019: account completely, publicly, then offset).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select, update

from app.clock import shanghai_today
from app.db import table_of, utcnow
from app.errors import BadRequest, Conflict, NotFound, Unprocessable
from app.events.models import (
    EVENT_KINDS,
    MODES,
    STAGE_ACCOUNTED,
    STAGE_HELD,
    STAGE_OFFSET,
    STAGE_PLANNED,
    Event,
    EventAttendance,
)
from app.extensions import db
from app.keys import derive_key
from app.registry import service as registry
from app.sql import conflict_insert
from app.units import QuantityError, to_milli

OVERDUE_AFTER = timedelta(days=365)
MAX_TRIP_KM = 5000
_QR = re.compile(r"^TPE1\.([A-Z0-9]{6,16})\.(\d{1,6})\.([A-Za-z0-9_-]{22})$")
# The short form a mini-program code's scene carries (<= 32 characters): the public id and
# a signature over it and the event's current QR key version (not written out, so a new
# key version retires short codes too), as many base64url characters as fit (<= 16).
_SCENE = re.compile(r"^e=([A-Z0-9]{6,16})\.([A-Za-z0-9_-]{12,16})$")
SCENE_MAX = 32
ATTENDANCE_PAGE = "pages/event/index"
_attendance = table_of(EventAttendance)


class EventNotFound(NotFound):
    reason, message = "event_not_found", "活动不存在"


class WrongStage(Conflict):
    reason, message = "event_wrong_stage", "活动当前阶段不允许此操作"


class InvalidEventQr(BadRequest):
    reason, message = "invalid_qr", "活动二维码无效"


def _parse_day_range(starts_on: date, ends_on: date) -> None:
    if ends_on < starts_on:
        raise Unprocessable("结束日期不能早于开始日期", reason="invalid_dates")


def create_event(holder_id: int, fields: dict, created_by: int) -> Event:
    """An organiser registers an event (name, kind, dates, venue, expected attendees,
    plan; how unrecorded attendees travel by default). Raises Unprocessable
    (`invalid_dates`, `invalid_event_kind`), FactorNotFound."""
    from app.events.factors import current_factor

    if fields["kind"] not in EVENT_KINDS:
        raise Unprocessable("活动类型无效", reason="invalid_event_kind")
    _parse_day_range(fields["starts_on"], fields["ends_on"])
    default_factor = fields.get("default_mode_factor") or "travel_car"
    current_factor(default_factor, fields["starts_on"])
    event = Event(
        public_id="EV" + secrets.token_hex(5).upper(),
        holder_id=holder_id,
        name=fields["name"].strip(),
        kind=fields["kind"],
        starts_on=fields["starts_on"],
        ends_on=fields["ends_on"],
        venue=fields.get("venue", "").strip(),
        expected_attendees=fields.get("expected_attendees", 0),
        plan=fields.get("plan", ""),
        default_mode_factor=default_factor,
        default_trip_km_milli=fields.get("default_trip_km_milli", 20_000),
        created_by=created_by,
    )
    db.session.add(event)
    db.session.flush()
    return event


def get_event(event_id: int) -> Event:
    """One event. Raises EventNotFound."""
    event = db.session.get(Event, event_id)
    if event is None:
        raise EventNotFound()
    return event


def find_public(public_id: str) -> Event:
    """An event by its public id. Raises EventNotFound."""
    event = db.session.scalar(select(Event).where(Event.public_id == public_id.strip().upper()))
    if event is None:
        raise EventNotFound()
    return event


def organisers_event(holder_id: int, event_id: int) -> Event:
    """One of the organiser's events; another's is "not found". Raises EventNotFound."""
    event = get_event(event_id)
    if event.holder_id != holder_id:
        raise EventNotFound()
    return event


def update_plan(event: Event, fields: dict) -> Event:
    """Change a planned event's details. Raises WrongStage, Unprocessable."""
    if event.stage != STAGE_PLANNED:
        raise WrongStage()
    for name in (
        "name",
        "venue",
        "plan",
        "expected_attendees",
        "starts_on",
        "ends_on",
        "default_trip_km_milli",
    ):
        if name in fields:
            setattr(event, name, fields[name])
    _parse_day_range(event.starts_on, event.ends_on)
    db.session.flush()
    return event


def move_stage(event: Event, allowed: tuple[str, ...], stage: str, **values) -> Event:
    """One conditional UPDATE: of two concurrent moves exactly one wins. Raises WrongStage."""
    moved = db.session.execute(  # type: ignore[attr-defined]  # a DML result is a CursorResult
        update(Event)
        .where(Event.id == event.id, Event.stage.in_(allowed))
        .values(stage=stage, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(event)
    if moved != 1:
        raise WrongStage()
    return event


def mark_held(event: Event) -> Event:
    """The event took place (from its last day on). Raises WrongStage, Conflict
    (`event_not_over`)."""
    if shanghai_today() < event.ends_on:
        raise Conflict("活动尚未结束", reason="event_not_over")
    return move_stage(event, (STAGE_PLANNED,), STAGE_HELD)


def is_overdue(event: Event, today: date | None = None) -> bool:
    """Not offset within a year of its end."""
    today = today or shanghai_today()
    return event.stage != STAGE_OFFSET and today > event.ends_on + OVERDUE_AFTER


def _qr_signature(body: str) -> str:
    key = derive_key(current_app.config["SECRET_KEY"], b"tanpuhui-events", b"event-qr")
    digest = hmac.new(key, body.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:16]).decode().rstrip("=")


def event_qr(event: Event) -> str:
    """The string the event's QR encodes (attendees scan it in the mini-program)."""
    body = f"TPE1.{event.public_id}.{event.qr_key_version}"
    return f"{body}.{_qr_signature(body)}"


def _scene_signature(public_id: str, key_version: int) -> str:
    body = f"e={public_id}"
    key = derive_key(current_app.config["SECRET_KEY"], b"tanpuhui-events", b"event-qr-scene")
    digest = hmac.new(key, f"{body}|{key_version}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[: min(16, SCENE_MAX - len(body) - 1)]


def event_scene(event: Event) -> str:
    """The `scene` of the event's mini-program code (`e=<public id>.<signature>`)."""
    return f"e={event.public_id}.{_scene_signature(event.public_id, event.qr_key_version)}"


def _event_of_token(token: str) -> Event:
    """The event a scanned code (long TPE1 payload or short scene) is for. Raises
    InvalidEventQr (400), EventNotFound (a long payload of a deleted event)."""
    text = token.strip() if isinstance(token, str) else ""
    scene = _SCENE.match(text)
    if scene:
        event = db.session.scalar(select(Event).where(Event.public_id == scene[1]))
        expected = _scene_signature(scene[1], event.qr_key_version) if event else ""
        if event is None or not hmac.compare_digest(expected, scene[2]):
            raise InvalidEventQr()
        return event
    match = _QR.match(text)
    if not match or not hmac.compare_digest(_qr_signature(text.rsplit(".", 1)[0]), match[3]):
        raise InvalidEventQr()
    event = find_public(match[1])
    if int(match[2]) != event.qr_key_version:
        raise InvalidEventQr()
    return event


def record_attendance(user_id: int, token: str, mode: str, distance_km) -> EventAttendance:
    """An attendee records how they came (metro, bus, bike, walk) and the round trip in km;
    `token` is the event's QR payload or its mini-program code's scene. It feeds the
    event's travel line instead of the default assumption; it pays no points (the trip
    earns its normal points through its own check-ins).

    Raises InvalidEventQr (400), Unprocessable (`invalid_mode`, `invalid_distance`),
    WrongStage, Conflict (`attendance_recorded`)."""
    event = _event_of_token(token)
    if mode not in MODES:
        raise Unprocessable("出行方式无效", reason="invalid_mode")
    try:
        km_milli = to_milli(distance_km)
    except QuantityError:
        raise Unprocessable("距离最多保留三位小数", reason="invalid_distance") from None
    if not 0 < km_milli <= MAX_TRIP_KM * 1000:
        raise Unprocessable(f"往返距离须在 0 到 {MAX_TRIP_KM} 公里之间", reason="invalid_distance")
    if event.stage not in (STAGE_PLANNED, STAGE_HELD):
        raise WrongStage("活动核算已完成，不再记录出行")
    row = db.session.execute(
        conflict_insert(_attendance)
        .values(
            event_id=event.id,
            user_id=user_id,
            mode=mode,
            distance_km_milli=km_milli,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["event_id", "user_id"])
        .returning(_attendance.c.id)
    ).first()
    if row is None:
        raise Conflict("你已记录过本次活动的出行方式", reason="attendance_recorded")
    return db.session.get_one(EventAttendance, row.id)


def offset_event(
    holder_id: int, event: Event, batch_id: int, quantity: int, req: registry.Request
) -> dict:
    """Retire the organiser's units for the event (purpose `event`, the event as
    beneficiary); once the retired kilograms cover the accounted total (rounded up) the
    event is offset. Raises WrongStage (not accounted yet), and the registry's refusals
    (BatchNotFound, InsufficientUnits, ...)."""
    if event.stage not in (STAGE_ACCOUNTED, STAGE_OFFSET):
        raise WrongStage("请先完成活动核算，再进行抵消")
    retirement = registry.retire_units(
        req,
        holder_id=holder_id,
        batch_id=batch_id,
        quantity=quantity,
        purpose="event",
        beneficiary=f"{event.name}（{event.public_id}）",
        event_ref=event.public_id,
        note=f"零碳活动抵消：{event.name}",
    )
    retired = retired_kg(event)
    if retired >= required_kg(event) and event.stage == STAGE_ACCOUNTED:
        move_stage(event, (STAGE_ACCOUNTED,), STAGE_OFFSET, offset_at=retirement.created_at)
    return {"retirement": retirement, "retired_kg": retired, "required_kg": required_kg(event)}


def required_kg(event: Event) -> int:
    """Whole kilograms the event must retire: its accounted total, rounded up."""
    return -(-event.total_mg // 1_000_000)


def retired_kg(event: Event) -> int:
    """Kilograms retired so far against the event (retirements naming its public id)."""
    rows = db.session.scalars(registry.retirements_stmt(event_ref=event.public_id))
    return sum(r.quantity for r in rows)


def parse_mode(mode: str) -> str:
    """The factor code of an attendee's mode."""
    return MODES[mode]
