"""Merchants, staff membership and invites. Services flush; the request boundary commits.

Authorisation of every merchant call goes through `require_staff` / `require_owner`, which
read `merchant_staff` from the database on each call: removing a clerk ends their access
to the merchant with the very next request, on every worker.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from app.audit.service import record_audit
from app.db import utcnow
from app.errors import Conflict, Forbidden, NotFound
from app.extensions import db
from app.merchants.models import (
    MERCHANT_ACTIVE,
    STAFF_CLERK,
    STAFF_OWNER,
    Merchant,
    MerchantInvite,
    MerchantStaff,
)
from app.merchants.places import (  # noqa: F401  (re-exported for other domains)
    PLACE_COLUMNS,
    MerchantNotFound,
    cached_merchant,
    get_active_merchant,
    list_active_merchants,
    merchant_places,
    on_profile_change,
    profile_changed,
)
from app.merchants.standing import (  # noqa: F401  (the domain's interface)
    MerchantFrozen,
    freeze_merchant,
    is_merchant_frozen,
    register_standing_listener,
    unfreeze_merchant,
)
from app.pagination import paginate_desc
from app.users import service as users

INVITE_TTL = timedelta(hours=24)
# No 0/O, 1/I/L: an invite code is read aloud or typed from a phone screen.
INVITE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
INVITE_LENGTH = 12  # 31^12 ≈ 2^59, single use, 24 h, joins rate limited per user
ROLE_OWNER = "merchant_owner"
ROLE_CLERK = "merchant_clerk"
PROFILE_FIELDS = ("name", "description", *PLACE_COLUMNS)


class NotMerchantStaff(Forbidden):
    reason, message = "not_merchant_staff", "您不是商户员工"


class NotMerchantOwner(Forbidden):
    reason, message = "not_merchant_owner", "仅商户店主可以进行此操作"


class AlreadyMerchantStaff(Conflict):
    reason, message = "already_merchant_staff", "该用户已是某个商户的员工"


class StaffNotFound(NotFound):
    reason, message = "staff_not_found", "员工不存在"


class InviteNotFound(NotFound):
    reason, message = "invite_not_found", "邀请码无效"


@dataclass(frozen=True)
class Membership:
    """The caller's place in a merchant: which merchant, and as owner or clerk."""

    merchant_id: int
    user_id: int
    role: str

    @property
    def is_owner(self) -> bool:
        return self.role == STAFF_OWNER


@dataclass(frozen=True)
class InviteResult:
    invite_code: str
    expires_at: datetime


def require_staff(user_id: int) -> Membership:
    """The merchant this user works for, read from the database now.

    Raises NotMerchantStaff (403) if they are nobody's staff (never were, or removed).
    """
    row = db.session.execute(
        select(MerchantStaff.merchant_id, MerchantStaff.role).where(
            MerchantStaff.user_id == user_id
        )
    ).one_or_none()
    if row is None:
        raise NotMerchantStaff()
    return Membership(merchant_id=row.merchant_id, user_id=user_id, role=row.role)


def require_owner(user_id: int) -> Membership:
    """Like `require_staff`, and the user must be the owner. Raises NotMerchantStaff,
    NotMerchantOwner (403)."""
    membership = require_staff(user_id)
    if not membership.is_owner:
        raise NotMerchantOwner()
    return membership


def get_merchant(merchant_id: int) -> Merchant:
    """One merchant. Raises MerchantNotFound."""
    merchant = db.session.get(Merchant, merchant_id)
    if merchant is None:
        raise MerchantNotFound()
    return merchant


def merchant_names(merchant_ids: set[int]) -> dict[int, str]:
    """{merchant id: name} for the given ids (one query)."""
    if not merchant_ids:
        return {}
    rows = db.session.execute(
        select(Merchant.id, Merchant.name).where(Merchant.id.in_(merchant_ids))
    )
    return {row.id: row.name for row in rows}


def active_merchant_ids_filter():
    """A SQL subquery of the ids of merchants whose offers may be sold."""
    return select(Merchant.id).where(Merchant.status == MERCHANT_ACTIVE).scalar_subquery()


def is_merchant_active(merchant_id: int) -> bool:
    """Whether the merchant exists and is active (from the process's copies when current:
    an early answer only; the stock UPDATE's own condition decides a sale)."""
    merchant = cached_merchant(merchant_id)
    return merchant is not None and merchant.status == MERCHANT_ACTIVE


def create_merchant(
    name: str, owner_user_id: int, *, created_by: int | None, description: str = "",
    address: str = "", phone: str = "", opening_hours: str = "",
    latitude_e6: int | None = None, longitude_e6: int | None = None,
) -> Merchant:  # fmt: skip
    """Admit a merchant to the alliance; its owner gets the role `merchant_owner`.

    Raises NotFound (`user_not_found`), AlreadyMerchantStaff (409) when the owner already
    works for a merchant.
    """
    owner = users.find_live_user(owner_user_id)
    merchant = Merchant(
        name=name, owner_user_id=owner.id, created_by=created_by,
        description=description, address=address, phone=phone, opening_hours=opening_hours,
        latitude_e6=latitude_e6, longitude_e6=longitude_e6,
    )  # fmt: skip
    db.session.add(merchant)
    db.session.flush()
    _add_staff(merchant.id, owner.id, STAFF_OWNER, invited_by=created_by)
    users.grant_role(owner.id, ROLE_OWNER)
    record_audit(
        created_by, "merchant.create", f"merchant:{merchant.id}", None,
        {"name": name, "owner_user_id": owner.id},
    )  # fmt: skip
    return merchant


def update_merchant_profile(owner_user_id: int, changes: dict) -> Merchant:
    """The owner edits name, description, address, phone, opening hours or position
    (latitude and longitude together). Raises NotMerchantStaff, NotMerchantOwner."""
    membership = require_owner(owner_user_id)
    merchant = get_merchant(membership.merchant_id)
    for field in PROFILE_FIELDS:
        if field in changes:
            setattr(merchant, field, changes[field])
    db.session.flush()
    profile_changed()
    return merchant


def get_my_merchant(staff_user_id: int) -> Merchant:
    """The merchant the caller works for. Raises NotMerchantStaff (403)."""
    return get_merchant(require_staff(staff_user_id).merchant_id)


def list_merchants(
    limit: int, cursor: str | None, status: str | None = None
) -> tuple[list[Merchant], str | None]:
    """One page of all merchants (of one status), newest first. Raises InvalidCursor (400)."""
    stmt = select(Merchant)
    if status:
        stmt = stmt.where(Merchant.status == status)
    return paginate_desc(stmt, Merchant.id, limit, cursor)


def list_staff(
    owner_user_id: int, limit: int, cursor: str | None
) -> tuple[list[MerchantStaff], str | None]:
    """One page of the owner's merchant's staff, newest first, each with `nickname`.

    Raises NotMerchantStaff, NotMerchantOwner (403), InvalidCursor (400).
    """
    membership = require_owner(owner_user_id)
    stmt = select(MerchantStaff).where(MerchantStaff.merchant_id == membership.merchant_id)
    rows, next_cursor = paginate_desc(stmt, MerchantStaff.id, limit, cursor)
    names = users.public_nicknames([row.user_id for row in rows])
    for row in rows:
        row.nickname = names.get(row.user_id, "")
    return rows, next_cursor


def _add_staff(merchant_id: int, user_id: int, role: str, invited_by: int | None) -> None:
    try:
        with db.session.begin_nested():
            db.session.add(
                MerchantStaff(
                    merchant_id=merchant_id, user_id=user_id, role=role, invited_by=invited_by
                )
            )
    except IntegrityError:
        raise AlreadyMerchantStaff() from None


def _normalise_invite(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def _hash_invite(code: str) -> str:
    return hashlib.sha256(_normalise_invite(code).encode()).hexdigest()


def create_staff_invite(owner_user_id: int) -> InviteResult:
    """A single-use invite code (valid 24 h) for a new clerk of the owner's merchant.

    Raises NotMerchantStaff, NotMerchantOwner.
    """
    membership = require_owner(owner_user_id)
    raw = "".join(secrets.choice(INVITE_ALPHABET) for _ in range(INVITE_LENGTH))
    expires_at = utcnow() + INVITE_TTL
    db.session.add(
        MerchantInvite(
            merchant_id=membership.merchant_id,
            code_hash=_hash_invite(raw),
            created_by=owner_user_id,
            expires_at=expires_at,
        )
    )
    db.session.flush()
    shown = "-".join(raw[i : i + 4] for i in range(0, INVITE_LENGTH, 4))
    return InviteResult(invite_code=shown, expires_at=expires_at)


def join_merchant(user_id: int, invite_code: str) -> Merchant:
    """Redeem an invite: the caller becomes a clerk (`merchant_clerk`) of its merchant.

    The invite is claimed with a conditional UPDATE, so one code makes one clerk even when
    two people use it at once. Raises InviteNotFound (404), Conflict (`invite_used`,
    `invite_expired`), AlreadyMerchantStaff (409).
    """
    now = utcnow()
    code_hash = _hash_invite(invite_code)
    claimed = db.session.execute(  # type: ignore[attr-defined]  # a DML result is a CursorResult
        update(MerchantInvite)
        .where(
            MerchantInvite.code_hash == code_hash,
            MerchantInvite.used_at.is_(None),
            MerchantInvite.expires_at > now,
        )
        .values(used_by=user_id, used_at=now)
    ).rowcount
    invite = db.session.scalar(select(MerchantInvite).where(MerchantInvite.code_hash == code_hash))
    if invite is None:
        raise InviteNotFound()
    if not claimed:
        if invite.used_at is not None:
            raise Conflict("邀请码已被使用", reason="invite_used")
        raise Conflict("邀请码已过期", reason="invite_expired")
    _add_staff(invite.merchant_id, user_id, STAFF_CLERK, invited_by=invite.created_by)
    users.grant_role(user_id, ROLE_CLERK)
    return get_merchant(invite.merchant_id)


def remove_clerk(owner_user_id: int, clerk_user_id: int) -> int:
    """Remove a clerk from the owner's merchant; returns the merchant id.

    Their next merchant call is refused (403): the staff row and the `merchant_clerk`
    role are gone from the database that every call reads. Their resident login stays.
    Raises NotMerchantStaff, NotMerchantOwner, StaffNotFound (a clerk of another
    merchant is "not found" too), Conflict (`cannot_remove_owner`).
    """
    membership = require_owner(owner_user_id)
    if clerk_user_id == owner_user_id:
        raise Conflict("店主不能移除自己", reason="cannot_remove_owner")
    removed = db.session.execute(  # type: ignore[attr-defined]  # a DML result is a CursorResult
        delete(MerchantStaff).where(
            MerchantStaff.merchant_id == membership.merchant_id,
            MerchantStaff.user_id == clerk_user_id,
            MerchantStaff.role == STAFF_CLERK,
        )
    ).rowcount
    if not removed:
        raise StaffNotFound()
    users.revoke_role(clerk_user_id, ROLE_CLERK)
    record_audit(
        owner_user_id, "merchant.staff.remove", f"merchant:{membership.merchant_id}",
        {"clerk_user_id": clerk_user_id}, None,
    )  # fmt: skip
    return membership.merchant_id
