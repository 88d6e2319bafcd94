"""Partner systems: operator-created partners and their signed webhooks.

A request is accepted only if the partner is known and active, `X-Timestamp` is within
`PARTNER_TIMESTAMP_WINDOW_SECONDS` of our clock, `X-Signature` is the hex HMAC-SHA256 of
`timestamp\\nnonce\\nbody` with the partner's secret, and `X-Nonce` was never seen
before (Redis `SET NX EX`, remembered longer than the window; checked last, so a forged
request cannot burn a nonce). Secrets live in the database, encrypted with a key derived
from SECRET_KEY, because verifying an HMAC needs the secret itself. The events themselves
are app/checkins/partner_events.py; residents binding their partner accounts,
app/checkins/bindings.py.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
import zlib

import redis
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.carbon import service as carbon
from app.checkins.errors import EvidenceNotAccepted
from app.checkins.models import Partner
from app.checkins.settings import fernet, setting
from app.errors import Conflict, NotFound, ServiceUnavailable, Unauthorized
from app.extensions import db, redis_client
from app.pagination import paginate_desc
from app.sql import select_for_update, transaction_lock

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


def get_active_partner(code: str) -> Partner:
    """An active partner by its code. Raises PartnerNotFound."""
    partner = db.session.scalar(select(Partner).where(Partner.code == code))
    if partner is None or not partner.active:
        raise PartnerNotFound()
    return partner


def list_active_partners() -> list[Partner]:
    """Active partners in code order (residents choose whom to bind)."""
    return list(db.session.scalars(select(Partner).where(Partner.active).order_by(Partner.code)))


# The partner settlements' advisory lock (a fixed 32-bit number: no other lock uses it;
# its value is the one the batches took before bindings shared it).
_SETTLEMENT_LOCK = zlib.crc32(b"checkins:partner-event-batches")


def lock_settlements() -> None:
    """Settle alone until the commit, among partner batches and bindings (PostgreSQL: an
    advisory lock; SQLite: the write lock, taken now). Both take several residents' day
    counters and accounts; one at a time, they never hold them in opposite orders. Taken
    before the partner's row (`lock_partner`)."""
    transaction_lock(_SETTLEMENT_LOCK)


def lock_partner(partner_id: int) -> None:
    """Lock the partner's row until the commit (on SQLite: the write lock, taken now):
    holding an event for an unbound partner user and binding that user take it first, so
    an event is either seen by the binding or sees the binding."""
    select_for_update(select(Partner.id).where(Partner.id == partner_id))
