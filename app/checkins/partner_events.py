"""Partner events: a trip or order a partner reports, credited once, ever.

An event names the resident by WeChat `openid` or by the partner's own user id
(`partner_user_id`). A partner user id that a resident has bound (app/checkins/bindings.py)
is credited like an openid; one nobody has bound yet is kept (`held`, nothing paid) with
what it reported, and paid to the resident who binds it within `PARTNER_HOLD_DAYS` of
when it happened (docs/decisions/0946). Whatever the path, the unique (partner, event_id)
row is claimed before anything is credited, a held row is paid only by the conditional
UPDATE that moves it out of `held`, and the ledger reference `partner:<code>:<event_id>` is
unique: an event pays at most once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import delete, select, update

from app.carbon import service as carbon
from app.carbon.models import MethodologyVersion, Scenario
from app.checkins import approval, caps, outcomes
from app.checkins import quantity as quantities
from app.checkins.errors import EvidenceNotAccepted, ScenarioInactive
from app.checkins.models import (
    PARTNER_EVENT_CREDITED,
    PARTNER_EVENT_HELD,
    PARTNER_EVENT_LAPSED,
    Partner,
    PartnerEvent,
)
from app.checkins.partner_reads import EventReads
from app.checkins.partners import lock_partner
from app.checkins.settings import setting
from app.clock import shanghai_day
from app.db import table_of, utcnow
from app.errors import Conflict, Forbidden, NotFound, Unprocessable
from app.extensions import db
from app.input_guard import InvalidValue
from app.sql import attach_inserted, execute_built

_events = table_of(PartnerEvent)


def hold_window() -> timedelta:
    """How long after it happened a held event can still be paid by a binding."""
    return timedelta(days=setting("PARTNER_HOLD_DAYS"))


def record_partner_event(
    partner: Partner, *, event_id: str, scenario: str, quantity: Decimal,
    occurred_at: datetime, openid: str | None = None, partner_user_id: str | None = None,
    reads: EventReads | None = None,
) -> tuple[dict, bool]:  # fmt: skip
    """Credit (or hold) a partner event once; returns (result, created). A known event_id
    returns the first result with created=False. Exactly one of `openid` and
    `partner_user_id` names the resident. `reads`: what the event reads before it writes
    (app/checkins/partner_reads.py; a batch's, read for all its events at once).

    Raises ScenarioNotFound, Forbidden (`scenario_not_allowed`), ScenarioInactive,
    EvidenceNotAccepted, NotFound (404 `user_not_found`: an unknown openid), AccountFrozen
    (403 `account_frozen`: the bound or named resident is frozen), Conflict
    (`consent_required`), Unprocessable (`invalid_occurred_at`, `invalid_quantity`),
    DailyCapReached (409).
    """
    with outcomes.counted(scenario, "partner") as kept:
        result, created = _record_partner_event(
            reads or EventReads(partner), event_id, scenario, quantity, occurred_at, openid,
            partner_user_id,
        )  # fmt: skip
        if created:  # a replay of a known event is no new check-in; a held one counts as held
            kept(result["status"])
    return result, created


@dataclass(frozen=True)
class Accepted:
    """A new event that passed every check (`check_event`): whose it is (None: an unbound
    partner user, held), what it counts, and, when credited, the methodology version and
    live campaigns at its time (read before the first write)."""

    target: Scenario
    user_id: int | None
    quantity_milli: int
    version: MethodologyVersion | None
    live: list | None


# The ledger reference and the record's evidence_ref hold 200 characters (String(200)).
REFERENCE_MAX_LENGTH = 200


def event_reference(partner_code: str, event_id: str) -> str:
    """The event's ledger reference and its record's evidence_ref."""
    return f"partner:{partner_code}:{event_id}"


def check_event(reads, event_id, scenario, quantity, occurred_at, openid,
                partner_user_id) -> PartnerEvent | Accepted:  # fmt: skip
    """The event recorded before with this id, or the new event accepted; raises the
    refusals of `record_partner_event` (all but the daily cap, which its write decides).
    Reads only (but for the partner's lock, for an unbound partner user)."""
    partner = reads.partner
    if (seen := reads.seen(event_id)) is not None:
        return seen
    if len(event_reference(partner.code, event_id)) > REFERENCE_MAX_LENGTH:
        # A long partner code leaves less than 128 characters for the event_id.
        limit = REFERENCE_MAX_LENGTH - len(event_reference(partner.code, ""))
        raise InvalidValue(f"event_id 过长：该合作方的 event_id 最多 {limit} 个字符")
    target = reads.scenario(scenario)
    if scenario not in partner.scenario_codes:
        raise Forbidden("该合作方无权上报此场景", reason="scenario_not_allowed")
    if not target.active:
        raise ScenarioInactive()
    if "partner" not in target.evidence_types:
        raise EvidenceNotAccepted()
    if openid is not None:
        user_id = reads.resident(openid)
        if user_id is None:
            raise NotFound("用户不存在", reason="user_not_found")
    else:
        user_id = reads.bound_user(partner_user_id)
        if user_id is None:
            lock_partner(partner.id)  # serialised with bindings of this partner (see there)
            user_id = reads.bound_user(partner_user_id)
    if user_id is not None:
        reads.require_not_frozen(user_id)  # 403 account_frozen: nothing is paid meanwhile
    if user_id is not None and not reads.has_consent(user_id, target):
        raise Conflict("用户未授权该场景的数据使用", reason="consent_required")
    now = utcnow()
    max_age = timedelta(days=setting("PARTNER_EVENT_MAX_AGE_DAYS"))
    if occurred_at > now + timedelta(minutes=5) or occurred_at < now - max_age:
        raise Unprocessable("事件时间不在可接受范围内", reason="invalid_occurred_at")
    quantity_milli = quantities.from_partner(target, quantity)
    # Read before the first write (on SQLite the writer queue is held from there on).
    version = live = None
    if user_id is not None:
        version = reads.version(target, occurred_at)
        live = reads.live_campaigns(target, occurred_at)
    return Accepted(target, user_id, quantity_milli, version, live)


def claim_values(partner: Partner, event_id: str, accepted: Accepted, partner_user_id,
                 occurred_at: datetime) -> dict:  # fmt: skip
    """The row an accepted event is claimed with (`claim_event_row`)."""
    return {
        "partner_id": partner.id, "event_id": event_id, "user_id": accepted.user_id,
        "status": PARTNER_EVENT_CREDITED if accepted.user_id is not None else PARTNER_EVENT_HELD,
        "partner_user_id": partner_user_id, "scenario_id": accepted.target.id,
        "quantity_milli": accepted.quantity_milli, "occurred_at": occurred_at,
        "record_id": None, "note": "", "created_at": utcnow(),
    }  # fmt: skip


def _record_partner_event(reads, event_id, scenario, quantity, occurred_at, openid,
                          partner_user_id):  # fmt: skip
    partner = reads.partner
    accepted = check_event(reads, event_id, scenario, quantity, occurred_at, openid,
                           partner_user_id)  # fmt: skip
    if isinstance(accepted, PartnerEvent):
        return result_of(accepted), False
    event = _claim(claim_values(partner, event_id, accepted, partner_user_id, occurred_at))
    if event is None:  # recorded since the event was read as new (a redelivery)
        return result_of(EventReads(partner).seen(event_id)), False
    if (user_id := accepted.user_id) is None:
        return result_of(event), True
    target = accepted.target
    caps.reserve(user_id, shanghai_day(occurred_at), caps.scenario_subject(target.id),
                 accepted.quantity_milli, target.daily_cap_milli)  # fmt: skip
    _credit(partner, event, user_id, target, accepted.version, accepted.live)
    return result_of(event), True


def claim_event_row(values: dict) -> int | None:
    """Insert the event's row (`claim_values`); its id, or None when its (partner,
    event_id) is taken: one Core `INSERT ... ON CONFLICT DO NOTHING RETURNING id` (no
    savepoint). A concurrent delivery of the same event waits for the first (PostgreSQL)
    and then inserts nothing."""
    return execute_built("checkins.claim_partner_event", _claim_statement, values).scalar()


def unclaim_event_row(row_id: int) -> None:
    """Take back a claim this transaction made (`claim_event_row`): its event was refused
    after all (a batch's daily cap, app/checkins/partner_settle.py)."""
    db.session.execute(delete(PartnerEvent).where(PartnerEvent.id == row_id))


def _claim(values: dict) -> PartnerEvent | None:
    """`claim_event_row`, then the entity the ORM would have loaded."""
    if (event_id := claim_event_row(values)) is None:
        return None
    event = PartnerEvent(id=event_id, **values)
    attach_inserted(event)
    return event


def _claim_statement(insert):
    return insert(_events).on_conflict_do_nothing().returning(_events.c.id)


def _credit(
    partner: Partner, event: PartnerEvent, user_id: int, target: Scenario,
    version: MethodologyVersion | None = None, live: list | None = None,
) -> None:  # fmt: skip
    """Make the event's record approved and paid, then its campaigns' bonuses (its cap
    already reserved). `version` and `live`: the methodology version and live campaigns
    at the event's time, when the caller read them already."""
    reference = event_reference(partner.code, event.event_id)
    record = carbon.create_record(
        # mypy: a claimed (credited) event carries its quantity and time.
        user_id, target, event.quantity_milli, evidence_type="partner",  # type: ignore[arg-type]
        evidence_ref=reference, occurred_at=event.occurred_at, approved=True, version=version,
        reward=carbon.Reward("partner_reward", reference),
    )  # fmt: skip
    event.record_id = record.id
    if live is None:
        live = approval.live_campaigns(target.code, record.occurred_at)
    approval.pay_campaigns(record, live)


def pay_held_events(partner: Partner, partner_user_id: str, user_id: int) -> list[PartnerEvent]:
    """Pay the newly bound resident what the partner reported while the account was
    unbound: events within the hold window are credited (each claimed by a conditional
    UPDATE from `held`, so a concurrent binding cannot pay it again), each under the
    scenario's daily cap of the day it happened; older ones, and ones over the cap or
    without consent, lapse with a note. Returns the events it decided, oldest first.
    The caller holds the partner's lock (bindings.bind_partner_account)."""
    now = utcnow()
    held = list(
        db.session.scalars(
            select(PartnerEvent)
            .where(
                PartnerEvent.partner_id == partner.id,
                PartnerEvent.partner_user_id == partner_user_id,
                PartnerEvent.status == PARTNER_EVENT_HELD,
            )
            .order_by(PartnerEvent.occurred_at, PartnerEvent.id)
        )
    )
    decided, to_pay = [], []
    # Every event's claim and day counter first, then the payments (accounts): the lock
    # order of a single event (counter, then accounts), so a check-in of the same
    # resident at the same moment never holds an account this binding waits for while
    # waiting for a counter this binding holds.
    for event in held:
        claimed = db.session.execute(  # type: ignore[attr-defined]  # a DML result is a CursorResult
            update(PartnerEvent)
            .where(PartnerEvent.id == event.id, PartnerEvent.status == PARTNER_EVENT_HELD)
            .values(status=PARTNER_EVENT_CREDITED, user_id=user_id)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not claimed:
            continue
        db.session.refresh(event)
        target = db.session.get_one(Scenario, event.scenario_id)
        note = _why_not_paid(event, target, user_id, now)
        if note:
            event.status, event.user_id, event.note = PARTNER_EVENT_LAPSED, None, note
            db.session.flush()
        else:
            to_pay.append((event, target))
        decided.append(event)
    for event, target in to_pay:
        _credit(partner, event, user_id, target)
    return decided


def _why_not_paid(event: PartnerEvent, target: Scenario, user_id: int, now: datetime) -> str:
    """'' when the claimed event can be paid now (its cap is then reserved), else why not."""
    # mypy: a held event carries its quantity and time (set when it is held).
    if event.occurred_at < now - hold_window():  # type: ignore[operator]
        return "hold_window_passed"
    if not target.active:
        return "scenario_inactive"
    if not carbon.has_consent(user_id, target.id):
        return "consent_required"
    subject = caps.scenario_subject(target.id)
    # mypy: a held event carries its quantity and time (set when it is held).
    day = shanghai_day(event.occurred_at)  # type: ignore[arg-type]
    if not caps.try_reserve(user_id, day, subject, event.quantity_milli, target.daily_cap_milli):  # type: ignore[arg-type]
        return "daily_cap_reached"
    return ""


def answer_status(result: dict, created: bool) -> int:
    """The HTTP status `POST /partner/events` answers for an event's result: 201 credited,
    202 held for an unbound partner user, 200 an event_id seen before."""
    if not created:
        return 200
    return 202 if result["status"] == PARTNER_EVENT_HELD else 201


def result_of(event: PartnerEvent) -> dict:
    """What the webhook answers about an event (first delivery or a redelivery)."""
    record = carbon.get_record(event.record_id) if event.record_id else None
    held_until = None
    if event.status == PARTNER_EVENT_HELD and event.occurred_at is not None:
        held_until = event.occurred_at + hold_window()
    return {
        "event_id": event.event_id,
        "record_id": record.id if record else None,
        "status": record.status if record else event.status,
        "carbon_mg": record.carbon_mg if record else None,
        "points": record.points if record else 0,
        "held_until": held_until,
        "note": event.note or None,
    }
