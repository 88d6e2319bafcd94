"""Partner systems: operator-created partners, signed webhooks, events credited once.

A request is accepted only if the partner is known and active, `X-Timestamp` is within
`PARTNER_TIMESTAMP_WINDOW_SECONDS` of our clock, `X-Signature` is the hex HMAC-SHA256 of
`timestamp\\nnonce\\nbody` with the partner's secret, and `X-Nonce` was never seen
before (Redis `SET NX EX`, remembered longer than the window; checked last, so a forged
request cannot burn a nonce). Secrets live in the database, encrypted with a key derived
from SECRET_KEY, because verifying an HMAC needs the secret itself.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from datetime import datetime, timedelta
from decimal import Decimal

import redis
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.carbon import service as carbon
from app.carbon.rules import shanghai_day
from app.checkins import caps, outcomes
from app.checkins import quantity as quantities
from app.checkins.errors import EvidenceNotAccepted, ScenarioInactive
from app.checkins.models import Partner, PartnerEvent
from app.checkins.settings import fernet, setting
from app.db import utcnow
from app.errors import (
    Conflict,
    Forbidden,
    NotFound,
    ServiceUnavailable,
    Unauthorized,
    Unprocessable,
)
from app.extensions import db, redis_client
from app.pagination import paginate_desc
from app.users import service as users

_NONCE = re.compile(r"^[A-Za-z0-9_\-]{8,64}$")
_SECRET_PURPOSE = b"partner-secret"


class PartnerUnauthorized(Unauthorized):
    reason, message = "invalid_signature", "合作方签名校验失败"


class PartnerNotFound(NotFound):
    reason, message = "partner_not_found", "合作方不存在"


def _new_secret() -> tuple[str, str]:
    secret = secrets.token_urlsafe(32)
    return secret, fernet(_SECRET_PURPOSE).encrypt(secret.encode()).decode()


def create_partner(
    code: str, name: str, scenario_codes: list[str], claims_reductions: bool = False
) -> tuple[Partner, str]:
    """Register a partner for some scenarios; returns it with its secret (shown once).
    `claims_reductions`: the partner counts the reductions itself (never batched).

    Raises ScenarioNotFound, EvidenceNotAccepted, Conflict (reason `partner_exists`).
    """
    for scenario_code in scenario_codes:
        if "partner" not in carbon.get_scenario(scenario_code).evidence_types:
            raise EvidenceNotAccepted(f"场景 {scenario_code} 不接受合作方数据")
    secret, secret_enc = _new_secret()
    partner = Partner(code=code, name=name, secret_enc=secret_enc,
                      scenarios=",".join(dict.fromkeys(scenario_codes)),
                      claims_reductions=claims_reductions)  # fmt: skip
    try:
        with db.session.begin_nested():
            db.session.add(partner)
    except IntegrityError:
        raise Conflict("合作方代码已存在", reason="partner_exists") from None
    return partner, secret


def rotate_partner_secret(partner_id: int) -> tuple[Partner, str]:
    """Issue a new secret; the old one stops working at once. Raises PartnerNotFound."""
    partner = db.session.get(Partner, partner_id)
    if partner is None:
        raise PartnerNotFound()
    secret, partner.secret_enc = _new_secret()
    db.session.flush()
    return partner, secret


def set_partner_claims(partner_id: int, claims_reductions: bool) -> Partner:
    """Say whether the partner counts its reductions itself (applies to future batches).

    Raises PartnerNotFound."""
    partner = db.session.get(Partner, partner_id)
    if partner is None:
        raise PartnerNotFound()
    partner.claims_reductions = claims_reductions
    db.session.flush()
    return partner


def partners_claiming_reductions() -> list[str]:
    """Codes of the partners that count their reductions themselves (registry batches)."""
    return list(db.session.scalars(select(Partner.code).where(Partner.claims_reductions)))


def list_partners(limit: int, cursor: str | None) -> tuple[list[Partner], str | None]:
    """Partners, newest first. Raises InvalidCursor."""
    return paginate_desc(select(Partner), Partner.id, limit, cursor)


def authenticate_partner(
    code: str | None, timestamp: str | None, nonce: str | None, signature: str | None,
    body: bytes,
) -> Partner:  # fmt: skip
    """Check a webhook's partner, timestamp window, signature and nonce, in that order.

    Raises PartnerUnauthorized (401: `unknown_partner`, `invalid_timestamp`,
    `timestamp_out_of_window`, `invalid_nonce`, `invalid_signature`, `nonce_reused`),
    ServiceUnavailable (503) when replay protection cannot be checked.
    """
    partner = db.session.scalar(select(Partner).where(Partner.code == (code or "")))
    if partner is None or not partner.active:
        raise PartnerUnauthorized("未知的合作方", reason="unknown_partner")
    try:
        sent_at = int(timestamp or "")
    except ValueError:
        raise PartnerUnauthorized("时间戳无效", reason="invalid_timestamp") from None
    if abs(time.time() - sent_at) > setting("PARTNER_TIMESTAMP_WINDOW_SECONDS"):
        raise PartnerUnauthorized("请求时间戳超出允许范围", reason="timestamp_out_of_window")
    if not nonce or not _NONCE.match(nonce):
        raise PartnerUnauthorized("随机数无效", reason="invalid_nonce")
    secret = fernet(_SECRET_PURPOSE).decrypt(partner.secret_enc.encode())
    expected = hmac.new(secret, f"{timestamp}\n{nonce}\n".encode() + body, hashlib.sha256)
    if not hmac.compare_digest(expected.hexdigest(), (signature or "").strip().lower()):
        raise PartnerUnauthorized()
    try:
        fresh = redis_client.set(
            f"checkins:partner-nonce:{partner.id}:{nonce}", "1", nx=True,
            ex=setting("PARTNER_NONCE_TTL_SECONDS"),
        )  # fmt: skip
    except redis.RedisError:
        raise ServiceUnavailable("暂时无法校验请求，请稍后重试") from None
    if not fresh:
        raise PartnerUnauthorized("该请求已处理过（随机数重复）", reason="nonce_reused")
    return partner


def record_partner_event(
    partner: Partner, *, event_id: str, openid: str, scenario: str, quantity: Decimal,
    occurred_at: datetime,
) -> tuple[dict, bool]:  # fmt: skip
    """Credit a partner event once; returns (result, created). A known event_id returns
    the first result with created=False.

    Raises ScenarioNotFound, Forbidden (`scenario_not_allowed`), ScenarioInactive,
    EvidenceNotAccepted, UserNotFound (404 `user_not_found`), AccountFrozen (403
    `account_frozen`: the resident's account is frozen), Conflict (`consent_required`),
    Unprocessable (`invalid_occurred_at`, `invalid_quantity`), DailyCapReached (409).
    """
    with outcomes.counted(scenario, "partner") as kept:
        result, created = _record_partner_event(partner, event_id, openid, scenario, quantity,
                                                occurred_at)  # fmt: skip
        if created:  # a replay of a known event is no new check-in
            kept(result["record"].status)
    return result, created


def _record_partner_event(partner, event_id, openid, scenario, quantity, occurred_at):
    lookup = select(PartnerEvent).where(
        PartnerEvent.partner_id == partner.id, PartnerEvent.event_id == event_id
    )
    if (seen := db.session.scalar(lookup)) is not None:
        return _result(seen), False
    target = carbon.get_scenario(scenario)
    if scenario not in partner.scenario_codes:
        raise Forbidden("该合作方无权上报此场景", reason="scenario_not_allowed")
    if not target.active:
        raise ScenarioInactive()
    if "partner" not in target.evidence_types:
        raise EvidenceNotAccepted()
    user = users.find_resident_by_openid(openid)
    if user is None:
        raise NotFound("用户不存在", reason="user_not_found")
    users.require_not_frozen(user.id)
    if not carbon.has_consent(user.id, target.id):
        raise Conflict("用户未授权该场景的数据使用", reason="consent_required")
    now = utcnow()
    max_age = timedelta(days=setting("PARTNER_EVENT_MAX_AGE_DAYS"))
    if occurred_at > now + timedelta(minutes=5) or occurred_at < now - max_age:
        raise Unprocessable("事件时间不在可接受范围内", reason="invalid_occurred_at")
    quantity_milli = quantities.from_partner(target, quantity)
    event = PartnerEvent(partner_id=partner.id, event_id=event_id, user_id=user.id)
    try:
        with db.session.begin_nested():  # the unique (partner, event_id) claims the event
            db.session.add(event)
    except IntegrityError:
        return _result(db.session.scalar(lookup)), False
    day = shanghai_day(occurred_at)
    caps.reserve(user.id, day, caps.scenario_subject(target.id), quantity_milli,
                 target.daily_cap_milli)  # fmt: skip
    record = carbon.create_record(
        user.id, target, quantity_milli, evidence_type="partner",
        evidence_ref=f"partner:{partner.code}:{event_id}", occurred_at=occurred_at,
    )  # fmt: skip
    event.record_id = record.id
    db.session.flush()
    reward = carbon.Reward("partner_reward", f"partner:{partner.code}:{event_id}")
    carbon.approve_record(record.id, reward=reward)
    return _result(event), True


def _result(event: PartnerEvent) -> dict:
    record = carbon.get_record(event.record_id)
    return {"event_id": event.event_id, "record": record}
