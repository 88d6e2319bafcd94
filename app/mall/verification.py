"""Verification (核销) at the counter, and what a merchant may see of its coupons.

A clerk only ever reaches coupons of their own merchant: a full code of another
merchant's coupon answers exactly like a code that does not exist (404
`coupon_not_found`), and a short code is only looked up within the clerk's merchant.
`issued -> used` is one conditional UPDATE, so two clerks scanning one code at once give
one success and one `coupon_already_used`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select, update

from app.db import utcnow
from app.extensions import db
from app.mall.codes import parse_short_code
from app.mall.display import describe_coupons
from app.mall.errors import (
    CouponAlreadyUsed,
    CouponCancelled,
    CouponExpired,
    CouponNotFound,
    CouponNotYetValid,
)
from app.mall.models import COUPON_CANCELLED, COUPON_EXPIRED, COUPON_ISSUED, COUPON_USED, Coupon
from app.merchants import service as merchants
from app.pagination import paginate_desc


def _find_for_merchant(merchant_id: int, code: str) -> Coupon:
    text = code.strip()
    short = parse_short_code(text)
    if short is not None:
        stmt = select(Coupon).where(Coupon.merchant_id == merchant_id, Coupon.short_code == short)
    else:
        stmt = select(Coupon).where(Coupon.code == text)
    coupon = db.session.scalar(stmt)
    if coupon is None or coupon.merchant_id != merchant_id:
        raise CouponNotFound()
    return describe_coupons([coupon])[0]


def _raise_if_unusable(coupon: Coupon, now: datetime) -> None:
    if coupon.status == COUPON_USED:
        raise CouponAlreadyUsed(used_at=coupon.used_at.isoformat() if coupon.used_at else None)
    if coupon.status == COUPON_CANCELLED:
        raise CouponCancelled()
    if coupon.status == COUPON_EXPIRED or coupon.expires_at <= now:
        raise CouponExpired()
    if coupon.valid_from is not None and now < coupon.valid_from:
        raise CouponNotYetValid()


def lookup_coupon(staff_user_id: int, code: str) -> Coupon:
    """A coupon of the caller's merchant by full or short code, to show before verifying.

    Raises NotMerchantStaff (403), CouponNotFound (404).
    """
    membership = merchants.require_staff(staff_user_id)
    return _find_for_merchant(membership.merchant_id, code)


def verify_coupon(staff_user_id: int, code: str) -> Coupon:
    """Mark a coupon used, recording who verified it and when.

    Raises NotMerchantStaff (403), CouponNotFound (404, also another merchant's coupon),
    CouponAlreadyUsed, CouponExpired, CouponCancelled, CouponNotYetValid, MerchantFrozen
    (409 `merchant_frozen`: nothing is verified, hence settled, while frozen).
    """
    membership = merchants.require_staff(staff_user_id)
    coupon = _find_for_merchant(membership.merchant_id, code)
    now = utcnow()
    _raise_if_unusable(coupon, now)
    if merchants.is_merchant_frozen(coupon.merchant_id):
        raise merchants.MerchantFrozen()
    result = db.session.execute(
        update(Coupon)
        .where(
            Coupon.id == coupon.id,
            Coupon.status == COUPON_ISSUED,
            Coupon.expires_at > now,
            or_(Coupon.valid_from.is_(None), Coupon.valid_from <= now),
            Coupon.merchant_id.in_(merchants.active_merchant_ids_filter()),
        )
        .values(status=COUPON_USED, used_at=now, verified_by=staff_user_id)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(coupon)
    if result.rowcount != 1:  # type: ignore[attr-defined]  # a DML result is a CursorResult
        _raise_if_unusable(coupon, now)
        if merchants.is_merchant_frozen(coupon.merchant_id):  # frozen just now
            raise merchants.MerchantFrozen()
        raise CouponAlreadyUsed()  # pragma: no cover - the refresh above names the state
    return coupon


def list_merchant_coupons(
    staff_user_id: int, status: str | None, limit: int, cursor: str | None
) -> tuple[list[Coupon], str | None]:
    """One page of the caller's merchant's coupons, newest first.

    Raises NotMerchantStaff (403), InvalidCursor (400).
    """
    membership = merchants.require_staff(staff_user_id)
    stmt = select(Coupon).where(Coupon.merchant_id == membership.merchant_id)
    if status:
        stmt = stmt.where(Coupon.status == status)
    rows, next_cursor = paginate_desc(stmt, Coupon.id, limit, cursor)
    return describe_coupons(rows), next_cursor


def used_coupons_between(merchant_id: int, start: datetime, end: datetime) -> list[Coupon]:
    """Coupons of a merchant verified in [start, end), oldest first (for settlement)."""
    return list(
        db.session.scalars(
            select(Coupon)
            .where(
                Coupon.merchant_id == merchant_id,
                Coupon.status == COUPON_USED,
                Coupon.used_at >= start,
                Coupon.used_at < end,
            )
            .order_by(Coupon.used_at, Coupon.id)
        )
    )
