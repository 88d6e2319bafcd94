"""Binding a resident's account at a partner (bus company, bike share) to the resident.

A partner knows its own user ids, not our openids. It asks us (signed, server to server)
for a one-time code for one of its users and shows it in its own app; the resident types
it into the mini-program. Redeeming the code binds (partner, partner user id) to the
resident, grants the consents for the partner's scenarios (the mini-program says so
before the resident confirms) and pays what the partner reported while the account was
unbound (app/checkins/partner_events.py, within `PARTNER_HOLD_DAYS`). Codes are single
use (a conditional UPDATE claims one), expire after `PARTNER_BINDING_CODE_TTL_SECONDS`,
and only their SHA-256 is stored; wrong guesses are limited per resident (the view).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from app.carbon import service as carbon
from app.checkins.models import (
    PARTNER_EVENT_CREDITED,
    Partner,
    PartnerBinding,
    PartnerBindingCode,
    PartnerEvent,
)
from app.checkins.partner_events import pay_held_events
from app.checkins.partners import get_active_partner, lock_partner, lock_settlements
from app.checkins.settings import setting
from app.db import utcnow
from app.errors import Conflict, NotFound
from app.extensions import db
from app.users import service as users

# No 0/O, 1/I/L: the code is read off one app and typed into another.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10  # 31^10 ≈ 2^49, single use, minutes to live, wrong guesses limited


class BindingCodeNotFound(NotFound):
    reason, message = "binding_code_not_found", "绑定码无效，请核对后重试"


class BindingNotFound(NotFound):
    reason, message = "binding_not_found", "没有绑定该合作方账号"


@dataclass(frozen=True)
class IssuedCode:
    code: str
    partner_user_id: str
    expires_at: datetime


@dataclass(frozen=True)
class BindingResult:
    binding: PartnerBinding
    partner: Partner
    paid: list[PartnerEvent]  # held events decided by this binding (credited or lapsed)


def _normalise(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def _hash(code: str) -> str:
    return hashlib.sha256(_normalise(code).encode()).hexdigest()


def issue_binding_code(partner: Partner, partner_user_id: str) -> IssuedCode:
    """A one-time code the partner shows its user, who enters it in the mini-program.

    Raises nothing (an authenticated partner may issue codes for any of its users)."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    expires_at = utcnow() + timedelta(seconds=setting("PARTNER_BINDING_CODE_TTL_SECONDS"))
    db.session.add(
        PartnerBindingCode(
            partner_id=partner.id,
            partner_user_id=partner_user_id,
            code_hash=_hash(raw),
            expires_at=expires_at,
        )
    )
    db.session.flush()
    return IssuedCode(f"{raw[:5]}-{raw[5:]}", partner_user_id, expires_at)


def bind_partner_account(user_id: int, code: str) -> BindingResult:
    """Redeem a binding code: the partner's account becomes the resident's, the partner's
    scenarios are consented to, and events held for the account are paid.

    Raises BindingCodeNotFound (404), Conflict (`binding_code_used`,
    `binding_code_expired`, `partner_account_bound`: that account belongs to another
    resident, `partner_already_bound`: the resident bound another account there),
    AccountFrozen (403 `account_frozen`: held events are not paid to a frozen account).
    """
    users.require_not_frozen(user_id)
    now = utcnow()
    code_hash = _hash(code)
    claimed = db.session.execute(  # type: ignore[attr-defined]  # a DML result is a CursorResult
        update(PartnerBindingCode)
        .where(
            PartnerBindingCode.code_hash == code_hash,
            PartnerBindingCode.used_at.is_(None),
            PartnerBindingCode.expires_at > now,
        )
        .values(used_by=user_id, used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    issued = db.session.scalar(
        select(PartnerBindingCode).where(PartnerBindingCode.code_hash == code_hash)
    )
    partner = db.session.get(Partner, issued.partner_id) if issued else None
    if issued is None or partner is None or not partner.active:
        raise BindingCodeNotFound()
    if not claimed:
        if issued.used_at is not None:
            raise Conflict("绑定码已被使用", reason="binding_code_used")
        raise Conflict("绑定码已过期，请在合作方应用中重新获取", reason="binding_code_expired")
    lock_settlements()  # no partner batch settles meanwhile (lock order: partners.py)
    lock_partner(partner.id)  # held events of this account are now decided by us alone
    binding = _insert_binding(partner.id, issued.partner_user_id, user_id)
    for scenario in partner.scenario_codes:
        carbon.set_consent(user_id, scenario, True, carbon.current_consent_version())
    paid = pay_held_events(partner, issued.partner_user_id, user_id)
    return BindingResult(binding, partner, paid)


def _insert_binding(partner_id: int, partner_user_id: str, user_id: int) -> PartnerBinding:
    existing = db.session.scalar(
        select(PartnerBinding).where(
            PartnerBinding.partner_id == partner_id,
            PartnerBinding.partner_user_id == partner_user_id,
        )
    )
    if existing is not None and existing.user_id == user_id:
        return existing  # a second code for the same account: already bound, nothing new
    binding = PartnerBinding(
        partner_id=partner_id, partner_user_id=partner_user_id, user_id=user_id
    )
    try:
        with db.session.begin_nested():
            db.session.add(binding)
    except IntegrityError:
        taken = db.session.scalar(
            select(PartnerBinding.user_id).where(
                PartnerBinding.partner_id == partner_id,
                PartnerBinding.partner_user_id == partner_user_id,
            )
        )
        if taken is not None:
            raise Conflict("该合作方账号已绑定其他用户", reason="partner_account_bound") from None
        raise Conflict(
            "你已绑定该合作方的另一个账号，请先解绑", reason="partner_already_bound"
        ) from None
    return binding


def list_bindings(user_id: int) -> list[tuple[PartnerBinding, Partner]]:
    """The resident's partner accounts, oldest first."""
    rows = db.session.execute(
        select(PartnerBinding, Partner)
        .join(Partner, Partner.id == PartnerBinding.partner_id)
        .where(PartnerBinding.user_id == user_id)
        .order_by(PartnerBinding.id)
    )
    return [(row.PartnerBinding, row.Partner) for row in rows]


def unbind_partner_account(user_id: int, partner_code: str) -> None:
    """Forget the resident's account at a partner: its later events are held again.

    Raises PartnerNotFound, BindingNotFound (404)."""
    partner = get_active_partner(partner_code)
    removed = db.session.execute(  # type: ignore[attr-defined]  # a DML result is a CursorResult
        delete(PartnerBinding).where(
            PartnerBinding.partner_id == partner.id, PartnerBinding.user_id == user_id
        )
    ).rowcount
    if not removed:
        raise BindingNotFound()


def paid_summary(events: list[PartnerEvent]) -> dict:
    """How many held events a binding credited, the points they made, and how many lapsed."""
    credited = [e for e in events if e.status == PARTNER_EVENT_CREDITED]
    points = 0
    for event in credited:
        # mypy: credited events have their record.
        points += carbon.get_record(event.record_id).points  # type: ignore[arg-type]
    return {"credited": len(credited), "points": points, "lapsed": len(events) - len(credited)}


def export_bindings(user_id: int) -> list[dict]:
    """The resident's partner accounts (data export)."""
    return [
        {
            "partner": partner.code,
            "partner_user_id": binding.partner_user_id,
            "bound_at": binding.created_at.isoformat(),
        }
        for binding, partner in list_bindings(user_id)
    ]


def erase_bindings(user_id: int) -> None:
    """Account deletion: the partner accounts are unbound."""
    db.session.execute(delete(PartnerBinding).where(PartnerBinding.user_id == user_id))
